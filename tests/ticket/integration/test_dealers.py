"""Dealer isolation: a dealer opens and follows tickets only for its own customers; every
route answers another dealer's object with 404, every list and export holds only its own."""

from __future__ import annotations

from tests.ticket.integration.conftest import TicketHarness


async def test_dealer_sees_and_changes_only_its_own(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("mine", dealer_id="d1")
    await h.customer("theirs", dealer_id="d2")
    d1 = h.auth("dealer", dealer_id="d1")
    r = await h.open(customer_id="theirs", headers=d1)
    assert r.status_code == 404  # another dealer's customer does not exist for d1
    own = await h.open(customer_id="mine", headers=d1)
    assert own.status_code == 201 and own.json()["dealer_id"] == "d1"
    other = (await h.open(customer_id="theirs", headers=h.auth("dealer", dealer_id="d2"))).json()

    oid = other["id"]
    etag = (await h.ticket(oid)).headers["ETag"]
    w = {**d1, "If-Match": etag}
    for method, path, body in [
        ("GET", f"/api/v1/tickets/{oid}", None),
        ("PATCH", f"/api/v1/tickets/{oid}", {"description": "x"}),
        ("GET", f"/api/v1/tickets/{oid}/record", None),
        ("GET", f"/api/v1/tickets/{oid}/visits", None),
        ("GET", f"/api/v1/tickets/{oid}/follow-up", None),
        ("POST", f"/api/v1/tickets/{oid}/cancel", {"reason": "mine now"}),
        ("POST", f"/api/v1/tickets/{oid}/contact", {}),
    ]:
        r = await h.http.request(method, path, json=body, headers=w)
        assert r.status_code == 404, (method, path, r.status_code)
    assert (await h.ticket(oid)).json()["status"] == other["status"]

    for params in (
        {},
        {"dealer_id": "d2"},
        {"format": "csv"},
        {"format": "csv", "dealer_id": "d2"},
    ):
        r = await h.http.get("/api/v1/tickets", params=params, headers=d1)
        assert r.status_code == 200
        if params.get("format") == "csv":
            assert oid not in r.text and own.json()["id"] in r.text
        else:
            assert [t["id"] for t in r.json()["items"]] == [own.json()["id"]]


async def test_dealer_warranties_agreements_plans_are_isolated(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("m2", dealer_id="d1")
    await h.customer("t2", dealer_id="d2")
    d1, d2 = h.auth("dealer", dealer_id="d1"), h.auth("dealer", dealer_id="d2")
    w = await h.http.post(
        "/api/v1/warranties",
        json={"serial_number": "S-T2", "customer_id": "t2", "purchase_date": "2026-01-01"},
        headers=d2,
    )
    assert w.status_code == 201, w.text
    assert (
        await h.http.post(
            "/api/v1/warranties",
            json={"serial_number": "S-X", "customer_id": "t2", "purchase_date": "2026-01-01"},
            headers=d1,
        )
    ).status_code == 404
    assert (await h.http.get(f"/api/v1/warranties/{w.json()['id']}", headers=d1)).status_code == 404
    assert (
        await h.http.get(
            "/api/v1/warranties/check",
            params={"serial_number": "S-T2", "on": "2026-06-01"},
            headers=d1,
        )
    ).status_code == 404
    assert (await h.http.get("/api/v1/warranties", headers=d1)).json()["items"] == []
    a = await h.http.post(
        "/api/v1/service-agreements",
        json={
            "customer_id": "t2",
            "coverage": ["repair"],
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
        headers=h.auth("service_manager"),
    )
    assert a.status_code == 201
    assert (
        await h.http.get(f"/api/v1/service-agreements/{a.json()['id']}", headers=d1)
    ).status_code == 404
    assert (
        await h.http.get("/api/v1/service-agreements", params={"format": "csv"}, headers=d1)
    ).text.count("\n") == 1
    p = await h.http.post(
        "/api/v1/maintenance-plans",
        json={
            "customer_id": "t2",
            "serial_number": "S-T2",
            "interval_days": 90,
            "next_due_on": "2027-01-01",
            "region_class": "city",
        },
        headers=d2,
    )
    assert p.status_code == 201, p.text
    assert (
        await h.http.get(f"/api/v1/maintenance-plans/{p.json()['id']}", headers=d1)
    ).status_code == 404
    assert (await h.http.get("/api/v1/maintenance-plans", headers=d1)).json()["items"] == []
    assert len((await h.http.get("/api/v1/maintenance-plans", headers=d2)).json()["items"]) == 1


async def test_dealers_cannot_reach_internal_routes(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    d1 = h.auth("dealer", dealer_id="d1")
    for path in (
        "/api/v1/technicians",
        "/api/v1/dispatch-board",
        "/api/v1/response-standards",
        "/api/v1/technicians/ranking?month=2026-11",
    ):
        assert (await h.http.get(path, headers=d1)).status_code == 403, path
    assert (await h.http.get("/api/v1/tickets")).status_code == 401
