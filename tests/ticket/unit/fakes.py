"""In-memory repositories and unit of work of the ticket service, for unit tests of its
use cases: no database, no broker. They keep the methods the use cases call on
``uow.tickets``, ``uow.coverage``, ``uow.technicians`` and ``uow.plans`` and behave the
same where a use case can tell (404 for another dealer's ticket, the candidates' load and
that day's appointments, the matrix cells). Copied from tests/customer/unit/fakes.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kefu_shared.auth import Principal
from kefu_shared.testing import FakeUnitOfWork
from kefu_shared.visibility import visible_or_404
from ticket.catalog import (
    ResponseStandard,
    ServiceAgreement,
    Technician,
    TechnicianFeedback,
    Warranty,
)
from ticket.models import OPEN_STATES, Ticket, TicketFollowUp, TicketVisit
from ticket.repository import CustomerCopy


class FakeTickets:
    def __init__(self, uow: FakeTicketUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[str, Ticket] = {}
        self.customers: dict[str, CustomerCopy] = {}
        self.visits_: list[TicketVisit] = []
        self.follow_ups: dict[str, TicketFollowUp] = {}
        self._numbers = 0

    def add(self, ticket: Ticket) -> None:
        self.rows[ticket.id] = ticket
        self._uow.track(ticket)

    async def next_number(self) -> int:
        self._numbers += 1
        return self._numbers

    async def get(self, ticket_id: str, *, for_update: bool = False) -> Ticket | None:
        ticket = self.rows.get(ticket_id)
        if ticket is not None:
            self._uow.track(ticket)
        return ticket

    async def get_visible(
        self, ticket_id: str, actor: Principal, *, for_update: bool = False
    ) -> Ticket:
        return visible_or_404(await self.get(ticket_id), actor, what="ticket", ident=ticket_id)

    async def by_complaint(self, complaint_id: str) -> Ticket | None:
        return next(
            (
                t
                for t in self.rows.values()
                if t.complaint_id == complaint_id and t.origin == "complaint"
            ),
            None,
        )

    async def customer(self, customer_id: str) -> CustomerCopy | None:
        return self.customers.get(customer_id)

    async def last_repair_completed_since(
        self, serial_number: str, since: datetime
    ) -> Ticket | None:
        done = [
            t
            for t in self.rows.values()
            if t.serial_number == serial_number
            and t.type == "repair"
            and t.completed_at is not None
            and t.completed_at >= since
        ]
        return max(done, key=lambda t: t.completed_at or since) if done else None

    async def due_for_breach(self, now: datetime, limit: int) -> list[Ticket]:
        due = sorted(
            (t for t in self.rows.values() if t.sla_next_due is not None and t.sla_next_due <= now),
            key=lambda t: (t.sla_next_due, t.id),
        )[:limit]
        for t in due:
            self._uow.track(t)
        return due

    def add_visit(self, visit: TicketVisit) -> None:
        self.visits_.append(visit)

    async def visit(self, ticket_id: str, number: int) -> TicketVisit | None:
        return next(
            (v for v in self.visits_ if v.ticket_id == ticket_id and v.number == number), None
        )

    def add_follow_up(self, follow_up: TicketFollowUp) -> None:
        self.follow_ups[follow_up.ticket_id] = follow_up

    async def follow_up(self, ticket_id: str) -> TicketFollowUp | None:
        return self.follow_ups.get(ticket_id)


class FakeCoverage:
    def __init__(self) -> None:
        self.warranties: dict[str, Warranty] = {}
        self.agreements: list[ServiceAgreement] = []
        self.cells: list[ResponseStandard] = []

    def add(self, obj: Any) -> None:
        if isinstance(obj, Warranty):
            self.warranties[obj.serial_number] = obj
        elif isinstance(obj, ServiceAgreement):
            self.agreements.append(obj)
        else:
            self.cells.append(obj)

    async def warranty_by_serial(self, serial_number: str) -> Warranty | None:
        return self.warranties.get(serial_number)

    async def agreement_for(
        self, *, customer_id: str, serial_number: str | None, day: date
    ) -> ServiceAgreement | None:
        rows = [
            a
            for a in self.agreements
            if a.customer_id == customer_id
            and a.starts_on <= day <= a.ends_on
            and (a.serial_number is None or a.serial_number == serial_number)
        ]
        return (
            max(rows, key=lambda a: (a.serial_number is not None, a.starts_on, a.id))
            if rows
            else None
        )

    async def standards(self) -> list[ResponseStandard]:
        return list(self.cells)


class FakeTechnicians:
    def __init__(self, uow: FakeTicketUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[str, Technician] = {}
        self.feedback: list[TechnicianFeedback] = []

    def add(self, technician: Technician) -> None:
        self.rows[technician.id] = technician

    async def get(self, technician_id: str, *, for_update: bool = False) -> Technician | None:
        return self.rows.get(technician_id)

    async def by_user(self, user_id: str) -> Technician | None:
        return next((t for t in self.rows.values() if t.user_id == user_id), None)

    def _booked(self, technician_id: str, day: date, excluding: str | None = None) -> list[Ticket]:
        return [
            t
            for t in self._uow.tickets.rows.values()
            if t.technician_id == technician_id
            and t.appointment_day == day
            and t.status in OPEN_STATES
            and t.id != excluding
        ]

    async def candidates(
        self, *, product_line: str | None, region: str | None, day: date
    ) -> list[dict[str, Any]]:
        return [
            {"technician": t, "booked": len(self._booked(t.id, day))}
            for t in self.rows.values()
            if t.active
            and (product_line is None or product_line in t.skills)
            and (region is None or region in t.areas)
        ]

    async def booked(
        self, technician_id: str, day: date, *, excluding: str | None = None
    ) -> list[Ticket]:
        return self._booked(technician_id, day, excluding)

    async def adjust_load(self, technician_id: str, delta: int) -> None:
        self.rows[technician_id].open_tickets += delta

    async def add_feedback(self, feedback: TechnicianFeedback) -> bool:
        if any(
            f.kind == feedback.kind and f.source_id == feedback.source_id for f in self.feedback
        ):
            return False
        self.feedback.append(feedback)
        return True


class FakeTicketUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.tickets = FakeTickets(self)
        self.coverage = FakeCoverage()
        self.technicians = FakeTechnicians(self)

    def actions(self, ticket_id: str) -> list[str]:
        """The ticket's committed record, oldest first."""
        return [e.action for e in self.audited if e.aggregate_id == ticket_id]
