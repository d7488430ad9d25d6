"""HTTP routes of the analytics area: profit contribution, Pareto, composition (JSON or
streamed CSV), a customer's service profile, and key accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from customer.analytics import key_accounts, service
from customer.analytics.config import AnalyticsSettings
from customer.analytics.reports import Filters, Period, Windows, add_months
from customer.analytics.schemas import (
    ClassContribution,
    ClassDimension,
    CompositionRead,
    ContributionRead,
    ContributionSort,
    KeyAccountRead,
    KeyAccountSort,
    KeyAccountState,
    KeyAccountUpdate,
    ParetoMetric,
    ParetoPoint,
    ParetoView,
    ServiceProfileRead,
    SortOrder,
)
from customer.deps import SettingsDep, UowDep
from kefu_shared.auth import CurrentPrincipal
from kefu_shared.bounds import BoundedDate
from kefu_shared.errors import InvalidInput
from kefu_shared.http.listing import FormatDep, ListRequest, ListRequestDep, document_or_csv
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import require_permission
from kefu_shared.visibility import dealer_scope

if TYPE_CHECKING:
    pass

router = APIRouter(prefix="/api/v1", tags=["analytics"])


def _today() -> date:
    return datetime.now(UTC).date()


async def period_params(
    settings: SettingsDep,
    start: Annotated[
        BoundedDate | None, Query(alias="from", description="first day (inclusive)")
    ] = None,
    end: Annotated[
        BoundedDate | None, Query(alias="to", description="last day (inclusive)")
    ] = None,
) -> Period:
    """Default: the trailing key-account window (12 months) ending today."""
    end = end or _today()
    months = settings.analytics.key_account_window_months
    start = start or add_months(end, -months) + timedelta(days=1)
    if start > end:
        raise InvalidInput(
            "'from' is after 'to'", errors=[{"field": "from", "message": "must be <= to"}]
        )
    return Period(start=start, end=end)


async def filter_params(
    principal: CurrentPrincipal,
    tier: Annotated[list[str] | None, Query()] = None,
    region_class: Annotated[list[str] | None, Query()] = None,
    area_class: Annotated[list[str] | None, Query()] = None,
    industry: Annotated[list[str] | None, Query()] = None,
    dealer_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Filters:
    return Filters(
        tier=tuple(tier or ()),
        region_class=tuple(region_class or ()),
        area_class=tuple(area_class or ()),
        industry=tuple(industry or ()),
        dealer_id=dealer_scope(principal, dealer_id),
    )


PeriodDep = Annotated[Period, Depends(period_params)]
FiltersDep = Annotated[Filters, Depends(filter_params)]

CONTRIBUTION_COLUMNS = list(ContributionRead.model_fields)
CLASS_COLUMNS = [
    "class",
    "customers",
    "revenue",
    "gross_margin",
    "cost_to_serve",
    "net_contribution",
    "revenue_share",
    "net_contribution_share",
]
PARETO_COLUMNS = list(ParetoPoint.model_fields)
COMPOSITION_COLUMNS = list(CompositionRead.model_fields)
KEY_ACCOUNT_COLUMNS = [f for f in KeyAccountRead.model_fields if f != "reasons"]


@router.get(
    "/customer-analytics/profit-contribution",
    response_model=Page[ContributionRead],
    dependencies=[require_permission("analytics:read")],
    summary="Profit contribution per customer (利润贡献分析)",
)
async def profit_contribution(
    uow: UowDep,
    listing: ListRequestDep,
    period: PeriodDep,
    filters: FiltersDep,
    sort: Annotated[ContributionSort, Query()] = "net_contribution",
    order: Annotated[SortOrder, Query()] = "desc",
) -> Any:
    descending = order == "desc"
    query = partial(
        service.contribution_page,
        uow=uow,
        period=period,
        filters=filters,
        sort=sort,
        descending=descending,
    )

    return await listing.answer(
        query,
        read=ContributionRead,
        filename="profit-contribution.csv",
        columns=CONTRIBUTION_COLUMNS,
        export=lambda: service.export_contribution(
            uow=uow, period=period, filters=filters, sort=sort, descending=descending
        ),
    )


@router.get(
    "/customer-analytics/profit-contribution/by-class",
    response_model=ClassContribution,
    response_model_by_alias=True,
    dependencies=[require_permission("analytics:read")],
    summary="Profit contribution per class (tier, region class or industry)",
)
async def profit_contribution_by_class(
    request: Request,
    uow: UowDep,
    format_: FormatDep,
    period: PeriodDep,
    filters: FiltersDep,
    by: Annotated[ClassDimension, Query()] = "tier",
) -> Any:
    result = await service.contribution_by_class(uow=uow, period=period, filters=filters, by=by)
    return document_or_csv(
        request,
        result,
        [*result.items, result.total],
        format_=format_,
        columns=CLASS_COLUMNS,
        filename=f"profit-contribution-by-{by}.csv",
    )


@router.get(
    "/customer-analytics/pareto",
    response_model=ParetoView,
    dependencies=[require_permission("analytics:read")],
    summary="Pareto view: share of net contribution and revenue of the top N% customers",
)
async def pareto(
    request: Request,
    uow: UowDep,
    format_: FormatDep,
    period: PeriodDep,
    filters: FiltersDep,
    settings: SettingsDep,
    metric: Annotated[ParetoMetric, Query()] = "net_contribution",
    points: Annotated[int | None, Query(ge=2, le=100)] = None,
    top_percent: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Any:
    view = await service.pareto(
        uow=uow,
        period=period,
        filters=filters,
        metric=metric,
        points=points or settings.analytics.pareto_points,
        top_percent=top_percent or settings.analytics.pareto_top_percent,
    )
    return document_or_csv(
        request, view, view.points, format_=format_, columns=PARETO_COLUMNS, filename="pareto.csv"
    )


@router.get(
    "/customer-analytics/composition",
    response_model=Page[CompositionRead],
    dependencies=[require_permission("analytics:read")],
    summary="Customer composition: tier x region class x industry (counts, revenue)",
)
async def composition(
    uow: UowDep,
    listing: ListRequestDep,
    period: PeriodDep,
    filters: FiltersDep,
) -> Any:
    return await listing.answer(
        partial(service.composition_page, uow=uow, period=period, filters=filters),
        read=CompositionRead,
        filename="composition.csv",
        columns=COMPOSITION_COLUMNS,
        export=lambda: service.export_composition(uow=uow, period=period, filters=filters),
    )


@router.get(
    "/customer-analytics/customers/{customer_id}/service-profile",
    response_model=ServiceProfileRead,
    dependencies=[require_permission("analytics:read")],
    summary="Service history, cost to serve and satisfaction of a customer",
)
async def service_profile(
    customer_id: str, uow: UowDep, principal: CurrentPrincipal, settings: SettingsDep
) -> ServiceProfileRead:
    return await service.service_profile(
        uow=uow, customer_id=customer_id, actor=principal, settings=settings.analytics
    )


# --- key accounts (大客户管理) -----------------------------------------------------------


async def _key_accounts(listing: ListRequest, *, filename: str, **query: Any) -> Any:
    """The key-account list and the watch list: one query, two rules."""
    return await listing.answer(
        partial(key_accounts.key_accounts_page, **query),
        read=KeyAccountRead,
        filename=filename,
        columns=KEY_ACCOUNT_COLUMNS,
    )


def _windows(as_of: date | None, settings: AnalyticsSettings, months: int | None) -> Windows:
    return Windows(
        as_of=as_of or _today(),
        months=settings.key_account_window_months,
        watch_months=months or settings.watch_months,
    )


@router.get(
    "/key-accounts",
    response_model=Page[KeyAccountRead],
    tags=["key accounts"],
    dependencies=[require_permission("key_accounts:read")],
    summary="Key accounts: super + large + manually designated",
)
async def list_key_accounts(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    filters: FiltersDep,
    settings: SettingsDep,
    manager: Annotated[str | None, Query(max_length=100)] = None,
    as_of: BoundedDate | None = None,
    sort: Annotated[KeyAccountSort, Query()] = "revenue",
) -> Any:
    return await _key_accounts(
        listing,
        uow=uow,
        windows=_windows(as_of, settings.analytics, None),
        filters=filters,
        settings=settings.analytics,
        manager=manager,
        watch_only=False,
        sort=sort,
        filename="key-accounts.csv",
    )


@router.get(
    "/key-accounts/watch-list",
    response_model=Page[KeyAccountRead],
    tags=["key accounts"],
    dependencies=[require_permission("key_accounts:read")],
    summary="Key accounts with falling revenue or satisfaction, with the reasons",
)
async def watch_list(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    filters: FiltersDep,
    settings: SettingsDep,
    months: Annotated[int | None, Query(ge=1, le=24)] = None,
    manager: Annotated[str | None, Query(max_length=100)] = None,
    as_of: BoundedDate | None = None,
) -> Any:
    windows = _windows(as_of, settings.analytics, months)
    effective = settings.analytics.model_copy(update={"watch_months": windows.watch_months})
    return await _key_accounts(
        listing,
        uow=uow,
        windows=windows,
        filters=filters,
        settings=effective,
        manager=manager,
        watch_only=True,
        sort="name",
        filename="watch-list.csv",
    )


@router.put(
    "/key-accounts/{customer_id}",
    response_model=KeyAccountState,
    tags=["key accounts"],
    dependencies=[require_permission("key_accounts:write")],
    summary="Designate a key account by hand and/or set its manager and service plan",
)
async def put_key_account(
    customer_id: str,
    body: KeyAccountUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
) -> KeyAccountState:
    state = await key_accounts.update_key_account(
        uow=uow, customer_id=customer_id, data=body, actor=principal
    )
    response.headers["ETag"] = f'"{state.customer_id}.{state.version}"'
    return state


@router.delete(
    "/key-accounts/{customer_id}",
    response_model=KeyAccountState,
    tags=["key accounts"],
    dependencies=[require_permission("key_accounts:write")],
    summary="Remove the manual designation (super/large customers stay key accounts)",
)
async def delete_key_account(
    customer_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> KeyAccountState:
    state = await key_accounts.remove_designation(
        uow=uow, customer_id=customer_id, actor=principal, reason=reason
    )
    response.headers["ETag"] = f'"{state.customer_id}.{state.version}"'
    return state
