"""HTTP routes of the customer lists and reports: the customer list (客户一览表) with its
filters, the address and grade classifications, likely duplicates."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from customer import lists
from customer.deps import UowDep
from customer.domain import (
    AreaClass,
    BusinessType,
    CompanySize,
    CustomerKind,
    CustomerStatus,
    Industry,
    RegionClass,
    SalesStage,
    Source,
    Tier,
    TransactionPattern,
)
from customer.repository import CustomerFilter, CustomerSort
from customer.schemas import (
    EXPORT_COLUMNS,
    AddressClassificationRead,
    AddressDimension,
    CustomerRead,
    DuplicateGroup,
    GradeClassificationRead,
)
from kefu_shared.auth import CurrentPrincipal
from kefu_shared.bounds import BoundedDateTime
from kefu_shared.http.listing import FormatDep, ListRequestDep, document_or_csv
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import require_permission

router = APIRouter(prefix="/api/v1", tags=["customers"])


async def customer_filter(
    q: Annotated[
        str | None,
        Query(
            max_length=100, description="name, number, phone, email, credit code or city contains"
        ),
    ] = None,
    kind: CustomerKind | None = None,
    status_: Annotated[list[CustomerStatus], Query(alias="status")] = ["active"],  # noqa: B006
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
    created_from: BoundedDateTime | None = None,
    created_to: BoundedDateTime | None = None,
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


@router.get(
    "/customers",
    response_model=Page[CustomerRead],
    dependencies=[require_permission("customer:read")],
    summary="Customer list (客户一览表): filter on every dimension; ?format=csv exports all matches",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_customers(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    flt: FilterDep,
    sort: Annotated[CustomerSort, Query()] = "name",
) -> Any:
    return await listing.answer(
        partial(lists.list_customers, uow=uow, flt=flt, actor=principal, sort=sort),
        read=CustomerRead,
        filename="customers.csv",
        columns=EXPORT_COLUMNS,
    )


@router.get(
    "/customers/address-classification",
    response_model=AddressClassificationRead,
    response_model_exclude_unset=True,
    dependencies=[require_permission("customer:read")],
    summary="Address classification (客户地址分类表): counts by province/city/district and region class",
)
async def address_classification(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    format_: FormatDep,
    flt: FilterDep,
    group_by: Annotated[list[AddressDimension], Query()] = ["province", "city", "region_class"],  # noqa: B006
) -> Any:
    groups = list(dict.fromkeys(group_by))
    rows = await lists.address_classification(uow=uow, flt=flt, group_by=groups, actor=principal)
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
    response_model=GradeClassificationRead,
    dependencies=[require_permission("customer:read")],
    summary="Grade classification (客户等级分类表): customers per tier",
)
async def grade_classification(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    format_: FormatDep,
    flt: FilterDep,
) -> Any:
    rows = await lists.grade_classification(uow=uow, flt=flt, actor=principal)
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
    dependencies=[require_permission("customer:read")],
    summary="Likely duplicates: same phone, or same name in the same city",
)
async def duplicates(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
) -> Any:
    return await listing.answer(
        partial(lists.duplicate_groups, uow=uow, actor=principal),
        read=DuplicateGroup,
        filename="duplicates.csv",
        columns=["reason", "value", "count"],
    )
