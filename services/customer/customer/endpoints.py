"""HTTP routes of customer profiles and lists: parse, call one use case, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from customer import service
from customer.card import render_card_html
from customer.deps import FormatParam, IfMatch, Limit, SettingsDep
from customer.domain import (
    AreaClass,
    BusinessType,
    CompanySize,
    CustomerKind,
    Industry,
    InteractionKind,
    RegionClass,
    SalesStage,
    Source,
    Tier,
    TransactionPattern,
)
from customer.models import Customer
from customer.repository import SORTS, CustomerFilter
from customer.schemas import (
    EXPORT_COLUMNS,
    ArchiveRequest,
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
    DuplicateGroup,
    HistoryEntryRead,
    InteractionCreate,
    InteractionRead,
    MergeRequest,
)
from kefu_shared.auth import CurrentPrincipal, require_roles
from kefu_shared.http.listing import document_or_csv, page_or_csv
from kefu_shared.http.pagination import Page
from kefu_shared.service import UowDep

router = APIRouter(prefix="/api/v1", tags=["customers"])

WRITERS = ("service_manager", "agent", "credit_manager", "dealer")
MANAGERS = ("service_manager",)
Status = Literal["active", "archived", "merged", "erased"]
SortKey = Literal[tuple(SORTS)]  # type: ignore[valid-type]


def customer_filter(
    q: Annotated[
        str | None,
        Query(
            max_length=100, description="name, number, phone, email, credit code or city contains"
        ),
    ] = None,
    kind: CustomerKind | None = None,
    status_: Annotated[list[Status], Query(alias="status")] = ["active"],  # noqa: B006
    tier: Annotated[list[Tier], Query()] = [],  # noqa: B006
    region_class: Annotated[list[RegionClass], Query()] = [],  # noqa: B006
    area_class: Annotated[list[AreaClass], Query()] = [],  # noqa: B006
    province: Annotated[str | None, Query(max_length=50)] = None,
    city: Annotated[str | None, Query(max_length=50)] = None,
    district: Annotated[str | None, Query(max_length=50)] = None,
    industry: Annotated[list[Industry], Query()] = [],  # noqa: B006
    size: Annotated[list[CompanySize], Query()] = [],  # noqa: B006
    business_type: Annotated[list[BusinessType], Query()] = [],  # noqa: B006
    sales_stage: Annotated[list[SalesStage], Query()] = [],  # noqa: B006
    transaction_pattern: Annotated[list[TransactionPattern], Query()] = [],  # noqa: B006
    source: Annotated[list[Source], Query()] = [],  # noqa: B006
    key_account: bool | None = None,
    worth_cultivating: bool | None = None,
    dealer_id: Annotated[str | None, Query(max_length=64)] = None,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> CustomerFilter:
    return CustomerFilter(
        q=q or None,
        kind=kind,
        status=list(status_),
        tier=list(tier),
        region_class=list(region_class),
        area_class=list(area_class),
        province=province,
        city=city,
        district=district,
        industry=list(industry),
        size=list(size),
        business_type=list(business_type),
        sales_stage=list(sales_stage),
        transaction_pattern=list(transaction_pattern),
        source=list(source),
        key_account=key_account,
        worth_cultivating=worth_cultivating,
        dealer_id=dealer_id,
        owner=owner,
        tag=list(tag),
        created_from=created_from,
        created_to=created_to,
    )


FilterDep = Annotated[CustomerFilter, Depends(customer_filter)]


def _read(response: Response, customer: Customer) -> CustomerRead:
    """The customer as answered by every single-customer route, with its ETag."""
    response.headers["ETag"] = customer.etag
    return CustomerRead.model_validate(customer)


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
    return _read(response, customer)


@router.get(
    "/customers",
    response_model=Page[CustomerRead],
    summary="Customer list (客户一览表): filter on every dimension; ?format=csv exports all matches",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_customers(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    flt: FilterDep,
    sort: SortKey = "name",
    limit: Limit = None,
    cursor: str | None = None,
    format_: FormatParam = None,
) -> Any:
    async def fetch(cur: str | None, size: int) -> tuple[list[CustomerRead], str | None]:
        items, next_cursor = await service.list_customers(
            uow=uow, flt=flt, actor=principal, sort=sort, limit=size, cursor=cur
        )
        return [CustomerRead.model_validate(c) for c in items], next_cursor

    return await page_or_csv(
        request,
        fetch,
        cursor=cursor,
        limit=limit,
        format_=format_,
        columns=EXPORT_COLUMNS,
        filename="customers.csv",
    )


@router.get(
    "/customers/address-classification",
    summary="Address classification (客户地址分类表): counts by province/city/district and region class",
)
async def address_classification(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    flt: FilterDep,
    group_by: Annotated[
        list[Literal["province", "city", "district", "region_class", "area_class"]], Query()
    ] = ["province", "city", "region_class"],  # noqa: B006
    format_: FormatParam = None,
) -> Any:
    groups = list(dict.fromkeys(group_by))
    rows = await service.address_classification(uow=uow, flt=flt, group_by=groups, actor=principal)
    return document_or_csv(
        request,
        {"group_by": groups, "items": rows},
        rows,
        format_=format_,
        columns=[*groups, "customers", "key_accounts"],
        filename="address-classification.csv",
    )


@router.get(
    "/customers/grade-classification",
    summary="Grade classification (客户等级分类表): customers per tier",
)
async def grade_classification(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    flt: FilterDep,
    format_: FormatParam = None,
) -> Any:
    rows = await service.grade_classification(uow=uow, flt=flt, actor=principal)
    return document_or_csv(
        request,
        {"items": rows},
        rows,
        format_=format_,
        columns=["tier", "customers", "key_accounts", "companies", "share"],
        filename="grade-classification.csv",
    )


@router.get(
    "/customers/duplicates",
    response_model=Page[DuplicateGroup],
    summary="Likely duplicates: same phone, or same name in the same city",
)
async def duplicates(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    limit: Limit = None,
    cursor: str | None = None,
) -> Any:
    async def fetch(cur: str | None, size: int) -> tuple[list[DuplicateGroup], str | None]:
        groups, next_key = await service.duplicate_groups(
            uow=uow, actor=principal, limit=size, after=cur
        )
        return [DuplicateGroup.model_validate(g) for g in groups], next_key

    return await page_or_csv(
        request,
        fetch,
        cursor=cursor,
        limit=limit,
        format_="json",
        columns=list(DuplicateGroup.model_fields),
        filename="duplicates.csv",
    )


@router.get("/customers/{customer_id}", response_model=CustomerRead, summary="Read a customer")
async def read_customer(
    customer_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> CustomerRead:
    customer = await service.get_customer(uow=uow, customer_id=customer_id, actor=principal)
    return _read(response, customer)


@router.patch(
    "/customers/{customer_id}",
    response_model=CustomerRead,
    dependencies=[require_roles(*WRITERS)],
    summary="Change a customer (JSON merge; If-Match with the ETag you read is required)",
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
    dependencies=[require_roles(*MANAGERS, "dealer")],
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
    dependencies=[require_roles(*MANAGERS, "dealer")],
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
    dependencies=[require_roles(*MANAGERS, "dealer")],
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
    dependencies=[require_roles(*MANAGERS)],
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
    dependencies=[require_roles("admin")],
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


@router.get(
    "/customers/{customer_id}/history",
    response_model=Page[HistoryEntryRead],
    summary="Lifecycle history: registered, updated (which fields), archived, merged, erased",
)
async def customer_history(
    request: Request,
    customer_id: str,
    uow: UowDep,
    principal: CurrentPrincipal,
    limit: Limit = None,
    cursor: str | None = None,
    format_: FormatParam = None,
) -> Any:
    async def fetch(cur: str | None, size: int) -> tuple[list[HistoryEntryRead], str | None]:
        items, next_cursor = await service.customer_history(
            uow=uow, customer_id=customer_id, actor=principal, limit=size, cursor=cur
        )
        return [HistoryEntryRead.model_validate(h) for h in items], next_cursor

    return await page_or_csv(
        request,
        fetch,
        cursor=cursor,
        limit=limit,
        format_=format_,
        columns=list(HistoryEntryRead.model_fields),
        filename="customer-history.csv",
    )


@router.post(
    "/customers/{customer_id}/interactions",
    response_model=InteractionRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(*WRITERS)],
    summary="Log a contact (客户接触记录): inquiry, sample request, quotation, visit, call…",
)
async def record_interaction(
    customer_id: str, body: InteractionCreate, uow: UowDep, principal: CurrentPrincipal
) -> InteractionRead:
    interaction = await service.record_interaction(
        uow=uow, customer_id=customer_id, data=body, actor=principal
    )
    return InteractionRead.model_validate(interaction)


@router.get(
    "/customers/{customer_id}/interactions",
    response_model=Page[InteractionRead],
    summary="A customer's contacts, newest first; ?format=csv exports them all",
)
async def list_interactions(
    request: Request,
    customer_id: str,
    uow: UowDep,
    principal: CurrentPrincipal,
    kind: Annotated[list[InteractionKind], Query()] = [],  # noqa: B006
    limit: Limit = None,
    cursor: str | None = None,
    format_: FormatParam = None,
) -> Any:
    async def fetch(cur: str | None, size: int) -> tuple[list[InteractionRead], str | None]:
        rows, next_cursor = await service.list_interactions(
            uow=uow,
            customer_id=customer_id,
            actor=principal,
            kind=list(kind),
            limit=size,
            cursor=cur,
        )
        return [InteractionRead.model_validate(r) for r in rows], next_cursor

    return await page_or_csv(
        request,
        fetch,
        cursor=cursor,
        limit=limit,
        format_=format_,
        columns=list(InteractionRead.model_fields),
        filename="interactions.csv",
    )


@router.get("/customers/{customer_id}/card", summary="The customer card (客户管理卡) as JSON")
async def customer_card(
    customer_id: str, uow: UowDep, principal: CurrentPrincipal, settings: SettingsDep
) -> dict[str, Any]:
    return await service.customer_card(
        uow=uow, customer_id=customer_id, actor=principal, settings=settings
    )


@router.get(
    "/customers/{customer_id}/card.html",
    response_class=HTMLResponse,
    summary="The customer card as a printable HTML page",
)
async def customer_card_html(
    customer_id: str, uow: UowDep, principal: CurrentPrincipal, settings: SettingsDep
) -> HTMLResponse:
    card = await service.customer_card(
        uow=uow, customer_id=customer_id, actor=principal, settings=settings
    )
    return HTMLResponse(render_card_html(card))
