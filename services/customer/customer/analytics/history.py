"""Service history and cost to serve, fed by complaint and ticket events.

Each complaint or ticket is a row in ``service_cases`` holding the newest state seen:
an event older than the state already recorded (out-of-order delivery across
partitions, replays) still counts for "seen" and for its own cost, but does not move
the case back to an older status. Open/total counters are then recomputed from the
cases, so a ``closed`` arriving before ``received`` never yields a negative open count.
Every priced event writes a ``service_costs`` row: cost to serve over any date range
is a plain SUM. Handlers run inside the consumer's unit of work and never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from customer.analytics.config import CostSettings
from customer.analytics.models import COMPLAINT, TICKET, ServiceCase, ServiceCost
from customer.analytics.repository import AnalyticsRepository
from kefu_shared.contracts.complaint import ComplaintCompensationApproved, ComplaintEvent
from kefu_shared.contracts.ticket import TicketEvent, TicketSlaBreached
from kefu_shared.events import CloudEvent
from kefu_shared.logging import get_logger

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

log = get_logger(__name__)

COMPLAINT_OPEN = frozenset({"received", "acknowledged", "assigned", "escalated", "reopened"})
COMPLAINT_CLOSED = frozenset({"resolved", "closed", "rejected"})
TICKET_OPEN = frozenset({"opened", "assigned", "scheduled", "visit_recorded", "reopened"})
TICKET_CLOSED = frozenset({"completed", "closed", "cancelled"})


def event_time(event: CloudEvent) -> datetime:
    t = event.time
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _action(event: CloudEvent) -> str:
    return event.type.split(".", 1)[1]


class _Booker:
    """Writes cost rows for one event and keeps the customer's running total."""

    def __init__(self, repo: AnalyticsRepository, event: CloudEvent, customer_id: str) -> None:
        self.repo, self.event, self.customer_id = repo, event, customer_id
        self.total = Decimal(0)

    def book(self, component: str, kind: str, case_id: str, amount: Decimal, at: datetime) -> None:
        if amount == 0:
            return
        self.repo.add(
            ServiceCost(
                customer_id=self.customer_id,
                event_id=self.event.id,
                component=component,
                case_kind=kind,
                case_id=case_id,
                amount=amount,
                occurred_at=at,
            )
        )
        self.total += amount


async def _resolve_customer(
    repo: AnalyticsRepository, customer_id: str | None, event: CloudEvent
) -> str | None:
    """The customer to book the event on (following merges), or None to ignore it."""
    resolved = await repo.resolve_customer(customer_id) if customer_id else None
    if resolved is not None:
        return resolved
    log.warning(
        "analytics.unknown_customer_ignored",
        type=event.type,
        event_id=event.id,
        customer_id=customer_id,
    )
    return None


async def _track_case(
    repo: AnalyticsRepository,
    booker: _Booker,
    *,
    kind: str,
    case_id: str,
    number: str | None,
    customer_id: str,
    case_type: str | None,
    status: str | None,
    is_open: bool | None,
    at: datetime,
    cost_for: Callable[[str | None], Decimal],
) -> ServiceCase:
    """Create or advance a case; book its handling cost the first time it is seen.

    A case first seen without its type (severity, ticket type) is booked at the default
    cost and corrected by the difference when an event brings the type.
    """
    case = await repo.case(kind, case_id)
    if case is None:
        case = ServiceCase(
            kind=kind,
            case_id=case_id,
            customer_id=customer_id,
            number=number,
            case_type=case_type,
            status=status or "seen",
            is_open=True if is_open is None else is_open,
            opened_at=at,
            status_at=at,
            fee_booked=Decimal(0),
        )
        repo.add(case)
        booker.book(kind, kind, case_id, cost_for(case_type), at)
        return case
    if case_type and not case.case_type:
        case.case_type = case_type
        booker.book(f"{kind}_type", kind, case_id, cost_for(case_type) - cost_for(None), at)
    if number and not case.number:
        case.number = number
    if at < case.opened_at:
        case.opened_at = at
    if status is not None and is_open is not None and at >= case.status_at:
        case.status = status
        case.is_open = is_open
        case.status_at = at
    return case


async def _refresh_counters(repo: AnalyticsRepository, customer_id: str, booked: Decimal) -> None:
    await repo.session.flush()
    counts = await repo.case_counts(customer_id)
    stats = await repo.stats_for_update(customer_id)
    stats.complaints_total, stats.complaints_open, stats.last_complaint_at = counts.get(
        COMPLAINT, (0, 0, None)
    )
    stats.tickets_total, stats.tickets_open, stats.last_ticket_at = counts.get(TICKET, (0, 0, None))
    stats.cost_to_serve = (stats.cost_to_serve or Decimal(0)) + booked


