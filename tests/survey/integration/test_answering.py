"""From a closed ticket on the broker to a scored response on the survey topic: the
invitation, the public questionnaire, one response per token (also when two arrive at
once), refusals of bad answers and expired links, no login on exactly the public routes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update

from kefu_shared.db import utcnow
from survey.models import Invitation, Response
from tests.support import read_topic
from tests.survey.integration.conftest import ANSWERS, SurveyHarness


def token_of(invitation: dict[str, object]) -> str:
    return str(invitation["link"]).rsplit("/", 1)[1]


async def test_closed_ticket_invites_and_the_answer_is_published_with_its_scores(
    survey_svc: SurveyHarness,
) -> None:
    svc = survey_svc
    await svc.customer("C1", tier="large", region_class="local", province="浙江省", dealer_id="D1")
    invitation = await svc.close_ticket("T1", "C1", technician_id="tech-7", product_model="AC-3200")
    assert invitation["kind"] == "invitations" and invitation["status"] == "sent"
    assert invitation["technician_id"] == "tech-7" and invitation["product_line"] == "AC"
    public = f"/api/v1/public/surveys/{token_of(invitation)}"

    r = await svc.http.get(public)  # no login
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["title"]["zh"] and body["questions"][0]["id"] == "overall"
    assert "C1" not in r.text and "D1" not in r.text and "tech-7" not in r.text

    answers = {**ANSWERS, "overall": 2, "recommend": 3, "improve": "太慢了"}
    r = await svc.http.post(f"{public}/responses", json={"answers": answers})
    assert r.status_code == 201, r.text
    again = await svc.http.post(f"{public}/responses", json={"answers": ANSWERS})
    assert again.status_code == 409 and again.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert (await svc.http.get(public)).status_code == 409

    records = await read_topic(svc.bootstrap, "survey.events.v1", min_count=2)
    by_type = {v.type: v for _, v, _ in records if not isinstance(v, bytes)}
    assert "survey.invitation_sent" in by_type, [(v.type, v.data) for _, v, _ in records]
    sent = by_type["survey.invitation_sent"].data
    received = by_type["survey.response_received"].data
    assert sent["ticket_id"] == "T1" and "token" not in sent
    assert received["csat"] == 2.0 and received["nps"] == 3 and received["dissatisfied"] is True
    assert received["ticket_id"] == "T1" and received["technician_id"] == "tech-7"
    assert received["dimension_scores"]["overall"] == 2.0
    assert by_type["survey.response_received"].dealerid == "D1"

    r = await svc.http.get("/api/v1/surveys/responses", headers=svc.auth())
    [stored] = r.json()["items"]
    assert stored["reasons"] == ["detractor", "low_csat"] and stored["tier"] == "large"


async def test_two_concurrent_submissions_one_wins_the_other_409(survey_svc: SurveyHarness) -> None:
    svc = survey_svc
    await svc.customer("C2")
    invitation = await svc.close_ticket("T2", "C2")
    url = f"/api/v1/public/surveys/{token_of(invitation)}/responses"
    results = await asyncio.gather(
        *(svc.http.post(url, json={"answers": ANSWERS}) for _ in range(2))
    )
    assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
    async with svc.uow() as uow:
        count = (await uow.session.execute(select(func.count()).select_from(Response))).scalar_one()
    assert count == 1
    assert len(await svc.events("survey.response_received")) == 1


async def test_bad_answers_are_refused_naming_the_field_and_nothing_is_written(
    survey_svc: SurveyHarness,
) -> None:
    svc = survey_svc
    await svc.customer("C3")
    invitation = await svc.close_ticket("T3", "C3")
    url = f"/api/v1/public/surveys/{token_of(invitation)}/responses"
    r = await svc.http.post(url, json={"answers": {**ANSWERS, "overall": 7, "fixed": "maybe"}})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"answers.overall", "answers.fixed"} <= fields
    r = await svc.http.post(url, json={"answers": {**ANSWERS, "improve": "hidden question"}})
    assert r.status_code == 422  # "improve" is asked only when overall is 1-3
    assert (await svc.http.post(url, json={"answers": ANSWERS})).status_code == 201


async def test_expired_and_unknown_links_are_refused(survey_svc: SurveyHarness) -> None:
    svc = survey_svc
    await svc.customer("C4")
    invitation = await svc.close_ticket("T4", "C4")
    async with svc.uow() as uow:
        await uow.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        await uow.commit()
    token = token_of(invitation)
    assert (await svc.http.get(f"/api/v1/public/surveys/{token}")).status_code == 410
    r = await svc.http.post(f"/api/v1/public/surveys/{token}/responses", json={"answers": ANSWERS})
    assert r.status_code == 410
    r = await svc.http.get("/api/v1/public/surveys/" + "A" * 43)
    assert r.status_code == 404 and r.json()["detail"] == "no survey behind this link"


async def test_only_the_public_routes_answer_without_login(survey_svc: SurveyHarness) -> None:
    svc = survey_svc
    paths = svc.stack.apps["survey"].openapi()["paths"]
    checked = 0
    for path, operations in paths.items():
        if not path.startswith("/api/v1/"):
            continue
        concrete = path.replace("{token}", "x" * 43).replace("{", "").replace("}", "")
        for method in operations:
            r = await svc.http.request(method.upper(), concrete, json={})
            if path.startswith("/api/v1/public/"):
                assert r.status_code != 401, (method, path)
            else:
                assert r.status_code == 401, (method, path, r.status_code)
            checked += 1
    assert checked > 20


async def test_public_endpoints_are_rate_limited_per_client(
    survey_svc: SurveyHarness,
) -> None:
    svc = survey_svc
    limit = int(svc.settings.public.rate_limit.split("/")[0])  # type: ignore[attr-defined]
    headers = {"X-Forwarded-For": "198.51.100.7"}
    codes = [
        (
            await svc.http.get(f"/api/v1/public/surveys/{'B' * 40}{i:03d}", headers=headers)
        ).status_code
        for i in range(limit + 1)
    ]
    assert codes[:-1] == [404] * limit and codes[-1] == 429
    r = await svc.http.get(f"/api/v1/public/surveys/{'B' * 43}", headers=headers)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    other = await svc.http.get(
        f"/api/v1/public/surveys/{'B' * 43}", headers={"X-Forwarded-For": "198.51.100.8"}
    )
    assert other.status_code == 404


async def test_gateway_forwards_the_public_link_without_login_and_nothing_else(
    survey_svc: SurveyHarness,
) -> None:
    svc = survey_svc
    assert svc.gateway is not None
    await svc.customer("C5")
    invitation = await svc.close_ticket("T5", "C5")
    token = token_of(invitation)
    r = await svc.gateway.get(f"/api/v1/public/surveys/{token}")
    assert r.status_code == 200, r.text
    r = await svc.gateway.post(
        f"/api/v1/public/surveys/{token}/responses", json={"answers": ANSWERS}
    )
    assert r.status_code == 201, r.text
    assert (await svc.gateway.get("/api/v1/surveys/responses")).status_code == 401
    assert (await svc.gateway.get("/api/v1/public/customers")).status_code == 404
    ok = await svc.gateway.get("/api/v1/surveys/responses", headers=svc.auth())
    assert ok.status_code == 200 and len(ok.json()["items"]) == 1
