"""The statistics use case (客户投诉管理表): counts and rates by category, product model,
department, severity, channel, dealer, root cause and month; time to acknowledge and to
resolve in business hours (mean and p90); overdue share; repeat complaints per customer
and per product unit. A dealer's statistics cover its own complaints only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from complaint.stats.cells import ACK_HIST, COUNTERS, DIMENSIONS, RESOLVE_HIST, p90_hours
from kefu_shared.auth import Principal
from kefu_shared.errors import InvalidInput
from kefu_shared.visibility import dealer_scope

if TYPE_CHECKING:
    from complaint.uow import ComplaintUnitOfWork


class Group(BaseModel):
    dimension: str
    value: str
    received: int
    share: float | None  # of all complaints in the period
    acknowledged: int
    resolved: int
    rejected: int
    closed: int
    reopened: int
    escalated: int
    overdue: int
    overdue_share: float | None
    ack_late_rate: float | None
    resolve_late_rate: float | None
    mean_hours_to_acknowledge: float | None
    p90_hours_to_acknowledge: float | None
    mean_hours_to_resolve: float | None
    p90_hours_to_resolve: float | None


class Repeat(BaseModel):
    key: str
    complaints: int


class Repeats(BaseModel):
    repeat_customers: int
    top_customers: list[Repeat]
    repeat_units: int  # product model + serial number complained about more than once
    top_units: list[Repeat]


class StatsReport(BaseModel):
    month_from: str | None
    month_to: str | None
    dealer_id: str | None
    total: Group
    by: dict[str, list[Group]]
    repeats: Repeats


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _hours(seconds: int, n: int) -> float | None:
    return round(seconds / n / 3600, 2) if n else None


def group(dimension: str, value: str, c: dict[str, int], total: int) -> Group:
    return Group(
        dimension=dimension,
        value=value,
        received=c["received"],
        share=_rate(c["received"], total),
        acknowledged=c["acknowledged"],
        resolved=c["resolved"],
        rejected=c["rejected"],
        closed=c["closed"],
        reopened=c["reopened"],
        escalated=c["escalated"],
        overdue=c["overdue"],
        overdue_share=_rate(c["overdue"], c["received"]),
        ack_late_rate=_rate(c["ack_late"], c["acknowledged"]),
        resolve_late_rate=_rate(c["resolve_late"], c["resolved"]),
        mean_hours_to_acknowledge=_hours(c["ack_seconds"], c["acknowledged"]),
        p90_hours_to_acknowledge=p90_hours([c[h] for h in ACK_HIST]),
        mean_hours_to_resolve=_hours(c["resolve_seconds"], c["resolved"]),
        p90_hours_to_resolve=p90_hours([c[h] for h in RESOLVE_HIST]),
    )


async def complaint_stats(
    *,
    uow: ComplaintUnitOfWork,
    actor: Principal,
    month_from: str | None,
    month_to: str | None,
    dealer_id: str | None,
    dimensions: Sequence[str],
    top: int,
) -> StatsReport:
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise InvalidInput(
            f"unknown dimensions {', '.join(unknown)}",
            errors=[{"field": "by", "message": f"one of {', '.join(DIMENSIONS)}"}],
        )
    dealer = dealer_scope(actor, dealer_id)
    async with uow:
        by_month = await uow.stats.by_dimension(
            "month", month_from=month_from, month_to=month_to, dealer=dealer
        )
        total_counters = dict.fromkeys(COUNTERS, 0)
        for counters in by_month.values():
            for n in COUNTERS:
                total_counters[n] += counters[n]
        total = total_counters["received"]
        by: dict[str, list[Group]] = {}
        for dimension in dimensions:
            rows = (
                by_month
                if dimension == "month"
                else await uow.stats.by_dimension(
                    dimension, month_from=month_from, month_to=month_to, dealer=dealer
                )
            )
            groups = [group(dimension, v, c, total) for v, c in rows.items() if c["received"]]
            key: Any = (
                (lambda g: g.value) if dimension == "month" else (lambda g: (-g.received, g.value))
            )
            by[dimension] = sorted(groups, key=key)
        repeat_customers, top_customers = await uow.stats.top_repeats(
            "customer", dealer=dealer, limit=top
        )
        repeat_units, top_units = await uow.stats.top_repeats("unit", dealer=dealer, limit=top)
    return StatsReport(
        month_from=month_from,
        month_to=month_to,
        dealer_id=dealer,
        total=group("total", "", total_counters, total),
        by=by,
        repeats=Repeats(
            repeat_customers=repeat_customers,
            top_customers=[Repeat(**r) for r in top_customers],
            repeat_units=repeat_units,
            top_units=[Repeat(**r) for r in top_units],
        ),
    )


def report_rows(report: StatsReport) -> list[Group]:
    """The report as CSV rows: the total, then every group."""
    return [report.total, *(g for groups in report.by.values() for g in groups)]
