"""HTTP routes of one complaint: intake, read, actions of the state machine, the record,
corrective and preventive actions. Parse, call one use case, shape the answer (with the
ETag)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from complaint import service
from complaint.deps import IfMatch, PolicyDep, UowDep
from complaint.models import Complaint
from complaint.records import CorrectiveAction
from complaint.schemas import (
    ActionRequest,
    ComplaintCreate,
    ComplaintRead,
    CorrectiveActionCreate,
    CorrectiveActionRead,
    CorrectiveActionUpdate,
)
from kefu_shared.audit import AuditRead
from kefu_shared.auth import CurrentPrincipal, Principal
from kefu_shared.errors import Forbidden
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import has_permission, require_permission

router = APIRouter(prefix="/api/v1", tags=["complaints"])

ActionName = Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")]


async def require_action_permission(action: ActionName, principal: CurrentPrincipal) -> Principal:
    """The permission of the action in the path (``complaint:handle``, ``complaint:note``,
    ``complaint:approve``: :data:`complaint.service.ACTION_PERMISSIONS`)."""
    permission = service.action_permission(action)
    if not has_permission(principal, permission):
        raise Forbidden(f"{action} requires the permission {permission}", permission=permission)
    return principal


def _read(response: Response, complaint: Complaint, actor: Principal) -> ComplaintRead:
    """The complaint as every single-complaint route answers it, with its ETag."""
    response.headers["ETag"] = complaint.etag
    out = ComplaintRead.model_validate(complaint)
    out.allowed_actions = service.allowed_actions(complaint, actor)
    return out


def _read_action(response: Response, item: CorrectiveAction) -> CorrectiveActionRead:
    response.headers["ETag"] = item.etag
    return CorrectiveActionRead.model_validate(item)


@router.post(
    "/complaints",
    status_code=status.HTTP_201_CREATED,
    response_model=ComplaintRead,
    dependencies=[require_permission("complaint:file")],
    summary="Take in a complaint from any channel (send an Idempotency-Key to retry safely)",
)
async def create_complaint(
    body: ComplaintCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    policy: PolicyDep,
) -> ComplaintRead:
    complaint = await service.receive_complaint(uow=uow, data=body, actor=principal, policy=policy)
    response.headers["Location"] = f"/api/v1/complaints/{complaint.id}"
    return _read(response, complaint, principal)


@router.get(
    "/complaints/{complaint_id}",
    response_model=ComplaintRead,
    dependencies=[require_permission("complaint:read")],
    summary="Read a complaint (with the actions you can take now)",
)
async def read_complaint(
    complaint_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> ComplaintRead:
    complaint = await service.get_complaint(uow=uow, complaint_id=complaint_id, actor=principal)
    return _read(response, complaint, principal)


@router.post(
    "/complaints/{complaint_id}/actions/{action}",
    response_model=ComplaintRead,
    dependencies=[Depends(require_action_permission)],
    summary="Take an action of the complaint workflow (If-Match with the ETag you read); "
    "409 lists the allowed actions",
)
async def take_action(
    complaint_id: str,
    action: ActionName,
    body: ActionRequest,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    policy: PolicyDep,
    if_match: IfMatch = None,
) -> ComplaintRead:
    complaint = await service.act(
        uow=uow,
        complaint_id=complaint_id,
        action=action,
        fields=body.action_fields(),
        reason=body.reason,
        if_match=if_match,
        actor=principal,
        policy=policy,
    )
    return _read(response, complaint, principal)


@router.get(
    "/complaints/{complaint_id}/records",
    response_model=Page[AuditRead],
    dependencies=[require_permission("complaint:read")],
    summary="The complaint record (客户投诉记录表): every action, note and assignment, "
    "newest first",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_records(
    complaint_id: str,
    uow: UowDep,
    principal: CurrentPrincipal,
    listing: ListRequestDep,
    action: Annotated[str | None, Query(max_length=50)] = None,
) -> Any:
    return await listing.answer(
        partial(
            service.list_records,
            uow=uow,
            complaint_id=complaint_id,
            actor=principal,
            action=action,
        ),
        read=AuditRead,
        filename="complaint-record.csv",
    )


@router.post(
    "/complaints/{complaint_id}/corrective-actions",
    status_code=status.HTTP_201_CREATED,
    response_model=CorrectiveActionRead,
    dependencies=[require_permission("complaint:handle")],
    summary="Plan a containment, corrective or preventive action (owner, due date)",
)
async def add_corrective_action(
    complaint_id: str,
    body: CorrectiveActionCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
) -> CorrectiveActionRead:
    item = await service.add_corrective_action(
        uow=uow, complaint_id=complaint_id, data=body, actor=principal
    )
    return _read_action(response, item)


@router.patch(
    "/complaints/{complaint_id}/corrective-actions/{action_id}",
    response_model=CorrectiveActionRead,
    dependencies=[require_permission("complaint:handle")],
    summary="Change an action's status, owner or due date (If-Match required)",
)
async def update_corrective_action(
    complaint_id: str,
    action_id: str,
    body: CorrectiveActionUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> CorrectiveActionRead:
    item = await service.update_corrective_action(
        uow=uow,
        complaint_id=complaint_id,
        action_id=action_id,
        data=body,
        if_match=if_match,
        actor=principal,
    )
    return _read_action(response, item)


@router.get(
    "/complaints/{complaint_id}/corrective-actions",
    response_model=Page[CorrectiveActionRead],
    dependencies=[require_permission("complaint:read")],
    summary="The complaint's corrective and preventive actions",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_corrective_actions(
    complaint_id: str, uow: UowDep, principal: CurrentPrincipal, listing: ListRequestDep
) -> Any:
    return await listing.answer(
        partial(
            service.list_corrective_actions, uow=uow, complaint_id=complaint_id, actor=principal
        ),
        read=CorrectiveActionRead,
        filename="corrective-actions.csv",
    )


__all__ = ["router"]
