"""Tables of the credit area: one credit profile per customer and the history of changes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from customer.models import Base, Money
from kefu_shared.db import BigId, utcnow


class CreditProfile(Base):
    """客户资信: rating, limit, terms, receivables and the credit hold of one customer.

    Written with set-based INSERT/UPDATE statements by the credit service (recalculation
    touches many customers at once), so it is a plain table class, not an aggregate; the
    service emits ``customer.credit_changed`` through the unit of work.
    """

    __tablename__ = "credit_profiles"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    score: Mapped[int] = mapped_column(Integer, default=0)
    computed_rating: Mapped[str] = mapped_column(String(3))
    override_rating: Mapped[str | None] = mapped_column(String(3))
    rating: Mapped[str] = mapped_column(String(3))  # effective: override or computed
    factors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    credit_limit: Mapped[Decimal | None] = mapped_column(Money)  # CNY; NULL = none assigned
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    collateral_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))

    outstanding: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    overdue_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    max_overdue_days: Mapped[int] = mapped_column(Integer, default=0)
    revenue_12m: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))

    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_code: Mapped[str | None] = mapped_column(String(20))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_since: Mapped[datetime | None] = mapped_column()
    # The order / paid work a credit check refused: the hold lasts until it fits the limit.
    blocked_amount: Mapped[Decimal | None] = mapped_column(Money)

    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(100))
    override_at: Mapped[datetime | None] = mapped_column()

    as_of: Mapped[date] = mapped_column(Date)
    calculated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_credit_profiles_on_hold", "on_hold", "customer_id"),
        Index("ix_credit_profiles_rating", "rating"),
    )


class CreditHistory(Base):
    """Every change of rating, limit, terms or hold, with its reason and actor."""

    __tablename__ = "credit_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    # rating | override | override_cleared | limit | terms | hold | release
    change: Mapped[str] = mapped_column(String(20))
    previous_rating: Mapped[str | None] = mapped_column(String(3))
    rating: Mapped[str | None] = mapped_column(String(3))
    score: Mapped[int | None] = mapped_column(Integer)
    previous_limit: Mapped[Decimal | None] = mapped_column(Money)
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_credit_history_customer_id", "customer_id", "id"),)
