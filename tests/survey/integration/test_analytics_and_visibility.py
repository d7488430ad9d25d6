"""Analytics over the rollups (by tier, technician, month; importance-performance; CSV),
dealer scoping of results, and customer merges and erasures followed."""

from __future__ import annotations

from kefu_shared.contracts.customer import CustomerErased, CustomerMerged
from tests.support import eventually
from tests.survey.integration.conftest import ANSWERS, SurveyHarness


async def answer(svc: SurveyHarness, ticket: str, customer: str, **answers: object) -> None:
    invitation = await svc.close_ticket(ticket, customer, technician_id=f"tech-{customer[-1]}")
    token = invitation["link"].rsplit("/", 1)[1]
    r = await svc.http.post(
        f"/api/v1/public/surveys/{token}/responses", json={"answers": {**ANSWERS, **answers}}
    )
    assert r.status_code == 201, r.text


async def test_reports_by_tier_and_technician_and_the_dealer_sees_its_own(
    survey_svc: SurveyHarness,
) -> None:
    svc = survey_svc
    await svc.customer("A1", tier="large", dealer_id="D1", region_class="local")
    await svc.customer("A2", tier="large", dealer_id="D2", region_class="out_of_town")
    await svc.customer("B3", tier="medium", dealer_id="D1", region_class="local")
    await answer(svc, "T1", "A1", overall=5, recommend=10)
    await answer(svc, "T2", "A2", overall=2, recommend=4, improve="slow")
    await answer(svc, "T3", "B3", overall=4, recommend=8)
    assert await svc.roll_up() == 3
    assert await svc.roll_up() == 0  # counted once

    h = svc.auth("analyst")
    by_tier = (await svc.http.get("/api/v1/survey-analytics/by/tier", headers=h)).json()["items"]
    large = next(r for r in by_tier if r["tier"] == "large")
    assert large["responses"] == 2 and large["csat"] == 50.0 and large["nps"] == 0.0
    medium = next(r for r in by_tier if r["tier"] == "medium")
    assert medium["csat"] == 100.0 and medium["nps"] == 0.0  # one passive
    techs = (await svc.http.get("/api/v1/survey-analytics/by/technician", headers=h)).json()[
        "items"
    ]
    assert {t["technician"]: t["responses"] for t in techs} == {
        "tech-1": 1,
        "tech-2": 1,
        "tech-3": 1,
    }
    trend = (await svc.http.get("/api/v1/survey-analytics/trend", headers=h)).json()["items"]
    assert len(trend) == 1 and trend[0]["responses"] == 3 and trend[0]["dissatisfied"] == 1
    csv = await svc.http.get(
        "/api/v1/survey-analytics/by/region", params={"format": "csv"}, headers=h
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").splitlines()[0].startswith("region,responses,csat")
    ip = (await svc.http.get("/api/v1/survey-analytics/importance-performance", headers=h)).json()[
        "items"
    ]
    assert {r["dimension"] for r in ip} >= {"overall", "responsiveness", "assurance", "empathy"}
    overview = (await svc.http.get("/api/v1/survey-analytics/overview", headers=h)).json()
    assert overview["totals"]["responses"] == 3

    d1 = svc.auth("dealer", dealer_id="D1")
    mine = (
        await svc.http.get(
            "/api/v1/survey-analytics/by/dealer", params={"dealer_id": "D2"}, headers=d1
        )
    ).json()
    assert [r["dealer"] for r in mine["items"]] == ["D1"] and mine["items"][0]["responses"] == 2
    listed = (await svc.http.get("/api/v1/surveys/responses", headers=d1)).json()["items"]
    assert {r["customer_id"] for r in listed} == {"A1", "B3"}
    other = (await svc.http.get("/api/v1/surveys/responses", headers=h)).json()["items"]
    a2 = next(r for r in other if r["customer_id"] == "A2")
    assert (
        await svc.http.get(f"/api/v1/surveys/responses/{a2['id']}", headers=d1)
    ).status_code == 404
    assert (
        await svc.http.get(f"/api/v1/surveys/invitations/{a2['invitation_id']}", headers=d1)
    ).status_code == 404
    assert (await svc.http.get("/api/v1/survey-campaigns", headers=d1)).status_code == 403


async def test_merged_and_erased_customers_are_followed(survey_svc: SurveyHarness) -> None:
    svc = survey_svc
    await svc.customer("M1")
    await svc.customer("M2")
    await answer(svc, "T1", "M2", overall=1, recommend=0, improve="call me on 13800000000")
    await svc.publish(CustomerMerged(surviving_id="M1", merged_ids=["M2"]), subject="M1")

    async def moved() -> bool:
        r = await svc.http.get(
            "/api/v1/surveys/responses", params={"customer_id": "M1"}, headers=svc.auth()
        )
        return len(r.json()["items"]) == 1

    await eventually(moved, timeout=30)
    # the merged customer's survey counts for the survivor's fatigue window
    skipped = await svc.close_ticket("T2", "M1")
    assert skipped["kind"] == "skips" and skipped["reason"] == "fatigue"

    await svc.publish(CustomerErased(id="M1"), subject="M1")

    async def erased() -> bool:
        r = await svc.http.get(
            "/api/v1/surveys/responses", params={"customer_id": "M1"}, headers=svc.auth()
        )
        [row] = r.json()["items"]
        return "improve" not in row["answers"] and row["csat"] == 1.0

    await eventually(erased, timeout=30)
