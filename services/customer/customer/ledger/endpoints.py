"""HTTP routes of the sales ledger: parse, call one use case, shape the answer."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from customer.deps import CreditDep, UowDep
from customer.ledger import imports, service
from customer.ledger.schemas import (
    ImportResult,
    OrderCreate,
    OrderImportRow,
    OrderKind,
    OrderRead,
    PaymentCreate,
    PaymentImportRow,
    PaymentMethod,
    PaymentRead,
)
from kefu_shared.auth import CurrentPrincipal
from kefu_shared.bounds import BoundedDate
from kefu_shared.db import utcnow
from kefu_shared.errors import InvalidInput
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import require_permission

router = APIRouter(prefix="/api/v1", tags=["ledger"])


def _rows(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise ValueError("a list of objects")
    if len(value) > imports.MAX_IMPORT_ROWS:
        raise ValueError(f"at most {imports.MAX_IMPORT_ROWS} rows in one import")
    return value


# The document shows the row schema; the import checks the rows one by one, so that its
# errors can name row and field.
OrderRows = Annotated[
    list[dict[str, Any]], PlainValidator(_rows, json_schema_input_type=list[OrderImportRow])
]
PaymentRows = Annotated[
    list[dict[str, Any]], PlainValidator(_rows, json_schema_input_type=list[PaymentImportRow])
]


class LedgerImport(BaseModel):
    """Rows are checked one by one by the import, so errors can name row and field."""

    model_config = ConfigDict(extra="forbid")

    orders: OrderRows = Field(
        default_factory=list, json_schema_extra={"maxItems": imports.MAX_IMPORT_ROWS}
    )
    payments: PaymentRows = Field(
        default_factory=list, json_schema_extra={"maxItems": imports.MAX_IMPORT_ROWS}
    )


@router.post(
    "/customers/{customer_id}/orders",
    response_model=OrderRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_permission("ledger:write")],
    summary="Record an order/invoice or a refund (kind=refund, positive amount)",
    responses={200: {"description": "identical to the stored entry: nothing changed"}},
)
async def create_order(
    customer_id: str,
    body: OrderCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    credit: CreditDep,
) -> OrderRead:
    order, created = await service.record_order(
        uow=uow, customer_id=customer_id, data=body, actor=principal, credit=credit
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return OrderRead.model_validate(order)


@router.get(
    "/customers/{customer_id}/orders",
    response_model=Page[OrderRead],
    dependencies=[require_permission("ledger:read")],
    summary="A customer's orders, invoices and refunds (newest first)",
)
async def list_orders(
    customer_id: str,
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    date_from: BoundedDate | None = None,
    date_to: BoundedDate | None = None,
    kind: OrderKind | None = None,
    product_line: str | None = None,
    unpaid: Annotated[bool, Query(description="invoices without a paid date")] = False,
    overdue: Annotated[bool, Query(description="unpaid invoices due before as_of")] = False,
    as_of: Annotated[BoundedDate | None, Query(description="default: today")] = None,
) -> Any:
    return await listing.answer(
        partial(
            service.list_orders,
            uow=uow,
            customer_id=customer_id,
            actor=principal,
            date_from=date_from,
            date_to=date_to,
            kind=kind,
            product_line=product_line,
            unpaid=unpaid,
            overdue_on=(as_of or utcnow().date()) if overdue else None,
        ),
        read=OrderRead,
        filename="orders.csv",
    )


@router.post(
    "/customers/{customer_id}/payments",
    response_model=PaymentRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_permission("ledger:write")],
    summary="Record a payment received",
    responses={200: {"description": "identical to the stored entry: nothing changed"}},
)
async def create_payment(
    customer_id: str,
    body: PaymentCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    credit: CreditDep,
) -> PaymentRead:
    payment, created = await service.record_payment(
        uow=uow, customer_id=customer_id, data=body, actor=principal, credit=credit
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return PaymentRead.model_validate(payment)


@router.get(
    "/customers/{customer_id}/payments",
    response_model=Page[PaymentRead],
    dependencies=[require_permission("ledger:read")],
    summary="A customer's payments (newest first)",
)
async def list_payments(
    customer_id: str,
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    date_from: BoundedDate | None = None,
    date_to: BoundedDate | None = None,
    method: PaymentMethod | None = None,
    order_ref: str | None = None,
) -> Any:
    return await listing.answer(
        partial(
            service.list_payments,
            uow=uow,
            customer_id=customer_id,
            actor=principal,
            date_from=date_from,
            date_to=date_to,
            method=method,
            order_ref=order_ref,
        ),
        read=PaymentRead,
        filename="payments.csv",
    )


@router.post(
    "/ledger/imports",
    response_model=ImportResult,
    dependencies=[require_permission("ledger:write")],
    summary="Bulk import of orders and payments (JSON; all rows or none)",
)
async def import_json(
    body: LedgerImport, uow: UowDep, principal: CurrentPrincipal, credit: CreditDep
) -> ImportResult:
    return await imports.import_ledger(
        uow=uow, orders=body.orders, payments=body.payments, actor=principal, credit=credit
    )


@router.post(
    "/ledger/imports/csv",
    response_model=ImportResult,
    dependencies=[require_permission("ledger:write")],
    summary="Import the ERP's CSV feed (text/csv; columns in docs/ledger-import.md)",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_csv(
    request: Request, uow: UowDep, principal: CurrentPrincipal, credit: CreditDep
) -> ImportResult:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("text/csv", "application/csv"):
        raise InvalidInput(
            "send the feed as text/csv",
            errors=[{"field": "Content-Type", "message": "must be text/csv"}],
        )
    body = await request.body()
    return await imports.import_csv(uow=uow, body=body, actor=principal, credit=credit)
