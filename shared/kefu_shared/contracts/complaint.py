"""Events published by the complaint service on ``complaint.events.v1``.

Every lifecycle event (``complaint.<action>``) carries the fields of
:class:`ComplaintEvent` — a consumer that only tracks "a complaint of this customer
changed" (cost to serve, dashboards) handles them all by that base class — and adds what
is particular to its step. One explicit class per event type: the AsyncAPI document,
the JSON Schemas and the type checker all see each of them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from kefu_shared.events import EventData, contract
from kefu_shared.registry import service

TOPIC = service("complaint").events_topic


class ComplaintEvent(EventData):
    """What every complaint lifecycle event says about the complaint it concerns."""

    id: str
    number: str
    customer_id: str
    dealer_id: str | None = None
    # product_quality | delivery | installation | after_sales_service | staff_attitude |
    # billing | other
    category: str | None = None
    severity: str | None = None  # critical | major | minor
    status: str | None = None  # the state after this event
    level: int | None = None  # escalation level: 0 none, 1 supervisor, 2 dept. manager, 3 GM
    channel: str | None = None
    key_account: bool | None = None
    product_model: str | None = None
    serial_number: str | None = None
    acknowledge_due: datetime | None = None
    resolve_due: datetime | None = None
    reason: str | None = None  # why the transition happened, when someone said so
    actor: str | None = None  # the user (or "system") who made the transition


@contract("complaint.received", topic=TOPIC)
class ComplaintReceived(ComplaintEvent):
    """A complaint was taken in, from any channel; its deadlines are set."""

    purchase_date: date | None = None
    requested_outcome: str | None = None
    received_at: datetime | None = None
    # A complaint about a service visit: the ticket (and its technician), for scorecards.
    ticket_id: str | None = None
    technician_id: str | None = None


@contract("complaint.acknowledged", topic=TOPIC)
class ComplaintAcknowledged(ComplaintEvent):
    """The customer was told the complaint is being handled (the first deadline)."""

    acknowledged_at: datetime | None = None
    late: bool | None = None  # acknowledged after acknowledge_due


@contract("complaint.assigned", topic=TOPIC)
class ComplaintAssigned(ComplaintEvent):
    """A responsible department and handler (and co-handlers) were named."""

    department: str | None = None
    handler_id: str | None = None
    co_handlers: list[str] = []


@contract("complaint.escalated", topic=TOPIC)
class ComplaintEscalated(ComplaintEvent):
    """An overdue complaint went one level up (supervisor → manager → general manager)."""

    level: int
    previous_level: int | None = None
    escalated_to: str | None = None  # supervisor | department_manager | general_manager
    owner: str | None = None  # the user (or role) of that level who is notified
    overdue_target: str | None = None  # acknowledge | resolve


@contract("complaint.resolved", topic=TOPIC)
class ComplaintResolved(ComplaintEvent):
    """A remedy was carried out; the customer may still confirm or reopen."""

    remedy: str | None = None  # repair | replace | refund | discount | apology | other
    compensation_amount: Decimal | None = None
    root_cause_category: str | None = None
    resolved_at: datetime | None = None
    late: bool | None = None  # resolved after resolve_due


@contract("complaint.closed", topic=TOPIC)
class ComplaintClosed(ComplaintEvent):
    """The complaint is done; the survey service sends the post-complaint survey."""

    closed_at: datetime | None = None
    customer_confirmed: bool | None = None
    handler_id: str | None = None
    ticket_id: str | None = None  # the linked on-site ticket, if there was one


@contract("complaint.reopened", topic=TOPIC)
class ComplaintReopened(ComplaintEvent):
    """A resolved or closed complaint came back (within the reopen window)."""

    reopen_count: int | None = None
    survey_response_id: str | None = None  # set when a dissatisfied response reopened it


@contract("complaint.rejected", topic=TOPIC)
class ComplaintRejected(ComplaintEvent):
    """The complaint was found unfounded; the reason is required."""

    reason: str


@contract("complaint.onsite_service_requested", topic=TOPIC)
class ComplaintOnsiteServiceRequested(EventData):
    """The complaint needs a technician: the ticket service opens a linked ticket."""

    complaint_id: str
    customer_id: str
    complaint_number: str | None = None
    product_model: str | None = None
    serial_number: str | None = None
    purchase_date: date | None = None
    address: str | None = None
    region_class: str | None = None
    description: str | None = None
    category: str | None = None
    severity: str | None = None
    key_account: bool | None = None
    dealer_id: str | None = None


@contract("complaint.compensation_approved", topic=TOPIC)
class ComplaintCompensationApproved(EventData):
    """A compensation was approved and will be paid (cost to serve of the customer)."""

    id: str  # the complaint
    customer_id: str
    amount: Decimal
    currency: str = "CNY"
    number: str | None = None
    remedy: str | None = None
    approved_by: str | None = None
    dealer_id: str | None = None
