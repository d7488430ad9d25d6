"""Use cases of a complaint: intake, reading, the list, actions through the state
machine, the record, corrective and preventive actions. Each takes the unit of work and
commits through it; the ``Complaint`` aggregate applies the change and raises its event.
Unit tests: ``tests/complaint/unit/``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from complaint.models import Complaint
from complaint.policy import ComplaintPolicy
from complaint.records import CorrectiveAction
from complaint.repository import ComplaintFilter, CustomerCopy
from complaint.schemas import ComplaintCreate, CorrectiveActionCreate, CorrectiveActionUpdate
from complaint.workflow import COMPLAINT_WORKFLOW
from kefu_shared.audit import AuditEntry, AuditRead, changes_between, snapshot
from kefu_shared.auth import Principal
from kefu_shared.db import new_uuid, utcnow
from kefu_shared.errors import Forbidden, InvalidInput, NotFound
from kefu_shared.http.etag import check_if_match
from kefu_shared.permissions import has_permission

if TYPE_CHECKING:
    from datetime import datetime

    from complaint.uow import ComplaintUnitOfWork

# The permission each action needs (kefu_shared.permissions); any other: complaint:handle.
ACTION_PERMISSIONS: dict[str, str] = {
    "approve_compensation": "complaint:approve",
    "note": "complaint:note",
}


def action_permission(action: str) -> str:
    return ACTION_PERMISSIONS.get(action, "complaint:handle")


async def customer_for_intake(
    uow: ComplaintUnitOfWork, customer_id: str, actor: Principal
) -> CustomerCopy:
    """The customer of a new complaint from the local copy, following a merge; an
    unknown, erased or (for a dealer) another dealer's customer is a 422 on the field."""
    copy = await uow.customers.get(customer_id)
    if copy is not None and copy.status == "merged" and copy.merged_into:
        copy = await uow.customers.get(copy.merged_into)
    if copy is None or copy.status == "erased" or not actor.can_see_dealer(copy.dealer_id):
        raise InvalidInput(
            f"unknown customer {customer_id}",
            errors=[{"field": "customer_id", "message": "no such customer", "type": "unknown"}],
        )
    return copy


def _month(at: datetime, policy: ComplaintPolicy) -> str:
    return at.astimezone(ZoneInfo(policy.settings.calendar.timezone)).strftime("%Y-%m")


async def open_complaint(
    *,
    uow: ComplaintUnitOfWork,
    customer: CustomerCopy,
    policy: ComplaintPolicy,
    created_by: str,
    fields: dict[str, Any],
) -> Complaint:
    """A new complaint of ``customer`` in the open unit of work (intake, survey recovery)."""
    seq = await uow.complaints.next_number()
    received_at = fields.pop("received_at", None) or utcnow()
    complaint = Complaint(
        **fields,
        number=f"{policy.settings.number_prefix}{received_at.year}{seq:07d}",
        customer_id=customer.id,
        dealer_id=customer.dealer_id,
        key_account=customer.key_account,
        region_class=customer.region_class,
        received_at=received_at,
        received_month=_month(received_at, policy),
        created_by=created_by,
    )
    complaint.receive(policy)
    uow.complaints.add(complaint)
    uow.audit(
        AuditEntry(
            aggregate_type="complaint",
            aggregate_id=complaint.id,
            action="receive",
            actor=created_by,
            changes={"status": {"from": None, "to": complaint.status}},
            fields=["status", "severity", "category", "channel"],
            at=received_at,
        )
    )
    return complaint


async def receive_complaint(
    *, uow: ComplaintUnitOfWork, data: ComplaintCreate, actor: Principal, policy: ComplaintPolicy
) -> Complaint:
    """Take in a complaint from any channel; emits ``complaint.received``."""
    now = utcnow()
    if data.received_at is not None and data.received_at > now + timedelta(minutes=5):
        raise InvalidInput(
            "a complaint cannot be received in the future",
            errors=[{"field": "received_at", "message": "in the future"}],
        )
    async with uow:
        customer = await customer_for_intake(uow, data.customer_id, actor)
        fields: dict[str, Any] = {
            "channel": data.channel,
            "category": data.category,
            "severity": data.severity,
            "description": data.description,
            "requested_outcome": data.requested_outcome,
            "attachments": [a.model_dump(mode="json") for a in data.attachments],
            "product_model": data.product.model,
            "serial_number": data.product.serial_number,
            "purchase_date": data.product.purchase_date,
            "received_at": data.received_at,
        }
        complaint = await open_complaint(
            uow=uow, customer=customer, policy=policy, created_by=actor.user_id, fields=fields
        )
        await uow.commit()
    return complaint


async def get_complaint(
    *, uow: ComplaintUnitOfWork, complaint_id: str, actor: Principal
) -> Complaint:
    async with uow:
        return await uow.complaints.get_visible(complaint_id, actor)


