"""Installation defaults of classification runs (``CUSTOMER_CLASSIFICATION_*`` variables),
``settings.classification`` of ``CustomerSettings``.

A run request may override any of these; the values used are recorded with the run.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ClassificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMER_CLASSIFICATION_", extra="ignore")

    # Revenue classes (seed 000 ch.1): top 1% super, next 4% large, next 15% medium, rest small.
    window_months: int = Field(12, ge=1, le=120)
    super_pct: Decimal = Decimal("1")
    large_pct: Decimal = Decimal("4")
    medium_pct: Decimal = Decimal("15")

    # Transaction patterns.
    fast_growth_pct: Decimal = Decimal("30")  # window revenue vs the window before, above +30%
    dormant_days: int = 180  # bought before, nothing for this many days
    loyal_min_orders: int = 2  # steady buying: invoices in the window ...
    loyal_max_decline_pct: Decimal = Decimal("20")  # ... and revenue not down more than this
    cultivate_order_growth_pct: Decimal = Decimal("50")  # rising order frequency (medium)
    cultivate_min_orders: int = 2
    # Rising inquiry frequency (potential and medium customers): inquiries, sample requests
    # and quotations logged in the last N days against the N days before.
    cultivate_inquiry_days: int = Field(90, ge=1, le=730)
    cultivate_min_inquiries: int = 2
    cultivate_inquiry_growth_pct: Decimal = Decimal("50")

    # A run still queued/running after this long is taken as crashed and marked failed.
    stale_run_after_s: int = 3600
    # Attempts of a run's job (a worker that dies mid-run leaves it to the next attempt).
    run_attempts: int = Field(3, ge=1, le=10)
    # How often the scheduler looks for a run whose job gave up (seconds).
    abandoned_sweep_s: float = Field(300.0, gt=0)
    # PostgreSQL only, SET LOCAL inside the run's transaction (hash aggregate of a million
    # customers fits in memory instead of spilling to disk).
    pg_work_mem: str = "256MB"
