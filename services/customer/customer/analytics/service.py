"""Use cases of the analytics area (reports and the customer's service profile)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import RowMapping, Select, select

from customer.analytics import reports
from customer.analytics.config import AnalyticsSettings
from customer.analytics.reports import Filters, Period
from customer.analytics.schemas import (
    ClassContribution,
    ClassContributionRead,
    CompositionRead,
    ContributionRead,
    ParetoPoint,
    ParetoView,
    SatisfactionRead,
    ServiceProfileRead,
)
from kefu_shared.auth import Principal
from kefu_shared.http.pagination import apply_keyset, page_from_rows

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")


def money(v: Any) -> Decimal:
    return Decimal(str(v if v is not None else 0)).quantize(CENT, ROUND_HALF_UP)


def ratio(part: Any, whole: Any) -> Decimal | None:
    denominator = Decimal(str(whole or 0))
    if denominator == 0:
        return None
    return (Decimal(str(part or 0)) / denominator).quantize(RATIO, ROUND_HALF_UP)


def contribution_row(row: RowMapping) -> ContributionRead:
    return ContributionRead(
        customer_id=row["customer_id"],
        number=row["number"],
        name=row["name"],
        tier=row["tier"],
        region_class=row["region_class"],
        industry=row["industry"],
        dealer_id=row["dealer_id"],
        revenue=money(row["revenue"]),
        gross_margin=money(row["gross_margin"]),
        cost_to_serve=money(row["cost_to_serve"]),
        net_contribution=money(row["net_contribution"]),
        margin_rate=ratio(row["gross_margin"], row["revenue"]),
    )


def contribution_query(
    *, period: Period, filters: Filters, sort: str, descending: bool
) -> tuple[Select[Any], list[Any], str]:
    sub = reports.contribution_select(period, filters).subquery("c")
    return (
        select(sub),
        [sub.c[sort], sub.c.customer_id],
        f"{sort}:{'desc' if descending else 'asc'}",
    )


async def contribution_page(
    *,
    uow: CustomerUnitOfWork,
    period: Period,
    filters: Filters,
    sort: str,
    descending: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[ContributionRead], str | None]:
    """One page of per-customer profit contribution, keyset-paginated on the sort key."""
    stmt, keys, tag = contribution_query(
        period=period, filters=filters, sort=sort, descending=descending
    )
    stmt = apply_keyset(stmt, keys, cursor=cursor, limit=limit, descending=descending, sort=tag)
    async with uow:
        rows = await uow.reports.rows(stmt)
    items, next_cursor = page_from_rows(
        rows, limit=limit, key=lambda r: [r[sort], r["customer_id"]], sort=tag
    )
    return [contribution_row(r) for r in items], next_cursor


def _class_row(row: Mapping[Any, Any], totals: Mapping[str, Any]) -> ClassContributionRead:
    return ClassContributionRead(
        cls=row["class"] or None,
        customers=int(row["customers"]),
        revenue=money(row["revenue"]),
        gross_margin=money(row["gross_margin"]),
        cost_to_serve=money(row["cost_to_serve"]),
        net_contribution=money(row["net_contribution"]),
        revenue_share=ratio(row["revenue"], totals["revenue"]),
        net_contribution_share=ratio(row["net_contribution"], totals["net_contribution"]),
    )


async def contribution_by_class(
    *, uow: CustomerUnitOfWork, period: Period, filters: Filters, by: str
) -> ClassContribution:
    """Revenue, margin, cost to serve and net contribution per class, with shares."""
    async with uow:
        rows = await uow.reports.rows(reports.contribution_by_class_select(period, filters, by))
    keys = ("customers", "revenue", "gross_margin", "cost_to_serve", "net_contribution")
    totals: dict[str, Any] = {k: sum((r[k] or 0 for r in rows), Decimal(0)) for k in keys}
    totals["class"] = "total"
    return ClassContribution(
        period_start=period.start,
        period_end=period.end,
        by=by,  # type: ignore[arg-type]
        items=[_class_row(r, totals) for r in rows],
        total=_class_row(totals, totals),
    )


async def pareto(
    *,
    uow: CustomerUnitOfWork,
    period: Period,
    filters: Filters,
    metric: str,
    points: int,
    top_percent: int,
) -> ParetoView:
    """Cumulative shares of revenue and net contribution held by the top k% customers
    (ranked by ``metric``), at ``points`` evenly spaced percentages."""
    totals_q, ranked, _ = reports.pareto_selects(period, filters, metric)
    async with uow:
        totals = await uow.reports.one(totals_q)
        n = int(totals["customers"])
        wanted = {k: math.ceil(n * k / points) for k in range(1, points + 1)}
        top_rank = math.ceil(n * top_percent / 100)
        ranks = sorted({*wanted.values(), top_rank} - {0})
        by_rank: dict[int, RowMapping] = {}
        if ranks:
            stmt = select(ranked).where(ranked.c.rank.in_(ranks))
            by_rank = {int(r["rank"]): r for r in await uow.reports.rows(stmt)}

    def point(percent: Decimal, rank: int) -> ParetoPoint:
        row = by_rank.get(rank)
        revenue = money(row["cum_revenue"] if row else 0)
        net = money(row["cum_net"] if row else 0)
        return ParetoPoint(
            customers_percent=percent,
            customers=rank,
            revenue=revenue,
            net_contribution=net,
            revenue_share=ratio(revenue, totals["revenue"]),
            net_contribution_share=ratio(net, totals["net_contribution"]),
        )

    curve = [
        point((Decimal(100 * k) / points).quantize(CENT), wanted[k]) for k in range(1, points + 1)
    ]
    top = point(Decimal(top_percent), top_rank) if n else None
    if top is None:
        summary = "no customer with revenue or service cost in the period"
    else:

        def pct(part: Decimal, whole: Any) -> str:
            whole = Decimal(str(whole or 0))
            if whole == 0:
                return "n/a"
            return f"{(part * 100 / whole).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"

        summary = (
            f"top {top_percent}% of customers ({top.customers} of {n}) bring "
            f"{pct(top.net_contribution, totals['net_contribution'])} of net contribution and "
            f"{pct(top.revenue, totals['revenue'])} of revenue"
        )
    return ParetoView(
        period_start=period.start,
        period_end=period.end,
        ranked_by=metric,  # type: ignore[arg-type]
        customers=n,
        total_revenue=money(totals["revenue"]),
        total_net_contribution=money(totals["net_contribution"]),
        points=curve,
        top=top,
        summary=summary,
    )


def composition_query(*, period: Period, filters: Filters) -> tuple[Select[Any], list[Any]]:
    sub = reports.composition_select(period, filters).subquery("m")
    return select(sub), [sub.c.tier, sub.c.region_class, sub.c.industry]


def composition_row(row: RowMapping) -> CompositionRead:
    return CompositionRead(
        tier=row["tier"] or None,
        region_class=row["region_class"] or None,
        industry=row["industry"] or None,
        customers=int(row["customers"]),
        customers_with_revenue=int(row["customers_with_revenue"]),
        revenue=money(row["revenue"]),
        gross_margin=money(row["gross_margin"]),
    )


async def composition_page(
    *, uow: CustomerUnitOfWork, period: Period, filters: Filters, cursor: str | None, limit: int
) -> tuple[list[CompositionRead], str | None]:
    """Customer base composition by tier x region class x industry, one page of cells."""
    stmt, keys = composition_query(period=period, filters=filters)
    stmt = apply_keyset(stmt, keys, cursor=cursor, limit=limit, sort="composition")
    async with uow:
        rows = await uow.reports.rows(stmt)
    items, next_cursor = page_from_rows(
        rows,
        limit=limit,
        key=lambda r: [r["tier"], r["region_class"], r["industry"]],
        sort="composition",
    )
    return [composition_row(r) for r in items], next_cursor


async def export_contribution(
    *, uow: CustomerUnitOfWork, period: Period, filters: Filters, sort: str, descending: bool
) -> AsyncIterator[ContributionRead]:
    """Every row of :func:`contribution_page`'s query, in its order, in one pass (CSV)."""
    stmt, keys, _ = contribution_query(
        period=period, filters=filters, sort=sort, descending=descending
    )
    stmt = stmt.order_by(*[k.desc() if descending else k.asc() for k in keys])
    async with uow:
        async for row in uow.reports.stream(stmt):
            yield contribution_row(row)


