"""HTTP routes of survey analytics (/survey-analytics): reports over the pre-aggregated
responses, as JSON or (?format=csv) CSV; a dealer gets its own customers' figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import document_or_csv
from survey import analytics
from survey.analytics import Axis
from survey.deps import READ_RESULTS, FormatParam, UowDep
from survey.response_repository import ReportFilter

router = APIRouter(
    prefix="/api/v1/survey-analytics", tags=["survey analytics"], dependencies=[READ_RESULTS]
)

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
SCORE_COLUMNS = ["responses", "csat", "csat_mean", "nps", "promoters", "detractors", "dissatisfied"]
DIMENSION_COLUMNS = [
    "dimension",
    "ratings",
    "performance",
    "importance",
    "servqual_gap",
    "quadrant",
]


async def report_filter(
    month_from: Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM")] = None,
    month_to: Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM, inclusive")] = None,
    template_key: Annotated[str | None, Query(max_length=40)] = None,
    dealer_id: Annotated[str | None, Query(max_length=64)] = None,
) -> ReportFilter:
    return ReportFilter(
        month_from=month_from, month_to=month_to, template_key=template_key, dealer_id=dealer_id
    )


ReportDep = Annotated[ReportFilter, Depends(report_filter)]


@router.get(
    "/by/{axis}",
    summary="CSAT, NPS, responses per tier, region, province, product line, technician, dealer or month",
)
async def by_axis(
    axis: Axis,
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    report: ReportDep,
    format_: FormatParam = None,
) -> Any:
    rows = await analytics.report_by(uow=uow, axis=axis, report=report, actor=principal)
    return document_or_csv(
        request,
        {"axis": axis, "items": rows},
        rows,
        format_=format_,
        columns=[axis, *SCORE_COLUMNS],
        filename=f"survey-by-{axis}.csv",
    )


@router.get("/trend", summary="CSAT and NPS month by month")
async def trend(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    report: ReportDep,
    format_: FormatParam = None,
) -> Any:
    rows = await analytics.report_by(uow=uow, axis="month", report=report, actor=principal)
    return document_or_csv(
        request,
        {"items": rows},
        rows,
        format_=format_,
        columns=["month", *SCORE_COLUMNS],
        filename="survey-trend.csv",
    )


@router.get("/overview", summary="Totals and the quality dimensions (means, SERVQUAL gaps)")
async def overview(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    report: ReportDep,
    format_: FormatParam = None,
) -> Any:
    doc = await analytics.overview(uow=uow, report=report, actor=principal)
    return document_or_csv(
        request,
        doc,
        doc["dimensions"],
        format_=format_,
        columns=DIMENSION_COLUMNS,
        filename="survey-overview.csv",
    )


@router.get(
    "/importance-performance",
    summary="Importance (mean expectation) against performance (mean rating) per dimension",
)
async def importance_performance(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    report: ReportDep,
    format_: FormatParam = None,
) -> Any:
    rows = await analytics.importance_performance(uow=uow, report=report, actor=principal)
    return document_or_csv(
        request,
        {"items": rows},
        rows,
        format_=format_,
        columns=DIMENSION_COLUMNS,
        filename="survey-importance-performance.csv",
    )
