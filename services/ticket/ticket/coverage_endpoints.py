"""HTTP routes of warranties, service agreements, response-time standards and
maintenance plans."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from fastapi import APIRouter, Response, status

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.permissions import require_permission
from ticket import coverage, maintenance
from ticket.catalog_schemas import (
    AgreementCreate,
    AgreementRead,
    AgreementUpdate,
    PlanCreate,
    PlanRead,
    PlanUpdate,
    StandardCreate,
    StandardRead,
    StandardUpdate,
    WarrantyCheck,
    WarrantyCreate,
    WarrantyRead,
)
from ticket.deps import IfMatch, SettingsDep, UowDep

router = APIRouter(prefix="/api/v1", tags=["warranty, agreements, standards, maintenance"])


def _etag(response: Response, obj: Any) -> None:
    response.headers["ETag"] = obj.etag


# --- warranties ------------------------------------------------------------------------------


@router.post(
    "/warranties",
    status_code=status.HTTP_201_CREATED,
    response_model=WarrantyRead,
    dependencies=[require_permission("warranties:write")],
    summary="Register a serial's warranty",
)
async def register_warranty(
    body: WarrantyCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> WarrantyRead:
    warranty = await coverage.register_warranty(
        uow=uow, data=body, actor=principal, settings=settings
    )
    response.headers["Location"] = f"/api/v1/warranties/{warranty.id}"
    _etag(response, warranty)
    return WarrantyRead.model_validate(warranty)


@router.get(
    "/warranties", dependencies=[require_permission("tickets:read")], summary="List warranties"
)
async def list_warranties(
    uow: UowDep,
    principal: CurrentPrincipal,
    listing: ListRequestDep,
    customer_id: str | None = None,
    serial_number: str | None = None,
    dealer_id: str | None = None,
) -> Any:
    return await listing.answer(
        partial(
            coverage.list_warranties,
            uow=uow,
            actor=principal,
            customer_id=customer_id,
            serial_number=serial_number,
            dealer_id=dealer_id,
        ),
        read=WarrantyRead,
        filename="warranties.csv",
    )


@router.get(
    "/warranties/check",
    response_model=WarrantyCheck,
    dependencies=[require_permission("tickets:read")],
    summary="Is a serial in warranty on a day?",
)
async def check_warranty(
    serial_number: str, on: date, uow: UowDep, principal: CurrentPrincipal
) -> WarrantyCheck:
    return await coverage.check_warranty(
        uow=uow, serial_number=serial_number, on=on, actor=principal
    )


@router.get(
    "/warranties/{warranty_id}",
    response_model=WarrantyRead,
    dependencies=[require_permission("tickets:read")],
    summary="Read a warranty",
)
async def read_warranty(
    warranty_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> WarrantyRead:
    warranty = await coverage.get_warranty(uow=uow, warranty_id=warranty_id, actor=principal)
    _etag(response, warranty)
    return WarrantyRead.model_validate(warranty)


# --- service agreements ----------------------------------------------------------------------


@router.post(
    "/service-agreements",
    status_code=status.HTTP_201_CREATED,
    response_model=AgreementRead,
    dependencies=[require_permission("agreements:write")],
    summary="Conclude a service agreement",
)
async def create_agreement(
    body: AgreementCreate, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> AgreementRead:
    agreement = await coverage.create_agreement(uow=uow, data=body, actor=principal)
    response.headers["Location"] = f"/api/v1/service-agreements/{agreement.id}"
    _etag(response, agreement)
    return AgreementRead.model_validate(agreement)


@router.get(
    "/service-agreements",
    dependencies=[require_permission("tickets:read")],
    summary="List service agreements",
)
async def list_agreements(
    uow: UowDep,
    principal: CurrentPrincipal,
    listing: ListRequestDep,
    customer_id: str | None = None,
    dealer_id: str | None = None,
) -> Any:
    return await listing.answer(
        partial(
            coverage.list_agreements,
            uow=uow,
            actor=principal,
            customer_id=customer_id,
            dealer_id=dealer_id,
        ),
        read=AgreementRead,
        filename="service-agreements.csv",
    )


@router.get(
    "/service-agreements/{agreement_id}",
    response_model=AgreementRead,
    dependencies=[require_permission("tickets:read")],
    summary="Read a service agreement",
)
async def read_agreement(
    agreement_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> AgreementRead:
    agreement = await coverage.get_agreement(uow=uow, agreement_id=agreement_id, actor=principal)
    _etag(response, agreement)
    return AgreementRead.model_validate(agreement)


@router.patch(
    "/service-agreements/{agreement_id}",
    response_model=AgreementRead,
    dependencies=[require_permission("agreements:write")],
    summary="Change an agreement (If-Match required)",
)
async def update_agreement(
    agreement_id: str,
    body: AgreementUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> AgreementRead:
    agreement = await coverage.update_agreement(
        uow=uow, agreement_id=agreement_id, data=body, if_match=if_match, actor=principal
    )
    _etag(response, agreement)
    return AgreementRead.model_validate(agreement)


# --- response standards ----------------------------------------------------------------------


@router.post(
    "/response-standards",
    status_code=status.HTTP_201_CREATED,
    response_model=StandardRead,
    dependencies=[require_permission("standards:write")],
    summary="Set a cell of the response-time matrix",
)
async def create_standard(
    body: StandardCreate, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> StandardRead:
    standard = await coverage.create_standard(uow=uow, data=body, actor=principal)
    response.headers["Location"] = f"/api/v1/response-standards/{standard.id}"
    _etag(response, standard)
    return StandardRead.model_validate(standard)


@router.get(
    "/response-standards",
    dependencies=[require_permission("standards:read")],
    summary="The configured matrix (cells not configured use the defaults)",
)
async def list_standards(uow: UowDep, listing: ListRequestDep) -> Any:
    return await listing.answer(
        partial(coverage.list_standards, uow=uow),
        read=StandardRead,
        filename="response-standards.csv",
    )


@router.get(
    "/response-standards/{standard_id}",
    response_model=StandardRead,
    dependencies=[require_permission("standards:read")],
    summary="Read a cell",
)
async def read_standard(standard_id: str, response: Response, uow: UowDep) -> StandardRead:
    standard = await coverage.get_standard(uow=uow, standard_id=standard_id)
    _etag(response, standard)
    return StandardRead.model_validate(standard)


@router.patch(
    "/response-standards/{standard_id}",
    response_model=StandardRead,
    dependencies=[require_permission("standards:write")],
    summary="Change a cell (If-Match); open tickets keep their targets",
)
async def update_standard(
    standard_id: str,
    body: StandardUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> StandardRead:
    standard = await coverage.update_standard(
        uow=uow, standard_id=standard_id, data=body, if_match=if_match, actor=principal
    )
    _etag(response, standard)
    return StandardRead.model_validate(standard)


@router.delete(
    "/response-standards/{standard_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[require_permission("standards:write")],
    summary="Remove a cell (If-Match)",
)
async def delete_standard(
    standard_id: str, uow: UowDep, principal: CurrentPrincipal, if_match: IfMatch = None
) -> Response:
    await coverage.delete_standard(
        uow=uow, standard_id=standard_id, if_match=if_match, actor=principal
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- maintenance plans -----------------------------------------------------------------------


@router.post(
    "/maintenance-plans",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanRead,
    dependencies=[require_permission("warranties:write")],
    summary="Plan recurring maintenance of a serial",
)
async def create_plan(
    body: PlanCreate, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> PlanRead:
    plan = await maintenance.create_plan(uow=uow, data=body, actor=principal)
    response.headers["Location"] = f"/api/v1/maintenance-plans/{plan.id}"
    _etag(response, plan)
    return PlanRead.model_validate(plan)


@router.get(
    "/maintenance-plans",
    dependencies=[require_permission("tickets:read")],
    summary="List maintenance plans",
)
async def list_plans(
    uow: UowDep,
    principal: CurrentPrincipal,
    listing: ListRequestDep,
    customer_id: str | None = None,
    dealer_id: str | None = None,
) -> Any:
    return await listing.answer(
        partial(
            maintenance.list_plans,
            uow=uow,
            actor=principal,
            customer_id=customer_id,
            dealer_id=dealer_id,
        ),
        read=PlanRead,
        filename="maintenance-plans.csv",
    )


@router.get(
    "/maintenance-plans/{plan_id}",
    response_model=PlanRead,
    dependencies=[require_permission("tickets:read")],
    summary="Read a maintenance plan",
)
async def read_plan(
    plan_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> PlanRead:
    plan = await maintenance.get_plan(uow=uow, plan_id=plan_id, actor=principal)
    _etag(response, plan)
    return PlanRead.model_validate(plan)


@router.patch(
    "/maintenance-plans/{plan_id}",
    response_model=PlanRead,
    dependencies=[require_permission("warranties:write")],
    summary="Change a maintenance plan (If-Match required)",
)
async def update_plan(
    plan_id: str,
    body: PlanUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> PlanRead:
    plan = await maintenance.update_plan(
        uow=uow, plan_id=plan_id, data=body, if_match=if_match, actor=principal
    )
    _etag(response, plan)
    return PlanRead.model_validate(plan)
