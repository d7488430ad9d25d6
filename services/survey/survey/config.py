"""The survey service's rules: parts of ``SurveySettings`` (``settings.rules``,
``settings.public``, ``settings.analytics``), each built once with it and reading its own
``SURVEY_<AREA>_*`` variables. A test changes a rule by building the part:
``SurveySettings(rules=SurveyRules(fatigue_days=7))``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SurveyRules(BaseSettings):
    """Invitations, fatigue and the dissatisfied flag (``SURVEY_RULES_*``)."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_RULES_", extra="ignore")

    # At most one survey per customer per this many days (domain.md §4, configurable 30).
    fatigue_days: int = Field(30, ge=0, le=3650)
    # A token answers for this long after it was sent.
    invitation_valid_days: int = Field(14, ge=1, le=365)
    # Campaign reminders: the first after this many days without an answer, then as many
    # as max_reminders, the same interval apart.
    reminder_after_days: int = Field(3, ge=1, le=60)
    max_reminders: int = Field(2, ge=0, le=10)
    # A response is dissatisfied when one of these holds (each can be turned off).
    dissatisfied_when_detractor: bool = True  # NPS 0-6
    dissatisfied_csat_at_most: float | None = Field(2.0, ge=1, le=5)  # CSAT rating <= this
    # A SERVQUAL gap (perception - expectation) below this, in any dimension.
    dissatisfied_gap_below: float | None = Field(-1.5, ge=-4, le=0)
    # Built-in template sent when a ticket / a complaint closes (template key).
    ticket_closed_template: str = "post_service"
    complaint_closed_template: str = "post_complaint"
    # Product line of a product model: the longest prefix in this map, else the model's
    # text before its first "-" (JSON in SURVEY_RULES_PRODUCT_LINES='{"AC-": "air"}').
    product_lines: dict[str, str] = Field(default_factory=dict)
    # Invitations a campaign job writes per transaction.
    send_batch_size: int = Field(500, ge=1, le=5000)


class PublicSettings(BaseSettings):
    """The public (no login) answer endpoints (``SURVEY_PUBLIC_*``)."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_PUBLIC_", extra="ignore")

    # `limits` notation, per client address and, separately, per token.
    rate_limit: str = "60/minute"
    token_rate_limit: str = "20/minute"
    # memory:// (one process) or redis://host:6379/0 (shared by every replica).
    rate_limit_storage: str = "memory://"
    # Trust X-Forwarded-For (set by the gateway) for the client address.
    trust_forwarded_for: bool = True


class AnalyticsSettings(BaseSettings):
    """Pre-aggregation of responses (``SURVEY_ANALYTICS_*``)."""

    model_config = SettingsConfigDict(env_prefix="SURVEY_ANALYTICS_", extra="ignore")

    # How often new responses are rolled up (seconds; 0: never in-process, e.g. a CronJob).
    rollup_interval_s: float = Field(10.0, ge=0)
    rollup_batch_size: int = Field(5000, ge=1, le=100000)
    # How often campaign reminders and expiries are swept (seconds; 0: off).
    reminder_interval_s: float = Field(300.0, ge=0)
