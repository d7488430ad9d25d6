"""HTTP routes of technicians: register and change them, list them, a technician's day,
the monthly scorecard and ranking (JSON or CSV)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import ListRequestDep, document_or_csv
from kefu_shared.permissions import require_permission
from ticket import dispatch, scorecards
from ticket.catalog import Technician
from ticket.catalog_schemas import Scorecard, TechnicianCreate, TechnicianRead, TechnicianUpdate
from ticket.deps import IfMatch, SettingsDep, UowDep
from ticket.schemas import TicketRead

router = APIRouter(prefix="/api/v1", tags=["technicians"])
Month = Annotated[
    str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (default: this month)")
]
Format = Annotated[str | None, Query(alias="format", pattern="^(json|csv)$")]


class DayList(BaseModel):
    technician_id: str
    name: str
    day: date
    capacity_per_day: int
    appointments: list[TicketRead]


class Ranking(BaseModel):
    month: str
    items: list[Scorecard]


def _read(response: Response, technician: Technician) -> TechnicianRead:
    response.headers["ETag"] = technician.etag
    return TechnicianRead.model_validate(technician)


@router.post(
    "/technicians",
    status_code=status.HTTP_201_CREATED,
    response_model=TechnicianRead,
    dependencies=[require_permission("technicians:write")],
    summary="Register a technician",
)
async def create_technician(
    body: TechnicianCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> TechnicianRead:
    technician = await dispatch.create_technician(
        uow=uow, data=body, actor=principal, settings=settings
    )
    response.headers["Location"] = f"/api/v1/technicians/{technician.id}"
    return _read(response, technician)


@router.get(
    "/technicians",
    dependencies=[require_permission("technicians:read")],
    summary="List technicians",
)
async def list_technicians(
    uow: UowDep,
    listing: ListRequestDep,
    region: str | None = None,
    skill: str | None = None,
    active: bool | None = None,
) -> Any:
    return await listing.answer(
        partial(dispatch.list_technicians, uow=uow, region=region, skill=skill, active=active),
        read=TechnicianRead,
        filename="technicians.csv",
    )


@router.get(
    "/technicians/ranking",
    dependencies=[require_permission("scorecards:read")],
    summary="The month's scorecards of every technician, most points first",
)
async def ranking(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    month: Month = None,
    format_: Format = None,
) -> Any:
    month = month or scorecards.this_month(settings)
    cards = await scorecards.ranking(uow=uow, month=month, settings=settings)
    return document_or_csv(
        request,
        Ranking(month=month, items=cards),
        [c.model_dump() for c in cards],
        format_=format_,
        columns=list(Scorecard.model_fields),
        filename=f"ranking-{month}.csv",
    )


async def _day(
    uow: UowDep, technician_id: str | None, principal: Any, day: date | None, settings: Any
) -> DayList:
    technician, the_day, tickets = await dispatch.technician_day(
        uow=uow, technician_id=technician_id, actor=principal, day=day, settings=settings
    )
    return DayList(
        technician_id=technician.id,
        name=technician.name,
        day=the_day,
        capacity_per_day=technician.capacity_per_day,
        appointments=[TicketRead.model_validate(t) for t in tickets],
    )


@router.get(
    "/technicians/me/day",
    response_model=DayList,
    dependencies=[require_permission("tickets:field_work")],
    summary="My appointments of a day (today by default)",
)
async def my_day(
    uow: UowDep, principal: CurrentPrincipal, settings: SettingsDep, day: date | None = None
) -> DayList:
    return await _day(uow, None, principal, day, settings)


@router.get(
    "/technicians/{technician_id}",
    response_model=TechnicianRead,
    dependencies=[require_permission("technicians:read")],
    summary="Read a technician",
)
async def read_technician(technician_id: str, response: Response, uow: UowDep) -> TechnicianRead:
    return _read(response, await dispatch.get_technician(uow=uow, technician_id=technician_id))


@router.patch(
    "/technicians/{technician_id}",
    response_model=TechnicianRead,
    dependencies=[require_permission("technicians:write")],
    summary="Change a technician (If-Match required)",
)
async def update_technician(
    technician_id: str,
    body: TechnicianUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> TechnicianRead:
    technician = await dispatch.update_technician(
        uow=uow, technician_id=technician_id, data=body, if_match=if_match, actor=principal
    )
    return _read(response, technician)


@router.get(
    "/technicians/{technician_id}/day",
    response_model=DayList,
    dependencies=[require_permission("technicians:read")],
    summary="A technician's appointments of a day",
)
async def technician_day(
    technician_id: str,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    day: date | None = None,
) -> DayList:
    return await _day(uow, technician_id, principal, day, settings)


@router.get(
    "/technicians/{technician_id}/scorecard",
    response_model=None,
    dependencies=[require_permission("scorecards:read")],
    summary="A technician's scorecard of a month (JSON or CSV)",
)
async def technician_scorecard(
    request: Request,
    technician_id: str,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    month: Month = None,
    format_: Format = None,
) -> Any:
    month = month or scorecards.this_month(settings)
    card = await scorecards.scorecard(
        uow=uow, technician_id=technician_id, month=month, settings=settings, actor=principal
    )
    return document_or_csv(
        request,
        card,
        [card.model_dump()],
        format_=format_,
        columns=list(Scorecard.model_fields),
        filename=f"scorecard-{technician_id}-{month}.csv",
    )
