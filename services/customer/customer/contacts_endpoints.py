"""HTTP routes of a customer's contact log (客户接触记录), lifecycle history and card
(客户管理卡)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse

from customer import card, contacts
from customer.deps import SettingsDep, UowDep
from customer.domain import InteractionKind
from customer.schemas import CustomerCardRead, HistoryEntryRead, InteractionCreate, InteractionRead
from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import require_permission

router = APIRouter(prefix="/api/v1", tags=["customers"])


@router.get(
    "/customers/{customer_id}/history",
    response_model=Page[HistoryEntryRead],
    dependencies=[require_permission("customer:read")],
    summary="Lifecycle history: registered, updated (which fields), archived, merged, erased",
)
async def customer_history(
    customer_id: str,
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
) -> Any:
    return await listing.answer(
        partial(contacts.customer_history, uow=uow, customer_id=customer_id, actor=principal),
        read=HistoryEntryRead,
        filename="customer-history.csv",
    )


@router.post(
    "/customers/{customer_id}/interactions",
    response_model=InteractionRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_permission("customer:write")],
    summary="Log a contact (客户接触记录): inquiry, sample request, quotation, visit, call…",
)
async def record_interaction(
    customer_id: str, body: InteractionCreate, uow: UowDep, principal: CurrentPrincipal
) -> InteractionRead:
    interaction = await contacts.record_interaction(
        uow=uow, customer_id=customer_id, data=body, actor=principal
    )
    return InteractionRead.model_validate(interaction)


@router.get(
    "/customers/{customer_id}/interactions",
    response_model=Page[InteractionRead],
    dependencies=[require_permission("customer:read")],
    summary="A customer's contacts, newest first; ?format=csv exports them all",
)
async def list_interactions(
    customer_id: str,
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    kind: Annotated[list[InteractionKind], Query()] = [],  # noqa: B006
) -> Any:
    return await listing.answer(
        partial(
            contacts.list_interactions,
            uow=uow,
            customer_id=customer_id,
            actor=principal,
            kind=list(kind),
        ),
        read=InteractionRead,
        filename="interactions.csv",
    )


@router.get(
    "/customers/{customer_id}/card",
    response_model=CustomerCardRead,
    dependencies=[require_permission("customer:read")],
    summary="The customer card (客户管理卡) as JSON",
)
async def customer_card(
    customer_id: str, uow: UowDep, principal: CurrentPrincipal, settings: SettingsDep
) -> dict[str, Any]:
    return await card.customer_card(
        uow=uow, customer_id=customer_id, actor=principal, settings=settings
    )


@router.get(
    "/customers/{customer_id}/card.html",
    response_class=HTMLResponse,
    dependencies=[require_permission("customer:read")],
    summary="The customer card as a printable HTML page",
)
async def customer_card_html(
    customer_id: str, uow: UowDep, principal: CurrentPrincipal, settings: SettingsDep
) -> HTMLResponse:
    document = await card.customer_card(
        uow=uow, customer_id=customer_id, actor=principal, settings=settings
    )
    return HTMLResponse(card.render_card_html(document))
