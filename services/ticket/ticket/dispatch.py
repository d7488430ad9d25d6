"""Dispatch: technicians, automatic assignment (least load), a dispatcher's override,
appointments that respect the technician's calendar, a technician's day and the board.

The assignment rule is :func:`ticket.rules.choose_technician` (docs/dispatch.md); the
repository narrows the candidates by skill and area with index lookups first, so the
choice stays fast with 1,000 technicians and 100,000 open tickets (bench/ticket_assign.py).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kefu_shared.audit import AuditEntry, changes_between, snapshot
from kefu_shared.auth import Principal
from kefu_shared.calendar import WEEKDAYS, parse_intervals
from kefu_shared.db import utcnow
from kefu_shared.errors import BusinessRuleViolation, Conflict, InvalidInput, NotFound
from kefu_shared.http.etag import check_if_match
from kefu_shared.workflow import TransitionRefused
from ticket.catalog import Technician
from ticket.catalog_schemas import TechnicianCreate, TechnicianUpdate
from ticket.models import Ticket
from ticket.rules import Candidate, Clocks, choose_technician
from ticket.service import apply, local_day
from ticket.settings import TicketSettings
from ticket.workflow import paid_work_approved

if TYPE_CHECKING:
    from ticket.uow import TicketUnitOfWork

SYSTEM = "system:dispatch"


def hours_on(
    technician: Technician, day: date, settings: TicketSettings, clocks: Clocks | None = None
) -> tuple[tuple[time, time], ...]:
    """The technician's working intervals on ``day``: none on a public holiday; a make-up
    working day (调休) works the hours of the calendar's ``makeup_day_hours_of`` weekday."""
    hours = technician.working_hours or settings.calendar.working_hours
    weekday = WEEKDAYS[day.weekday()]
    if clocks is not None:
        is_working_day = getattr(clocks.business, "is_working_day", None)
        if is_working_day is not None:
            if not is_working_day(day):
                return ()
            if weekday not in settings.calendar.working_hours:  # a make-up day
                weekday = settings.calendar.makeup_day_hours_of
    return parse_intervals(hours.get(weekday, ""))


async def candidates_for(
    uow: TicketUnitOfWork,
    ticket: Ticket,
    *,
    day: date,
    settings: TicketSettings,
    clocks: Clocks | None = None,
) -> list[Candidate]:
    rows = await uow.technicians.candidates(
        product_line=ticket.product_line, region=ticket.region, day=day
    )
    return [
        Candidate(
            id=t.id,
            skills=frozenset(t.skills),
            areas=frozenset(t.areas),
            active=t.active,
            open_tickets=t.open_tickets,
            booked_that_day=row["booked"],
            capacity_per_day=t.capacity_per_day,
            works_that_day=bool(hours_on(t, day, settings, clocks)),
            name=t.name,
        )
        for row in rows
        for t in [row["technician"]]
    ]


async def assign_automatically(
    uow: TicketUnitOfWork,
    ticket: Ticket,
    *,
    settings: TicketSettings,
    now: datetime,
    clocks: Clocks | None = None,
) -> str | None:
    """Assign the ticket to the technician the rule chooses (no commit); None when no one
    qualifies -- the ticket stays open on the board for a dispatcher."""
    day = local_day(ticket.requested_window_start or now, settings)
    chosen = choose_technician(
        await candidates_for(uow, ticket, day=day, settings=settings, clocks=clocks),
        product_line=ticket.product_line,
        region=ticket.region,
    )
    if chosen is None:
        return None
    apply(uow, ticket, "assign", actor=SYSTEM, fields={"technician_id": chosen.id}, at=now)
    await uow.technicians.adjust_load(chosen.id, +1)
    return chosen.id