async def list_complaints(
    *,
    uow: ComplaintUnitOfWork,
    flt: ComplaintFilter,
    actor: Principal,
    sort: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[Complaint], str | None]:
    async with uow:
        return await uow.complaints.list_page(
            flt, actor=actor, sort=sort, limit=limit, cursor=cursor
        )


def allowed_actions(complaint: Complaint, actor: Principal) -> list[str]:
    """What ``actor`` can do to the complaint now (the state machine, then permissions)."""
    return [
        a
        for a in COMPLAINT_WORKFLOW.allowed_actions(complaint.status)
        if has_permission(actor, action_permission(a))
    ]


async def act(
    *,
    uow: ComplaintUnitOfWork,
    complaint_id: str,
    action: str,
    fields: dict[str, Any],
    reason: str | None,
    if_match: str | None,
    actor: Principal,
    policy: ComplaintPolicy,
) -> Complaint:
    """Apply one action of the state machine; the record and the event go with it."""
    async with uow:
        complaint = await uow.complaints.get_visible(complaint_id, actor, for_update=True)
        check_if_match(if_match, complaint.etag)
        if action == "approve_compensation" and complaint.handler_id == actor.user_id:
            raise Forbidden("the handler of a complaint cannot approve its compensation")
        complaint.act(
            action,
            policy=policy,
            actor=actor.user_id,
            audit=uow.audit,
            fields=fields,
            reason=reason,
        )
        await uow.commit()
    return complaint


async def list_records(
    *,
    uow: ComplaintUnitOfWork,
    complaint_id: str,
    actor: Principal,
    action: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditRead], str | None]:
    async with uow:
        await uow.complaints.get_visible(complaint_id, actor)
        return await uow.complaints.records_page(
            complaint_id, action=action, limit=limit, cursor=cursor
        )


# --- corrective and preventive actions (8D, light) --------------------------------------

INVESTIGATION_STATES = ("investigating", "resolution_proposed", "resolved", "reopened")
ACTION_FIELDS = ("status", "owner", "due_date")


async def add_corrective_action(
    *,
    uow: ComplaintUnitOfWork,
    complaint_id: str,
    data: CorrectiveActionCreate,
    actor: Principal,
) -> CorrectiveAction:
    async with uow:
        complaint = await uow.complaints.get_visible(complaint_id, actor, for_update=True)
        if complaint.status not in INVESTIGATION_STATES:
            raise InvalidInput(
                f"the complaint is {complaint.status}: corrective actions are planned while "
                "it is investigated or resolved",
                errors=[{"field": "complaint", "message": f"is {complaint.status}"}],
            )
        item = CorrectiveAction(
            id=new_uuid(),
            complaint_id=complaint.id,
            **data.model_dump(),
            status="open",
            version=1,
            created_at=utcnow(),
        )
        uow.complaints.add_action(item)
        uow.audit(
            AuditEntry(
                aggregate_type="complaint",
                aggregate_id=complaint.id,
                action=f"plan_{data.kind}_action",
                actor=actor.user_id,
                changes={
                    "owner": {"from": None, "to": data.owner},
                    "due_date": {"from": None, "to": data.due_date},
                },
                related_ids=[item.id],
            )
        )
        await uow.commit()
    return item


async def update_corrective_action(
    *,
    uow: ComplaintUnitOfWork,
    complaint_id: str,
    action_id: str,
    data: CorrectiveActionUpdate,
    if_match: str | None,
    actor: Principal,
) -> CorrectiveAction:
    async with uow:
        complaint = await uow.complaints.get_visible(complaint_id, actor)
        item = await uow.complaints.get_action(complaint.id, action_id)
        if item is None:
            raise NotFound(f"corrective action {action_id} not found")
        check_if_match(if_match, item.etag)
        before = snapshot(item, ACTION_FIELDS)
        changes = data.model_dump(exclude_unset=True, exclude={"reason"})
        for name, value in changes.items():
            if value is None:
                raise InvalidInput(
                    f"{name} cannot be removed", errors=[{"field": name, "message": "required"}]
                )
            setattr(item, name, value)
        if changes.get("status") == "done":
            item.done_at = utcnow()
        diff = changes_between(before, snapshot(item, ACTION_FIELDS))
        if diff:
            item.version += 1
            uow.audit(
                AuditEntry(
                    aggregate_type="complaint",
                    aggregate_id=complaint.id,
                    action="update_corrective_action",
                    actor=actor.user_id,
                    reason=data.reason,
                    changes=diff,
                    related_ids=[item.id],
                )
            )
        await uow.commit()
    return item


async def list_corrective_actions(
    *,
    uow: ComplaintUnitOfWork,
    complaint_id: str,
    actor: Principal,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[CorrectiveAction], str | None]:
    async with uow:
        await uow.complaints.get_visible(complaint_id, actor)
        return await uow.complaints.actions_page(complaint_id, limit=limit, cursor=cursor)
