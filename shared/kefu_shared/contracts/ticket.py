"""Events published by the ticket service on ``ticket.events.v1``.

Every lifecycle event (``ticket.<action>``) carries the fields of :class:`TicketEvent` —
a consumer that only tracks "a ticket of this customer changed" (cost to serve) handles
them all by that base class — and adds what is particular to its step. One explicit
class per event type.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kefu_shared.events import EventData, contract
from kefu_shared.registry import service

TOPIC = service("ticket").events_topic


class TicketEvent(EventData):
    """What every ticket lifecycle event says about the ticket it concerns."""

    id: str
    number: str
    customer_id: str
    dealer_id: str | None = None
    # installation | repair | maintenance | inspection | return_exchange | consultation
    type: str | None = None
    status: str | None = None  # the state after this event
    priority: str | None = None
    region_class: str | None = None
    key_account: bool | None = None
    product_model: str | None = None
    serial_number: str | None = None
    technician_id: str | None = None
    complaint_id: str | None = None  # the complaint that requested this ticket
    in_warranty: bool | None = None
    fee: Decimal | None = None  # what the customer pays (out of warranty / not covered)
    actor: str | None = None


@contract("ticket.opened", topic=TOPIC)
class TicketOpened(TicketEvent):
    """A ticket was opened; its SLA deadlines are set."""

    channel: str | None = None
    description: str | None = None
    requested_window_start: datetime | None = None
    requested_window_end: datetime | None = None
    first_contact_due: datetime | None = None
    on_site_due: datetime | None = None
    resolve_due: datetime | None = None


@contract("ticket.assigned", topic=TOPIC)
class TicketAssigned(TicketEvent):
    """A technician was assigned, automatically (least load) or by a dispatcher."""

    technician_id: str
    previous_technician_id: str | None = None
    automatic: bool | None = None


@contract("ticket.scheduled", topic=TOPIC)
class TicketScheduled(TicketEvent):
    """An appointment window was agreed with the customer."""

    appointment_start: datetime
    appointment_end: datetime


@contract("ticket.visit_recorded", topic=TOPIC)
class TicketVisitRecorded(TicketEvent):
    """A technician's visit was recorded (one ticket may have several)."""

    visit_id: str | None = None
    visit_number: int | None = None
    arrived_at: datetime | None = None
    on_time: bool | None = None  # arrived before on_site_due
    result: str | None = None  # fixed | needs_parts | needs_second_visit | not_fixable
    parts_charged: Decimal | None = None


@contract("ticket.completed", topic=TOPIC)
class TicketCompleted(TicketEvent):
    """The work is done and signed off by the customer."""

    completed_at: datetime | None = None
    visits: int | None = None
    first_time_fix: bool | None = None
    result: str | None = None


@contract("ticket.closed", topic=TOPIC)
class TicketClosed(TicketEvent):
    """The ticket is done; the survey service sends the post-service survey."""

    closed_at: datetime | None = None
    visits: int | None = None
    first_time_fix: bool | None = None


@contract("ticket.cancelled", topic=TOPIC)
class TicketCancelled(TicketEvent):
    """The ticket was cancelled before the work was done."""

    reason: str | None = None


@contract("ticket.contacted", topic=TOPIC)
class TicketContacted(TicketEvent):
    """The customer was first contacted (the first-contact target is met)."""

    contacted_at: datetime | None = None
    late: bool | None = None


@contract("ticket.en_route", topic=TOPIC)
class TicketEnRoute(TicketEvent):
    """The technician set off to the customer (a visit's travel started)."""

    visit_id: str | None = None
    travel_started_at: datetime | None = None


@contract("ticket.on_site", topic=TOPIC)
class TicketOnSite(TicketEvent):
    """The technician arrived at the customer's site."""

    visit_id: str | None = None
    arrived_at: datetime | None = None
    on_time: bool | None = None


@contract("ticket.paused", topic=TOPIC)
class TicketPaused(TicketEvent):
    """Waiting for the customer or for parts: the SLA clocks stop."""

    waiting_for: str | None = None  # customer | parts
    reason: str | None = None


@contract("ticket.resumed", topic=TOPIC)
class TicketResumed(TicketEvent):
    """The wait is over: the SLA clocks run again, deadlines moved by the pause."""

    paused_for_s: float | None = None
    on_site_due: datetime | None = None
    resolve_due: datetime | None = None


@contract("ticket.reopened", topic=TOPIC)
class TicketReopened(TicketEvent):
    """A completed or closed ticket came back."""

    reason: str | None = None


@contract("ticket.followed_up", topic=TOPIC)
class TicketFollowedUp(TicketEvent):
    """The follow-up call (回访) after closing was recorded."""

    satisfied: bool | None = None
    score: int | None = None


@contract("ticket.sla_breached", topic=TOPIC)
class TicketSlaBreached(EventData):
    """A response-time target passed without being met (detected as it happens)."""

    id: str
    number: str | None = None
    customer_id: str | None = None
    target: str  # first_contact | on_site | resolution
    due: datetime
    breached_at: datetime
    technician_id: str | None = None
    priority: str | None = None
    key_account: bool | None = None
    dealer_id: str | None = None
    escalated_to: str | None = None  # who the breach was escalated to (the service manager)
