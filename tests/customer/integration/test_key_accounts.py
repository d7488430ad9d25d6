"""Key accounts (大客户管理): super + large + manual designation, manager and service plan,
``customer.key_account_changed`` events, revenue share and growth, the watch list."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from customer.models import Customer
from tests.customer.integration.conftest import CustomerHarness
from tests.customer.integration.test_analytics import add_orders, apply

KA = "/api/v1/key-accounts"
AS_OF = {"as_of": "2026-06-30"}


async def customer(svc: CustomerHarness, name: str, tier: str, **kw: Any) -> str:
    cid = (await svc.create_customer(role="admin", name=name, **kw))["id"]
    async with svc.runtime.uow() as uow:  # what a classification run leaves behind
        await uow.session.execute(
            update(Customer)
            .where(Customer.id == cid)
            .values(tier=tier, key_account=tier in ("super", "large"))
        )
        await uow.commit()
    return cid


async def key_account_events(svc: CustomerHarness, customer_id: str) -> list[dict[str, Any]]:
    return [
        e.data for e in await svc.events("customer.key_account_changed") if e.subject == customer_id
    ]


async def test_manual_designation_manager_plan_and_events(customer_svc: CustomerHarness) -> None:
    svc = customer_svc
    sup = await customer(svc, "Super Co", "super")
    med = await customer(svc, "Medium Co", "medium")
    small = await customer(svc, "Small Co", "small")
    mgr = svc.auth("service_manager")

    r = await svc.http.get(KA, headers=mgr)
    assert r.status_code == 200, r.text
    assert [i["customer_id"] for i in r.json()["items"]] == [sup]

    r = await svc.http.put(
        f"{KA}/{med}",
        json={
            "designated": True,
            "manager": "王经理",
            "service_plan": "monthly visit",
            "reason": "strategic",
        },
        headers=mgr,
    )
    assert r.status_code == 200, r.text
    state = r.json()
    assert (state["key_account"], state["manual"], state["manager"]) == (True, True, "王经理")
    assert r.headers["ETag"] == f'"{med}.2"'
    customer_read = await svc.http.get(f"/api/v1/customers/{med}", headers=mgr)
    assert customer_read.json()["key_account"] is True
    assert customer_read.headers["ETag"] == f'"{med}.2"'
    events = await key_account_events(svc, med)
    assert len(events) == 1
    assert events[0]["key_account"] is True and events[0]["manual"] is True
    assert events[0]["manager"] == "王经理" and events[0]["reason"] == "strategic"

    # changing only the service plan changes no flag and no manager: no event, no version
    r = await svc.http.put(f"{KA}/{med}", json={"service_plan": "weekly call"}, headers=mgr)
    assert r.json()["service_plan"] == "weekly call" and r.json()["version"] == 2
    assert len(await key_account_events(svc, med)) == 1

    r = await svc.http.get(KA, params={"sort": "name"}, headers=mgr)
    listed = {i["customer_id"]: i for i in r.json()["items"]}
    assert set(listed) == {sup, med}
    assert listed[med]["manual"] is True and listed[med]["service_plan"] == "weekly call"
    assert "no_manager" in listed[sup]["risk_flags"]
    r = await svc.http.get(KA, params={"manager": "王经理"}, headers=mgr)
    assert [i["customer_id"] for i in r.json()["items"]] == [med]

    # only key accounts get a manager
    r = await svc.http.put(f"{KA}/{small}", json={"manager": "李四"}, headers=mgr)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "manager"

    # removing the designation: medium is no key account any more, super stays one
    r = await svc.http.delete(f"{KA}/{med}", headers=mgr)
    assert r.status_code == 200 and r.json()["key_account"] is False
    assert [e["key_account"] for e in await key_account_events(svc, med)] == [True, False]
    r = await svc.http.delete(f"{KA}/{sup}", headers=mgr)
    assert r.json()["key_account"] is True
    assert await key_account_events(svc, sup) == []

    for role in ("agent", "analyst"):
        r = await svc.http.put(f"{KA}/{sup}", json={"designated": True}, headers=svc.auth(role))
        assert r.status_code == 403
    r = await svc.http.put(f"{KA}/no-such-id", json={"designated": True}, headers=mgr)
    assert r.status_code == 404


async def test_revenue_share_growth_and_watch_list(customer_svc: CustomerHarness) -> None:
    svc = customer_svc
    sup = await customer(svc, "Super Co", "super")
    large = await customer(svc, "Large Co", "large")
    med = await customer(svc, "Medium Co", "medium")
    small = await customer(svc, "Small Co", "small")
    mgr = svc.auth("service_manager")
    await svc.http.put(f"{KA}/{med}", json={"designated": True}, headers=mgr)

    # watch window (as of 2026-06-30, 3 months): current Apr-Jun, previous Jan-Mar
    await add_orders(
        svc,
        sup,
        ("2025-01-15", "10000.00", "1000.00"),  # previous 12-month window
        ("2026-02-01", "10000.00", "1000.00"),
        ("2026-05-01", "7000.00", "700.00"),  # -30 %: revenue falling
    )
    await add_orders(
        svc, large, ("2026-02-01", "5000.00", "500.00"), ("2026-05-01", "4500.00", "450.00")
    )
    await add_orders(
        svc, med, ("2026-02-01", "1000.00", "100.00"), ("2026-05-01", "1000.00", "100.00")
    )
    await add_orders(
        svc, small, ("2026-02-01", "3000.00", "300.00")
    )  # falls to 0, not a key account
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    for i, csat in enumerate((5.0, 2.0)):
        await apply(
            svc,
            "survey.response_received",
            at=t0 + timedelta(days=i),
            response_id=f"L{i}",
            customer_id=large,
            csat=csat,
        )
    await apply(svc, "survey.response_received", at=t0, response_id="M0", customer_id=med, csat=4.5)

    r = await svc.http.get(KA, params=AS_OF, headers=mgr)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["customer_id"] for i in items] == [sup, large, med]  # by revenue
    s = items[0]
    assert Decimal(s["revenue"]) == Decimal("17000") and Decimal(s["revenue_previous"]) == Decimal(
        "10000"
    )
    assert Decimal(s["growth"]) == Decimal("0.7")
    # share of all revenue in the window (small customer included): 17000 / 31500
    assert Decimal(s["revenue_share"]) == Decimal("0.5397")
    assert "revenue_falling" in s["risk_flags"]

    r = await svc.http.get(f"{KA}/watch-list", params=AS_OF, headers=mgr)
    assert r.status_code == 200, r.text
    watch = r.json()["items"]
    assert [i["customer_id"] for i in watch] == [large, sup]  # by name
    assert [x["code"] for x in watch[0]["reasons"]] == ["satisfaction_falling", "low_satisfaction"]
    assert [x["code"] for x in watch[1]["reasons"]] == ["revenue_falling"]
    assert "30.0% below" in watch[1]["reasons"][0]["detail"]

    # a 6-month watch window compares Jan-Jun with Jul-Dec 2025: super grew, large had nothing
    r = await svc.http.get(f"{KA}/watch-list", params={**AS_OF, "months": 6}, headers=mgr)
    assert [i["customer_id"] for i in r.json()["items"]] == [large]

    # paginated
    r = await svc.http.get(f"{KA}/watch-list", params={**AS_OF, "limit": 1}, headers=mgr)
    page = r.json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    r = await svc.http.get(
        f"{KA}/watch-list", params={**AS_OF, "limit": 1, "cursor": page["next_cursor"]}, headers=mgr
    )
    assert [i["customer_id"] for i in r.json()["items"]] == [sup]

    # CSV: every row of the list, across pages
    r = await svc.http.get(KA, params={**AS_OF, "format": "csv", "limit": 1}, headers=mgr)
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [row["customer_id"] for row in rows] == [sup, large, med]
    assert "revenue_falling" in rows[0]["risk_flags"]
    r = await svc.http.get(f"{KA}/watch-list", params={**AS_OF, "format": "csv"}, headers=mgr)
    names = [row["name"] for row in csv.DictReader(io.StringIO(r.text.lstrip("\ufeff")))]
    assert names == ["Large Co", "Super Co"]


async def test_dealers_see_only_their_key_accounts(customer_svc: CustomerHarness) -> None:
    svc = customer_svc
    mine = await customer(svc, "Mine", "large", dealer_id="D1")
    other = await customer(svc, "Other", "large", dealer_id="D2")
    await add_orders(
        svc, other, ("2026-02-01", "9000.00", "900.00"), ("2026-05-01", "10.00", "1.00")
    )
    dealer = svc.auth("dealer", dealer_id="D1")
    r = await svc.http.get(KA, params={**AS_OF, "dealer_id": "D2"}, headers=dealer)
    assert [i["customer_id"] for i in r.json()["items"]] == [mine]
    r = await svc.http.get(f"{KA}/watch-list", params=AS_OF, headers=dealer)
    assert r.json()["items"] == []
    r = await svc.http.get(f"{KA}/watch-list", params=AS_OF, headers=svc.auth("service_manager"))
    assert [i["customer_id"] for i in r.json()["items"]] == [other]
    r = await svc.http.put(f"{KA}/{mine}", json={"manager": "x"}, headers=dealer)
    assert r.status_code == 403