def _open_state(action: str, opening: frozenset[str], closing: frozenset[str]) -> bool | None:
    if action in opening:
        return True
    if action in closing:
        return False
    return None


async def record_complaint_event(
    *, uow: CustomerUnitOfWork, event: CloudEvent, data: ComplaintEvent, costs: CostSettings
) -> None:
    """Apply one ``complaint.<action>`` event to the customer's service history."""
    repo = uow.analytics
    resolved = await _resolve_customer(repo, data.customer_id, event)
    if resolved is None:
        return
    data = data.model_copy(update={"customer_id": resolved})
    action, at = _action(event), event_time(event)
    booker = _Booker(repo, event, data.customer_id)
    is_open = _open_state(action, COMPLAINT_OPEN, COMPLAINT_CLOSED)
    await _track_case(
        repo,
        booker,
        kind=COMPLAINT,
        case_id=data.id,
        number=data.number,
        customer_id=data.customer_id,
        case_type=data.severity,
        status=action,
        is_open=is_open,
        at=at,
        cost_for=costs.complaint_cost,
    )
    stats = await repo.stats_for_update(data.customer_id)
    if action == "escalated":
        stats.escalations += 1
        booker.book("escalation", COMPLAINT, data.id, costs.complaint_escalation, at)
    elif action == "reopened":
        stats.complaints_reopened += 1
        booker.book("reopen", COMPLAINT, data.id, costs.complaint_reopen, at)
    await _refresh_counters(repo, data.customer_id, booker.total)


async def record_compensation(
    *,
    uow: CustomerUnitOfWork,
    event: CloudEvent,
    data: ComplaintCompensationApproved,
    costs: CostSettings,
) -> None:
    """An approved compensation is paid to the customer: it adds to the cost to serve."""
    repo = uow.analytics
    if not costs.include_compensation:
        return
    resolved = await _resolve_customer(repo, data.customer_id, event)
    if resolved is None:
        return
    data = data.model_copy(update={"customer_id": resolved})
    booker = _Booker(repo, event, data.customer_id)
    booker.book("compensation", COMPLAINT, data.id, data.amount, event_time(event))
    await _refresh_counters(repo, data.customer_id, booker.total)


async def record_ticket_event(
    *, uow: CustomerUnitOfWork, event: CloudEvent, data: TicketEvent, costs: CostSettings
) -> None:
    """Apply one ``ticket.<action>`` event to the customer's service history."""
    repo = uow.analytics
    resolved = await _resolve_customer(repo, data.customer_id, event)
    if resolved is None:
        return
    data = data.model_copy(update={"customer_id": resolved})
    action, at = _action(event), event_time(event)
    booker = _Booker(repo, event, data.customer_id)
    case = await _track_case(
        repo,
        booker,
        kind=TICKET,
        case_id=data.id,
        number=data.number,
        customer_id=data.customer_id,
        case_type=data.type,
        status=action,
        is_open=_open_state(action, TICKET_OPEN, TICKET_CLOSED),
        at=at,
        cost_for=costs.ticket_cost,
    )
    stats = await repo.stats_for_update(data.customer_id)
    if action == "visit_recorded":
        stats.visits += 1
        booker.book("visit", TICKET, data.id, costs.ticket_visit, at)
    # The fee may be set or corrected on any event; the newest value wins and only the
    # difference to what was booked is written, so the ledger always sums to -fee.
    newest_fee = case.fee_at is None or at >= case.fee_at
    if costs.subtract_ticket_fees and data.fee is not None and newest_fee:
        delta = data.fee - (case.fee_booked or Decimal(0))
        booker.book("fee", TICKET, data.id, -delta, at)
        case.fee_booked = data.fee
        case.fee_at = at
    await _refresh_counters(repo, data.customer_id, booker.total)


async def record_sla_breach(
    *, uow: CustomerUnitOfWork, event: CloudEvent, data: TicketSlaBreached, costs: CostSettings
) -> None:
    """Count an SLA breach of a ticket against its customer and price it."""
    repo = uow.analytics
    customer_id = data.customer_id
    if customer_id is None:
        known = await repo.case(TICKET, data.id)
        customer_id = known.customer_id if known else None
    customer_id = await _resolve_customer(repo, customer_id, event)
    if customer_id is None:
        return
    assert customer_id is not None
    booker = _Booker(repo, event, customer_id)
    at = data.breached_at if data.breached_at.tzinfo else data.breached_at.replace(tzinfo=UTC)
    stats = await repo.stats_for_update(customer_id)
    stats.sla_breaches += 1
    booker.book("sla_breach", TICKET, data.id, costs.sla_breach, at)
    await _refresh_counters(repo, customer_id, booker.total)
