"""HTTP routes of the complaint list (filters on every field, free text, a handler's own
queue with ``?assignee=me``, cursor pages, CSV export) and the statistics."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from complaint import service
from complaint.deps import UowDep
from complaint.repository import SORTS, ComplaintFilter
from complaint.schemas import Category, ComplaintRow, Remedy, Severity
from complaint.stats.cells import DIMENSIONS
from complaint.stats.service import Group, StatsReport, complaint_stats, report_rows
from complaint.workflow import STATES
from kefu_shared.auth import CurrentPrincipal, Principal
from kefu_shared.http.listing import ListRequestDep, document_or_csv
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import require_permission

router = APIRouter(prefix="/api/v1", tags=["complaints"])

SortKey = Literal[tuple(SORTS)]  # type: ignore[valid-type]
State = Literal[STATES]  # type: ignore[valid-type]
ChannelQ = Literal[
    "phone", "email", "web", "dealer_api", "on_site", "social_media", "letter", "survey"
]
Dimension = Literal[DIMENSIONS]  # type: ignore[valid-type]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


async def complaint_filter(
    principal: CurrentPrincipal,
    q: Annotated[
        str | None,
        Query(max_length=100, description="number, description, model, serial or root cause"),
    ] = None,
    status_: Annotated[list[State], Query(alias="status")] = [],  # noqa: B006
    channel: Annotated[list[ChannelQ], Query()] = [],  # noqa: B006
    category: Annotated[list[Category], Query()] = [],  # noqa: B006
    severity: Annotated[list[Severity], Query()] = [],  # noqa: B006
    department: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
    root_cause_code: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
    remedy: Annotated[list[Remedy], Query()] = [],  # noqa: B006
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    dealer_id: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[
        str | None, Query(max_length=100, description="a handler or co-handler; 'me' for yours")
    ] = None,
    product_model: Annotated[str | None, Query(max_length=64)] = None,
    serial_number: Annotated[str | None, Query(max_length=64)] = None,
    key_account: bool | None = None,
    overdue: bool | None = None,
    escalation_level_min: Annotated[int | None, Query(ge=0, le=3)] = None,
    ticket_id: Annotated[str | None, Query(max_length=36)] = None,
    parent_id: Annotated[str | None, Query(max_length=36)] = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    purchase_from: date | None = None,
    purchase_to: date | None = None,
) -> ComplaintFilter:
    return ComplaintFilter(
        q=q or None,
        status=list(status_),
        channel=list(channel),
        category=list(category),
        severity=list(severity),
        department=list(department),
        root_cause_code=list(root_cause_code),
        remedy=list(remedy),
        customer_id=customer_id,
        dealer_id=dealer_id,
        handler_id=principal.user_id if assignee == "me" else assignee,
        product_model=product_model,
        serial_number=serial_number,
        key_account=key_account,
        overdue=overdue,
        escalation_level_min=escalation_level_min,
        ticket_id=ticket_id,
        parent_id=parent_id,
        received_from=received_from,
        received_to=received_to,
        purchase_from=purchase_from,
        purchase_to=purchase_to,
    )


FilterDep = Annotated[ComplaintFilter, Depends(complaint_filter)]


@router.get(
    "/complaints",
    response_model=Page[ComplaintRow],
    dependencies=[require_permission("complaint:read")],
    summary="Complaint list: filters on every field; ?assignee=me is your queue; "
    "?format=csv exports all matches",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_complaints(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    flt: FilterDep,
    sort: SortKey = "-received_at",  # type: ignore[valid-type]
) -> Any:
    return await listing.answer(
        partial(service.list_complaints, uow=uow, flt=flt, actor=principal, sort=sort),
        read=ComplaintRow,
        filename="complaints.csv",
    )


@router.get(
    "/complaints/stats",
    response_model=StatsReport,
    dependencies=[require_permission("complaint:stats")],
    summary="Complaint statistics (客户投诉管理表); ?format=csv gives one row per group",
    responses={200: {"content": {"text/csv": {}}}},
)
async def stats(
    request: Request,
    uow: UowDep,
    principal: CurrentPrincipal,
    month_from: Month = None,
    month_to: Month = None,
    dealer_id: Annotated[str | None, Query(max_length=64)] = None,
    by: Annotated[list[Dimension], Query()] = list(DIMENSIONS),  # noqa: B006
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    format_: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
) -> Any:
    report = await complaint_stats(
        uow=uow,
        actor=principal,
        month_from=month_from,
        month_to=month_to,
        dealer_id=dealer_id,
        dimensions=list(by),
        top=top,
    )
    return document_or_csv(
        request,
        report,
        report_rows(report),
        format_=format_,
        columns=list(Group.model_fields),
        filename="complaint-stats.csv",
    )


__all__ = ["Principal", "router"]
