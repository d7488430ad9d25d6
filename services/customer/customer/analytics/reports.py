"""Set-based reporting queries: profit contribution, Pareto, composition, key accounts.

Everything is aggregated in SQL (GROUP BY, window functions); Python sees one page of
rows, one row per class, or the few ranks a Pareto curve needs -- never every customer.
Money is rounded to cents in SQL so that keyset cursors compare exactly on SQLite too.
"""

from __future__ import annotations

import calendar
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from customer.analytics.models import CustomerServiceStats, KeyAccountPlan, ServiceCost
from customer.ledger.models import Order
from customer.models import KEY_ACCOUNT_TIERS, Customer, Money

Ts = TypeVarTuple("Ts")


def is_key_account() -> ColumnElement[bool]:
    """The key-account rule: super or large customers, or designated by hand."""
    return or_(Customer.tier.in_(KEY_ACCOUNT_TIERS), Customer.key_account_manual.is_(True))


def cents(expr: Any) -> ColumnElement[Any]:
    return func.round(expr, 2, type_=Money)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class Filters:
    """Customer filters shared by the reports; ``dealer_id`` is forced for dealers."""

    tier: tuple[str, ...] = ()
    region_class: tuple[str, ...] = ()
    area_class: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    dealer_id: str | None = None

    def apply(self, stmt: Select[*Ts]) -> Select[*Ts]:
        for column, values in (
            (Customer.tier, self.tier),
            (Customer.region_class, self.region_class),
            (Customer.area_class, self.area_class),
            (Customer.industry, self.industry),
        ):
            if values:
                stmt = stmt.where(column.in_(values))
        if self.dealer_id is not None:
            stmt = stmt.where(Customer.dealer_id == self.dealer_id)
        return stmt


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive


def contribution_select(period: Period, filters: Filters) -> Select[Any]:
    """One row per customer with revenue or service cost in the period.

    net_contribution = gross margin - cost to serve (both base currency)."""
    orders = (
        select(
            Order.customer_id.label("customer_id"),
            func.sum(Order.net_amount).label("revenue"),
            func.sum(func.coalesce(Order.net_margin, 0)).label("margin"),
        )
        .where(Order.order_date >= period.start, Order.order_date <= period.end)
        .group_by(Order.customer_id)
        .subquery("o")
    )
    costs = (
        select(
            ServiceCost.customer_id.label("customer_id"),
            func.sum(ServiceCost.amount).label("cost"),
        )
        .where(
            ServiceCost.occurred_at >= start_of(period.start),
            ServiceCost.occurred_at < start_of(period.end + timedelta(days=1)),
        )
        .group_by(ServiceCost.customer_id)
        .subquery("s")
    )
    revenue = func.coalesce(orders.c.revenue, 0)
    margin = func.coalesce(orders.c.margin, 0)
    cost = func.coalesce(costs.c.cost, 0)
    stmt = (
        select(
            Customer.id.label("customer_id"),
            Customer.number.label("number"),
            Customer.name.label("name"),
            Customer.tier.label("tier"),
            Customer.region_class.label("region_class"),
            Customer.industry.label("industry"),
            Customer.dealer_id.label("dealer_id"),
            cents(revenue).label("revenue"),
            cents(margin).label("gross_margin"),
            cents(cost).label("cost_to_serve"),
            cents(margin - cost).label("net_contribution"),
        )
        .select_from(Customer)
        .outerjoin(orders, orders.c.customer_id == Customer.id)
        .outerjoin(costs, costs.c.customer_id == Customer.id)
        .where(or_(orders.c.customer_id.is_not(None), costs.c.customer_id.is_not(None)))
    )
    return filters.apply(stmt)


CLASS_DIMENSIONS = ("tier", "region_class", "industry")


