"""Request and response models of the credit API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from customer.credit.domain import Rating

HoldCode = Literal["over_limit", "overdue", "limit_exceeded"]
Change = Literal["rating", "override", "override_cleared", "limit", "terms", "hold", "release"]


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
    purpose: Literal["order", "paid_service"] = "order"
    as_of: date | None = None


class RecalculateRequest(_Strict):
    as_of: date | None = None


class CreditProfileRead(BaseModel):
    customer_id: str
    version: int
    rating: str
    computed_rating: str
    score: int
    override_rating: str | None
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
    hold_code: str | None
    hold_reason: str | None
    hold_since: datetime | None
    blocked_amount: Decimal | None
    factors: dict[str, Any]
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
    rating: str


class CreditHistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: str
    at: datetime
    actor: str
    change: str
    previous_rating: str | None
    rating: str | None
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
    rating: str
    credit_limit: Decimal | None
    outstanding: Decimal
    overdue_amount: Decimal
    max_overdue_days: int
    hold_code: str | None
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
