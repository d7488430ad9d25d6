"""HTTP routes of the customer service: parse, call one use case, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from customer import service
from customer.schemas import CustomerCreate, CustomerRead
from customer.settings import CustomerSettings
from kefu_shared.auth import CurrentPrincipal, require_roles
from kefu_shared.service import UowDep

router = APIRouter(prefix="/api/v1", tags=["customers"])

WRITERS = ("service_manager", "agent", "credit_manager", "dealer")


def get_settings(request: Request) -> CustomerSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[CustomerSettings, Depends(get_settings)]


@router.post(
    "/customers",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerRead,
    dependencies=[require_roles(*WRITERS)],
    summary="Register a customer",
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
    response.headers["ETag"] = customer.etag
    return CustomerRead.model_validate(customer)


@router.get("/customers/{customer_id}", response_model=CustomerRead, summary="Read a customer")
async def read_customer(
    customer_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> CustomerRead:
    customer = await service.get_customer(uow=uow, customer_id=customer_id, actor=principal)
    response.headers["ETag"] = customer.etag
    return CustomerRead.model_validate(customer)
