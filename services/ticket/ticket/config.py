"""The ticket service's configurable rules, one nested part of ``TicketSettings`` each,
read from its own ``TICKET_<AREA>_*`` variables when the settings object is built."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

TICKET_TYPES = (
    "installation",
    "repair",
    "maintenance",
    "inspection",
    "return_exchange",
    "consultation",
)
REGION_CLASSES = ("city", "town", "rural")
SLA_TARGETS = ("first_contact", "on_site", "resolution")


class SlaSettings(BaseSettings):
    """Default response-time standards (服务响应时间标准, domain.md §3) and the breach sweep.

    The configured matrix (``/api/v1/response-standards``) wins over these defaults."""

    model_config = SettingsConfigDict(env_prefix="TICKET_SLA_", extra="ignore")

    first_contact_hours: float = Field(2.0, gt=0)
    on_site_hours: dict[str, float] = Field(
        default_factory=lambda: {"city": 24.0, "town": 48.0, "rural": 72.0}
    )
    # Resolution target per ticket type (hours).
    resolution_hours: dict[str, float] = Field(
        default_factory=lambda: {
            "installation": 72.0,
            "repair": 120.0,
            "maintenance": 120.0,
            "inspection": 72.0,
            "return_exchange": 168.0,
            "consultation": 24.0,
        }
    )
    # Key accounts (大客户) get the default on-site target multiplied by this (halved).
    key_account_factor: float = Field(0.5, gt=0, le=1)
    # Which default targets run around the clock (24×7) instead of on the business calendar.
    around_the_clock: list[str] = Field(default_factory=list)
    # A target is "at risk" when it is due within this many minutes.
    at_risk_minutes: float = Field(60.0, ge=0)
    # The breach sweep runs this often (seconds); breaches are detected within it.
    sweep_interval_s: float = Field(30.0, gt=0)
    sweep_batch_size: int = Field(500, ge=1, le=5000)
    # Whom a breach escalates to (the service manager on duty; a role or a user id).
    escalate_to: str = "service_manager"


class WarrantySettings(BaseSettings):
    """Warranty periods from the purchase date, per product line (months)."""

    model_config = SettingsConfigDict(env_prefix="TICKET_WARRANTY_", extra="ignore")

    default_months: int = Field(12, ge=0, le=240)
    months_by_product_line: dict[str, int] = Field(default_factory=dict)
    # The fee of a visit not covered by warranty or agreement, per ticket type.
    fees: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "installation": Decimal("150.00"),
            "repair": Decimal("200.00"),
            "maintenance": Decimal("120.00"),
            "inspection": Decimal("80.00"),
            "return_exchange": Decimal("0.00"),
            "consultation": Decimal("0.00"),
        }
    )
    # Response level of an agreement → factor on the on-site and resolution targets.
    response_level_factors: dict[str, float] = Field(
        default_factory=lambda: {"standard": 1.0, "priority": 0.5, "premium": 0.25}
    )

    def months_for(self, product_line: str | None) -> int:
        if product_line and product_line in self.months_by_product_line:
            return self.months_by_product_line[product_line]
        return self.default_months


class DispatchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TICKET_DISPATCH_", extra="ignore")

    # Assign automatically when a ticket is opened (a dispatcher can override).
    auto_assign_on_open: bool = True
    default_capacity_per_day: int = Field(6, ge=1, le=50)


class ScorecardSettings(BaseSettings):
    """Reward/penalty points (售后服务奖罚规则); every number configurable."""

    model_config = SettingsConfigDict(env_prefix="TICKET_SCORECARD_", extra="ignore")

    on_time_arrival: Decimal = Decimal("1")
    late_arrival: Decimal = Decimal("-2")
    first_time_fix: Decimal = Decimal("2")
    repeat_repair: Decimal = Decimal("-5")
    complaint: Decimal = Decimal("-10")
    # Per response: (csat - satisfaction_baseline) × satisfaction_per_point.
    satisfaction_baseline: Decimal = Decimal("3")
    satisfaction_per_point: Decimal = Decimal("1")
    repeat_repair_days: int = Field(30, ge=1)


class MaintenanceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TICKET_MAINTENANCE_", extra="ignore")

    # Open the maintenance ticket this many days before the due date.
    lead_days: int = Field(14, ge=0, le=365)
    sweep_interval_s: float = Field(3600.0, gt=0)
    sweep_batch_size: int = Field(200, ge=1, le=5000)
