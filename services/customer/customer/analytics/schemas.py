"""Request and response models of the analytics and key-account API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from customer.analytics.rules import Trend
from customer.domain import Industry, RegionClass, Tier

ContributionSort = TypeAliasType(
    "ContributionSort",
    Literal["net_contribution", "revenue", "gross_margin", "cost_to_serve", "name"],
)
ClassDimension = TypeAliasType("ClassDimension", Literal["tier", "region_class", "industry"])
ParetoMetric = TypeAliasType("ParetoMetric", Literal["net_contribution", "revenue"])
SortOrder = TypeAliasType("SortOrder", Literal["asc", "desc"])
KeyAccountSort = TypeAliasType("KeyAccountSort", Literal["name", "revenue"])
# Why a key account is on the watch list; its risk flags add what needs a look.
WatchReason = TypeAliasType(
    "WatchReason", Literal["revenue_falling", "satisfaction_falling", "low_satisfaction"]
)
RiskFlag = TypeAliasType(
    "RiskFlag",
    Literal[
        "revenue_falling",
        "satisfaction_falling",
        "low_satisfaction",
        "no_manager",
        "open_complaints",
        "sla_breaches",
    ],
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContributionRead(BaseModel):
    customer_id: str
    number: str
    name: str
    tier: Tier | None
    region_class: RegionClass | None
    industry: Industry | None
    dealer_id: str | None
    revenue: Decimal
    gross_margin: Decimal
    cost_to_serve: Decimal
    net_contribution: Decimal
    margin_rate: Decimal | None = Field(description="gross margin / revenue")


class ClassContributionRead(BaseModel):
    cls: str | None = Field(alias="class", serialization_alias="class")
    customers: int
    revenue: Decimal
    gross_margin: Decimal
    cost_to_serve: Decimal
    net_contribution: Decimal
    revenue_share: Decimal | None
    net_contribution_share: Decimal | None

    model_config = ConfigDict(populate_by_name=True)


class ClassContribution(BaseModel):
    period_start: date
    period_end: date
    by: ClassDimension
    items: list[ClassContributionRead]
    total: ClassContributionRead


class ParetoPoint(BaseModel):
    customers_percent: Decimal
    customers: int
    revenue: Decimal
    net_contribution: Decimal
    revenue_share: Decimal | None
    net_contribution_share: Decimal | None


class ParetoView(BaseModel):
    period_start: date
    period_end: date
    ranked_by: ParetoMetric
    customers: int
    total_revenue: Decimal
    total_net_contribution: Decimal
    points: list[ParetoPoint]
    top: ParetoPoint | None
    summary: str


class CompositionRead(BaseModel):
    tier: Tier | None
    region_class: RegionClass | None
    industry: Industry | None
    customers: int
    customers_with_revenue: int
    revenue: Decimal
    gross_margin: Decimal


class ServiceSummary(BaseModel):
    """Service history and satisfaction of a customer in figures."""

    customer_id: str
    complaints_total: int = 0
    complaints_open: int = 0
    complaints_reopened: int = 0
    escalations: int = 0
    tickets_total: int = 0
    tickets_open: int = 0
    visits: int = 0
    sla_breaches: int = 0
    last_complaint_at: datetime | None = None
    last_ticket_at: datetime | None = None
    cost_to_serve: Decimal = Decimal("0.00")
    cost_breakdown: dict[str, Decimal] = {}
    responses: int = 0
    latest_csat: float | None = None
    latest_nps: int | None = None
    last_response_at: datetime | None = None
    satisfaction_trend: Trend | None = None


class ServiceProfileRead(ServiceSummary):
    satisfaction_history: list[SatisfactionRead] = []


class SatisfactionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    response_id: str
    responded_at: datetime
    csat: float | None
    nps: int | None
    dissatisfied: bool
    ticket_id: str | None
    complaint_id: str | None


class KeyAccountUpdate(Strict):
    """Manual designation and/or key-account manager and service plan."""

    designated: bool | None = Field(
        None, description="true: designate by hand; false: remove the manual designation"
    )
    manager: str | None = Field(None, min_length=1, max_length=100)
    service_plan: str | None = Field(None, max_length=5000)
    reason: str | None = Field(None, max_length=500)


class Reason(BaseModel):
    code: WatchReason
    detail: str


class KeyAccountRead(BaseModel):
    customer_id: str
    number: str
    name: str
    tier: Tier | None
    manual: bool
    key_account: bool = True
    region_class: str | None
    industry: str | None
    dealer_id: str | None
    manager: str | None
    service_plan: str | None
    revenue: Decimal
    revenue_previous: Decimal
    revenue_share: Decimal | None
    growth: Decimal | None
    watch_revenue: Decimal
    watch_revenue_previous: Decimal
    latest_csat: float | None
    latest_nps: int | None
    satisfaction_trend: Trend | None
    complaints_open: int
    sla_breaches: int
    risk_flags: list[RiskFlag]
    reasons: list[Reason] = []


class KeyAccountState(BaseModel):
    customer_id: str
    key_account: bool
    manual: bool
    tier: Tier | None
    manager: str | None
    service_plan: str | None
    version: int


ServiceProfileRead.model_rebuild()
