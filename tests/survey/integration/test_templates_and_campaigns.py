"""Questionnaires over HTTP (versions, If-Match, immutability, Idempotency-Key) and
campaigns (segment, reproducible stratified sample, fatigue, reminders, response rate)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kefu_shared.db import utcnow
from kefu_shared.jobs import JobWorker
from survey import campaigns
from survey.main import job_handlers
from tests.support import eventually
from tests.survey.integration.conftest import ANSWERS, SurveyHarness

T = {"zh": "题", "en": "Q"}
QUESTIONS = [
    {"id": "overall", "type": "rating_5", "text": T, "dimension": "overall", "measure": "csat"},
    {
        "id": "why",
        "type": "text",
        "text": T,
        "required": False,
        "show_if": {"question": "overall", "values": [1, 2]},
    },
]


async def test_template_versions_are_published_once_and_never_change(
    survey_svc: SurveyHarness,
) -> None:
    svc = survey_svc
    h = svc.auth()
    body = {
        "key": "dealer_visit",
        "name_zh": "经销商回访",
        "name_en": "Dealer visit",
        "questions": QUESTIONS,
    }
    r = await svc.http.post(
        "/api/v1/survey-templates", json=body, headers={**h, "Idempotency-Key": "k1"}
    )
    assert r.status_code == 201, r.text
    replay = await svc.http.post(
        "/api/v1/survey-templates", json=body, headers={**h, "Idempotency-Key": "k1"}
    )
    assert replay.status_code == 201 and replay.json()["id"] == r.json()["id"]
    assert (
        await svc.http.post("/api/v1/survey-templates", json=body, headers=h)
    ).status_code == 409
    tid, etag = r.json()["id"], r.headers["ETag"]
    draft = f"/api/v1/survey-templates/{tid}/draft"
    changed = {
        "questions": [
            *QUESTIONS,
            {
                "id": "again",
                "type": "rating_10",
                "text": T,
                "dimension": "loyalty",
                "measure": "nps",
            },
        ]
    }
    assert (await svc.http.put(draft, json=changed, headers=h)).status_code == 428
    assert (
        await svc.http.put(draft, json=changed, headers={**h, "If-Match": '"x.1"'})
    ).status_code == 412
    r = await svc.http.put(draft, json=changed, headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    r = await svc.http.post(
        f"/api/v1/survey-templates/{tid}/publish", headers={**h, "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 200 and r.json()["published_version"] == 1
    r2 = await svc.http.put(
        draft, json={"questions": QUESTIONS}, headers={**h, "If-Match": r.headers["ETag"]}
    )
    assert r2.status_code == 409  # version 1 is published
    r = await svc.http.post(
        f"/api/v1/survey-templates/{tid}/versions", headers={**h, "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 201 and r.json()["latest_version"] == 2
    v1 = await svc.http.get(f"/api/v1/survey-templates/{tid}/versions/1", headers=h)
    assert [q["id"] for q in v1.json()["questions"]] == ["overall", "why", "again"]
    bad = {
        "questions": [
            {"id": "x", "type": "text", "text": T, "show_if": {"question": "nope", "values": ["1"]}}
        ]
    }
    r = await svc.http.put(draft, json=bad, headers={**h, "If-Match": r.headers["ETag"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "questions[0].show_if"
    listed = await svc.http.get(
        "/api/v1/survey-templates", headers=svc.auth("dealer", dealer_id="D1")
    )
    keys = {t["key"] for t in listed.json()["items"]}
    assert {
        "post_service",
        "post_complaint",
        "annual_relationship",
        "staff_performance",
        "dealer_visit",
    } <= keys
    assert (
        await svc.http.post("/api/v1/survey-templates", json=body, headers=svc.auth("agent"))
    ).status_code == 403


async def customers(svc: SurveyHarness) -> list[str]:
    ids = []
    for i in range(12):
        cid = f"K{i:02d}"
        await svc.customer(
            cid, tier="large" if i < 4 else "medium", province="江苏省", dealer_id=None
        )
        ids.append(cid)
    return ids


async def run_jobs(svc: SurveyHarness) -> None:
    worker = JobWorker(
        service="survey",
        engine=svc.runtime.engine,
        jobs=svc.runtime.tables.jobs,
        handlers=job_handlers(svc.runtime, svc.settings),  # type: ignore[arg-type]
    )
    await worker.run_until_idle()


async def launch(svc: SurveyHarness, **body: Any) -> dict[str, Any]:
    h = svc.auth()
    now = utcnow()
    body = {
        "name": "Annual",
        "template_key": "annual_relationship",
        "channel": "email",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(),
        **body,
    }
    r = await svc.http.post("/api/v1/survey-campaigns", json=body, headers=h)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = await svc.http.post(
        f"/api/v1/survey-campaigns/{cid}/launch", headers={**h, "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 202, r.text

    async def running() -> dict[str, Any] | None:
        await run_jobs(svc)
        c = (await svc.http.get(f"/api/v1/survey-campaigns/{cid}", headers=h)).json()
        return c if c["status"] == "running" else None

    return await eventually(running, timeout=30)  # type: ignore[no-any-return]


async def invited(svc: SurveyHarness, campaign_id: str) -> list[dict[str, Any]]:
    r = await svc.http.get(
        "/api/v1/surveys/invitations",
        params={"campaign_id": campaign_id, "limit": 200},
        headers=svc.auth(),
    )
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_campaign_samples_reproducibly_by_tier_and_applies_fatigue(
    survey_svc: SurveyHarness,
) -> None:
    svc = survey_svc
    await customers(svc)
    recent = await svc.close_ticket("TX", "K00")  # K00 was surveyed today
    assert recent["kind"] == "invitations"
    sample = {"size": 6, "seed": 42, "stratify_by_tier": True}
    first = await launch(svc, segment={"province": ["江苏省"]}, sample=sample)
    assert first["targeted"] == 12 and first["sampled"] == 6
    rows = await invited(svc, first["id"])
    tiers = sorted("large" if int(i["customer_id"][1:]) < 4 else "medium" for i in rows)
    skips = (
        await svc.http.get(f"/api/v1/survey-campaigns/{first['id']}/skips", headers=svc.auth())
    ).json()["items"]
    chosen = sorted([i["customer_id"] for i in rows] + [s["customer_id"] for s in skips])
    assert len(chosen) == 6
    assert sum(1 for c in chosen if int(c[1:]) < 4) == 2  # 4 of 12 are large: 2 of 6
    if "K00" in chosen:
        assert [s["reason"] for s in skips] == ["fatigue"] and first["skipped"] == 1
    assert len(tiers) == first["invited"]
    # the same seed over the same segment draws the same customers (fatigue switched off)
    svc.settings.rules.fatigue_days = 0  # type: ignore[attr-defined]
    second = await launch(svc, segment={"province": ["江苏省"]}, sample=sample)
    again = sorted(i["customer_id"] for i in await invited(svc, second["id"]))
    assert again == chosen


async def test_reminders_go_to_non_responders_and_the_response_rate_counts_answers(
    survey_svc: SurveyHarness,
) -> None:
    svc = survey_svc
    await customers(svc)
    campaign = await launch(svc, template_key="post_service", segment={"tier": ["large"]})
    rows = await invited(svc, campaign["id"])
    assert len(rows) == 4
    answered = rows[0]
    token = answered["link"].rsplit("/", 1)[1]
    r = await svc.http.post(f"/api/v1/public/surveys/{token}/responses", json={"answers": ANSWERS})
    assert r.status_code == 201
    result = await campaigns.remind_and_close(
        uow_factory=svc.uow,
        rules=svc.settings.rules,
        now=utcnow() + timedelta(days=4),  # type: ignore[attr-defined]
    )
    assert result["reminded"] == 3
    reminders = await svc.events("survey.reminder_sent")
    assert {e.data["invitation_id"] for e in reminders} == {i["id"] for i in rows[1:]}
    again = await campaigns.remind_and_close(
        uow_factory=svc.uow,
        rules=svc.settings.rules,
        now=utcnow() + timedelta(days=5),  # type: ignore[attr-defined]
    )
    assert again["reminded"] == 0  # the next reminder is due three days after the first
    results = (
        await svc.http.get(f"/api/v1/survey-campaigns/{campaign['id']}/results", headers=svc.auth())
    ).json()
    assert (
        results["invited"] == 4 and results["responded"] == 1 and results["response_rate"] == 25.0
    )
    assert results["csat"] == 100.0 and results["nps"] == 100.0
