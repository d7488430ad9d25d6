"""HTTP routes of a customer's lifecycle: register, read, change, archive, restore, merge,
erase. Parse, call one use case, shape the answer (with the ETag)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from customer import service
from customer.deps import IfMatch, SettingsDep, UowDep
from customer.models import Customer
from customer.schemas import (
    ArchiveRequest,
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
    MergeRequest,
)
from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.openapi import problems, with_etag
from kefu_shared.permissions import require_permission

router = APIRouter(prefix="/api/v1", tags=["customers"])


def _read(response: Response, customer: Customer) -> CustomerRead:
    """The customer as answered by every single-customer route, with its ETag."""
    response.headers["ETag"] = customer.etag
    return CustomerRead.model_validate(customer)


@router.post(
    "/customers",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerRead,
    dependencies=[require_permission("customer:write")],
    summary="Register a customer",
    responses={**problems(409), **with_etag(201)},
)
async def create_customer(
    body: CustomerCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> CustomerRead:
    customer = await service.register_customer(
        uow=uow, data=body, actor=principal, settings=settings
    )
    response.headers["Location"] = f"/api/v1/customers/{customer.id}"
    return _read(response, customer)


@router.get(
    "/customers/{customer_id}",
    response_model=CustomerRead,
    dependencies=[require_permission("customer:read")],
    summary="Read a customer",
)
async def read_customer(
    customer_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> CustomerRead:
    customer = await service.get_customer(uow=uow, customer_id=customer_id, actor=principal)
    return _read(response, customer)


@router.patch(
    "/customers/{customer_id}",
    response_model=CustomerRead,
    dependencies=[require_permission("customer:write")],
    summary="Change a customer (JSON merge; If-Match with the ETag you read is required)",
    responses=problems(409),
)
async def update_customer(
    customer_id: str,
    body: CustomerUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> CustomerRead:
    customer = await service.update_customer(
        uow=uow,
        customer_id=customer_id,
        data=body,
        if_match=if_match,
        actor=principal,
        settings=settings,
    )
    return _read(response, customer)


@router.delete(
    "/customers/{customer_id}",
    response_model=CustomerRead,
    dependencies=[require_permission("customer:archive")],
    summary="Archive (deactivate) a customer; history and statistics stay",
)
async def archive_customer(
    customer_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> CustomerRead:
    customer = await service.archive_customer(
        uow=uow, customer_id=customer_id, if_match=if_match, reason=reason, actor=principal
    )
    return _read(response, customer)


@router.post(
    "/customers/{customer_id}/archive",
    response_model=CustomerRead,
    dependencies=[require_permission("customer:archive")],
    summary="Archive with a reason (same as DELETE)",
)
async def archive_customer_with_reason(
    customer_id: str,
    body: ArchiveRequest,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> CustomerRead:
    customer = await service.archive_customer(
        uow=uow, customer_id=customer_id, if_match=if_match, reason=body.reason, actor=principal
    )
    return _read(response, customer)


@router.post(
    "/customers/{customer_id}/restore",
    response_model=CustomerRead,
    dependencies=[require_permission("customer:archive")],
    summary="Bring an archived customer back",
)
async def restore_customer(
    customer_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> CustomerRead:
    customer = await service.restore_customer(
        uow=uow, customer_id=customer_id, if_match=if_match, actor=principal
    )
    return _read(response, customer)


@router.post(
    "/customers/{customer_id}/merge",
    response_model=CustomerRead,
    dependencies=[require_permission("customer:manage")],
    summary="Merge duplicates into this customer (emits customer.merged)",
)
async def merge_customers(
    customer_id: str,
    body: MergeRequest,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> CustomerRead:
    customer = await service.merge_customers(
        uow=uow,
        surviving_id=customer_id,
        merge_ids=body.merge_ids,
        if_match=if_match,
        actor=principal,
        settings=settings,
    )
    return _read(response, customer)


@router.post(
    "/customers/{customer_id}/erase",
    response_model=CustomerRead,
    dependencies=[require_permission("customer:erase")],
    summary="Erase personal data, keep statistics (emits customer.erased)",
)
async def erase_customer(
    customer_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> CustomerRead:
    customer = await service.erase_customer(
        uow=uow, customer_id=customer_id, if_match=if_match, actor=principal
    )
    return _read(response, customer)
