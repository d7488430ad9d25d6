"""Credit (客户信用分析 / 资信控制) through the API on a real database (the pure rules are in
tests/customer/unit/test_credit_rules.py): holds over the limit and past 90 days overdue and their release, the credit check,
overrides with history, If-Match concurrency, dealer isolation, customer.credit_changed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from customer.credit.config import CreditSettings
from tests.customer.integration.conftest import CustomerHarness

TODAY = date.today()
D = Decimal

# --- API --------------------------------------------------------------------------------


def url(cid: str, tail: str = "") -> str:
    return f"/api/v1/customers/{cid}/credit{tail}"


async def invoice(
    svc: CustomerHarness, cid: str, ref: str, amount: str, *, due: date | None = None, **kw: Any
) -> None:
    due = due or TODAY + timedelta(days=30)
    body = {
        "external_ref": ref,
        "amount": amount,
        "order_date": str(min(due, TODAY)),
        "due_date": str(due),
        **kw,
    }
    r = await svc.http.post(
        f"/api/v1/customers/{cid}/orders", json=body, headers=svc.auth("service")
    )
    assert r.status_code == 201, r.text


async def pay(svc: CustomerHarness, cid: str, ref: str, amount: str) -> None:
    r = await svc.http.post(
        f"/api/v1/customers/{cid}/payments",
        json={"external_ref": ref, "amount": amount, "paid_on": str(TODAY)},
        headers=svc.auth("service"),
    )
    assert r.status_code == 201, r.text


async def profile(svc: CustomerHarness, cid: str, role: str = "agent", **kw: Any) -> Any:
    r = await svc.http.get(url(cid), headers=svc.auth(role, **kw))
    assert r.status_code == 200, r.text
    return r


async def set_limit(svc: CustomerHarness, cid: str, limit: str | None, **kw: Any) -> Any:
    etag = (await profile(svc, cid)).headers["ETag"]
    r = await svc.http.patch(
        url(cid),
        json={"credit_limit": limit, "reason": "annual review", **kw},
        headers={**svc.auth("credit_manager", user="mgr"), "If-Match": etag},
    )
    assert r.status_code == 200, r.text
    return r


async def test_new_customer_has_a_computed_profile_without_writing(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer(kind="company", name="杭州泵业", size="medium")
    r = await profile(customer_svc, c["id"])
    p = r.json()
    assert p["version"] == 0 and r.headers["ETag"] == f'"credit-{c["id"]}.0"'
    assert p["credit_limit"] is None and p["payment_terms_days"] == 30
    assert p["score"] == sum(c["points"] for c in p["factors"]["criteria"])
    assert await customer_svc.events("customer.credit_changed") == []


async def test_over_limit_puts_on_hold_and_payment_releases(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer()
    await set_limit(customer_svc, c["id"], "1000.00")
    await invoice(customer_svc, c["id"], "A-1", "800.00")
    assert not (await profile(customer_svc, c["id"])).json()["on_hold"]
    await invoice(customer_svc, c["id"], "A-2", "500.00")
    p = (await profile(customer_svc, c["id"])).json()
    assert (p["on_hold"], p["hold_code"], p["outstanding"]) == (True, "over_limit", "1300.00")
    held = await customer_svc.events("customer.credit_changed")
    assert held[-1].data["on_hold"] is True and "hold" in held[-1].data["changes"]
    assert held[-1].subject == c["id"]
    await pay(customer_svc, c["id"], "PAY-1", "400.00")
    p = (await profile(customer_svc, c["id"])).json()
    assert (p["on_hold"], p["outstanding"], p["available"]) == (False, "900.00", "100.00")
    last = (await customer_svc.events("customer.credit_changed"))[-1]
    assert last.data["on_hold"] is False and "release" in last.data["changes"]
    hist = await customer_svc.http.get(url(c["id"], "/history"), headers=customer_svc.auth())
    changes = [h["change"] for h in hist.json()["items"]]
    assert changes[:2] == ["release", "hold"] and "limit" in changes


async def test_refund_reduces_outstanding(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer()
    await invoice(customer_svc, c["id"], "R-1", "1000.00")
    r = await customer_svc.http.post(
        f"/api/v1/customers/{c['id']}/orders",
        json={
            "external_ref": "CN-1",
            "kind": "refund",
            "amount": "300.00",
            "order_date": str(TODAY),
        },
        headers=customer_svc.auth("service"),
    )
    assert r.status_code == 201
    p = (await profile(customer_svc, c["id"])).json()
    assert p["outstanding"] == "700.00" and p["revenue_12m"] == "700.00"


async def test_overdue_beyond_90_days_holds_and_full_payment_releases(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer()
    await invoice(customer_svc, c["id"], "O-1", "500.00", due=TODAY - timedelta(days=91))
    p = (await profile(customer_svc, c["id"])).json()
    assert (p["on_hold"], p["hold_code"], p["max_overdue_days"]) == (True, "overdue", 91)
    assert p["overdue_amount"] == "500.00"
    assert p["rating"] in ("B", "C")
    await pay(customer_svc, c["id"], "O-PAY", "500.00")
    p = (await profile(customer_svc, c["id"])).json()
    assert (p["on_hold"], p["max_overdue_days"], p["outstanding"]) == (False, 0, "0.00")


async def test_as_of_moves_an_invoice_past_90_days_and_back(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer()
    due = TODAY + timedelta(days=30)
    await invoice(customer_svc, c["id"], "S-1", "100.00", due=due)
    h = customer_svc.auth("credit_manager")
    exactly_90 = await customer_svc.http.post(
        url(c["id"], f"/recalculate?as_of={due + timedelta(days=90)}"), headers=h
    )
    assert exactly_90.json()["on_hold"] is False
    later = await customer_svc.http.post(
        url(c["id"], f"/recalculate?as_of={due + timedelta(days=91)}"), headers=h
    )
    assert (later.json()["on_hold"], later.json()["max_overdue_days"]) == (True, 91)
    now = await customer_svc.http.post(url(c["id"], "/recalculate"), headers=h)
    assert now.json()["on_hold"] is False


async def test_credit_check_refuses_an_order_over_the_limit_and_holds(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer()
    await set_limit(customer_svc, c["id"], "1000.00")
    await invoice(customer_svc, c["id"], "C-1", "400.00")
    h = customer_svc.auth("dispatcher")
    ok = await customer_svc.http.post(url(c["id"], "/check"), json={"amount": "600"}, headers=h)
    assert ok.json()["allowed"] is True and ok.json()["available"] == "600.00"
    before = len(await customer_svc.events("customer.credit_changed"))
    no = await customer_svc.http.post(
        url(c["id"], "/check"), json={"amount": "700", "purpose": "paid_service"}, headers=h
    )
    assert no.status_code == 200
    assert (no.json()["allowed"], no.json()["on_hold"]) == (False, True)
    p = (await profile(customer_svc, c["id"])).json()
    assert (p["hold_code"], p["blocked_amount"]) == ("limit_exceeded", "700.00")
    events = await customer_svc.events("customer.credit_changed")
    assert len(events) == before + 1 and events[-1].data["hold_code"] == "limit_exceeded"
    # While on hold even a small order is refused.
    small = await customer_svc.http.post(url(c["id"], "/check"), json={"amount": "1"}, headers=h)
    assert small.json()["allowed"] is False
    # A payment makes room for the refused order: the hold is released.
    await pay(customer_svc, c["id"], "C-PAY", "100.00")
    p = (await profile(customer_svc, c["id"])).json()
    assert (p["on_hold"], p["blocked_amount"]) == (False, None)
    bad = await customer_svc.http.post(url(c["id"], "/check"), json={"amount": "-5"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount"


async def test_override_needs_a_reason_is_recorded_and_can_be_cleared(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer()
    h = customer_svc.auth("credit_manager", user="li.credit")
    missing = await customer_svc.http.put(
        url(c["id"], "/override"), json={"rating": "AA"}, headers=h
    )
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    bad = await customer_svc.http.put(
        url(c["id"], "/override"), json={"rating": "AAAA", "reason": "x" * 5}, headers=h
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rating"
    r = await customer_svc.http.put(
        url(c["id"], "/override"),
        json={"rating": "AA", "reason": "state-owned group guarantees payment"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["rating"], p["computed_rating"], p["override_by"]) == ("AA", "C", "li.credit")
    ev = (await customer_svc.events("customer.credit_changed"))[-1]
    assert (ev.data["rating"], ev.data["changes"]) == ("AA", ["override"])
    cleared = await customer_svc.http.delete(
        url(c["id"], "/override?reason=guarantee expired"), headers=h
    )
    assert cleared.json()["rating"] == "C" and cleared.json()["override_rating"] is None
    again = await customer_svc.http.delete(url(c["id"], "/override"), headers=h)
    assert again.status_code == 422
    hist = (await customer_svc.http.get(url(c["id"], "/history?limit=1"), headers=h)).json()
    assert hist["items"][0]["change"] == "override_cleared"
    nxt = await customer_svc.http.get(
        url(c["id"], f"/history?limit=1&cursor={hist['next_cursor']}"), headers=h
    )
    item = nxt.json()["items"][0]
    assert (item["change"], item["actor"], item["rating"]) == ("override", "li.credit", "AA")
    assert item["reason"] == "state-owned group guarantees payment"
    agent = await customer_svc.http.put(
        url(c["id"], "/override"),
        json={"rating": "A", "reason": "because"},
        headers=customer_svc.auth("agent"),
    )
    assert agent.status_code == 403


async def test_limit_change_needs_the_current_etag(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer()
    h = customer_svc.auth("credit_manager")
    body = {"credit_limit": "5000", "payment_terms_days": 45, "reason": "new contract"}
    r = await customer_svc.http.patch(url(c["id"]), json=body, headers=h)
    assert r.status_code == 428
    stale = (await profile(customer_svc, c["id"])).headers["ETag"]
    r = await customer_svc.http.patch(url(c["id"]), json=body, headers={**h, "If-Match": stale})
    assert r.status_code == 200 and r.json()["payment_terms_days"] == 45
    fresh = r.headers["ETag"]
    assert fresh != stale
    r = await customer_svc.http.patch(url(c["id"]), json=body, headers={**h, "If-Match": stale})
    assert r.status_code == 412
    r = await customer_svc.http.patch(
        url(c["id"]),
        json={"credit_limit": "-1", "reason": "oops"},
        headers={**h, "If-Match": fresh},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "credit_limit"
    ev = (await customer_svc.events("customer.credit_changed"))[-1]
    assert ev.data["limit"] == "5000.00" or D(ev.data["limit"]) == D(5000)
    assert set(ev.data["changes"]) >= {"limit", "terms"}
    # The new terms decide the due date of invoices recorded without one.
    o = await customer_svc.http.post(
        f"/api/v1/customers/{c['id']}/orders",
        json={"external_ref": "T-1", "amount": "1", "order_date": str(TODAY)},
        headers=customer_svc.auth("service"),
    )
    assert o.json()["due_date"] == str(TODAY + timedelta(days=45))


async def test_dealer_sees_only_its_customers_credit(customer_svc: CustomerHarness) -> None:
    mine = await customer_svc.create_customer(dealer_id="D1")
    theirs = await customer_svc.create_customer(dealer_id="D2")
    for cid in (mine["id"], theirs["id"]):
        await invoice(customer_svc, cid, f"DL-{cid[:8]}", "10.00", due=TODAY - timedelta(days=120))
    h = customer_svc.auth("dealer", dealer_id="D1")
    assert (await customer_svc.http.get(url(mine["id"]), headers=h)).status_code == 200
    for method, tail, body in (
        ("GET", "", None),
        ("GET", "/history", None),
        ("POST", "/check", {"amount": "1"}),
    ):
        r = await customer_svc.http.request(method, url(theirs["id"], tail), json=body, headers=h)
        assert r.status_code == 404, (tail, r.text)
    holds = (await customer_svc.http.get("/api/v1/credit/holds?dealer_id=D2", headers=h)).json()
    assert [x["customer_id"] for x in holds["items"]] == [mine["id"]]


async def test_recalculate_all_and_hold_list(customer_svc: CustomerHarness) -> None:
    ids = [(await customer_svc.create_customer(name=f"N{i}"))["id"] for i in range(5)]
    for i, cid in enumerate(ids):
        await invoice(customer_svc, cid, f"RA-{i}", "100.00", due=TODAY + timedelta(days=i))
    # Batches of 2 customers: the run must still reach every one.
    customer_svc.settings.credit = CreditSettings(recalc_batch_size=2)
    h = customer_svc.auth("credit_manager")
    as_of = TODAY + timedelta(days=93)  # invoices 0..2 are more than 90 days overdue then
    r = await customer_svc.http.post(
        "/api/v1/credit/recalculate", json={"as_of": str(as_of)}, headers=h
    )
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["customers"], s["held"], s["released"]) == (5, 3, 0)
    seen, cursor = [], None
    while True:
        q = "?limit=2&hold_code=overdue" + (f"&cursor={cursor}" if cursor else "")
        page = (await customer_svc.http.get("/api/v1/credit/holds" + q, headers=h)).json()
        seen += [x["customer_id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids[:3])
    exported = await customer_svc.http.get(
        "/api/v1/credit/holds", params={"format": "csv", "limit": 1}, headers=h
    )
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("customer_id,number,name")
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(ids[:3])
    again = (await customer_svc.http.post("/api/v1/credit/recalculate", headers=h)).json()
    assert (again["released"], again["held"]) == (3, 0)
    empty = (await customer_svc.http.get("/api/v1/credit/holds", headers=h)).json()
    assert empty["items"] == []
    assert (
        await customer_svc.http.post(
            "/api/v1/credit/recalculate", headers=customer_svc.auth("agent")
        )
    ).status_code == 403


async def test_large_import_recomputes_credit_in_one_go(customer_svc: CustomerHarness) -> None:
    cids = [(await customer_svc.create_customer(name=f"B{i}"))["id"] for i in range(3)]
    rows = [
        {
            "customer_id": cids[i % 3],
            "external_ref": f"BULK-{i}",
            "amount": "10.00",
            "order_date": str(TODAY - timedelta(days=200)),
            "due_date": str(TODAY - timedelta(days=100 if i == 0 else -10)),
        }
        for i in range(3000)
    ]
    r = await customer_svc.http.post(
        "/api/v1/ledger/imports", json={"orders": rows}, headers=customer_svc.auth("service")
    )
    assert r.status_code == 200, r.text
    assert r.json()["orders_created"] == 3000
    outstanding = {cid: (await profile(customer_svc, cid)).json() for cid in cids}
    assert outstanding[cids[0]]["outstanding"] == "10000.00"
    assert outstanding[cids[0]]["on_hold"] is True
    assert outstanding[cids[1]]["on_hold"] is False
