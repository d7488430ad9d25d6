"""Complaints for unit tests: filed through the intake use case against the fakes, and
brought to a state with what that state implies (a handler, a proposal...)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from complaint import service
from complaint.models import Complaint
from complaint.policy import ComplaintPolicy
from complaint.schemas import ComplaintCreate
from tests.complaint.unit.conftest import person
from tests.complaint.unit.fakes import FakeComplaintUnitOfWork


async def file(
    uow: FakeComplaintUnitOfWork,
    policy: ComplaintPolicy,
    customer: str = "c1",
    *,
    actor_role: str = "agent",
    dealer_id: str | None = None,
    **body: Any,
) -> Complaint:
    if customer not in uow.customers.rows:
        uow.customers.put(customer, dealer_id=dealer_id)
    data = ComplaintCreate(
        **{
            "channel": "phone",
            "customer_id": customer,
            "category": "product_quality",
            "severity": "major",
            "description": "noisy compressor",
            "product": {"model": "KF-200", "serial_number": "SN-1"},
            **body,
        }
    )
    actor = (
        person(actor_role, dealer_id=dealer_id) if actor_role == "dealer" else person(actor_role)
    )
    return await service.receive_complaint(uow=uow, data=data, actor=actor, policy=policy)


def put_in_state(complaint: Complaint, state: str) -> Complaint:
    """Give the complaint what ``state`` implies, so that guards of its actions pass."""
    now = datetime.now(UTC)
    complaint.status = state
    complaint.department, complaint.handler_id = "quality", "h1"
    complaint.remedy, complaint.compensation_amount = "repair", Decimal("100.00")
    if state in ("resolved", "closed"):
        complaint.resolved_at = now - timedelta(days=1)
    if state == "closed":
        complaint.closed_at = now - timedelta(hours=1)
    return complaint


# The fields each action needs to pass (and nothing more).
ACTION_DATA: dict[str, dict[str, Any]] = {
    "assign": {"fields": {"department": "service", "handler_id": "h2"}},
    "reassign": {"fields": {"handler_id": "h3"}, "reason": "h1 is on leave"},
    "record_investigation": {"fields": {"root_cause_code": "material"}},
    "propose_resolution": {"fields": {"remedy": "replace"}},
    "confirm": {"fields": {"customer_confirmed": True}},
    "reject": {"reason": "unfounded: the unit was never bought from us"},
    "reopen": {"reason": "the noise came back"},
    "follow_up": {"fields": {"follow_up_outcome": "satisfied"}, "reason": "called back"},
    "note": {"reason": "customer called again"},
    "request_onsite": {"fields": {"onsite_address": "1 Main St"}},
}
