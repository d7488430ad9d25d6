"""HTTP routes of what was sent and answered (/surveys/invitations, /surveys/responses,
/surveys/skips); a dealer gets its own customers' only."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.http.pagination import Page
from survey import responses
from survey.deps import READ_RESULTS, UowDep
from survey.invitation_repository import InvitationFilter
from survey.models import Invitation
from survey.response_repository import ResponseFilter
from survey.schemas import InvitationRead, ResponseRead, SkipRead

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"], dependencies=[READ_RESULTS])

PUBLIC_PATH = "/api/v1/public/surveys"


def invitation_read(invitation: Invitation) -> InvitationRead:
    data = {k: getattr(invitation, k) for k in InvitationRead.model_fields if k != "link"}
    return InvitationRead(**data, link=f"{PUBLIC_PATH}/{invitation.token}")


@router.get(
    "/invitations",
    response_model=Page[InvitationRead],
    summary="Invitations sent, newest first, with their answer links; ?format=csv",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_invitations(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    campaign_id: Annotated[str | None, Query(max_length=36)] = None,
    status: Annotated[list[str], Query()] = [],  # noqa: B006
    trigger: Annotated[str | None, Query(max_length=20)] = None,
    dealer_id: Annotated[str | None, Query(max_length=64)] = None,
    sent_from: AwareDatetime | None = None,
    sent_to: AwareDatetime | None = None,
) -> Any:
    filters = InvitationFilter(
        customer_id=customer_id,
        campaign_id=campaign_id,
        status=list(status),
        trigger=trigger,
        dealer_id=dealer_id,
        sent_from=sent_from,
        sent_to=sent_to,
    )
    return await listing.answer(
        partial(responses.list_invitations, uow=uow, actor=principal, filters=filters),
        read=invitation_read,
        columns=list(InvitationRead.model_fields),
        filename="survey-invitations.csv",
    )


@router.get("/invitations/{invitation_id}", response_model=InvitationRead, summary="An invitation")
async def read_invitation(
    invitation_id: str, uow: UowDep, principal: CurrentPrincipal
) -> InvitationRead:
    invitation = await responses.get_invitation(
        uow=uow, invitation_id=invitation_id, actor=principal
    )
    return invitation_read(invitation)


@router.get(
    "/skips",
    response_model=Page[SkipRead],
    summary="Invitations not sent and why (fatigue, unknown or inactive customer)",
)
async def list_skips(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    reason: Annotated[str | None, Query(max_length=30)] = None,
) -> Any:
    return await listing.answer(
        partial(
            responses.list_skips,
            uow=uow,
            actor=principal,
            campaign_id=None,
            customer_id=customer_id,
            reason=reason,
        ),
        read=SkipRead,
        filename="survey-skips.csv",
    )


@router.get(
    "/responses",
    response_model=Page[ResponseRead],
    summary="Responses with their scores, newest first; ?format=csv",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_responses(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    campaign_id: Annotated[str | None, Query(max_length=36)] = None,
    template_key: Annotated[str | None, Query(max_length=40)] = None,
    technician_id: Annotated[str | None, Query(max_length=64)] = None,
    dealer_id: Annotated[str | None, Query(max_length=64)] = None,
    dissatisfied: bool | None = None,
    submitted_from: AwareDatetime | None = None,
    submitted_to: AwareDatetime | None = None,
) -> Any:
    filters = ResponseFilter(
        customer_id=customer_id,
        campaign_id=campaign_id,
        template_key=template_key,
        technician_id=technician_id,
        dealer_id=dealer_id,
        dissatisfied=dissatisfied,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
    )
    return await listing.answer(
        partial(responses.list_responses, uow=uow, actor=principal, filters=filters),
        read=ResponseRead,
        filename="survey-responses.csv",
    )


@router.get("/responses/{response_id}", response_model=ResponseRead, summary="A response")
async def read_response(response_id: str, uow: UowDep, principal: CurrentPrincipal) -> ResponseRead:
    found = await responses.get_response(uow=uow, response_id=response_id, actor=principal)
    return ResponseRead.model_validate(found)
