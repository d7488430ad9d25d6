"""Request and response models of the credit API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from customer.credit.domain import HoldCode, Rating
from kefu_shared.bounds import BoundedDate

Change = TypeAliasType(
    "Change", Literal["rating", "override", "override_cleared", "limit", "terms", "hold", "release"]
)
CreditPurpose = TypeAliasType("CreditPurpose", Literal["order", "paid_service"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreditTermsUpdate(_Strict):
    """Fields left out stay as they are; ``credit_limit: null`` removes the limit."""

    credit_limit: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    payment_terms_days: int | None = Field(None, ge=0, le=3650)
    collateral_amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    reason: str = Field(min_length=3, max_length=1000)


class RatingOverride(_Strict):
    rating: Rating
    reason: str = Field(min_length=3, max_length=1000)


class CreditCheckRequest(_Strict):
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2, description="CNY")
    purpose: CreditPurpose = "order"
    as_of: BoundedDate | None = None


class RecalculateRequest(_Strict):
    as_of: BoundedDate | None = None


class CriterionRead(BaseModel):
    """One criterion of the scorecard: its points out of its maximum, and why."""

    key: str
    frame: str = Field(description="which of the 5C it measures")
    points: int
    max_points: int
    value: str


class CreditFactors(BaseModel):
    """What the last calculation rested on (empty before the first one)."""

    score: int | None = None
    rating: Rating | None = None
    cap: str | None = Field(None, description="why the rating was capped below its band")
    criteria: list[CriterionRead] = []
    open_invoices: int | None = None
    overdue_invoices: int | None = None
    invoices_settled: int | None = None
    invoices_paid_on_time: int | None = None


class CreditProfileRead(BaseModel):
    customer_id: str
    version: int
    rating: Rating
    computed_rating: Rating
    score: int
    override_rating: Rating | None
    override_reason: str | None
    override_by: str | None
    override_at: datetime | None
    credit_limit: Decimal | None
    payment_terms_days: int
    collateral_amount: Decimal
    outstanding: Decimal
    available: Decimal | None = Field(description="limit - outstanding, never below 0")
    overdue_amount: Decimal
    max_overdue_days: int
    revenue_12m: Decimal
    on_hold: bool
    hold_code: HoldCode | None
    hold_reason: str | None
    hold_since: datetime | None
    blocked_amount: Decimal | None
    factors: CreditFactors
    as_of: date
    calculated_at: datetime
    updated_at: datetime
    updated_by: str | None

    @classmethod
    def of(cls, profile: dict[str, Any]) -> CreditProfileRead:
        limit = profile["credit_limit"]
        available = None if limit is None else max(limit - profile["outstanding"], Decimal(0))
        return cls.model_validate({**profile, "available": available})


class CreditCheckResult(BaseModel):
    allowed: bool
    reason: str
    amount: Decimal
    outstanding: Decimal
    credit_limit: Decimal | None
    available: Decimal | None
    on_hold: bool
    hold_reason: str | None
    rating: Rating


class CreditHistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: str
    at: datetime
    actor: str
    change: Change
    previous_rating: Rating | None
    rating: Rating | None
    score: int | None
    previous_limit: Decimal | None
    credit_limit: Decimal | None
    payment_terms_days: int | None
    on_hold: bool
    reason: str


class CreditHoldRead(BaseModel):
    customer_id: str
    number: str
    name: str
    dealer_id: str | None
    rating: Rating
    credit_limit: Decimal | None
    outstanding: Decimal
    overdue_amount: Decimal
    max_overdue_days: int
    hold_code: HoldCode | None
    hold_reason: str | None
    hold_since: datetime | None


class RecalculationRead(BaseModel):
    as_of: date
    customers: int
    changed: int
    held: int
    released: int
    started_at: datetime
    finished_at: datetime