async def export_composition(
    *, uow: CustomerUnitOfWork, period: Period, filters: Filters
) -> AsyncIterator[CompositionRead]:
    """Every cell of :func:`composition_page`'s query, in its order, in one pass (CSV)."""
    stmt, keys = composition_query(period=period, filters=filters)
    async with uow:
        async for row in uow.reports.stream(stmt.order_by(*keys)):
            yield composition_row(row)


async def service_profile(
    *, uow: CustomerUnitOfWork, customer_id: str, actor: Principal, settings: AnalyticsSettings
) -> ServiceProfileRead:
    """Service history, cost to serve and satisfaction of one customer."""
    async with uow:
        repo = uow.analytics
        await uow.customers.get_visible(customer_id, actor, with_addresses=False)
        stats = await repo.stats(customer_id)
        history = await repo.recent_responses(customer_id, settings.history_limit)
        breakdown = await repo.cost_breakdown(customer_id)
    fields: dict[str, Any] = {}
    if stats is not None:
        fields = {
            k: getattr(stats, k) for k in ServiceProfileRead.model_fields if hasattr(stats, k)
        }
        fields["cost_to_serve"] = money(stats.cost_to_serve)
    fields["customer_id"] = customer_id
    return ServiceProfileRead(
        **fields,
        cost_breakdown={k: money(v) for k, v in breakdown.items()},
        satisfaction_history=[SatisfactionRead.model_validate(r) for r in history],
    )
