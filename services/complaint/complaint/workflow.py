"""The complaint's state machine (客户投诉管理制度): the one table of what can happen to a
complaint in which state. ``docs/workflow.md`` embeds the diagram printed by
``python -m kefu_shared.workflow complaint.workflow:COMPLAINT_WORKFLOW``.

Guards read the rules from the policy bound to the complaint for the use case
(:meth:`complaint.models.Complaint.act`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kefu_shared.workflow import Transition, Workflow

if TYPE_CHECKING:
    from complaint.models import Complaint

OPEN = ("received", "acknowledged", "investigating", "resolution_proposed", "reopened")
STATES = (*OPEN, "resolved", "closed", "rejected")
REMEDIES = ("repair", "replace", "refund", "discount", "apology", "other")


def handler_assigned(complaint: Complaint, fields: Mapping[str, Any]) -> str | None:
    if not complaint.handler_id:
        return "assign a department and a handler first"
    return None


def already_assigned(complaint: Complaint, fields: Mapping[str, Any]) -> str | None:
    if not complaint.handler_id:
        return "the complaint has no handler yet: assign it"
    return None


def known_root_cause(complaint: Complaint, fields: Mapping[str, Any]) -> str | None:
    code = fields.get("root_cause_code")
    catalog = complaint.policy.settings.investigation.root_causes
    if code is not None and code not in catalog:
        return f"root cause {code!r} is not in the catalog ({', '.join(catalog)})"
    return None


def known_remedy(complaint: Complaint, fields: Mapping[str, Any]) -> str | None:
    if fields.get("remedy") not in REMEDIES:
        return f"remedy must be one of {', '.join(REMEDIES)}"
    amount = fields.get("compensation_amount")
    if amount is not None and amount < 0:
        return "a compensation cannot be negative"
    return None


def compensation_pending(complaint: Complaint, fields: Mapping[str, Any]) -> str | None:
    if not complaint.policy.needs_approval(complaint.compensation_amount):
        return "the compensation is within the threshold and needs no approval"
    if complaint.compensation_approved_at is not None:
        return "the compensation is already approved"
    return None


def compensation_settled(complaint: Complaint, fields: Mapping[str, Any]) -> str | None:
    if (
        complaint.policy.needs_approval(complaint.compensation_amount)
        and complaint.compensation_approved_at is None
    ):
        return "the compensation exceeds the threshold: a service manager must approve it"
    return None


def within_reopen_window(complaint: Complaint, fields: Mapping[str, Any]) -> str | None:
    ended = complaint.closed_at or complaint.resolved_at
    if ended is None or datetime.now(UTC) - ended > complaint.policy.reopen_window:
        days = complaint.policy.settings.deadlines.reopen_window_days
        return f"the reopen window of {days} days has passed"
    return None


def no_open_ticket(complaint: Complaint, fields: Mapping[str, Any]) -> str | None:
    if complaint.onsite_requested_at is not None and complaint.ticket_status not in (
        "closed",
        "cancelled",
    ):
        return "an on-site service is already requested for this complaint"
    return None


COMPLAINT_WORKFLOW: Workflow[Complaint] = Workflow(
    "complaint",
    states=STATES,
    initial="received",
    transitions=[
        Transition("acknowledge", ("received",), "acknowledged"),
        Transition(
            "assign",
            OPEN,
            None,
            required=("department", "handler_id"),
            optional=("co_handlers",),
        ),
        Transition(
            "reassign",
            OPEN,
            None,
            guard=already_assigned,
            optional=("department", "handler_id", "co_handlers"),
            reason_required=True,
        ),
        Transition(
            "start_investigation",
            ("acknowledged", "reopened"),
            "investigating",
            guard=handler_assigned,
        ),
        Transition(
            "record_investigation",
            ("investigating",),
            None,
            guard=known_root_cause,
            optional=("root_cause_code", "root_cause_text", "containment"),
        ),
        Transition(
            "propose_resolution",
            ("investigating",),
            "resolution_proposed",
            guard=known_remedy,
            required=("remedy",),
            optional=("compensation_amount", "resolution_text"),
        ),
        Transition(
            "approve_compensation", ("resolution_proposed",), None, guard=compensation_pending
        ),
        Transition("resolve", ("resolution_proposed",), "resolved", guard=compensation_settled),
        Transition(
            "confirm",
            ("resolved",),
            None,
            required=("customer_confirmed",),
            optional=("customer_feedback",),
        ),
        Transition("close", ("resolved",), "closed"),
        Transition(
            "reject",
            ("received", "acknowledged", "investigating"),
            "rejected",
            reason_required=True,
        ),
        Transition(
            "reopen",
            ("resolved", "closed"),
            "reopened",
            guard=within_reopen_window,
            reason_required=True,
        ),
        Transition(
            "request_onsite",
            ("acknowledged", "investigating", "resolution_proposed", "reopened"),
            None,
            guard=no_open_ticket,
            optional=("onsite_address", "onsite_description"),
        ),
        Transition(
            "follow_up", ("closed",), None, required=("follow_up_outcome",), reason_required=True
        ),
        Transition("note", STATES, None, reason_required=True),
    ],
)
