"""Visits (上门服务): travel start, arrival, the report (work done, parts, photos, the
customer's sign-off, result), several per ticket; and the follow-up call (回访) after
closing. Each step is a workflow action of the ticket and lands in its record."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from kefu_shared.audit import AuditEntry
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import BusinessRuleViolation, Conflict, InvalidInput, NotFound
from kefu_shared.http.etag import check_if_match
from ticket.models import Ticket, TicketFollowUp, TicketVisit
from ticket.schemas import FollowUpCreate, VisitReport
from ticket.service import apply, pause

if TYPE_CHECKING:
    from ticket.uow import TicketUnitOfWork


async def _technician_may_act(uow: TicketUnitOfWork, ticket: Ticket, actor: Principal) -> None:
    """A technician (and no other role) works only on the tickets assigned to them."""
    if actor.roles - {"technician"}:
        return
    technician = await uow.technicians.by_user(actor.user_id)
    if technician is None or technician.id != ticket.technician_id:
        raise NotFound(f"ticket {ticket.id} not found")


async def _ticket(
    uow: TicketUnitOfWork, ticket_id: str, actor: Principal, if_match: str | None
) -> Ticket:
    ticket = await uow.tickets.get_visible(ticket_id, actor, for_update=True)
    await _technician_may_act(uow, ticket, actor)
    check_if_match(if_match, ticket.etag)
    return ticket


async def start_visit(
    *,
    uow: TicketUnitOfWork,
    ticket_id: str,
    travel_started_at: datetime | None,
    actor: Principal,
    if_match: str | None,
) -> tuple[Ticket, TicketVisit]:
    """The technician sets off: a new visit, the ticket en route."""
    at = travel_started_at or utcnow()
    async with uow:
        ticket = await _ticket(uow, ticket_id, actor, if_match)
        apply(uow, ticket, "depart", actor=actor.user_id, at=at)
        ticket.visits += 1
        visit = TicketVisit(
            ticket_id=ticket.id,
            number=ticket.visits,
            technician_id=ticket.technician_id,
            travel_started_at=at,
            promised_by=ticket.appointment_end or ticket.on_site_due,
            parts=[],
            photos=[],
            parts_charged=Decimal("0"),
        )
        uow.tickets.add_visit(visit)
        await uow.commit()
    return ticket, visit


async def _open_visit(uow: TicketUnitOfWork, ticket: Ticket, number: int) -> TicketVisit:
    visit = await uow.tickets.visit(ticket.id, number)
    if visit is None:
        raise NotFound(f"visit {number} of ticket {ticket.number} not found")
    if visit.number != ticket.visits:
        raise Conflict(f"visit {number} is not the ticket's current visit ({ticket.visits})")
    return visit


async def arrive(
    *,
    uow: TicketUnitOfWork,
    ticket_id: str,
    number: int,
    arrived_at: datetime | None,
    actor: Principal,
    if_match: str | None,
) -> tuple[Ticket, TicketVisit]:
    at = arrived_at or utcnow()
    async with uow:
        ticket = await _ticket(uow, ticket_id, actor, if_match)
        visit = await _open_visit(uow, ticket, number)
        if at < visit.travel_started_at:
            raise InvalidInput(
                "arrival before the travel started",
                errors=[{"field": "arrived_at", "message": "too early"}],
            )
        fields = {"on_site_at": at} if ticket.on_site_at is None else {}
        visit.arrived_at = at
        visit.on_time = visit.promised_by is None or at <= visit.promised_by
        apply(uow, ticket, "arrive", actor=actor.user_id, fields=fields, at=at)
        await uow.commit()
    return ticket, visit


async def report(
    *,
    uow: TicketUnitOfWork,
    ticket_id: str,
    number: int,
    data: VisitReport,
    actor: Principal,
    if_match: str | None,
) -> tuple[Ticket, TicketVisit]:
    """The visit's report decides the ticket's next step: fixed or not fixable completes
    it (with the customer's confirmation code), needs parts waits for parts (clocks
    paused), needs a second visit plans another one."""
    at = data.finished_at or utcnow()
    async with uow:
        ticket = await _ticket(uow, ticket_id, actor, if_match)
        visit = await _open_visit(uow, ticket, number)
        if visit.finished_at is not None:
            raise Conflict(f"visit {number} was already reported")
        if ticket.status != "on_site":
            raise Conflict(f"ticket is {ticket.status}: the technician has not arrived")
        completes = data.result in ("fixed", "not_fixable")
        if completes:
            if not data.confirmation_code:
                raise InvalidInput(
                    "the customer's confirmation code is required to sign off",
                    errors=[{"field": "confirmation_code", "message": "required"}],
                )
            if data.confirmation_code != ticket.confirmation_code:
                raise BusinessRuleViolation(
                    "the confirmation code does not match",
                    errors=[{"field": "confirmation_code", "message": "wrong code"}],
                )
            visit.signed_off_at = at
        charged = sum((p.price * p.quantity for p in data.parts if not p.warranty), Decimal("0"))
        visit.work_done, visit.result, visit.finished_at = data.work_done, data.result, at
        visit.parts = [p.model_dump(mode="json") for p in data.parts]
        visit.photos = [p.model_dump(mode="json") for p in data.photos]
        visit.parts_charged = charged
        ticket.fee = ticket.fee + charged
        if completes:
            apply(
                uow,
                ticket,
                "complete",
                actor=actor.user_id,
                at=at,
                fields={
                    "result": data.result,
                    "completed_at": at,
                    "first_time_fix": data.result == "fixed" and ticket.visits == 1,
                },
            )
            if ticket.technician_id:
                await uow.technicians.adjust_load(ticket.technician_id, -1)
        elif data.result == "needs_parts":
            pause(ticket, at, "parts")
            apply(
                uow,
                ticket,
                "wait_for_parts",
                actor=actor.user_id,
                reason=data.reason or "needs parts",
                at=at,
            )
        else:
            apply(uow, ticket, "revisit", actor=actor.user_id, reason=data.reason, at=at)
            ticket.appointment_start = ticket.appointment_end = ticket.appointment_day = None
        ticket.visit_recorded(visit, actor.user_id)
        uow.audit(
            AuditEntry(
                aggregate_type="ticket",
                aggregate_id=ticket.id,
                action="visit_reported",
                actor=actor.user_id,
                changes={
                    "result": {"from": None, "to": data.result},
                    "parts_charged": {"from": None, "to": str(charged)},
                },
                related_ids=[visit.id],
                at=at,
            )
        )
        await uow.commit()
    return ticket, visit


async def list_visits(
    *, uow: TicketUnitOfWork, ticket_id: str, actor: Principal
) -> list[TicketVisit]:
    async with uow:
        await uow.tickets.get_visible(ticket_id, actor)
        return await uow.tickets.visits(ticket_id)


async def follow_up(
    *, uow: TicketUnitOfWork, ticket_id: str, data: FollowUpCreate, actor: Principal
) -> TicketFollowUp:
    """The follow-up call (回访) after closing; once per ticket."""
    async with uow:
        ticket = await uow.tickets.get_visible(ticket_id, actor, for_update=True)
        if ticket.status != "closed":
            raise Conflict(
                f"ticket is {ticket.status}: follow up after closing", state=ticket.status
            )
        if await uow.tickets.follow_up(ticket.id) is not None:
            raise Conflict("the follow-up was already recorded")
        record = TicketFollowUp(
            ticket_id=ticket.id,
            contacted_at=utcnow(),
            contacted_by=actor.user_id,
            satisfied=data.satisfied,
            score=data.score,
            notes=data.notes,
        )
        uow.tickets.add_follow_up(record)
        ticket.followed_up(record, actor.user_id)
        uow.audit(
            AuditEntry(
                aggregate_type="ticket",
                aggregate_id=ticket.id,
                action="followed_up",
                actor=actor.user_id,
                changes={"satisfied": {"from": None, "to": data.satisfied}},
            )
        )
        await uow.commit()
    return record


async def get_follow_up(
    *, uow: TicketUnitOfWork, ticket_id: str, actor: Principal
) -> TicketFollowUp:
    async with uow:
        await uow.tickets.get_visible(ticket_id, actor)
        record = await uow.tickets.follow_up(ticket_id)
        if record is None:
            raise NotFound(f"ticket {ticket_id} has no follow-up yet")
        return record
