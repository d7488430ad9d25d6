"""Use cases of a ticket's lifecycle: open (with warranty, fee, SLA targets and the
automatic assignment), read, list, change, and every workflow action.

Each takes the unit of work and commits through it; the ``Ticket`` aggregate changes state
only through ``TICKET_WORKFLOW`` and raises its events. Opening is shared with the
complaint consumer and the maintenance sweep (:func:`open_in`, which does not commit).
Unit tests: ``tests/ticket/unit/test_lifecycle.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kefu_shared.audit import AuditEntry, audit_transition, changes_between, snapshot
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import BusinessRuleViolation, Forbidden, InvalidInput, NotFound
from kefu_shared.http.etag import check_if_match
from kefu_shared.visibility import visible_or_404
from ticket.catalog import Warranty
from ticket.models import TARGET_COLUMNS, Ticket
from ticket.repository import CustomerCopy, TicketFilter
from ticket.rules import (
    AgreementTerms,
    Clocks,
    StandardCell,
    charge_for,
    deadlines,
    shifted_after_pause,
    targets_for,
    warranty_ends_on,
)
from ticket.schemas import TicketCreate, TicketUpdate
from ticket.settings import TicketSettings
from ticket.workflow import TICKET_WORKFLOW

if TYPE_CHECKING:
    from ticket.uow import TicketUnitOfWork

DESCRIPTIVE = (
    "priority",
    "product_model",
    "product_line",
    "serial_number",
    "address",
    "region",
    "region_class",
    "contact_name",
    "contact_phone",
    "description",
    "requested_window_start",
    "requested_window_end",
)
# Personal data is named in the record, never kept as a value (erasure need not find it).
PERSONAL = {"address", "contact_name", "contact_phone", "description"}


def local_day(at: datetime, settings: TicketSettings) -> date:
    """The installation's calendar day of an instant (warranty and capacity count days)."""
    return at.astimezone(ZoneInfo(settings.calendar.timezone)).date()


