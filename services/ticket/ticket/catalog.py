"""What tickets are decided against: warranties and service agreements (售后服务协议书),
the response-time standards matrix, technicians, and the maintenance plans; plus the
feedback about technicians (survey scores, complaints) their scorecards count."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu_shared.db import new_uuid, utcnow
from ticket.models import Base, Money


class Versioned:
    """Optimistic concurrency for the reference data (If-Match / ETag)."""

    id: str
    version: int

    def __init__(self, **kw: Any) -> None:
        # Column defaults apply at INSERT; the id is needed before (records, Location).
        kw.setdefault("id", new_uuid())
        kw.setdefault("version", 1)
        kw.setdefault("created_at", utcnow())
        super().__init__(**kw)

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'


class Warranty(Versioned, Base):
    """The warranty of one serial number, from its purchase date."""

    __tablename__ = "warranties"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    serial_number: Mapped[str] = mapped_column(String(100), unique=True)
    product_model: Mapped[str | None] = mapped_column(String(100))
    product_line: Mapped[str | None] = mapped_column(String(60))
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    dealer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    purchase_date: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    # The last day covered (inclusive), computed from purchase_date and months.
    ends_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceAgreement(Versioned, Base):
    """A service agreement: which work it covers, at what response level and fee."""

    __tablename__ = "service_agreements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    dealer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # None: every piece of the customer's equipment.
    serial_number: Mapped[str | None] = mapped_column(String(100), index=True)
    coverage: Mapped[list[str]] = mapped_column(JSON, default=list)  # ticket types covered
    parts_covered: Mapped[bool] = mapped_column(Boolean, default=False)
    response_level: Mapped[str] = mapped_column(String(20), default="standard")
    fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # per covered visit
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResponseStandard(Versioned, Base):
    """One cell of the matrix region class × ticket type × customer tier ("*" = any)."""

    __tablename__ = "response_standards"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    region_class: Mapped[str] = mapped_column(String(10))
    ticket_type: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(16))
    first_contact_hours: Mapped[float] = mapped_column(Float)
    on_site_hours: Mapped[float] = mapped_column(Float)
    resolution_hours: Mapped[float] = mapped_column(Float)
    # Targets that run around the clock (24×7) rather than on the business calendar.
    around_the_clock: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("uq_response_standards_cell", "region_class", "ticket_type", "tier", unique=True),
    )


class Technician(Versioned, Base):
    __tablename__ = "technicians"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(100))
    # The subject of the technician's token: "my day" finds the technician by it.
    user_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # product lines
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # regions served
    # Per weekday "HH:MM-HH:MM[,...]" (the calendar's format); a weekday left out is off.
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    capacity_per_day: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Open tickets assigned now: the load auto-assignment balances (kept in the same
    # transaction as every assignment, completion and cancellation).
    open_tickets: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    _DEFAULTS: ClassVar[dict[str, Any]] = {"active": True, "open_tickets": 0, "version": 1}

    def __init__(self, **kw: Any) -> None:
        for key, default in self._DEFAULTS.items():
            if kw.get(key) is None:
                kw[key] = default
        kw.setdefault("id", new_uuid())
        kw.setdefault("created_at", utcnow())
        super().__init__(**kw)


class TechnicianSkill(Base):
    """(technician, product line): what auto-assignment looks candidates up by."""

    __tablename__ = "technician_skills"

    technician_id: Mapped[str] = mapped_column(ForeignKey("technicians.id"), primary_key=True)
    product_line: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class TechnicianArea(Base):
    __tablename__ = "technician_areas"

    technician_id: Mapped[str] = mapped_column(ForeignKey("technicians.id"), primary_key=True)
    region: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class TechnicianFeedback(Base):
    """A survey score or a complaint about a technician (from the other services' events)."""

    __tablename__ = "technician_feedback"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(20))  # satisfaction | complaint
    source_id: Mapped[str] = mapped_column(String(36))  # survey response / complaint id
    technician_id: Mapped[str] = mapped_column(String(36))
    ticket_id: Mapped[str | None] = mapped_column(String(36))
    csat: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        Index("uq_technician_feedback_source", "kind", "source_id", unique=True),
        Index("ix_technician_feedback_technician_at", "technician_id", "at"),
    )


class MaintenancePlan(Versioned, Base):
    """Recurring preventive maintenance of one piece of a customer's equipment."""

    __tablename__ = "maintenance_plans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    dealer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    serial_number: Mapped[str] = mapped_column(String(100))
    product_model: Mapped[str | None] = mapped_column(String(100))
    product_line: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(60))
    region_class: Mapped[str | None] = mapped_column(String(10))
    interval_days: Mapped[int] = mapped_column(Integer)
    next_due_on: Mapped[date] = mapped_column(Date, index=True)
    lead_days: Mapped[int | None] = mapped_column(Integer)  # None: the service's default
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_ticket_id: Mapped[str | None] = mapped_column(String(36))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
