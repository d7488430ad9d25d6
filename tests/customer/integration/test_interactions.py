"""The contact log (客户接触记录) and what classification makes of it: potential and medium
customers with rising inquiries are worth cultivating (值得培养)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.customer.integration.conftest import CustomerHarness
from tests.customer.integration.test_classification import AS_OF, IN_WINDOW, run, seed

END = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)


async def _log(svc: CustomerHarness, cid: str, kind: str, days_ago: int) -> None:
    r = await svc.http.post(
        f"/api/v1/customers/{cid}/interactions",
        json={"kind": kind, "at": (END - timedelta(days=days_ago)).isoformat(), "channel": "phone"},
        headers=svc.auth("agent"),
    )
    assert r.status_code == 201, r.text


async def _pattern(svc: CustomerHarness, cid: str) -> str | None:
    r = await svc.http.get(f"/api/v1/customers/{cid}", headers=svc.auth())
    return r.json()["transaction_pattern"]  # type: ignore[no-any-return]


async def test_contacts_are_logged_listed_and_exported(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer(name="Prospect")
    for kind, days in (("inquiry", 3), ("visit", 2), ("sample_request", 1)):
        await _log(customer_svc, c["id"], kind, days)
    h = customer_svc.auth()
    url = f"/api/v1/customers/{c['id']}/interactions"
    r = await customer_svc.http.get(url, params={"limit": 2}, headers=h)
    assert [i["kind"] for i in r.json()["items"]] == ["sample_request", "visit"]
    r = await customer_svc.http.get(
        url, params={"limit": 2, "cursor": r.json()["next_cursor"]}, headers=h
    )
    assert [i["kind"] for i in r.json()["items"]] == ["inquiry"]
    r = await customer_svc.http.get(url, params={"kind": "inquiry"}, headers=h)
    assert [i["kind"] for i in r.json()["items"]] == ["inquiry"]
    r = await customer_svc.http.get(url, params={"format": "csv"}, headers=h)
    assert len(r.text.lstrip("\ufeff").splitlines()) == 4
    bad = await customer_svc.http.post(
        url, json={"kind": "gossip"}, headers=customer_svc.auth("agent")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    naive = await customer_svc.http.post(
        url,
        json={"kind": "inquiry", "at": "2026-01-01T10:00:00"},
        headers=customer_svc.auth("agent"),
    )
    assert naive.status_code == 422
    other_dealer = await customer_svc.http.get(
        url, headers=customer_svc.auth("dealer", dealer_id="d-x")
    )
    assert other_dealer.status_code == 404


async def test_rising_inquiries_make_potential_and_medium_customers_worth_cultivating(
    customer_svc: CustomerHarness,
) -> None:
    svc = customer_svc
    # 20 buyers: boundaries ceil(0.2)=1 super, ceil(1)=1 (no large), ceil(4)=4 → ranks 2-4 medium
    buyers = {f"b{i:02d}": [(IN_WINDOW, 1000 - i)] for i in range(20)}
    ids = await seed(svc, {**buyers, "rising": [], "flat": [], "few": []})
    medium = ids["b02"]  # rank 3 of 20
    for days in (5, 10, 20):  # three inquiries in the last 90 days, none before
        await _log(svc, ids["rising"], "inquiry", days)
        await _log(svc, medium, "quotation", days)
    for days in (10, 100):  # one now, one in the 90 days before: not rising
        await _log(svc, ids["flat"], "inquiry", days)
    await _log(svc, ids["few"], "inquiry", 3)  # rising, but below the minimum of 2
    await _log(svc, ids["few"], "visit", 4)  # a visit is not an inquiry
    result = await run(svc)
    assert result["thresholds"]["cultivate_inquiry_days"] == 90

    async def tier(cid: str) -> str:
        r = await svc.http.get(f"/api/v1/customers/{cid}", headers=svc.auth())
        return r.json()["tier"]  # type: ignore[no-any-return]

    assert await tier(medium) == "medium"
    assert await _pattern(svc, ids["rising"]) == "worth_cultivating"
    assert await _pattern(svc, medium) == "worth_cultivating"
    assert await _pattern(svc, ids["flat"]) is None
    assert await _pattern(svc, ids["few"]) is None
    assert await tier(ids["rising"]) == "potential"
