"""What other services' events do to complaints: the linked ticket's progress (ticket
events), service recovery after a dissatisfied post-complaint survey, and customers
merged or erased. Called by the consumers (:mod:`complaint.consumers`) inside the
runner's unit of work, which commits the effect with the inbox row -- never here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from complaint.models import Complaint
from complaint.policy import ComplaintPolicy
from complaint.records import SurveyRecovery
from complaint.repository import CustomerCopy
from complaint.service import open_complaint
from kefu_shared.audit import AuditEntry
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.contracts.ticket import TicketEvent
from kefu_shared.db import utcnow

if TYPE_CHECKING:
    from complaint.uow import ComplaintUnitOfWork

SYSTEM = "system"


async def follow_ticket(
    *, uow: ComplaintUnitOfWork, event_type: str, data: TicketEvent, visits: int | None
) -> Complaint | None:
    """Show the linked ticket's number, state and visits on its complaint."""
    complaint = await uow.complaints.by_ticket(data.id, data.complaint_id)
    if complaint is None:
        return None
    changes = complaint.ticket_progress(
        ticket_id=data.id, number=data.number, status=data.status, visits=visits
    )
    if changes:
        uow.audit(
            AuditEntry(
                aggregate_type="complaint",
                aggregate_id=complaint.id,
                action="ticket_progress",
                actor=SYSTEM,
                reason=event_type,
                changes=changes,
                related_ids=[data.id],
            )
        )
    return complaint


async def recover_from_survey(
    *, uow: ComplaintUnitOfWork, data: SurveyResponseReceived, policy: ComplaintPolicy
) -> SurveyRecovery | None:
    """A dissatisfied response about a complaint reopens it within the reopen window, or
    opens a linked follow-up complaint -- once per response, whatever the duplicates."""
    if not data.dissatisfied or not data.complaint_id:
        return None
    if await uow.complaints.recovery_of(data.response_id) is not None:
        return None
    complaint = await uow.complaints.get(data.complaint_id, for_update=True)
    if complaint is None:
        return None
    complaint.bind(policy)
    ended = complaint.closed_at or complaint.resolved_at
    recovery = SurveyRecovery(
        response_id=data.response_id, complaint_id=complaint.id, outcome="noted", at=utcnow()
    )
    if (
        complaint.status in ("resolved", "closed")
        and ended
        and (utcnow() - ended <= policy.reopen_window)
    ):
        complaint.reopen_for_survey(policy=policy, response_id=data.response_id, audit=uow.audit)
        recovery.outcome = "reopened"
    elif complaint.status in ("resolved", "closed", "rejected"):
        follow_up = await open_complaint(
            uow=uow,
            customer=CustomerCopy(
                id=complaint.customer_id,
                dealer_id=complaint.dealer_id,
                key_account=complaint.key_account,
                tier=None,
                region_class=complaint.region_class,
                status="active",
                merged_into=None,
            ),
            policy=policy,
            created_by=SYSTEM,
            fields={
                "channel": "survey",
                "category": complaint.category,
                "severity": complaint.severity,
                "description": (
                    f"Follow-up of complaint {complaint.number}: the customer was dissatisfied "
                    f"in survey response {data.response_id}"
                ),
                "product_model": complaint.product_model,
                "serial_number": complaint.serial_number,
                "purchase_date": complaint.purchase_date,
                "parent_id": complaint.id,
                "survey_response_id": data.response_id,
            },
        )
        recovery.outcome, recovery.follow_up_id = "follow_up", follow_up.id
    uow.audit(
        AuditEntry(
            aggregate_type="complaint",
            aggregate_id=complaint.id,
            action="survey_dissatisfied",
            actor=SYSTEM,
            reason=f"survey response {data.response_id}: {recovery.outcome}",
            related_ids=[
                data.response_id,
                *([recovery.follow_up_id] if recovery.follow_up_id else []),
            ],
        )
    )
    uow.complaints.add_recovery(recovery)
    return recovery


async def follow_merge(
    *, uow: ComplaintUnitOfWork, merged_ids: list[str], surviving_id: str
) -> int:
    """Complaints of merged customers belong to the surviving customer."""
    complaints = await uow.complaints.of_customers(merged_ids)
    for complaint in complaints:
        previous = complaint.customer_id
        complaint.move_to_customer(surviving_id)
        uow.audit(
            AuditEntry(
                aggregate_type="complaint",
                aggregate_id=complaint.id,
                action="customer_merged",
                actor=SYSTEM,
                changes={"customer_id": {"from": previous, "to": surviving_id}},
            )
        )
    await uow.stats.move_customer_repeats(merged_ids, surviving_id)
    return len(complaints)


async def follow_erasure(*, uow: ComplaintUnitOfWork, customer_id: str) -> int:
    """An erased customer's complaints keep their facts (statistics), not their words."""
    complaints = await uow.complaints.of_customers([customer_id])
    for complaint in complaints:
        complaint.erase_personal_data()
        uow.audit(
            AuditEntry(
                aggregate_type="complaint",
                aggregate_id=complaint.id,
                action="customer_erased",
                actor=SYSTEM,
                fields=["description", "requested_outcome", "customer_feedback", "attachments"],
            )
        )
    return len(complaints)
