"""The ticket aggregate (售后服务单), its visits and follow-up, and the service's tables.

A ticket changes state only through ``TICKET_WORKFLOW`` (ticket/workflow.py); the applied
action comes back to :meth:`Ticket.transitioned`, which raises the event of that step.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from kefu_shared.contracts.ticket import (
    TicketAssigned,
    TicketCancelled,
    TicketClosed,
    TicketCompleted,
    TicketContacted,
    TicketEnRoute,
    TicketEvent,
    TicketFollowedUp,
    TicketOnSite,
    TicketOpened,
    TicketPaused,
    TicketReopened,
    TicketResumed,
    TicketScheduled,
    TicketSlaBreached,
    TicketVisitRecorded,
)
from kefu_shared.db import PlatformTables, ServiceBase, make_metadata, new_uuid, utcnow
from kefu_shared.replicas import customer_copy_table
from kefu_shared.uow import EventRecorder
from kefu_shared.workflow import TransitionRecord

Money = Numeric(18, 2)
OPEN_STATES = (
    "opened",
    "assigned",
    "scheduled",
    "en_route",
    "on_site",
    "waiting_customer",
    "waiting_parts",
    "reopened",
)
# SLA target → (due column, met column, breached column).
TARGET_COLUMNS = {
    "first_contact": ("first_contact_due", "first_contact_at", "first_contact_breached_at"),
    "on_site": ("on_site_due", "on_site_at", "on_site_breached_at"),
    "resolution": ("resolve_due", "completed_at", "resolve_breached_at"),
}


def where_set(column: str) -> dict[str, Any]:
    where = text(f"{column} IS NOT NULL")
    return {"postgresql_where": where, "sqlite_where": where}


class Base(ServiceBase):
    __abstract__ = True
    metadata = make_metadata()


platform = PlatformTables(Base.metadata, audit=True, jobs=True)
customer_copies = customer_copy_table(Base.metadata)


class Ticket(EventRecorder, Base):
    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="opened")
    version: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    channel: Mapped[str | None] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(20), default="manual")

    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    dealer_id: Mapped[str | None] = mapped_column(String(64))
    complaint_id: Mapped[str | None] = mapped_column(String(36))
    tier: Mapped[str | None] = mapped_column(String(16))
    key_account: Mapped[bool] = mapped_column(Boolean, default=False)

    product_model: Mapped[str | None] = mapped_column(String(100))
    product_line: Mapped[str | None] = mapped_column(String(60))
    serial_number: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(60))  # the service area
    region_class: Mapped[str] = mapped_column(String(10))  # city | town | rural
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    requested_window_start: Mapped[datetime | None] = mapped_column()
    requested_window_end: Mapped[datetime | None] = mapped_column()

    # Warranty, agreement, fee (decided when opened).
    in_warranty: Mapped[bool] = mapped_column(Boolean, default=False)
    agreement_id: Mapped[str | None] = mapped_column(String(36))
    fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column()

    # SLA: the targets the ticket was opened with, deadlines, when met, when breached.
    sla_targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_contact_due: Mapped[datetime | None] = mapped_column()
    on_site_due: Mapped[datetime | None] = mapped_column()
    resolve_due: Mapped[datetime | None] = mapped_column()
    first_contact_at: Mapped[datetime | None] = mapped_column()
    on_site_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    first_contact_breached_at: Mapped[datetime | None] = mapped_column()
    on_site_breached_at: Mapped[datetime | None] = mapped_column()
    resolve_breached_at: Mapped[datetime | None] = mapped_column()
    # The earliest deadline still running (none while paused or done): the sweep's index.
    sla_next_due: Mapped[datetime | None] = mapped_column()
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_since: Mapped[datetime | None] = mapped_column()
    waiting_for: Mapped[str | None] = mapped_column(String(10))
    pauses: Mapped[list[Any]] = mapped_column(JSON, default=list)

    # Dispatch
    technician_id: Mapped[str | None] = mapped_column(String(36))
    appointment_start: Mapped[datetime | None] = mapped_column()
    appointment_end: Mapped[datetime | None] = mapped_column()
    appointment_day: Mapped[date | None] = mapped_column(Date)

    visits: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str | None] = mapped_column(String(20))
    first_time_fix: Mapped[bool | None] = mapped_column(Boolean)
    confirmation_code: Mapped[str] = mapped_column(String(12))
    closed_at: Mapped[datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)

    # A repair of the same serial within the repeat window after another one was completed:
    # a repeat repair, counted against that earlier ticket's technician.
    repeat_of: Mapped[str | None] = mapped_column(String(36))
    repeat_of_technician_id: Mapped[str | None] = mapped_column(String(36))

    maintenance_plan_id: Mapped[str | None] = mapped_column(String(36))
    maintenance_due_on: Mapped[date | None] = mapped_column(Date)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_tickets_created_at_id", "created_at", "id"),
        Index("ix_tickets_dealer_id", "dealer_id", **where_set("dealer_id")),
        Index("ix_tickets_serial_number", "serial_number", **where_set("serial_number")),
        Index("ix_tickets_complaint_id", "complaint_id", **where_set("complaint_id")),
        Index("ix_tickets_sla_next_due", "sla_next_due", **where_set("sla_next_due")),
        Index("ix_tickets_technician_day", "technician_id", "appointment_day"),
        Index("ix_tickets_status_region", "status", "region"),
        Index("ix_tickets_completed_at", "completed_at", **where_set("completed_at")),
        Index(
            "ix_tickets_repeat_of_technician",
            "repeat_of_technician_id",
            "created_at",
            **where_set("repeat_of_technician_id"),
        ),
        Index(
            "uq_tickets_maintenance_due",
            "maintenance_plan_id",
            "maintenance_due_on",
            unique=True,
            **where_set("maintenance_plan_id"),
        ),
    )
    __mapper_args__ = {
        "version_id_col": version,
        "version_id_generator": False,
    }

    _DEFAULTS: ClassVar[dict[str, Any]] = {
        "status": "opened",
        "version": 1,
        "priority": "normal",
        "origin": "manual",
        "key_account": False,
        "in_warranty": False,
        "fee": Decimal("0"),
        "approval_required": False,
        "sla_breached": False,
        "sla_targets": dict,
        "pauses": list,
        "visits": 0,
        "reopen_count": 0,
    }

    def __init__(self, **kw: Any) -> None:
        for key, default in self._DEFAULTS.items():
            if kw.get(key) is None:
                kw[key] = default() if callable(default) else default
        kw.setdefault("id", new_uuid())
        now = utcnow()
        kw.setdefault("created_at", now)
        kw.setdefault("updated_at", now)
        super().__init__(**kw)

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def touch(self) -> None:
        """A change of the ticket: the next version (backs the ETag)."""
        self.version += 1
        self.updated_at = utcnow()

    # --- SLA clock -----------------------------------------------------------------------

    def refresh_sla_clock(self) -> None:
        """Recompute the earliest running deadline (none while paused or when closed)."""
        if self.paused_since is not None or not self.is_open:
            self.sla_next_due = None
            return
        running = [
            getattr(self, due)
            for due, met, breached in TARGET_COLUMNS.values()
            if getattr(self, due) is not None
            and getattr(self, met) is None
            and getattr(self, breached) is None
        ]
        self.sla_next_due = min(running) if running else None

    # --- events --------------------------------------------------------------------------

    def facts(self) -> dict[str, Any]:
        """The fields of :class:`TicketEvent` every lifecycle event carries."""
        return {
            "id": self.id,
            "number": self.number,
            "customer_id": self.customer_id,
            "dealer_id": self.dealer_id,
            "type": self.type,
            "status": self.status,
            "priority": self.priority,
            "region_class": self.region_class,
            "key_account": self.key_account,
            "product_model": self.product_model,
            "serial_number": self.serial_number,
            "technician_id": self.technician_id,
            "complaint_id": self.complaint_id,
            "in_warranty": self.in_warranty,
            "fee": self.fee,
        }

    def opened(self, actor: str) -> None:
        self.refresh_sla_clock()
        self.record(
            TicketOpened(
                **self.facts(),
                actor=actor,
                channel=self.channel,
                description=self.description,
                requested_window_start=self.requested_window_start,
                requested_window_end=self.requested_window_end,
                first_contact_due=self.first_contact_due,
                on_site_due=self.on_site_due,
                resolve_due=self.resolve_due,
            )
        )

    def transitioned(self, record: TransitionRecord) -> None:
        """Raise the event of the applied workflow action (every action has one)."""
        self.touch()
        self.refresh_sla_clock()
        facts = {**self.facts(), "actor": record.actor}
        event = _EVENTS[record.action](self, facts, record)
        self.record(event)

    def detect_breaches(self, now: datetime, *, escalate_to: str | None) -> list[str]:
        """Mark every running target whose deadline passed as breached, once, raising
        ``ticket.sla_breached`` for each (escalated to ``escalate_to``)."""
        breached: list[str] = []
        if self.paused_since is not None or not self.is_open:
            return breached
        for target, (due_col, met_col, breached_col) in TARGET_COLUMNS.items():
            due = getattr(self, due_col)
            if due is None or due > now or getattr(self, met_col) is not None:
                continue
            if getattr(self, breached_col) is not None:
                continue
            setattr(self, breached_col, now)
            breached.append(target)
            self.record(
                TicketSlaBreached(
                    id=self.id,
                    number=self.number,
                    customer_id=self.customer_id,
                    target=target,
                    due=due,
                    breached_at=now,
                    technician_id=self.technician_id,
                    priority=self.priority,
                    key_account=self.key_account,
                    dealer_id=self.dealer_id,
                    escalated_to=escalate_to,
                )
            )
        if breached:
            self.sla_breached = True
            self.touch()
        self.refresh_sla_clock()
        return breached

    def visit_recorded(self, visit: TicketVisit, actor: str) -> None:
        self.record(
            TicketVisitRecorded(
                **self.facts(),
                actor=actor,
                visit_id=visit.id,
                visit_number=visit.number,
                arrived_at=visit.arrived_at,
                on_time=visit.on_time,
                result=visit.result,
                parts_charged=visit.parts_charged,
            )
        )

    def followed_up(self, follow_up: TicketFollowUp, actor: str) -> None:
        self.record(
            TicketFollowedUp(
                **self.facts(), actor=actor, satisfied=follow_up.satisfied, score=follow_up.score
            )
        )


def _assigned(t: Ticket, facts: dict[str, Any], r: TransitionRecord) -> TicketEvent:
    previous = r.changes.get("technician_id", (None, None))[0]
    return TicketAssigned(
        **facts, previous_technician_id=previous, automatic=r.actor.startswith("system:")
    )


def _scheduled(t: Ticket, facts: dict[str, Any], r: TransitionRecord) -> TicketEvent:
    assert t.appointment_start is not None and t.appointment_end is not None
    return TicketScheduled(
        **facts, appointment_start=t.appointment_start, appointment_end=t.appointment_end
    )


def _resumed(t: Ticket, facts: dict[str, Any], r: TransitionRecord) -> TicketEvent:
    last = t.pauses[-1] if t.pauses else {}
    return TicketResumed(
        **facts,
        paused_for_s=last.get("seconds"),
        on_site_due=t.on_site_due,
        resolve_due=t.resolve_due,
    )


_EVENTS: dict[str, Any] = {
    "contact": lambda t, f, r: TicketContacted(
        **f,
        contacted_at=t.first_contact_at,
        late=bool(
            t.first_contact_due and t.first_contact_at and t.first_contact_at > t.first_contact_due
        ),
    ),
    "assign": _assigned,
    "reassign": _assigned,
    "schedule": _scheduled,
    "depart": lambda t, f, r: TicketEnRoute(**f, travel_started_at=r.at),
    "arrive": lambda t, f, r: TicketOnSite(**f, arrived_at=r.at),
    "wait_for_customer": lambda t, f, r: TicketPaused(**f, waiting_for="customer", reason=r.reason),
    "wait_for_parts": lambda t, f, r: TicketPaused(**f, waiting_for="parts", reason=r.reason),
    "resume": _resumed,
    "revisit": lambda t, f, r: TicketAssigned(**f, automatic=False),
    "complete": lambda t, f, r: TicketCompleted(
        **f,
        completed_at=t.completed_at,
        visits=t.visits,
        first_time_fix=t.first_time_fix,
        result=t.result,
    ),
    "close": lambda t, f, r: TicketClosed(
        **f, closed_at=t.closed_at, visits=t.visits, first_time_fix=t.first_time_fix
    ),
    "cancel": lambda t, f, r: TicketCancelled(**f, reason=r.reason),
    "reopen": lambda t, f, r: TicketReopened(**f, reason=r.reason),
}


class TicketVisit(Base):
    """One trip to the customer (a ticket may need several)."""

    __tablename__ = "ticket_visits"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    technician_id: Mapped[str | None] = mapped_column(String(36), index=True)
    travel_started_at: Mapped[datetime] = mapped_column()
    arrived_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    # What "on time" is measured against: the appointment's end, else the on-site deadline.
    promised_by: Mapped[datetime | None] = mapped_column()
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    work_done: Mapped[str | None] = mapped_column(Text)
    parts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    photos: Mapped[list[Any]] = mapped_column(JSON, default=list)
    parts_charged: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    signed_off_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (Index("uq_ticket_visits_number", "ticket_id", "number", unique=True),)


class TicketFollowUp(Base):
    """The follow-up call (回访) after closing: one per ticket."""

    __tablename__ = "ticket_follow_ups"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    contacted_at: Mapped[datetime] = mapped_column()
    contacted_by: Mapped[str] = mapped_column(String(100))
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
