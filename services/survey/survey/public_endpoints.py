"""The answer endpoints behind an invitation's token: no login (the token is the
credential), rate-limited per client address and per token, and saying nothing about any
customer. 404 for an unknown token, 409 once answered, 410 once expired."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, status

from kefu_shared.http.ratelimit import client_address
from survey import responses
from survey.deps import LimiterDep, SettingsDep, UowDep
from survey.schemas import PublicAnswers, PublicReceipt, PublicSurvey

router = APIRouter(prefix="/api/v1/public/surveys", tags=["public survey answers"])

Token = Path(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


async def _limit(request: Request, limiter: LimiterDep, settings: SettingsDep, token: str) -> None:
    public = settings.public
    client = client_address(request, trust_forwarded_for=public.trust_forwarded_for)
    await limiter.hit(public.rate_limit, "survey-public", client)
    await limiter.hit(public.token_rate_limit, "survey-token", token)


@router.get("/{token}", response_model=PublicSurvey, summary="The questionnaire to answer")
async def read_survey(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    token: str = Token,
) -> PublicSurvey:
    await _limit(request, limiter, settings, token)
    return await responses.public_survey(uow=uow, token=token)


@router.post(
    "/{token}/responses",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicReceipt,
    summary="Answer (once): every answer is checked against its question",
)
async def submit(
    body: PublicAnswers,
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    token: str = Token,
) -> PublicReceipt:
    await _limit(request, limiter, settings, token)
    response = await responses.submit_response(
        uow=uow, token=token, answers=body.answers, rules=settings.rules
    )
    return PublicReceipt(submitted_at=response.submitted_at)
