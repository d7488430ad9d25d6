"""HTTP routes of campaigns (/survey-campaigns)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.http.listing import ListRequestDep
from kefu_shared.http.pagination import Page
from survey import campaigns, responses
from survey.deps import MANAGE_SURVEYS, READ_CAMPAIGNS, IfMatch, UowDep
from survey.models import Campaign
from survey.repository import CampaignFilter
from survey.schemas import CampaignCreate, CampaignRead, CampaignResults, CampaignUpdate, SkipRead

router = APIRouter(prefix="/api/v1/survey-campaigns", tags=["survey campaigns"])


def _read(response: Response, campaign: Campaign) -> CampaignRead:
    response.headers["ETag"] = campaign.etag
    return CampaignRead.model_validate(campaign)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignRead,
    dependencies=[MANAGE_SURVEYS],
    summary="Plan a campaign: segment, sample (size or share, seed, by tier), channel, dates",
)
async def create_campaign(
    body: CampaignCreate, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> CampaignRead:
    campaign = await campaigns.create_campaign(uow=uow, data=body, actor=principal)
    response.headers["Location"] = f"/api/v1/survey-campaigns/{campaign.id}"
    return _read(response, campaign)


@router.get(
    "",
    response_model=Page[CampaignRead],
    dependencies=[READ_CAMPAIGNS],
    summary="Campaigns, newest first; ?format=csv",
    responses={200: {"content": {"text/csv": {}}}},
)
async def list_campaigns(
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    status_: Annotated[list[str], Query(alias="status")] = [],  # noqa: B006
    template_key: Annotated[str | None, Query(max_length=40)] = None,
) -> Any:
    filters = CampaignFilter(status=list(status_), template_key=template_key)
    return await listing.answer(
        partial(campaigns.list_campaigns, uow=uow, actor=principal, filters=filters),
        read=CampaignRead,
        filename="survey-campaigns.csv",
    )


@router.get(
    "/{campaign_id}",
    response_model=CampaignRead,
    dependencies=[READ_CAMPAIGNS],
    summary="A campaign and its progress",
)
async def read_campaign(
    campaign_id: str, response: Response, uow: UowDep, principal: CurrentPrincipal
) -> CampaignRead:
    campaign = await campaigns.get_campaign(uow=uow, campaign_id=campaign_id, actor=principal)
    return _read(response, campaign)


@router.patch(
    "/{campaign_id}",
    response_model=CampaignRead,
    dependencies=[MANAGE_SURVEYS],
    summary="Change a draft campaign (If-Match)",
)
async def update_campaign(
    campaign_id: str,
    body: CampaignUpdate,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> CampaignRead:
    campaign = await campaigns.update_campaign(
        uow=uow, campaign_id=campaign_id, data=body, if_match=if_match, actor=principal
    )
    return _read(response, campaign)


@router.post(
    "/{campaign_id}/launch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CampaignRead,
    dependencies=[MANAGE_SURVEYS],
    summary="Launch (If-Match): a background job samples the segment and sends invitations",
)
async def launch_campaign(
    campaign_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> CampaignRead:
    campaign = await campaigns.launch_campaign(
        uow=uow, campaign_id=campaign_id, if_match=if_match, actor=principal
    )
    return _read(response, campaign)


@router.post(
    "/{campaign_id}/cancel",
    response_model=CampaignRead,
    dependencies=[MANAGE_SURVEYS],
    summary="Cancel a campaign (If-Match); sent links stay answerable until they expire",
)
async def cancel_campaign(
    campaign_id: str,
    response: Response,
    uow: UowDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> CampaignRead:
    campaign = await campaigns.cancel_campaign(
        uow=uow, campaign_id=campaign_id, if_match=if_match, actor=principal, reason=reason
    )
    return _read(response, campaign)


@router.get(
    "/{campaign_id}/results",
    response_model=CampaignResults,
    dependencies=[READ_CAMPAIGNS],
    summary="Response rate, CSAT and NPS of a campaign",
)
async def campaign_results(
    campaign_id: str, uow: UowDep, principal: CurrentPrincipal
) -> CampaignResults:
    return await campaigns.campaign_results(uow=uow, campaign_id=campaign_id, actor=principal)


@router.get(
    "/{campaign_id}/skips",
    response_model=Page[SkipRead],
    dependencies=[READ_CAMPAIGNS],
    summary="Customers of the sample not invited, with the reason (fatigue...)",
)
async def campaign_skips(
    campaign_id: str,
    uow: UowDep,
    listing: ListRequestDep,
    principal: CurrentPrincipal,
    reason: Annotated[str | None, Query(max_length=30)] = None,
) -> Any:
    await campaigns.get_campaign(uow=uow, campaign_id=campaign_id, actor=principal)
    return await listing.answer(
        partial(
            responses.list_skips,
            uow=uow,
            actor=principal,
            campaign_id=campaign_id,
            customer_id=None,
            reason=reason,
        ),
        read=SkipRead,
        filename="survey-campaign-skips.csv",
    )
