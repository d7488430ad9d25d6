"""Every query of tickets, their visits and follow-ups, and the local customer copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu_shared.audit import AuditRead, list_audit
from kefu_shared.auth import Principal
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.numbering import next_number
from kefu_shared.visibility import dealer_scope, visible_or_404
from ticket.models import (
    OPEN_STATES,
    Ticket,
    TicketFollowUp,
    TicketVisit,
    customer_copies,
    platform,
)


@dataclass(frozen=True)
class CustomerCopy:
    """What tickets need of the customer, from the local copy (never a synchronous call)."""

    id: str
    dealer_id: str | None
    tier: str | None
    key_account: bool
    area_class: str | None  # city | town | rural: the region class of the SLA matrix
    on_credit_hold: bool
    status: str
    merged_into: str | None = None


@dataclass
class TicketFilter:
    status: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    customer_id: str | None = None
    dealer_id: str | None = None
    technician_id: str | None = None
    region: str | None = None
    region_class: str | None = None
    serial_number: str | None = None
    complaint_id: str | None = None
    priority: str | None = None
    open: bool | None = None
    sla: str | None = None  # at_risk | breached
    created_from: datetime | None = None
    created_to: datetime | None = None

    def apply(
        self, stmt: Select[Any], actor: Principal, *, now: datetime, at_risk: timedelta
    ) -> Select[Any]:
        """The filters, with the dealer filter forced to a dealer's own tickets."""
        t = Ticket
        if self.status:
            stmt = stmt.where(t.status.in_(self.status))
        if self.type:
            stmt = stmt.where(t.type.in_(self.type))
        single = {
            t.customer_id: self.customer_id,
            t.dealer_id: dealer_scope(actor, self.dealer_id),
            t.technician_id: self.technician_id,
            t.region: self.region,
            t.region_class: self.region_class,
            t.serial_number: self.serial_number,
            t.complaint_id: self.complaint_id,
            t.priority: self.priority,
        }
        for column, value in single.items():
            if value is not None:
                stmt = stmt.where(column == value)
        if self.open is True:
            stmt = stmt.where(t.status.in_(OPEN_STATES))
        elif self.open is False:
            stmt = stmt.where(t.status.not_in(OPEN_STATES))
        if self.sla == "breached":
            stmt = stmt.where(t.sla_breached.is_(True))
        elif self.sla == "at_risk":
            # A deadline still running and due within the window (not yet breached).
            stmt = stmt.where(t.sla_next_due.is_not(None), t.sla_next_due <= now + at_risk)
        if self.created_from is not None:
            stmt = stmt.where(t.created_at >= self.created_from)
        if self.created_to is not None:
            stmt = stmt.where(t.created_at < self.created_to)
        return stmt


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, ticket: Ticket) -> None:
        self.session.add(ticket)

    async def next_number(self) -> int:
        return await next_number(self.session, platform.sequences, "ticket")

    async def get(self, ticket_id: str, *, for_update: bool = False) -> Ticket | None:
        stmt = select(Ticket).where(Ticket.id == ticket_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_visible(
        self, ticket_id: str, actor: Principal, *, for_update: bool = False
    ) -> Ticket:
        ticket = await self.get(ticket_id, for_update=for_update)
        return visible_or_404(ticket, actor, what="ticket", ident=ticket_id)

    async def by_complaint(self, complaint_id: str) -> Ticket | None:
        stmt = (
            select(Ticket)
            .where(Ticket.complaint_id == complaint_id, Ticket.origin == "complaint")
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_page(
        self,
        flt: TicketFilter,
        *,
        actor: Principal,
        now: datetime,
        at_risk: timedelta,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Ticket], str | None]:
        stmt = flt.apply(select(Ticket), actor, now=now, at_risk=at_risk)
        stmt = apply_keyset(
            stmt,
            [Ticket.created_at, Ticket.id],
            cursor=cursor,
            limit=limit,
            descending=True,
            sort="-created_at",
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(
            rows, limit=limit, key=lambda t: [t.created_at, t.id], sort="-created_at"
        )

    async def board_page(
        self,
        flt: TicketFilter,
        *,
        actor: Principal,
        now: datetime,
        at_risk: timedelta,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Ticket], str | None]:
        """Open tickets by region, then technician, then number (the dispatch board)."""
        flt.open = True
        stmt = flt.apply(select(Ticket), actor, now=now, at_risk=at_risk)
        region = func.coalesce(Ticket.region, "")
        tech = func.coalesce(Ticket.technician_id, "")
        stmt = stmt.add_columns(region.label("r"), tech.label("k"))
        if cursor:
            from kefu_shared.http.pagination import decode_cursor

            r, k, n = decode_cursor(cursor, sort="board")
            stmt = stmt.where(
                or_(
                    region > r,
                    (region == r) & (tech > k),
                    (region == r) & (tech == k) & (Ticket.number > n),
                )
            )
        stmt = stmt.order_by(region, tech, Ticket.number).limit(limit + 1)
        rows = [row[0] for row in (await self.session.execute(stmt)).all()]
        return page_from_rows(
            rows,
            limit=limit,
            key=lambda t: [t.region or "", t.technician_id or "", t.number],
            sort="board",
        )

    async def due_for_breach(self, now: datetime, limit: int) -> list[Ticket]:
        """Open, running tickets with a deadline passed and not yet reported."""
        stmt = (
            select(Ticket)
            .where(Ticket.sla_next_due.is_not(None), Ticket.sla_next_due <= now)
            .order_by(Ticket.sla_next_due, Ticket.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def technician_day(self, technician_id: str, day: date) -> list[Ticket]:
        """A technician's appointments of one day (bounded by the capacity per day)."""
        stmt = (
            select(Ticket)
            .where(Ticket.technician_id == technician_id, Ticket.appointment_day == day)
            .where(Ticket.status.in_(OPEN_STATES))
            .order_by(Ticket.appointment_start, Ticket.id)
            .limit(200)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def last_repair_completed_since(
        self, serial_number: str, since: datetime
    ) -> Ticket | None:
        """The latest repair of ``serial_number`` completed at or after ``since``."""
        stmt = (
            select(Ticket)
            .where(
                Ticket.serial_number == serial_number,
                Ticket.type == "repair",
                Ticket.completed_at >= since,
            )
            .order_by(Ticket.completed_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def record_page(
        self, ticket_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[AuditRead], str | None]:
        """The ticket's record (who did what, when, why), newest first."""
        assert platform.audit is not None  # PlatformTables(..., audit=True) in tables.py
        return await list_audit(
            self.session,
            platform.audit,
            aggregate_type="ticket",
            aggregate_id=ticket_id,
            cursor=cursor,
            limit=limit,
        )

    # --- visits and follow-up -----------------------------------------------------------

    def add_visit(self, visit: TicketVisit) -> None:
        self.session.add(visit)

    async def visits(self, ticket_id: str) -> list[TicketVisit]:
        stmt = (
            select(TicketVisit)
            .where(TicketVisit.ticket_id == ticket_id)
            .order_by(TicketVisit.number)
            .limit(100)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def visit(self, ticket_id: str, number: int) -> TicketVisit | None:
        stmt = select(TicketVisit).where(
            TicketVisit.ticket_id == ticket_id, TicketVisit.number == number
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def add_follow_up(self, follow_up: TicketFollowUp) -> None:
        self.session.add(follow_up)

    async def follow_up(self, ticket_id: str) -> TicketFollowUp | None:
        return await self.session.get(TicketFollowUp, ticket_id)

    # --- the local customer copy ----------------------------------------------------------

    async def customer(self, customer_id: str) -> CustomerCopy | None:
        c = customer_copies.c
        row = (
            (await self.session.execute(select(customer_copies).where(c.id == customer_id)))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return CustomerCopy(
            id=row["id"],
            dealer_id=row["dealer_id"],
            tier=row["tier"],
            key_account=bool(row["key_account"]),
            area_class=row["area_class"],
            on_credit_hold=bool(row["on_credit_hold"]),
            status=row["status"],
            merged_into=row["merged_into"],
        )

    async def move_customer(self, from_ids: list[str], to_id: str) -> None:
        """Merged customers: their tickets belong to the surviving one."""
        await self.session.execute(
            update(Ticket)
            .where(Ticket.customer_id.in_(from_ids))
            .values(customer_id=to_id, version=Ticket.version + 1)
        )

    async def erase_customer(self, customer_id: str) -> None:
        """Erasure: the tickets keep their statistics, not the customer's personal data."""
        await self.session.execute(
            update(Ticket)
            .where(Ticket.customer_id == customer_id)
            .values(contact_name=None, contact_phone=None, address=None, version=Ticket.version + 1)
        )
