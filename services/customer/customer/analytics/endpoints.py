"""HTTP routes of the analytics area: profit contribution, Pareto, composition (JSON or
streamed CSV), a customer's service profile, and key accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from customer.analytics import key_accounts, service
from customer.analytics.config import AnalyticsSettings, analytics_settings
from customer.analytics.csv_export import mapped
from customer.analytics.reports import Filters, Period, Windows, add_months
from customer.analytics.schemas import (
    ClassContribution,
    ClassDimension,
    CompositionPage,
    CompositionRead,
    ContributionPage,
    ContributionRead,
    ContributionSort,
    KeyAccountPage,
    KeyAccountRead,
    KeyAccountState,
    KeyAccountUpdate,
    ParetoMetric,
    ParetoPoint,
    ParetoView,
    ServiceProfileRead,
)
from kefu_shared.auth import CurrentPrincipal, require_roles
from kefu_shared.errors import InvalidInput
from kefu_shared.http.csvexport import csv_response, wants_csv
from kefu_shared.http.pagination import MAX_LIMIT, all_pages, clamp_limit
from kefu_shared.service import UowDep
from kefu_shared.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["analytics"])

READERS = ("analyst", "service_manager", "credit_manager", "agent", "dealer")
KEY_ACCOUNT_WRITERS = ("service_manager",)  # and admin
Format = Literal["json", "csv"]


def get_analytics_settings() -> AnalyticsSettings:
    return analytics_settings()


SettingsDep = Annotated[AnalyticsSettings, Depends(get_analytics_settings)]


def _today() -> date:
    return datetime.now(UTC).date()


def period_params(
    settings: SettingsDep,
    start: Annotated[date | None, Query(alias="from", description="first day (inclusive)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day (inclusive)")] = None,
) -> Period:
    """Default: the trailing key-account window (12 months) ending today."""
    end = end or _today()
    start = start or add_months(end, -settings.key_account_window_months) + timedelta(days=1)
    if start > end:
        raise InvalidInput(
            "'from' is after 'to'", errors=[{"field": "from", "message": "must be <= to"}]
        )
    return Period(start=start, end=end)


def filter_params(
    principal: CurrentPrincipal,
    tier: Annotated[list[str] | None, Query()] = None,
    region_class: Annotated[list[str] | None, Query()] = None,
    area_class: Annotated[list[str] | None, Query()] = None,
    industry: Annotated[list[str] | None, Query()] = None,
    dealer_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Filters:
    filters = Filters(
        tier=tuple(tier or ()),
        region_class=tuple(region_class or ()),
        area_class=tuple(area_class or ()),
        industry=tuple(industry or ()),
        dealer_id=dealer_id,
    )
    return service.scoped(filters, principal)


PeriodDep = Annotated[Period, Depends(period_params)]
FiltersDep = Annotated[Filters, Depends(filter_params)]
Limit = Annotated[int | None, Query(description="page size, 1-200")]
FormatParam = Annotated[Format | None, Query(alias="format")]

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
    response_model=ContributionPage,
    dependencies=[require_roles(*READERS)],
    summary="Profit contribution per customer (利润贡献分析)",
)
async def profit_contribution(
    request: Request,
    uow: UowDep,
    period: PeriodDep,
    filters: FiltersDep,
    sort: ContributionSort = "net_contribution",
    order: Literal["asc", "desc"] = "desc",
    cursor: str | None = None,
    limit: Limit = None,
    fmt: FormatParam = None,
) -> Any:
    descending = order == "desc"
    if wants_csv(fmt, request.headers.get("accept")):
        stmt, keys, _ = service.contribution_query(
            period=period, filters=filters, sort=sort, descending=descending
        )
        stmt = stmt.order_by(*[k.desc() if descending else k.asc() for k in keys])
        rows = mapped(service.stream_rows(uow=uow, stmt=stmt), service.contribution_row)
        return csv_response(rows, CONTRIBUTION_COLUMNS, filename="profit-contribution.csv")
    size = clamp_limit(limit)
    items, next_cursor = await service.contribution_page(
        uow=uow,
        period=period,
        filters=filters,
        sort=sort,
        descending=descending,
        cursor=cursor,
        limit=size,
    )
    return ContributionPage(
        period_start=period.start,
        period_end=period.end,
        items=items,
        next_cursor=next_cursor,
        limit=size,
    )


@router.get(
    "/customer-analytics/profit-contribution/by-class",
    response_model=ClassContribution,
    response_model_by_alias=True,
    dependencies=[require_roles(*READERS)],
    summary="Profit contribution per class (tier, region class or industry)",
)
async def profit_contribution_by_class(
    request: Request,
    uow: UowDep,
    period: PeriodDep,
    filters: FiltersDep,
    by: ClassDimension = "tier",
    fmt: FormatParam = None,
) -> Any:
    result = await service.contribution_by_class(uow=uow, period=period, filters=filters, by=by)
    if wants_csv(fmt, request.headers.get("accept")):
        return csv_response(
            [*result.items, result.total],
            CLASS_COLUMNS,
            filename=f"profit-contribution-by-{by}.csv",
        )
    return result


@router.get(
    "/customer-analytics/pareto",
    response_model=ParetoView,
    dependencies=[require_roles(*READERS)],
    summary="Pareto view: share of net contribution and revenue of the top N% customers",
)
async def pareto(
    request: Request,
    uow: UowDep,
    period: PeriodDep,
    filters: FiltersDep,
    settings: SettingsDep,
    metric: ParetoMetric = "net_contribution",
    points: Annotated[int | None, Query(ge=2, le=100)] = None,
    top_percent: Annotated[int | None, Query(ge=1, le=100)] = None,
    fmt: FormatParam = None,
) -> Any:
    view = await service.pareto(
        uow=uow,
        period=period,
        filters=filters,
        metric=metric,
        points=points or settings.pareto_points,
        top_percent=top_percent or settings.pareto_top_percent,
    )
    if wants_csv(fmt, request.headers.get("accept")):
        return csv_response(view.points, PARETO_COLUMNS, filename="pareto.csv")
    return view


@router.get(
    "/customer-analytics/composition",
    response_model=CompositionPage,
    dependencies=[require_roles(*READERS)],
    summary="Customer composition: tier x region class x industry (counts, revenue)",
)
async def composition(
    request: Request,
    uow: UowDep,
    period: PeriodDep,
    filters: FiltersDep,
    cursor: str | None = None,
    limit: Limit = None,
    fmt: FormatParam = None,
) -> Any:
    if wants_csv(fmt, request.headers.get("accept")):
        stmt, keys = service.composition_query(period=period, filters=filters)
        rows = mapped(
            service.stream_rows(uow=uow, stmt=stmt.order_by(*keys)), service.composition_row
        )
        return csv_response(rows, COMPOSITION_COLUMNS, filename="composition.csv")
    size = clamp_limit(limit)
    items, next_cursor = await service.composition_page(
        uow=uow, period=period, filters=filters, cursor=cursor, limit=size
    )
    return CompositionPage(
        period_start=period.start,
        period_end=period.end,
        items=items,
        next_cursor=next_cursor,
        limit=size,
    )


@router.get(
    "/customer-analytics/customers/{customer_id}/service-profile",
    response_model=ServiceProfileRead,
    summary="Service history, cost to serve and satisfaction of a customer",
)
async def service_profile(
    customer_id: str, uow: UowDep, principal: CurrentPrincipal, settings: SettingsDep
) -> ServiceProfileRead:
    return await service.service_profile(
        uow=uow, customer_id=customer_id, actor=principal, settings=settings
    )


# --- key accounts (大客户管理) -----------------------------------------------------------


def _windows(as_of: date | None, settings: AnalyticsSettings, months: int | None) -> Windows:
    return Windows(
        as_of=as_of or _today(),
        months=settings.key_account_window_months,
        watch_months=months or settings.watch_months,
    )


@router.get(
    "/key-accounts",
    response_model=KeyAccountPage,
    tags=["key accounts"],
    summary="Key accounts: super + large + manually designated",
)
async def list_key_accounts(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    filters: FiltersDep,
    settings: SettingsDep,
    manager: Annotated[str | None, Query(max_length=100)] = None,
    as_of: date | None = None,
    sort: Literal["name", "revenue"] = "revenue",
    cursor: str | None = None,
    limit: Limit = None,
    fmt: FormatParam = None,
) -> Any:
    windows = _windows(as_of, settings, None)
    return await _key_account_listing(
        request,
        uow,
        filters,
        settings,
        windows,
        manager=manager,
        watch_only=False,
        sort=sort,
        cursor=cursor,
        limit=limit,
        fmt=fmt,
        window_months=windows.months,
        filename="key-accounts.csv",
    )


@router.get(
    "/key-accounts/watch-list",
    response_model=KeyAccountPage,
    tags=["key accounts"],
    summary="Key accounts with falling revenue or satisfaction, with the reasons",
)
async def watch_list(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    filters: FiltersDep,
    settings: SettingsDep,
    months: Annotated[int | None, Query(ge=1, le=24)] = None,
    manager: Annotated[str | None, Query(max_length=100)] = None,
    as_of: date | None = None,
    cursor: str | None = None,
    limit: Limit = None,
    fmt: FormatParam = None,
) -> Any:
    windows = _windows(as_of, settings, months)
    effective = settings.model_copy(update={"watch_months": windows.watch_months})
    return await _key_account_listing(
        request,
        uow,
        filters,
        effective,
        windows,
        manager=manager,
        watch_only=True,
        sort="name",
        cursor=cursor,
        limit=limit,
        fmt=fmt,
        window_months=windows.watch_months,
        filename="watch-list.csv",
    )


async def _key_account_listing(
    request: Request,
    uow: UnitOfWork,
    filters: Filters,
    settings: AnalyticsSettings,
    windows: Windows,
    *,
    manager: str | None,
    watch_only: bool,
    sort: Literal["name", "revenue"],
    cursor: str | None,
    limit: int | None,
    fmt: str | None,
    window_months: int,
    filename: str,
) -> Any:
    """One page of key accounts as JSON, or every matching one as CSV."""
    size = clamp_limit(limit)

    async def page(cur: str | None, n: int = size) -> Any:
        return await key_accounts.key_accounts_page(
            uow=uow,
            windows=windows,
            filters=filters,
            settings=settings,
            manager=manager,
            watch_only=watch_only,
            sort=sort,
            cursor=cur,
            limit=n,
        )

    if wants_csv(fmt, request.headers.get("accept")):
        rows = all_pages(lambda cur: page(cur, MAX_LIMIT))
        return csv_response(rows, KEY_ACCOUNT_COLUMNS, filename=filename)
    items, next_cursor = await page(cursor)
    return KeyAccountPage(
        as_of=windows.as_of,
        window_months=window_months,
        items=items,
        next_cursor=next_cursor,
        limit=size,
    )


@router.put(
    "/key-accounts/{customer_id}",
    response_model=KeyAccountState,
    tags=["key accounts"],
    dependencies=[require_roles(*KEY_ACCOUNT_WRITERS)],
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
    dependencies=[require_roles(*KEY_ACCOUNT_WRITERS)],
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