async def assign(
    *,
    uow: TicketUnitOfWork,
    ticket_id: str,
    technician_id: str | None,
    reason: str | None,
    actor: Principal,
    if_match: str | None,
    settings: TicketSettings,
    clocks: Clocks,
    now: datetime | None = None,
) -> Ticket:
    """Assign (automatically when no technician is named) or, for an assigned ticket, a
    dispatcher's override to another technician with the reason."""
    now = now or utcnow()
    async with uow:
        ticket = await uow.tickets.get_visible(ticket_id, actor, for_update=True)
        check_if_match(if_match, ticket.etag)
        if technician_id is None:
            if ticket.status not in ("opened", "reopened"):
                raise Conflict(f"ticket is {ticket.status}: name the technician to reassign it")
            refusal = paid_work_approved(ticket, {})
            if refusal:
                raise TransitionRefused(action="assign", state=ticket.status, reason=refusal)
            if (
                await assign_automatically(uow, ticket, settings=settings, now=now, clocks=clocks)
                is None
            ):
                raise BusinessRuleViolation(
                    "no qualified technician with capacity serves this region",
                    errors=[{"field": "technician_id", "message": "no candidate"}],
                )
        else:
            technician = await uow.technicians.get(technician_id)
            if technician is None or not technician.active:
                raise InvalidInput(
                    f"technician {technician_id} not found or inactive",
                    errors=[{"field": "technician_id", "message": "unknown or inactive"}],
                )
            previous = ticket.technician_id
            action = "reassign" if ticket.status in ("assigned", "scheduled") else "assign"
            if action == "reassign" and previous == technician_id:
                raise BusinessRuleViolation("the ticket is already assigned to this technician")
            apply(
                uow,
                ticket,
                action,
                actor=actor.user_id,
                reason=reason,
                fields={"technician_id": technician_id},
                at=now,
            )
            if action == "reassign":
                ticket.appointment_start = ticket.appointment_end = ticket.appointment_day = None
                if previous:
                    await uow.technicians.adjust_load(previous, -1)
            await uow.technicians.adjust_load(technician_id, +1)
        await uow.commit()
    return ticket


async def schedule(
    *,
    uow: TicketUnitOfWork,
    ticket_id: str,
    start: datetime,
    end: datetime,
    actor: Principal,
    if_match: str | None,
    settings: TicketSettings,
    clocks: Clocks,
) -> Ticket:
    """Agree an appointment window: within the technician's working hours that day (no
    holidays), not overlapping their other appointments, within their capacity."""
    async with uow:
        ticket = await uow.tickets.get_visible(ticket_id, actor, for_update=True)
        check_if_match(if_match, ticket.etag)
        if ticket.technician_id is None:
            raise BusinessRuleViolation("assign a technician before scheduling")
        technician = await uow.technicians.get(ticket.technician_id, for_update=True)
        if technician is None:
            raise NotFound(f"technician {ticket.technician_id} not found")
        tz = ZoneInfo(settings.calendar.timezone)
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        day = local_start.date()
        if local_end.date() != day:
            raise _window_error("the window must lie within one day")
        intervals = hours_on(technician, day, settings, clocks)
        if not any(a <= local_start.time() and local_end.time() <= b for a, b in intervals):
            shown = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in intervals) or "none (day off)"
            raise _window_error(f"outside the technician's working hours on {day}: {shown}")
        booked = await uow.technicians.booked(technician.id, day, excluding=ticket.id)
        if len(booked) >= technician.capacity_per_day:
            raise _window_error(
                f"the technician's {technician.capacity_per_day} appointments on {day} are taken"
            )
        for other in booked:
            if (
                other.appointment_start
                and other.appointment_end
                and (other.appointment_start < end and start < other.appointment_end)
            ):
                raise _window_error(f"overlaps the appointment of ticket {other.number}")
        apply(
            uow,
            ticket,
            "schedule",
            actor=actor.user_id,
            fields={
                "appointment_start": start,
                "appointment_end": end,
                "appointment_day": day,
            },
        )
        if ticket.first_contact_at is None:
            # Agreeing a window with the customer is a contact.
            ticket.first_contact_at = utcnow()
            ticket.refresh_sla_clock()
        await uow.commit()
    return ticket


