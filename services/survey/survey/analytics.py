"""Analytics over pre-aggregated responses.

Responses are rolled up by a sweep (:func:`roll_up`, one replica through the scheduler):
each new response adds to one row per axis value (tier, region, province, product line,
technician, dealer, month) for its month, dealer and questionnaire, and to one row per
quality dimension. Reports sum those rows, so their cost follows the number of distinct
values, not the number of responses (bench/survey_analytics.py: 1,000,000 responses).
Reports are as fresh as the last sweep (``SURVEY_ANALYTICS_ROLLUP_INTERVAL_S``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from kefu_shared.auth import Principal
from survey.response_repository import ReportFilter
from survey.scoring import DimensionTally, Tally, dimension_view, scores_of

if TYPE_CHECKING:
    from survey.uow import SurveyUnitOfWork

Axis = Literal["tier", "region", "province", "product_line", "technician", "dealer", "month"]
# A response, or a row of its rollup columns (ResponseRepository.pending_rollup).
AXES: dict[str, Callable[[Any], str | None]] = {
    "tier": lambda r: r.tier,
    "region": lambda r: r.region_class,
    "province": lambda r: r.province,
    "product_line": lambda r: r.product_line,
    "technician": lambda r: r.technician_id,
    "dealer": lambda r: r.dealer_id,
    "month": lambda r: r.month,
}
NONE_KEY = "(none)"


def tallies_of(
    responses: list[Any],
) -> tuple[
    dict[tuple[str, str, str, str, str], Tally], dict[tuple[str, str, str, str], DimensionTally]
]:
    """The rollup increments of ``responses`` (pure: unit-tested against hand counts)."""
    rows: dict[tuple[str, str, str, str, str], Tally] = defaultdict(Tally)
    dims: dict[tuple[str, str, str, str], DimensionTally] = defaultdict(DimensionTally)
    for r in responses:
        dealer = r.dealer_id or ""
        for axis, value_of in AXES.items():
            key = (axis, value_of(r) or NONE_KEY, r.month, dealer, r.template_key)
            rows[key].add_response(r.csat, r.nps, r.dissatisfied)
        for dimension, score in r.dimension_scores.items():
            t = dims[(r.month, dealer, r.template_key, dimension)]
            t.rating_n += 1
            t.rating_sum += score
        for dimension, expected in (r.expectations or {}).items():
            t = dims[(r.month, dealer, r.template_key, dimension)]
            t.expectation_n += 1
            t.expectation_sum += expected
        for dimension, gap in r.servqual_gaps.items():
            t = dims[(r.month, dealer, r.template_key, dimension)]
            t.gap_n += 1
            t.gap_sum += gap
    return rows, dims


async def roll_up(*, uow_factory: Callable[[], SurveyUnitOfWork], batch_size: int) -> int:
    """Add every response not rolled up yet to the rollups, a batch per transaction (the
    batch is marked in the same transaction, so a response is counted exactly once)."""
    total = 0
    while True:
        async with uow_factory() as uow:
            batch = await uow.responses.pending_rollup(batch_size)
            if not batch:
                return total
            rows, dims = tallies_of(batch)
            await uow.responses.add_to_rollups(rows, dims)
            await uow.responses.mark_rolled_up([r.id for r in batch])
            await uow.commit()
        total += len(batch)


async def report_by(
    *, uow: SurveyUnitOfWork, axis: Axis, report: ReportFilter, actor: Principal
) -> list[dict[str, Any]]:
    """CSAT, NPS, responses and dissatisfied per value of ``axis``."""
    async with uow:
        tallies = await uow.responses.by_axis(axis, report, actor)
    return [{axis: key, **scores_of(t)} for key, t in tallies]


async def overview(
    *, uow: SurveyUnitOfWork, report: ReportFilter, actor: Principal
) -> dict[str, Any]:
    """The slice's totals and its dimensions (means, SERVQUAL gaps, importance-performance)."""
    async with uow:
        months = await uow.responses.by_axis("month", report, actor)
        dims = await uow.responses.dimensions(report, actor)
    total = Tally()
    for _, t in months:
        total += t
    return {"totals": scores_of(total), "dimensions": dimension_view(dims)}


async def importance_performance(
    *, uow: SurveyUnitOfWork, report: ReportFilter, actor: Principal
) -> list[dict[str, Any]]:
    async with uow:
        dims = await uow.responses.dimensions(report, actor)
    return dimension_view(dims)
