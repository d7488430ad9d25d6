"""Tickets over HTTP on a real database: open (warranty, fee, targets, numbering,
automatic assignment), the workflow with its record and events, conflicts and errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.ticket.integration.conftest import TicketHarness


async def test_open_assigns_automatically_and_records_everything(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("c1")
    tech = await h.technician(name="Li")
    r = await h.open(customer_id="c1", serial_number="SN1", purchase_date="2026-01-10")
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["number"].startswith("TS-")
    assert t["status"] == "assigned" and t["technician_id"] == tech["id"]
    assert t["in_warranty"] is True and t["fee"] == "0.00"
    assert t["region_class"] == "city" and t["sla_targets"]["on_site"]["hours"] == 24.0
    assert len(t["confirmation_code"]) == 6
    assert r.headers["ETag"] == f'"{t["id"]}.{t["version"]}"'
    types = [e.type for e in await h.events()]
    assert types == ["ticket.opened", "ticket.assigned"]
    record = (await h.http.get(f"/api/v1/tickets/{t['id']}/record", headers=h.auth())).json()[
        "items"
    ]
    assert [r["action"] for r in record] == ["assign", "opened"]
    tech_now = (await h.http.get(f"/api/v1/technicians/{tech['id']}", headers=h.auth())).json()
    assert tech_now["open_tickets"] == 1


async def test_full_visit_flow_to_closed_and_follow_up(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("c2")
    await h.technician(name="Wang", user_id="wang")
    t = (await h.open(customer_id="c2")).json()
    tid, code = t["id"], t["confirmation_code"]
    start = datetime.now(UTC) + timedelta(hours=1)
    r = await h.act(
        tid,
        "schedule",
        "dispatcher",
        {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
    )
    assert r.status_code == 200, r.text
    assert r.json()["first_contact_at"] is not None
    etag = r.headers["ETag"]
    tech = h.auth("technician", user="wang")
    r = await h.http.post(
        f"/api/v1/tickets/{tid}/visits", json={}, headers={**tech, "If-Match": etag}
    )
    assert r.status_code == 201, r.text
    r = await h.http.post(
        f"/api/v1/tickets/{tid}/visits/1/arrival",
        json={},
        headers={**tech, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["on_time"] is True
    wrong = {
        "work_done": "replaced pump",
        "result": "fixed",
        "confirmation_code": "nope",
        "parts": [{"part_number": "P-1", "quantity": 2, "warranty": False, "price": "35.50"}],
    }
    r2 = await h.http.post(
        f"/api/v1/tickets/{tid}/visits/1/report",
        json=wrong,
        headers={**tech, "If-Match": r.headers["ETag"]},
    )
    assert r2.status_code == 422 and r2.headers["content-type"].startswith(
        "application/problem+json"
    )
    r = await h.http.post(
        f"/api/v1/tickets/{tid}/visits/1/report",
        json={**wrong, "confirmation_code": code},
        headers={**tech, "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["parts_charged"] == "71.00"
    done = (await h.ticket(tid)).json()
    assert (
        done["status"] == "completed" and done["first_time_fix"] is True and done["fee"] == "271.00"
    )
    assert (await h.act(tid, "close", "agent")).status_code == 200
    r = await h.http.post(
        f"/api/v1/tickets/{tid}/follow-up",
        json={"satisfied": True, "score": 5},
        headers=h.auth("agent"),
    )
    assert r.status_code == 201, r.text
    again = await h.http.post(
        f"/api/v1/tickets/{tid}/follow-up", json={"satisfied": True}, headers=h.auth("agent")
    )
    assert again.status_code == 409
    types = [e.type for e in await h.events()]
    assert types == [
        "ticket.opened",
        "ticket.assigned",
        "ticket.scheduled",
        "ticket.en_route",
        "ticket.on_site",
        "ticket.completed",
        "ticket.visit_recorded",
        "ticket.closed",
        "ticket.followed_up",
    ]
    closed = (await h.events("ticket.closed"))[0].data
    assert closed["visits"] == 1 and closed["first_time_fix"] is True


async def test_illegal_action_is_409_with_allowed_actions(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("c3")
    t = (await h.open(customer_id="c3")).json()  # no technician: stays opened
    assert t["status"] == "opened"
    r = await h.act(t["id"], "close", "agent")
    assert r.status_code == 409
    body = r.json()
    assert "contact" in body["allowed_actions"] and "cancel" in body["allowed_actions"]
    r = await h.act(t["id"], "cancel", "agent")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await h.act(t["id"], "cancel", "agent", {"reason": "customer withdrew"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


async def test_update_needs_if_match_and_detects_conflicts(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("c4")
    t = (await h.open(customer_id="c4")).json()
    url = f"/api/v1/tickets/{t['id']}"
    assert (await h.http.patch(url, json={"description": "x"}, headers=h.auth())).status_code == 428
    stale = f'"{t["id"]}.0"'
    assert (
        await h.http.patch(url, json={"description": "x"}, headers={**h.auth(), "If-Match": stale})
    ).status_code == 412
    etag = (await h.ticket(t["id"])).headers["ETag"]
    r = await h.http.patch(
        url, json={"description": "noisy drum"}, headers={**h.auth(), "If-Match": etag}
    )
    assert r.status_code == 200 and r.json()["description"] == "noisy drum"
    assert r.headers["ETag"] != etag


async def test_idempotency_key_replays_the_same_ticket(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("c5")
    headers = {**h.auth(), "Idempotency-Key": "open-c5-1"}
    first = await h.open(customer_id="c5", headers=headers)
    second = await h.open(customer_id="c5", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert len(await h.events("ticket.opened")) == 1


async def test_bad_input_is_problem_json_and_writes_nothing(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("c6", area_class=None)
    r = await h.open(customer_id="c6", type="teleport")
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = await h.open(customer_id="c6")  # no region class anywhere
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "region_class"
    r = await h.open(customer_id="nobody")
    assert r.status_code == 404
    assert await h.events() == []


async def test_credit_hold_paid_work_waits_for_a_service_managers_approval(
    ticket_svc: TicketHarness,
) -> None:
    h = ticket_svc
    await h.customer("c7", on_hold=True)
    tech = await h.technician()
    t = (await h.open(customer_id="c7", type="installation")).json()  # no warranty: paid
    assert t["fee"] == "150.00" and t["approval_required"] is True and t["status"] == "opened"
    r = await h.act(t["id"], "assign", "dispatcher", {"technician_id": tech["id"]})
    assert r.status_code == 422
    assert (await h.act(t["id"], "approve", "dispatcher")).status_code == 403
    r = await h.act(t["id"], "approve", "service_manager", {"reason": "prepaid"})
    assert r.status_code == 200, r.text
    assert r.json()["approved_by"] == "tester" and r.json()["status"] == "assigned"


async def test_pause_moves_deadlines_and_lists_filter_sla(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("c8")
    await h.technician()
    t = (await h.open(customer_id="c8")).json()
    r = await h.act(t["id"], "wait-for-customer", "dispatcher", {"reason": "customer abroad"})
    assert (
        r.status_code == 200
        and r.json()["paused_since"] is not None
        and r.json()["sla_next_due"] is None
    )
    r = await h.act(t["id"], "resume", "dispatcher")
    assert r.status_code == 200 and r.json()["paused_since"] is None
    assert r.json()["on_site_due"] >= t["on_site_due"]
    r = await h.http.get("/api/v1/tickets", params={"sla": "breached"}, headers=h.auth())
    assert r.status_code == 200 and r.json()["items"] == []
    r = await h.http.get("/api/v1/tickets", params={"format": "csv"}, headers=h.auth())
    assert r.status_code == 200 and "number" in r.text.splitlines()[0]