def _window_error(message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(message, errors=[{"field": "start", "message": message}])


async def technician_day(
    *,
    uow: TicketUnitOfWork,
    technician_id: str | None,
    actor: Principal,
    day: date | None,
    settings: TicketSettings,
) -> tuple[Technician, date, list[Ticket]]:
    """A technician's appointments of one day (their own, for the technician role)."""
    async with uow:
        if technician_id is None:
            technician = await uow.technicians.by_user(actor.user_id)
            if technician is None:
                raise NotFound("you are not registered as a technician")
        else:
            technician = await uow.technicians.get(technician_id)
            if technician is None:
                raise NotFound(f"technician {technician_id} not found")
            if actor.roles == frozenset({"technician"}) and technician.user_id != actor.user_id:
                raise NotFound(f"technician {technician_id} not found")
        the_day = day or local_day(utcnow(), settings)
        return technician, the_day, await uow.tickets.technician_day(technician.id, the_day)


# --- technicians ----------------------------------------------------------------------------


async def create_technician(
    *, uow: TicketUnitOfWork, data: TechnicianCreate, actor: Principal, settings: TicketSettings
) -> Technician:
    async with uow:
        if data.user_id and await uow.technicians.by_user(data.user_id):
            raise Conflict(
                f"user {data.user_id} is already a technician",
                errors=[{"field": "user_id", "message": "taken"}],
            )
        values: dict[str, Any] = data.model_dump(exclude_none=True)
        values.setdefault("capacity_per_day", settings.dispatch.default_capacity_per_day)
        values["skills"] = sorted(set(data.skills))
        values["areas"] = sorted(set(data.areas))
        technician = Technician(**values)
        uow.technicians.add(technician)
        await uow.technicians.set_skills_and_areas(technician)
        uow.audit(
            AuditEntry(
                aggregate_type="technician",
                aggregate_id=technician.id,
                action="created",
                actor=actor.user_id,
                fields=sorted(values),
            )
        )
        await uow.commit()
    return technician


async def get_technician(*, uow: TicketUnitOfWork, technician_id: str) -> Technician:
    async with uow:
        technician = await uow.technicians.get(technician_id)
        if technician is None:
            raise NotFound(f"technician {technician_id} not found")
        return technician


async def update_technician(
    *,
    uow: TicketUnitOfWork,
    technician_id: str,
    data: TechnicianUpdate,
    if_match: str | None,
    actor: Principal,
) -> Technician:
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "skills", "areas", "capacity_per_day", "active"):
        if required in changes and changes[required] is None:
            raise InvalidInput(
                f"{required} cannot be removed", errors=[{"field": required, "message": "required"}]
            )
    async with uow:
        technician = await uow.technicians.get(technician_id, for_update=True)
        if technician is None:
            raise NotFound(f"technician {technician_id} not found")
        check_if_match(if_match, technician.etag)
        if changes.get("user_id") and changes["user_id"] != technician.user_id:
            other = await uow.technicians.by_user(changes["user_id"])
            if other is not None:
                raise Conflict(
                    f"user {changes['user_id']} is already a technician",
                    errors=[{"field": "user_id", "message": "taken"}],
                )
        before = snapshot(technician, list(changes))
        for key in ("skills", "areas"):
            if key in changes:
                changes[key] = sorted(set(changes[key]))
        for key, value in changes.items():
            setattr(technician, key, value)
        diff = changes_between(before, snapshot(technician, list(changes)))
        if diff:
            technician.version += 1
            if {"skills", "areas"} & set(diff):
                await uow.technicians.set_skills_and_areas(technician)
            uow.audit(
                AuditEntry(
                    aggregate_type="technician",
                    aggregate_id=technician.id,
                    action="updated",
                    actor=actor.user_id,
                    fields=sorted(diff),
                )
            )
        await uow.commit()
    return technician


async def list_technicians(
    *,
    uow: TicketUnitOfWork,
    region: str | None,
    skill: str | None,
    active: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Technician], str | None]:
    async with uow:
        return await uow.technicians.page(
            region=region, skill=skill, active=active, cursor=cursor, limit=limit
        )
