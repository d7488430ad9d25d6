"""Use cases of campaigns: plan (draft), launch (a background job samples the segment and
sends the invitations), read progress and results, cancel; the sweep that reminds
non-responders and closes campaigns that ended."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kefu_shared.audit import AuditEntry
from kefu_shared.auth import Principal
from kefu_shared.db import new_uuid, utcnow
from kefu_shared.errors import Conflict, InvalidInput
from kefu_shared.http.etag import check_if_match
from kefu_shared.jobs import Job
from survey.config import SurveyRules
from survey.invitations import Occasion, decide
from survey.models import Campaign
from survey.repository import CampaignFilter, Segment
from survey.sampling import Sampler
from survey.schemas import CampaignCreate, CampaignResults, CampaignUpdate, SegmentSpec
from survey.scoring import csat_percent, nps_score, response_rate
from survey.templates import published_version

if TYPE_CHECKING:
    from survey.uow import SurveyUnitOfWork

SEND_JOB = "survey.campaign.send"


def segment_of(spec: dict[str, Any]) -> Segment:
    parsed = SegmentSpec.model_validate(spec)
    return Segment(**parsed.model_dump())


def _sample_json(data: CampaignCreate | CampaignUpdate) -> dict[str, Any]:
    assert data.sample is not None
    sample = data.sample.model_dump()
    if sample["seed"] is None:
        sample["seed"] = secrets.randbelow(2**31)  # stored: the sample can be drawn again
    return sample


async def create_campaign(
    *, uow: SurveyUnitOfWork, data: CampaignCreate, actor: Principal
) -> Campaign:
    async with uow:
        template = await uow.templates.by_key(data.template_key)
        if template is None:
            raise InvalidInput(
                f"no survey template {data.template_key}",
                errors=[{"field": "template_key", "message": "unknown"}],
            )
        now = utcnow()
        campaign = Campaign(
            id=new_uuid(),
            name=data.name,
            template_id=template.id,
            template_key=template.key,
            segment=data.segment.model_dump(mode="json"),
            sample=_sample_json(data),
            channel=data.channel,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            reminders=data.reminders,
            status="draft",
            targeted=0,
            sampled=0,
            invited=0,
            skipped=0,
            created_by=actor.user_id,
            version=1,
            created_at=now,
            updated_at=now,
        )
        uow.campaigns.add(campaign)
        uow.audit(
            AuditEntry(
                aggregate_type="survey_campaign",
                aggregate_id=campaign.id,
                action="created",
                actor=actor.user_id,
                fields=["segment", "sample"],
            )
        )
        await uow.commit()
    return campaign


async def update_campaign(
    *,
    uow: SurveyUnitOfWork,
    campaign_id: str,
    data: CampaignUpdate,
    if_match: str | None,
    actor: Principal,
) -> Campaign:
    """Change a campaign that has not been launched."""
    async with uow:
        campaign = await uow.campaigns.get_visible(campaign_id, actor)
        check_if_match(if_match, campaign.etag)
        if campaign.status != "draft":
            raise Conflict(f"campaign is {campaign.status}; only a draft changes")
        changes = data.model_dump(exclude_unset=True)
        if data.segment is not None:
            campaign.segment = data.segment.model_dump(mode="json")
        if data.sample is not None:
            campaign.sample = _sample_json(data)
        for name in ("name", "channel", "starts_at", "ends_at", "reminders"):
            if changes.get(name) is not None:
                setattr(campaign, name, changes[name])
        if campaign.ends_at <= campaign.starts_at:
            raise InvalidInput(
                "ends_at must be after starts_at",
                errors=[{"field": "ends_at", "message": "after starts_at"}],
            )
        campaign.touch()
        await uow.commit()
    return campaign


async def launch_campaign(
    *, uow: SurveyUnitOfWork, campaign_id: str, if_match: str | None, actor: Principal
) -> Campaign:
    """Pin the published questionnaire version and queue the sending job (it exists only
    if this commits; the job is safe to run again)."""
    async with uow:
        campaign = await uow.campaigns.get_visible(campaign_id, actor, for_update=True)
        check_if_match(if_match, campaign.etag)
        if campaign.status != "draft":
            raise Conflict(f"campaign is {campaign.status}; only a draft is launched")
        found = await published_version(uow, campaign.template_key)
        if found is None:
            raise Conflict(f"survey template {campaign.template_key} has no published version")
        campaign.template_version = found[1].number
        campaign.status = "sending"
        campaign.job_id = await uow.enqueue(kind=SEND_JOB, payload={"campaign_id": campaign.id})
        campaign.touch()
        uow.audit(
            AuditEntry(
                aggregate_type="survey_campaign",
                aggregate_id=campaign.id,
                action="launched",
                actor=actor.user_id,
                changes={"status": {"from": "draft", "to": "sending"}},
            )
        )
        await uow.commit()
    return campaign


async def cancel_campaign(
    *,
    uow: SurveyUnitOfWork,
    campaign_id: str,
    if_match: str | None,
    actor: Principal,
    reason: str | None,
) -> Campaign:
    async with uow:
        campaign = await uow.campaigns.get_visible(campaign_id, actor, for_update=True)
        check_if_match(if_match, campaign.etag)
        if campaign.status in ("closed", "cancelled"):
            raise Conflict(f"campaign is {campaign.status}")
        before = campaign.status
        campaign.status = "cancelled"
        campaign.touch()
        uow.audit(
            AuditEntry(
                aggregate_type="survey_campaign",
                aggregate_id=campaign.id,
                action="cancelled",
                actor=actor.user_id,
                reason=reason,
                changes={"status": {"from": before, "to": "cancelled"}},
            )
        )
        await uow.commit()
    return campaign


async def get_campaign(*, uow: SurveyUnitOfWork, campaign_id: str, actor: Principal) -> Campaign:
    async with uow:
        return await uow.campaigns.get_visible(campaign_id, actor)


async def list_campaigns(
    *,
    uow: SurveyUnitOfWork,
    actor: Principal,
    filters: CampaignFilter,
    cursor: str | None,
    limit: int,
) -> tuple[list[Campaign], str | None]:
    async with uow:
        return await uow.campaigns.page(filters, actor, cursor=cursor, limit=limit)


async def campaign_results(
    *, uow: SurveyUnitOfWork, campaign_id: str, actor: Principal
) -> CampaignResults:
    """Response rate and scores of a campaign (responses / invitations sent)."""
    async with uow:
        campaign = await uow.campaigns.get_visible(campaign_id, actor)
        progress = await uow.invitations.campaign_progress(campaign.id)
        tally = await uow.responses.campaign_tally(campaign.id)
    invited = sum(progress.values())
    responded = progress.get("responded", 0)
    return CampaignResults(
        campaign_id=campaign.id,
        invited=invited,
        responded=responded,
        expired=progress.get("expired", 0),
        skipped=campaign.skipped,
        response_rate=response_rate(invited, responded),
        csat=csat_percent(tally),
        nps=nps_score(tally),
        responses=tally.responses,
        dissatisfied=tally.dissatisfied,
    )


async def send_campaign(
    job: Job, *, uow_factory: Callable[[], SurveyUnitOfWork], rules: SurveyRules
) -> dict[str, Any]:
    """The sending job: sample the segment (reproducibly, from the stored seed), then invite
    the sample in batches, each batch one transaction. Run again after a crash, it finds
    the customers already invited or skipped and goes on with the rest."""
    campaign_id = job.payload["campaign_id"]
    async with uow_factory() as uow:
        campaign = await uow.campaigns.get(campaign_id)
        if campaign is None or campaign.status != "sending":
            return {"skipped": "campaign is not sending"}
        segment = segment_of(campaign.segment)
        strata = await uow.customers.strata(segment)
        sample = campaign.sample
        sampler = Sampler(
            strata,
            size=sample.get("size"),
            share=sample.get("share"),
            seed=int(sample["seed"]),
            stratify_by_tier=bool(sample.get("stratify_by_tier")),
        )
        async for candidate in uow.customers.stream(segment):
            sampler.offer(candidate)
        chosen = sampler.chosen()
        targeted = sum(strata.values())
    occasion = Occasion(trigger="campaign", campaign_id=campaign_id, channel=campaign.channel)
    for start in range(0, len(chosen), rules.send_batch_size):
        batch = chosen[start : start + rules.send_batch_size]
        async with uow_factory() as uow:
            found = await published_version(uow, campaign.template_key)
            template, version = found or (None, None)
            if template is None or version is None:
                raise RuntimeError(f"template {campaign.template_key} lost its published version")
            if version.number != campaign.template_version:
                version = (
                    await uow.templates.version(template.id, campaign.template_version or 0)
                    or version
                )
            done = await uow.invitations.handled_in_campaign(campaign_id, batch)
            todo = [c for c in batch if c not in done]
            customers = await uow.customers.page_of(todo)
            recipients = await uow.invitations.recipients(todo)
            now = utcnow()
            for customer_id in todo:
                decide(
                    uow,
                    customer=customers.get(customer_id),
                    customer_id=customer_id,
                    recipient=recipients[customer_id],
                    template=template,
                    version=version,
                    occasion=occasion,
                    rules=rules,
                    now=now,
                )
            await uow.commit()
    async with uow_factory() as uow:
        campaign = await uow.campaigns.get(campaign_id)
        assert campaign is not None
        counts = await uow.invitations.campaign_counts(campaign_id)
        campaign.targeted = targeted
        campaign.sampled = len(chosen)
        campaign.invited = counts["invited"]
        campaign.skipped = counts["skipped"]
        if campaign.status == "sending":
            campaign.status = "running"
        campaign.touch()
        await uow.commit()
    return {"targeted": targeted, "sampled": len(chosen), **counts}


async def remind_and_close(
    *, uow_factory: Callable[[], SurveyUnitOfWork], rules: SurveyRules, now: datetime | None = None
) -> dict[str, int]:
    """The periodic sweep (one replica, ``kefu_shared.scheduler``): close campaigns whose
    end passed, remind non-responders of running campaigns, expire overdue invitations.
    Safe to run again: a reminder moves the invitation's last contact forward."""
    now = now or utcnow()
    reminded = closed = 0
    async with uow_factory() as uow:
        running = await uow.campaigns.running()
    for campaign_id in running:
        async with uow_factory() as uow:
            campaign = await uow.campaigns.get(campaign_id)
            if campaign is None or campaign.status != "running":
                continue
            if campaign.ends_at <= now:
                campaign.status = "closed"
                campaign.touch()
                await uow.invitations.expire_campaign(campaign_id)
                closed += 1
                await uow.commit()
                continue
            if not campaign.reminders or rules.max_reminders == 0:
                continue
            due = await uow.invitations.due_reminders(
                campaign_id,
                before=now - timedelta(days=rules.reminder_after_days),
                max_reminders=rules.max_reminders,
                limit=5000,
            )
            for invitation in due:
                invitation.remind(now)
            reminded += len(due)
            await uow.commit()
    async with uow_factory() as uow:
        expired = await uow.invitations.expire_due(now)
        await uow.commit()
    return {"reminded": reminded, "closed": closed, "expired": expired}
