"""Tables of the analytics area: service history fed by complaint/ticket/survey events,
the cost-to-serve ledger, and key-account plans.

``service_cases`` keeps one row per complaint or ticket seen, so that open/closed counts
follow the newest state of each case even when events arrive out of order; the counters
on ``customer_service_stats`` are recomputed from it. ``service_costs`` is a ledger (one
row per priced event) so that cost to serve can be summed over any date range.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from customer.models import Base, Money
from kefu_shared.db import BigId, utcnow


class CustomerServiceStats(Base):
    """Service history counters and satisfaction of one customer (the profile's summary)."""

    __tablename__ = "customer_service_stats"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    complaints_total: Mapped[int] = mapped_column(Integer, default=0)
    complaints_open: Mapped[int] = mapped_column(Integer, default=0)
    complaints_reopened: Mapped[int] = mapped_column(Integer, default=0)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    tickets_total: Mapped[int] = mapped_column(Integer, default=0)
    tickets_open: Mapped[int] = mapped_column(Integer, default=0)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    sla_breaches: Mapped[int] = mapped_column(Integer, default=0)
    last_complaint_at: Mapped[datetime | None] = mapped_column()
    last_ticket_at: Mapped[datetime | None] = mapped_column()
    cost_to_serve: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    responses: Mapped[int] = mapped_column(Integer, default=0)
    latest_csat: Mapped[float | None] = mapped_column(Float)
    latest_nps: Mapped[int | None] = mapped_column(Integer)
    last_response_at: Mapped[datetime | None] = mapped_column()
    satisfaction_trend: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# ServiceCase.kind
COMPLAINT = "complaint"
TICKET = "ticket"


class ServiceCase(Base):
    """The newest known state of one complaint or ticket of a customer."""

    __tablename__ = "service_cases"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # complaint | ticket
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    number: Mapped[str | None] = mapped_column(String(40))
    case_type: Mapped[str | None] = mapped_column(String(30))  # severity or ticket type
    status: Mapped[str] = mapped_column(String(30))
    is_open: Mapped[bool] = mapped_column(Boolean)
    opened_at: Mapped[datetime] = mapped_column()  # earliest event time seen
    status_at: Mapped[datetime] = mapped_column()  # time of the event that set `status`
    fee_booked: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    fee_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_service_cases_customer_kind", "customer_id", "kind"),)


class ServiceCost(Base):
    """One priced service event (cost to serve; negative for fees the customer paid)."""

    __tablename__ = "service_costs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(64))
    component: Mapped[str] = mapped_column(String(30))  # complaint, escalation, visit, fee...
    case_kind: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    occurred_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("event_id", "component", name="uq_service_costs_event_component"),
        Index("ix_service_costs_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_service_costs_occurred", "occurred_at"),
    )


class SatisfactionResponse(Base):
    """A survey response of a customer (satisfaction history on the profile)."""

    __tablename__ = "satisfaction_responses"

    response_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    responded_at: Mapped[datetime] = mapped_column()
    csat: Mapped[float | None] = mapped_column(Float)
    nps: Mapped[int | None] = mapped_column(Integer)
    # CSAT, or NPS mapped onto 1-5, so that the trend has one scale.
    score: Mapped[float | None] = mapped_column(Float)
    dissatisfied: Mapped[bool] = mapped_column(Boolean, default=False)
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    complaint_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_satisfaction_responses_customer_time", "customer_id", "responded_at"),
    )


class KeyAccountPlan(Base):
    """Key-account manager and service plan (大客户管理) of one customer."""

    __tablename__ = "key_account_plans"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    manager: Mapped[str | None] = mapped_column(String(100), index=True)
    service_plan: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(500))
    designated_by: Mapped[str | None] = mapped_column(String(100))
    designated_at: Mapped[datetime | None] = mapped_column()
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
