"""HTTP routes of visits (travel, arrival, report) and the follow-up call after closing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.pagination import Page
from kefu_shared.permissions import require_permission
from ticket import visits
from ticket.deps import IfMatch, UowDep
from ticket.models import Ticket, TicketVisit
from ticket.schemas import (
    FollowUpCreate,
    FollowUpRead,
    VisitArrival,
    VisitRead,
    VisitReport,
    VisitStart,
)

router = APIRouter(prefix="/api/v1", tags=["visits"])
VisitNumber = Annotated[int, Path(ge=1, le=1000)]


def _visit(response: Response, ticket: Ticket, visit: TicketVisit) -> VisitRead:
    # The ticket's new ETag: the next action on the ticket needs it.
    response.headers["ETag"] = ticket.etag
    return VisitRead.model_validate(visit)


@router.post(
    "/tickets/{ticket_id}/visits",
    status_code=status.HTTP_201_CREATED,
    response_model=VisitRead,
    dependencies=[require_permission("tickets:field_work")],
    summary="Start a visit: the technician sets off (If-Match: the ticket's ETag)",
)
async def start_visit(
    ticket_id: str,
    body: VisitStart,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> VisitRead:
    ticket, visit = await visits.start_visit(
        uow=uow,
        ticket_id=ticket_id,
        travel_started_at=body.travel_started_at,
        actor=principal,
        if_match=if_match,
    )
    response.headers["Location"] = f"/api/v1/tickets/{ticket_id}/visits/{visit.number}"
    return _visit(response, ticket, visit)


@router.get(
    "/tickets/{ticket_id}/visits",
    response_model=Page[VisitRead],
    dependencies=[require_permission("tickets:read")],
    summary="A ticket's visits (at most a few; one page)",
)
async def list_visits(ticket_id: str, uow: UowDep, principal: CurrentPrincipal) -> Page[VisitRead]:
    rows = await visits.list_visits(uow=uow, ticket_id=ticket_id, actor=principal)
    return Page[VisitRead](
        items=[VisitRead.model_validate(v) for v in rows], next_cursor=None, limit=100
    )


@router.post(
    "/tickets/{ticket_id}/visits/{number}/arrival",
    response_model=VisitRead,
    dependencies=[require_permission("tickets:field_work")],
    summary="The technician arrived on site",
)
async def arrive(
    ticket_id: str,
    number: VisitNumber,
    body: VisitArrival,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> VisitRead:
    ticket, visit = await visits.arrive(
        uow=uow,
        ticket_id=ticket_id,
        number=number,
        arrived_at=body.arrived_at,
        actor=principal,
        if_match=if_match,
    )
    return _visit(response, ticket, visit)


@router.post(
    "/tickets/{ticket_id}/visits/{number}/report",
    response_model=VisitRead,
    dependencies=[require_permission("tickets:field_work")],
    summary="Work done, parts, photos, sign-off and result (decides the ticket's next step)",
)
async def report_visit(
    ticket_id: str,
    number: VisitNumber,
    body: VisitReport,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> VisitRead:
    ticket, visit = await visits.report(
        uow=uow, ticket_id=ticket_id, number=number, data=body, actor=principal, if_match=if_match
    )
    return _visit(response, ticket, visit)


@router.post(
    "/tickets/{ticket_id}/follow-up",
    status_code=status.HTTP_201_CREATED,
    response_model=FollowUpRead,
    dependencies=[require_permission("tickets:follow_up")],
    summary="Record the follow-up call (回访) after closing",
)
async def follow_up(
    ticket_id: str, body: FollowUpCreate, uow: UowDep, principal: CurrentPrincipal
) -> FollowUpRead:
    record = await visits.follow_up(uow=uow, ticket_id=ticket_id, data=body, actor=principal)
    return FollowUpRead.model_validate(record)


@router.get(
    "/tickets/{ticket_id}/follow-up",
    response_model=FollowUpRead,
    dependencies=[require_permission("tickets:read")],
    summary="The follow-up call's record",
)
async def read_follow_up(ticket_id: str, uow: UowDep, principal: CurrentPrincipal) -> FollowUpRead:
    return FollowUpRead.model_validate(
        await visits.get_follow_up(uow=uow, ticket_id=ticket_id, actor=principal)
    )
