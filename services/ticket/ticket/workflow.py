"""The ticket's state machine (kefu_shared.workflow): every action, from which states, with
which fields. The diagram in docs/tickets.md is printed from this table
(``python -m kefu_shared.workflow ticket.workflow:TICKET_WORKFLOW``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kefu_shared.workflow import Transition, Workflow
from ticket.models import Ticket

STATES = [
    "opened",
    "assigned",
    "scheduled",
    "en_route",
    "on_site",
    "waiting_customer",
    "waiting_parts",
    "completed",
    "closed",
    "cancelled",
    "reopened",
]
# Where a technician may be waiting (the SLA clocks stop in the waiting states).
WORKING = ("assigned", "scheduled", "en_route", "on_site")


def paid_work_approved(ticket: Ticket, fields: Mapping[str, Any]) -> str | None:
    """Paid work for a customer on credit hold waits for a service manager's approval."""
    if ticket.approval_required and ticket.approved_at is None:
        return "paid work for a customer on credit hold needs a service manager's approval"
    return None


TICKET_WORKFLOW: Workflow[Ticket] = Workflow(
    "ticket",
    states=STATES,
    initial="opened",
    transitions=[
        Transition(
            "contact", ("opened", "assigned", "reopened"), None, optional=("first_contact_at",)
        ),
        Transition(
            "assign",
            ("opened", "reopened"),
            "assigned",
            guard=paid_work_approved,
            required=("technician_id",),
        ),
        # A dispatcher's override: another technician, with the reason.
        Transition(
            "reassign",
            ("assigned", "scheduled"),
            "assigned",
            required=("technician_id",),
            reason_required=True,
        ),
        Transition(
            "schedule",
            ("assigned", "scheduled"),
            "scheduled",
            required=("appointment_start", "appointment_end", "appointment_day"),
        ),
        Transition("depart", ("scheduled",), "en_route"),
        Transition("arrive", ("en_route",), "on_site", optional=("on_site_at",)),
        Transition("wait_for_customer", WORKING, "waiting_customer", reason_required=True),
        Transition(
            "wait_for_parts",
            ("assigned", "scheduled", "on_site"),
            "waiting_parts",
            reason_required=True,
        ),
        # After a wait the visit is planned again.
        Transition("resume", ("waiting_customer", "waiting_parts"), "assigned"),
        # A visit that needs a second one: plan the next visit.
        Transition("revisit", ("on_site",), "assigned"),
        Transition(
            "complete",
            ("on_site",),
            "completed",
            required=("result", "completed_at"),
            optional=("first_time_fix",),
        ),
        Transition("close", ("completed",), "closed", required=("closed_at",)),
        Transition(
            "cancel",
            ("opened", "assigned", "scheduled", "waiting_customer", "waiting_parts", "reopened"),
            "cancelled",
            reason_required=True,
        ),
        Transition("reopen", ("completed", "closed"), "reopened", reason_required=True),
    ],
)
