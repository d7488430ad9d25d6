"""Answering: the public questionnaire behind a token and the one response it accepts;
reading invitations and responses; what customer merges and erasures change here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import Conflict, NotFound
from survey.config import SurveyRules
from survey.invitation_repository import InvitationFilter
from survey.models import Invitation, Response, Skip, TemplateVersion
from survey.questions import validate_answers
from survey.response_repository import ResponseFilter
from survey.schemas import PublicSurvey
from survey.scoring import dissatisfied_reasons, score_response

if TYPE_CHECKING:
    from survey.uow import SurveyUnitOfWork

# One answer for every refused token, so a guess learns nothing but "no".
UNKNOWN = "no survey behind this link"


async def _answerable(
    uow: SurveyUnitOfWork, token: str, now: datetime
) -> tuple[Invitation, TemplateVersion]:
    invitation = await uow.invitations.by_token(token)
    if invitation is None:
        raise NotFound(UNKNOWN)
    invitation.check_answerable(now)
    version = await uow.templates.version(invitation.template_id, invitation.template_version)
    if version is None:
        raise NotFound(UNKNOWN)
    return invitation, version


async def public_survey(*, uow: SurveyUnitOfWork, token: str) -> PublicSurvey:
    """The questionnaire version the invitation answers; 404 unknown, 409 answered, 410
    expired."""
    async with uow:
        invitation, version = await _answerable(uow, token, utcnow())
        template = await uow.templates.by_key(invitation.template_key)
        assert template is not None
        return PublicSurvey(
            title={"zh": template.name_zh, "en": template.name_en},  # type: ignore[arg-type]
            questions=version.parsed(),
            expires_at=invitation.expires_at,
        )


async def submit_response(
    *,
    uow: SurveyUnitOfWork,
    token: str,
    answers: dict[str, Any],
    rules: SurveyRules,
    now: datetime | None = None,
) -> Response:
    """Validate the answers against the version's questions, score them and keep the one
    response of the invitation. Of two concurrent submissions one claims the invitation;
    the other finds it claimed (409) and writes nothing."""
    now = now or utcnow()
    async with uow:
        invitation, version = await _answerable(uow, token, now)
        questions = version.parsed()
        kept = validate_answers(questions, answers)
        scores = score_response(questions, kept)
        reasons = dissatisfied_reasons(scores, rules)
        if not await uow.invitations.claim(invitation.id, now):
            raise Conflict("this survey has already been answered")
        customer = await uow.customers.get(invitation.customer_id)
        response = Response.submit(
            invitation, answers=kept, scores=scores, reasons=reasons, customer=customer, at=now
        )
        uow.responses.add(response)
        await uow.commit()
    return response


async def list_invitations(
    *,
    uow: SurveyUnitOfWork,
    actor: Principal,
    filters: InvitationFilter,
    cursor: str | None,
    limit: int,
) -> tuple[list[Invitation], str | None]:
    async with uow:
        return await uow.invitations.page(filters, actor, cursor=cursor, limit=limit)


async def get_invitation(
    *, uow: SurveyUnitOfWork, invitation_id: str, actor: Principal
) -> Invitation:
    async with uow:
        return await uow.invitations.get_visible(invitation_id, actor)


async def list_skips(
    *,
    uow: SurveyUnitOfWork,
    actor: Principal,
    campaign_id: str | None,
    customer_id: str | None,
    reason: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Skip], str | None]:
    async with uow:
        return await uow.invitations.skips_page(
            actor=actor,
            campaign_id=campaign_id,
            customer_id=customer_id,
            reason=reason,
            cursor=cursor,
            limit=limit,
        )


async def list_responses(
    *,
    uow: SurveyUnitOfWork,
    actor: Principal,
    filters: ResponseFilter,
    cursor: str | None,
    limit: int,
) -> tuple[list[Response], str | None]:
    async with uow:
        return await uow.responses.page(filters, actor, cursor=cursor, limit=limit)


async def get_response(*, uow: SurveyUnitOfWork, response_id: str, actor: Principal) -> Response:
    async with uow:
        return await uow.responses.get_visible(response_id, actor)


async def follow_merge(*, uow: SurveyUnitOfWork, merged_ids: list[str], surviving_id: str) -> None:
    """Customers merged into one: their invitations, responses and service contacts are
    the surviving customer's, and so is the latest survey for the fatigue rule."""
    await uow.invitations.merge_recipients(merged_ids, surviving_id)
    await uow.invitations.reassign(merged_ids, surviving_id)
    await uow.invitations.reassign_contacts(merged_ids, surviving_id)
    await uow.responses.reassign(merged_ids, surviving_id)


async def follow_erasure(*, uow: SurveyUnitOfWork, customer_id: str) -> None:
    """A customer's personal data erased: open links stop working and free-text answers
    (which may hold names, phones, addresses) are removed; scores stay for statistics."""
    await uow.invitations.expire_open(customer_id)
    for response in await uow.responses.for_customer(customer_id):
        version = await uow.templates.version(response.template_id, response.template_version)
        texts = {q.id for q in version.parsed() if q.type == "text"} if version else set()
        if texts & set(response.answers):
            response.answers = {k: v for k, v in response.answers.items() if k not in texts}
