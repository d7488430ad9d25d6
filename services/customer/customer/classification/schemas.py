"""Request and response bodies of classification runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from customer.domain import SalesStage, Tier, TransactionPattern
from kefu_shared.bounds import BoundedDate

RunStatus = TypeAliasType("RunStatus", Literal["queued", "running", "succeeded", "failed"])


class CutPoints(BaseModel):
    """Shares of the ranked customers in percent (small takes the rest)."""

    model_config = ConfigDict(extra="forbid")

    super: Decimal | None = Field(None, description="top share, default 1")
    large: Decimal | None = Field(None, description="next share, default 4")
    medium: Decimal | None = Field(None, description="next share, default 15")


class PatternThresholds(BaseModel):
    """Thresholds of the transaction patterns; omitted ones take the installation default."""

    model_config = ConfigDict(extra="forbid")

    fast_growth_pct: Decimal | None = Field(None, ge=0, le=100000)
    dormant_days: int | None = Field(None, ge=1, le=3650)
    loyal_min_orders: int | None = Field(None, ge=1, le=100000)
    loyal_max_decline_pct: Decimal | None = Field(None, ge=0, le=100)
    cultivate_order_growth_pct: Decimal | None = Field(None, ge=0, le=100000)
    cultivate_min_orders: int | None = Field(None, ge=1, le=100000)
    cultivate_inquiry_days: int | None = Field(None, ge=1, le=730)
    cultivate_min_inquiries: int | None = Field(None, ge=1, le=100000)
    cultivate_inquiry_growth_pct: Decimal | None = Field(None, ge=0, le=100000)


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: BoundedDate | None = Field(
        None, description="last day of the window; default today (UTC)"
    )
    window_months: int | None = Field(None, ge=1, le=120)
    cut_points: CutPoints | None = None
    thresholds: PatternThresholds | None = None


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: RunStatus
    requested_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    as_of: date
    window_months: int
    window_start: date
    window_end: date
    cut_points: dict[str, Decimal]
    thresholds: PatternThresholds = Field(description="the thresholds the run used")
    ranked_customers: int | None
    boundaries: dict[str, int] | None
    counts: dict[str, int] | None
    pattern_counts: dict[str, int] | None
    window_revenue: Decimal | None
    changed_count: int | None
    events_count: int | None
    duration_ms: int | None
    error: str | None


class ResultRead(BaseModel):
    """One customer changed by a run."""

    model_config = ConfigDict(from_attributes=True)

    customer_id: str
    revenue: Decimal | None
    previous_revenue: Decimal | None
    rank: int | None
    previous_tier: Tier | None
    tier: Tier | None
    previous_sales_stage: SalesStage | None
    sales_stage: SalesStage
    previous_pattern: TransactionPattern | None
    transaction_pattern: TransactionPattern | None
    previous_key_account: bool
    key_account: bool
    event_id: str | None
