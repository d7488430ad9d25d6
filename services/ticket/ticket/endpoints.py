"""HTTP routes of tickets: open, read, list (filters, ``sla=at_risk|breached``, CSV),
change, the workflow actions and the ticket's record. Parse, call one use case, shape
the answer (with the ETag)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AwareDatetime

from kefu_shared.audit import AuditRead
from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.permissions import require_permission
from ticket import dispatch, service
from ticket.deps import ClocksDep, IfMatch, SettingsDep, UowDep
from ticket.models import Ticket
from ticket.permissions import SIMPLE_ACTIONS
from ticket.repository import TicketFilter
from ticket.schemas import (
    ActionRequest,
    ApproveRequest,
    AssignRequest,
    ScheduleRequest,
    TicketCreate,
    TicketCreated,
    TicketRead,
    TicketUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["tickets"])


def read(response: Response, ticket: Ticket) -> TicketRead:
    """The ticket as answered by every single-ticket route, with its ETag."""
    response.headers["ETag"] = ticket.etag
    return TicketRead.model_validate(ticket)


async def ticket_filter(
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    type_: Annotated[list[str] | None, Query(alias="type")] = None,
    customer_id: str | None = None,
    dealer_id: str | None = None,
    technician_id: str | None = None,
    region: str | None = None,
    region_class: str | None = None,
    serial_number: str | None = None,
    complaint_id: str | None = None,
    priority: str | None = None,
    open_: Annotated[bool | None, Query(alias="open")] = None,
    sla: Annotated[str | None, Query(pattern="^(at_risk|breached)$")] = None,
    created_from: AwareDatetime | None = None,
    created_to: AwareDatetime | None = None,
) -> TicketFilter:
    return TicketFilter(
        status=status_ or [],
        type=type_ or [],
        customer_id=customer_id,
        dealer_id=dealer_id,
        technician_id=technician_id,
        region=region,
        region_class=region_class,
        serial_number=serial_number,
        complaint_id=complaint_id,
        priority=priority,
        open=open_,
        sla=sla,
        created_from=created_from,
        created_to=created_to,
    )


@router.post(
    "/tickets",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketCreated,
    dependencies=[require_permission("tickets:open")],
    summary="Open a ticket (warranty, fee and SLA targets decided now; assigned automatically)",
)
async def open_ticket(
    body: TicketCreate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    clocks: ClocksDep,
) -> TicketCreated:
    ticket = await service.open_ticket(
        uow=uow, data=body, actor=principal, settings=settings, clocks=clocks
    )
    response.headers["Location"] = f"/api/v1/tickets/{ticket.id}"
    response.headers["ETag"] = ticket.etag
    return TicketCreated.model_validate(ticket)


@router.get(
    "/tickets",
    dependencies=[require_permission("tickets:read")],
    summary="List tickets (JSON page or CSV)",
)
async def list_tickets(
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    listing: ListRequestDep,
    flt: Annotated[TicketFilter, Depends(ticket_filter)],
) -> Any:
    return await listing.answer(
        partial(service.list_tickets, uow=uow, flt=flt, actor=principal, settings=settings),
        read=TicketRead,
        filename="tickets.csv",
    )


@router.get(
    "/dispatch-board",
    dependencies=[require_permission("tickets:dispatch")],
    summary="Open tickets by region and technician, with their SLA clocks",
)
async def dispatch_board(
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    listing: ListRequestDep,
    flt: Annotated[TicketFilter, Depends(ticket_filter)],
) -> Any:
    return await listing.answer(
        partial(
            service.list_tickets, uow=uow, flt=flt, actor=principal, settings=settings, board=True
        ),
        read=TicketRead,
        filename="dispatch-board.csv",
    )


@router.get(
    "/tickets/{ticket_id}",
    response_model=TicketRead,
    dependencies=[require_permission("tickets:read")],
    summary="Read a ticket",
)
async def read_ticket(
    ticket_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> TicketRead:
    return read(response, await service.get_ticket(uow=uow, ticket_id=ticket_id, actor=principal))


@router.patch(
    "/tickets/{ticket_id}",
    response_model=TicketRead,
    dependencies=[require_permission("tickets:write")],
    summary="Change a ticket's details (JSON merge; If-Match required)",
)
async def update_ticket(
    ticket_id: str,
    body: TicketUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> TicketRead:
    ticket = await service.update_ticket(
        uow=uow, ticket_id=ticket_id, data=body, if_match=if_match, actor=principal
    )
    return read(response, ticket)


@router.get(
    "/tickets/{ticket_id}/record",
    dependencies=[require_permission("tickets:read")],
    summary="The ticket's record: every action, who, when, why (newest first)",
)
async def ticket_record(
    ticket_id: str, uow: UowDep, principal: CurrentPrincipal, listing: ListRequestDep
) -> Any:
    return await listing.answer(
        partial(service.ticket_record, uow=uow, ticket_id=ticket_id, actor=principal),
        read=lambda r: r,
        columns=list(AuditRead.model_fields),
        filename="ticket-record.csv",
    )


@router.post(
    "/tickets/{ticket_id}/assign",
    response_model=TicketRead,
    dependencies=[require_permission("tickets:dispatch")],
    summary="Assign (automatically without technician_id) or override with a reason",
)
async def assign_ticket(
    ticket_id: str,
    body: AssignRequest,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    clocks: ClocksDep,
    if_match: IfMatch = None,
) -> TicketRead:
    ticket = await dispatch.assign(
        uow=uow,
        ticket_id=ticket_id,
        technician_id=body.technician_id,
        reason=body.reason,
        actor=principal,
        if_match=if_match,
        settings=settings,
        clocks=clocks,
    )
    return read(response, ticket)


@router.post(
    "/tickets/{ticket_id}/schedule",
    response_model=TicketRead,
    dependencies=[require_permission("tickets:dispatch")],
    summary="Agree an appointment window within the technician's calendar",
)
async def schedule_ticket(
    ticket_id: str,
    body: ScheduleRequest,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    clocks: ClocksDep,
    if_match: IfMatch = None,
) -> TicketRead:
    ticket = await dispatch.schedule(
        uow=uow,
        ticket_id=ticket_id,
        start=body.start,
        end=body.end,
        actor=principal,
        if_match=if_match,
        settings=settings,
        clocks=clocks,
    )
    return read(response, ticket)


@router.post(
    "/tickets/{ticket_id}/approve",
    response_model=TicketRead,
    dependencies=[require_permission("tickets:approve")],
    summary="Approve paid work for a customer on credit hold",
)
async def approve_ticket(
    ticket_id: str,
    body: ApproveRequest,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    clocks: ClocksDep,
    if_match: IfMatch = None,
) -> TicketRead:
    ticket = await service.approve_paid_work(
        uow=uow,
        ticket_id=ticket_id,
        actor=principal,
        if_match=if_match,
        reason=body.reason,
        settings=settings,
        clocks=clocks,
    )
    return read(response, ticket)


def _simple_action(action: str) -> Any:
    async def route(
        ticket_id: str,
        body: ActionRequest,
        response: Response,
        uow: UowDep,
        principal: CurrentPrincipal,
        settings: SettingsDep,
        clocks: ClocksDep,
        if_match: IfMatch = None,
    ) -> TicketRead:
        ticket = await service.act(
            uow=uow,
            ticket_id=ticket_id,
            action=action,
            actor=principal,
            if_match=if_match,
            settings=settings,
            clocks=clocks,
            reason=body.reason,
        )
        return read(response, ticket)

    route.__name__ = f"ticket_{action}"
    return route


for _action, (_path, _permission, _summary) in SIMPLE_ACTIONS.items():
    router.add_api_route(
        f"/tickets/{{ticket_id}}/{_path}",
        _simple_action(_action),
        methods=["POST"],
        response_model=TicketRead,
        dependencies=[require_permission(_permission)],
        summary=_summary,
    )