def contribution_by_class_select(period: Period, filters: Filters, by: str) -> Select[Any]:
    """Totals per class (tier, region class or industry), largest net contribution first."""
    sub = contribution_select(period, filters).subquery("c")
    label = func.coalesce(sub.c[by], "")
    return (
        select(
            label.label("class"),
            func.count().label("customers"),
            cents(func.sum(sub.c.revenue)).label("revenue"),
            cents(func.sum(sub.c.gross_margin)).label("gross_margin"),
            cents(func.sum(sub.c.cost_to_serve)).label("cost_to_serve"),
            cents(func.sum(sub.c.net_contribution)).label("net_contribution"),
        )
        .group_by(label)
        .order_by(func.sum(sub.c.net_contribution).desc(), label)
    )


def pareto_selects(
    period: Period, filters: Filters, metric: str
) -> tuple[Select[Any], Any, Select[Any]]:
    """(totals, ranked subquery, base) for the Pareto curve ranked by ``metric``."""
    sub = contribution_select(period, filters).subquery("c")
    order = (sub.c[metric].desc(), sub.c.customer_id)
    ranked = select(
        func.row_number().over(order_by=order).label("rank"),
        cents(func.sum(sub.c.revenue).over(order_by=order, rows=(None, 0))).label("cum_revenue"),
        cents(func.sum(sub.c.net_contribution).over(order_by=order, rows=(None, 0))).label(
            "cum_net"
        ),
    ).subquery("r")
    totals = select(
        func.count().label("customers"),
        cents(func.coalesce(func.sum(sub.c.revenue), 0)).label("revenue"),
        cents(func.coalesce(func.sum(sub.c.net_contribution), 0)).label("net_contribution"),
    )
    return totals, ranked, select(sub)


def composition_select(period: Period, filters: Filters) -> Select[Any]:
    """Customers and revenue per tier x region class x industry (merged ones excluded)."""
    orders = (
        select(
            Order.customer_id.label("customer_id"),
            func.sum(Order.net_amount).label("revenue"),
            func.sum(func.coalesce(Order.net_margin, 0)).label("margin"),
        )
        .where(Order.order_date >= period.start, Order.order_date <= period.end)
        .group_by(Order.customer_id)
        .subquery("o")
    )
    tier = func.coalesce(Customer.tier, "")
    region = func.coalesce(Customer.region_class, "")
    industry = func.coalesce(Customer.industry, "")
    stmt = (
        select(
            tier.label("tier"),
            region.label("region_class"),
            industry.label("industry"),
            func.count(Customer.id).label("customers"),
            func.count(orders.c.customer_id).label("customers_with_revenue"),
            cents(func.coalesce(func.sum(orders.c.revenue), 0)).label("revenue"),
            cents(func.coalesce(func.sum(orders.c.margin), 0)).label("gross_margin"),
        )
        .select_from(Customer)
        .outerjoin(orders, orders.c.customer_id == Customer.id)
        .where(Customer.merged_into.is_(None))
        .group_by(tier, region, industry)
    )
    return filters.apply(stmt)


@dataclass(frozen=True)
class Windows:
    """Trailing revenue windows ending ``as_of`` (inclusive): the key-account window and
    the watch-list window, each with the equally long window before it."""

    as_of: date
    months: int
    watch_months: int

    def bounds(self, months: int) -> tuple[date, date, date]:
        """(previous start exclusive, current start exclusive, end inclusive)."""
        return add_months(self.as_of, -2 * months), add_months(self.as_of, -months), self.as_of


def _window_sums(windows: Windows) -> Any:
    p0, c0, end = windows.bounds(windows.months)
    wp0, wc0, _ = windows.bounds(windows.watch_months)
    earliest = min(p0, wp0)

    def between(lo: date, hi: date) -> Any:
        return func.sum(
            case(
                (and_(Order.order_date > lo, Order.order_date <= hi), Order.net_amount),
                else_=0,
            )
        )

    return (
        select(
            Order.customer_id.label("customer_id"),
            between(c0, end).label("revenue"),
            between(p0, c0).label("revenue_previous"),
            between(wc0, end).label("watch_revenue"),
            between(wp0, wc0).label("watch_revenue_previous"),
        )
        .where(Order.order_date > earliest, Order.order_date <= end)
        .group_by(Order.customer_id)
        .subquery("w")
    )