def apply(
    uow: TicketUnitOfWork,
    ticket: Ticket,
    action: str,
    *,
    actor: str,
    reason: str | None = None,
    fields: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """The one way a ticket changes state: the workflow, with the ticket's record."""
    TICKET_WORKFLOW.apply(
        ticket,
        action,
        actor=actor,
        reason=reason,
        fields=fields,
        at=at,
        audit=audit_transition(uow.audit, aggregate_type="ticket", aggregate_id=ticket.id),
    )


async def customer_for(uow: TicketUnitOfWork, customer_id: str, actor: Principal) -> CustomerCopy:
    """The local copy of the customer, as the caller may see it (404 otherwise); a merged
    customer's tickets go to the surviving one."""
    customer = await uow.tickets.customer(customer_id)
    if customer is not None and customer.merged_into:
        customer = await uow.tickets.customer(customer.merged_into)
    customer = visible_or_404(customer, actor, what="customer", ident=customer_id)
    if customer.status in ("erased", "archived"):
        raise BusinessRuleViolation(
            f"customer {customer_id} is {customer.status}",
            errors=[{"field": "customer_id", "message": customer.status}],
        )
    return customer


@dataclass(frozen=True)
class Opening:
    """What opens a ticket, whoever asks (a user, a complaint, a maintenance plan)."""

    data: TicketCreate
    origin: str = "manual"
    maintenance_plan_id: str | None = None
    maintenance_due_on: date | None = None


async def open_in(
    uow: TicketUnitOfWork,
    opening: Opening,
    *,
    customer: CustomerCopy,
    actor: str,
    settings: TicketSettings,
    clocks: Clocks,
    now: datetime,
) -> Ticket:
    """Open a ticket inside the caller's transaction (no commit): warranty and fee decided
    on the opening day, targets from the matrix and the customer copy, deadlines on the
    calendar each target runs on."""
    data = opening.data
    region_class = data.region_class or customer.area_class
    if region_class is None:
        raise InvalidInput(
            "region_class is required (the customer copy has no area class)",
            errors=[{"field": "region_class", "message": "required"}],
        )
    day = local_day(now, settings)
    warranty = await _warranty(uow, data, customer, settings)
    agreement = await uow.coverage.agreement_for(
        customer_id=customer.id, serial_number=data.serial_number, day=day
    )
    terms = (
        AgreementTerms(
            agreement.id, tuple(agreement.coverage), agreement.response_level, agreement.fee
        )
        if agreement
        else None
    )
    charge = charge_for(
        ticket_type=data.type,
        warranty_ends_on=warranty.ends_on if warranty else None,
        service_day=day,
        agreement=terms,
        settings=settings.warranty,
    )
    cells = [
        StandardCell(
            s.region_class,
            s.ticket_type,
            s.tier,
            s.first_contact_hours,
            s.on_site_hours,
            s.resolution_hours,
            tuple(s.around_the_clock),
        )
        for s in await uow.coverage.standards()
    ]
    targets = targets_for(
        region_class=region_class,
        ticket_type=data.type,
        tier=customer.tier,
        key_account=customer.key_account,
        cells=cells,
        settings=settings.sla,
        response_factor=charge.response_factor,
    )
    due = deadlines(now, targets, clocks)
    number = await uow.tickets.next_number()
    ticket = Ticket(
        number=f"{settings.number_prefix}-{now.year}-{number:06d}",
        type=data.type,
        channel=data.channel,
        origin=opening.origin,
        customer_id=customer.id,
        dealer_id=customer.dealer_id,
        complaint_id=data.complaint_id,
        tier=customer.tier,
        key_account=customer.key_account,
        **{
            f: getattr(data, f)
            for f in DESCRIPTIVE
            if f not in ("region_class", "priority", "product_line")
        },
        priority=data.priority or ("high" if customer.key_account else "normal"),
        region_class=region_class,
        product_line=data.product_line or (warranty.product_line if warranty else None),
        in_warranty=charge.in_warranty,
        agreement_id=charge.agreement_id,
        fee=charge.fee,
        approval_required=charge.fee > 0 and customer.on_credit_hold,
        sla_targets={
            n: {"hours": t.hours, "around_the_clock": t.around_the_clock}
            for n, t in targets.items()
        },
        first_contact_due=due["first_contact"],
        on_site_due=due["on_site"],
        resolve_due=due["resolution"],
        confirmation_code=f"{secrets.randbelow(10**6):06d}",
        maintenance_plan_id=opening.maintenance_plan_id,
        maintenance_due_on=opening.maintenance_due_on,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    if data.type == "repair" and data.serial_number:
        since = now - timedelta(days=settings.scorecard.repeat_repair_days)
        earlier = await uow.tickets.last_repair_completed_since(data.serial_number, since)
        if earlier is not None:
            ticket.repeat_of = earlier.id
            ticket.repeat_of_technician_id = earlier.technician_id
    uow.tickets.add(ticket)
    ticket.opened(actor)
    uow.audit(
        AuditEntry(
            aggregate_type="ticket",
            aggregate_id=ticket.id,
            action="opened",
            actor=actor,
            changes={
                "status": {"from": None, "to": "opened"},
                "fee": {"from": None, "to": str(ticket.fee)},
                "in_warranty": {"from": None, "to": ticket.in_warranty},
            },
            at=now,
        )
    )
    return ticket


async def _warranty(
    uow: TicketUnitOfWork, data: TicketCreate, customer: CustomerCopy, settings: TicketSettings
) -> Warranty | None:
    """The serial's warranty; registered from the ticket's purchase date when unknown."""
    if not data.serial_number:
        return None
    warranty = await uow.coverage.warranty_by_serial(data.serial_number)
    if warranty is None and data.purchase_date is not None:
        months = settings.warranty.months_for(data.product_line)
        warranty = Warranty(
            serial_number=data.serial_number,
            product_model=data.product_model,
            product_line=data.product_line,
            customer_id=customer.id,
            dealer_id=customer.dealer_id,
            purchase_date=data.purchase_date,
            months=months,
            ends_on=warranty_ends_on(data.purchase_date, months),
            version=1,
            created_at=utcnow(),
        )
        uow.coverage.add(warranty)
    return warranty


async def open_ticket(
    *,
    uow: TicketUnitOfWork,
    data: TicketCreate,
    actor: Principal,
    settings: TicketSettings,
    clocks: Clocks,
    now: datetime | None = None,
) -> Ticket:
    """POST /tickets: open, and assign automatically when configured and allowed."""
    from ticket import dispatch

    now = now or utcnow()
    async with uow:
        customer = await customer_for(uow, data.customer_id, actor)
        ticket = await open_in(
            uow,
            Opening(data),
            customer=customer,
            actor=actor.user_id,
            settings=settings,
            clocks=clocks,
            now=now,
        )
        if settings.dispatch.auto_assign_on_open and not ticket.approval_required:
            await dispatch.assign_automatically(
                uow, ticket, settings=settings, now=now, clocks=clocks
            )
        await uow.commit()
    return ticket


async def get_ticket(*, uow: TicketUnitOfWork, ticket_id: str, actor: Principal) -> Ticket:
    async with uow:
        return await uow.tickets.get_visible(ticket_id, actor)


async def list_tickets(
    *,
    uow: TicketUnitOfWork,
    flt: TicketFilter,
    actor: Principal,
    settings: TicketSettings,
    cursor: str | None,
    limit: int,
    board: bool = False,
) -> tuple[list[Ticket], str | None]:
    async with uow:
        query = uow.tickets.board_page if board else uow.tickets.list_page
        return await query(
            flt,
            actor=actor,
            now=utcnow(),
            at_risk=timedelta(minutes=settings.sla.at_risk_minutes),
            cursor=cursor,
            limit=limit,
        )


async def update_ticket(
    *,
    uow: TicketUnitOfWork,
    ticket_id: str,
    data: TicketUpdate,
    if_match: str | None,
    actor: Principal,
) -> Ticket:
    """Change the descriptive fields (JSON merge). The targets stay those it was opened with."""
    changes = data.model_dump(exclude_unset=True)
    async with uow:
        ticket = await uow.tickets.get_visible(ticket_id, actor, for_update=True)
        check_if_match(if_match, ticket.etag)
        if not ticket.is_open:
            raise BusinessRuleViolation(f"ticket is {ticket.status} and cannot be changed")
        for required in ("region_class", "priority"):
            if required in changes and changes[required] is None:
                raise InvalidInput(
                    f"{required} cannot be removed",
                    errors=[{"field": required, "message": "required"}],
                )
        before = snapshot(ticket, list(changes))
        for key, value in changes.items():
            setattr(ticket, key, value)
        diff = changes_between(before, snapshot(ticket, list(changes)))
        if diff:
            ticket.touch()
            uow.audit(
                AuditEntry(
                    aggregate_type="ticket",
                    aggregate_id=ticket.id,
                    action="updated",
                    actor=actor.user_id,
                    fields=sorted(diff),
                    changes={k: v for k, v in diff.items() if k not in PERSONAL},
                )
            )
        await uow.commit()
    return ticket


async def act(
    *,
    uow: TicketUnitOfWork,
    ticket_id: str,
    action: str,
    actor: Principal,
    if_match: str | None,
    settings: TicketSettings,
    clocks: Clocks,
    reason: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """A workflow action without extra input: contact, wait_for_customer, wait_for_parts,
    resume, close, cancel, reopen (the others have their own use cases)."""
    now = now or utcnow()
    async with uow:
        ticket = await uow.tickets.get_visible(ticket_id, actor, for_update=True)
        check_if_match(if_match, ticket.etag)
        fields: dict[str, Any] = {}
        was_open, technician = ticket.is_open, ticket.technician_id
        if action == "contact":
            if ticket.first_contact_at is not None:
                raise BusinessRuleViolation("the customer was already contacted")
            fields["first_contact_at"] = now
        elif action in ("wait_for_customer", "wait_for_parts"):
            pause(ticket, now, "customer" if action == "wait_for_customer" else "parts")
        elif action == "resume":
            resume(ticket, now, clocks)
        elif action == "close":
            fields["closed_at"] = now
        apply(uow, ticket, action, actor=actor.user_id, reason=reason, fields=fields, at=now)
        if action == "reopen":
            ticket.reopen_count += 1
            ticket.completed_at = None
            ticket.closed_at = None
            ticket.refresh_sla_clock()
        if technician and was_open and not ticket.is_open:
            await uow.technicians.adjust_load(technician, -1)
        await uow.commit()
    return ticket


def pause(ticket: Ticket, now: datetime, waiting_for: str) -> None:
    ticket.paused_since = now
    ticket.waiting_for = waiting_for


def resume(ticket: Ticket, now: datetime, clocks: Clocks) -> None:
    """The clocks run again: each unmet deadline moves by the (working) time of the pause
    on its own calendar."""
    if ticket.paused_since is None:
        return
    started = ticket.paused_since
    for name, (due_col, met_col, breached_col) in TARGET_COLUMNS.items():
        due = getattr(ticket, due_col)
        if (
            due is None
            or getattr(ticket, met_col) is not None
            or getattr(ticket, breached_col) is not None
        ):
            continue
        calendar = clocks.of(ticket.sla_targets.get(name, {}))
        setattr(ticket, due_col, shifted_after_pause(due, started, now, calendar))
    ticket.pauses = [
        *ticket.pauses,
        {
            "from": started.isoformat(),
            "to": now.isoformat(),
            "waiting_for": ticket.waiting_for,
            "seconds": (now - started).total_seconds(),
        },
    ]
    ticket.paused_since = None
    ticket.waiting_for = None


async def approve_paid_work(
    *,
    uow: TicketUnitOfWork,
    ticket_id: str,
    actor: Principal,
    if_match: str | None,
    reason: str | None,
    settings: TicketSettings,
    clocks: Clocks,
    now: datetime | None = None,
) -> Ticket:
    """A service manager lets paid work go ahead for a customer on credit hold; the ticket
    is then assigned automatically when that is configured."""
    from ticket import dispatch

    now = now or utcnow()
    async with uow:
        ticket = await uow.tickets.get_visible(ticket_id, actor, for_update=True)
        check_if_match(if_match, ticket.etag)
        if not ticket.approval_required:
            raise BusinessRuleViolation("this ticket needs no approval")
        if ticket.approved_at is not None:
            raise BusinessRuleViolation("already approved")
        ticket.approved_at, ticket.approved_by = now, actor.user_id
        ticket.touch()
        uow.audit(
            AuditEntry(
                aggregate_type="ticket",
                aggregate_id=ticket.id,
                action="paid_work_approved",
                actor=actor.user_id,
                reason=reason,
                changes={"approved_by": {"from": None, "to": actor.user_id}},
            )
        )
        if settings.dispatch.auto_assign_on_open and ticket.status == "opened":
            await dispatch.assign_automatically(
                uow, ticket, settings=settings, now=now, clocks=clocks
            )
        await uow.commit()
    return ticket


async def ticket_record(
    *, uow: TicketUnitOfWork, ticket_id: str, actor: Principal, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    async with uow:
        await uow.tickets.get_visible(ticket_id, actor)
        return await uow.tickets.record_page(ticket_id, cursor=cursor, limit=limit)


def require_not_dealer(actor: Principal) -> None:
    if actor.is_dealer:
        raise Forbidden("dealers cannot do this")


__all__ = ["NotFound", "Opening", "act", "open_in", "open_ticket"]