def total_revenue_select(windows: Windows) -> Select[Any]:
    _, c0, end = windows.bounds(windows.months)
    return select(cents(func.coalesce(func.sum(Order.net_amount), 0))).where(
        Order.order_date > c0, Order.order_date <= end
    )


def key_accounts_select(
    windows: Windows, filters: Filters, *, manager: str | None = None
) -> Select[*tuple[Any, ...]]:
    """Key accounts with plan, revenue windows and satisfaction (one row per account)."""
    w = _window_sums(windows)
    stmt = (
        select(
            Customer.id.label("customer_id"),
            Customer.number.label("number"),
            Customer.name.label("name"),
            Customer.tier.label("tier"),
            Customer.key_account_manual.label("manual"),
            Customer.region_class.label("region_class"),
            Customer.industry.label("industry"),
            Customer.dealer_id.label("dealer_id"),
            KeyAccountPlan.manager.label("manager"),
            KeyAccountPlan.service_plan.label("service_plan"),
            cents(func.coalesce(w.c.revenue, 0)).label("revenue"),
            cents(func.coalesce(w.c.revenue_previous, 0)).label("revenue_previous"),
            cents(func.coalesce(w.c.watch_revenue, 0)).label("watch_revenue"),
            cents(func.coalesce(w.c.watch_revenue_previous, 0)).label("watch_revenue_previous"),
            CustomerServiceStats.latest_csat.label("latest_csat"),
            CustomerServiceStats.latest_nps.label("latest_nps"),
            CustomerServiceStats.satisfaction_trend.label("satisfaction_trend"),
            func.coalesce(CustomerServiceStats.complaints_open, literal(0)).label(
                "complaints_open"
            ),
            func.coalesce(CustomerServiceStats.sla_breaches, literal(0)).label("sla_breaches"),
        )
        .select_from(Customer)
        .outerjoin(w, w.c.customer_id == Customer.id)
        .outerjoin(KeyAccountPlan, KeyAccountPlan.customer_id == Customer.id)
        .outerjoin(CustomerServiceStats, CustomerServiceStats.customer_id == Customer.id)
        .where(is_key_account(), Customer.merged_into.is_(None))
    )
    if manager is not None:
        stmt = stmt.where(KeyAccountPlan.manager == manager)
    return filters.apply(stmt)


def watch_condition(sub: Any, *, drop: Any, min_csat: float) -> ColumnElement[bool]:
    """Revenue fell by ``drop`` (a fraction) or more, or satisfaction fell or is low."""
    prev, cur = sub.c.watch_revenue_previous, sub.c.watch_revenue
    return or_(
        and_(prev > 0, prev - cur >= prev * drop),
        sub.c.satisfaction_trend == "falling",
        sub.c.latest_csat < min_csat,
    )


class ReportsRepository:
    """Runs the report statements above in the unit of work's session (``uow.reports``)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows(self, stmt: Select[Any]) -> Sequence[RowMapping]:
        rows: Sequence[RowMapping] = (await self.session.execute(stmt)).mappings().all()
        return rows

    async def one(self, stmt: Select[Any]) -> RowMapping:
        row: RowMapping = (await self.session.execute(stmt)).mappings().one()
        return row

    async def scalar(self, stmt: Select[Any]) -> Any:
        return (await self.session.execute(stmt)).scalar_one()

    async def stream(self, stmt: Select[Any], *, chunk: int = 500) -> AsyncIterator[RowMapping]:
        """Rows fetched in chunks (a server-side cursor on PostgreSQL): exports."""
        result = await self.session.stream(stmt.execution_options(yield_per=chunk))
        async for part in result.mappings().partitions(chunk):
            for row in part:
                yield row
