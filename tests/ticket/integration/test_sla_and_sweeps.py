"""The SLA breach sweep and the maintenance-plan sweep on a real database: each breach
reported once, escalated, listed by ``sla=breached``; a plan's ticket opened once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from tests.ticket.integration.conftest import TicketHarness
from ticket.maintenance import sweep_plans
from ticket.sla import sweep_breaches


async def test_breach_is_reported_once_per_target_and_escalated(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("s1")
    t = (await h.open(customer_id="s1")).json()
    first_due = datetime.fromisoformat(t["first_contact_due"])
    before = await sweep_breaches(
        h.runtime.uow(), settings=h.settings.sla, now=first_due - timedelta(seconds=1)
    )
    assert before == 0
    later = first_due + timedelta(seconds=30)
    assert await sweep_breaches(h.runtime.uow(), settings=h.settings.sla, now=later) == 1
    assert (
        await sweep_breaches(
            h.runtime.uow(), settings=h.settings.sla, now=later + timedelta(minutes=1)
        )
        == 0
    )
    breaches = await h.events("ticket.sla_breached")
    assert len(breaches) == 1
    data = breaches[0].data
    assert data["target"] == "first_contact" and data["escalated_to"] == "service_manager"
    assert datetime.fromisoformat(data["due"]) == first_due
    listed = (
        await h.http.get("/api/v1/tickets", params={"sla": "breached"}, headers=h.auth())
    ).json()["items"]
    assert [x["id"] for x in listed] == [t["id"]]
    record = (await h.http.get(f"/api/v1/tickets/{t['id']}/record", headers=h.auth())).json()[
        "items"
    ]
    assert record[0]["action"] == "sla_breached" and record[0]["actor"] == "system:sla"
    # Every target eventually: on site and resolution too, once each.
    end = datetime.fromisoformat(t["resolve_due"]) + timedelta(days=1)
    assert await sweep_breaches(h.runtime.uow(), settings=h.settings.sla, now=end) == 2
    assert sorted(e.data["target"] for e in await h.events("ticket.sla_breached")) == [
        "first_contact",
        "on_site",
        "resolution",
    ]


async def test_paused_ticket_does_not_breach(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("s2")
    await h.technician()
    t = (await h.open(customer_id="s2")).json()
    await h.act(t["id"], "contact", "agent")
    r = await h.act(t["id"], "wait-for-parts", "dispatcher", {"reason": "pump on order"})
    assert r.status_code == 200, r.text
    far = datetime.fromisoformat(t["resolve_due"]) + timedelta(days=30)
    assert await sweep_breaches(h.runtime.uow(), settings=h.settings.sla, now=far) == 0


async def test_at_risk_lists_deadlines_inside_the_window(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("s3", key_account=True)
    t = (await h.open(customer_id="s3")).json()
    r = await h.http.get("/api/v1/tickets", params={"sla": "at_risk"}, headers=h.auth())
    due = datetime.fromisoformat(t["sla_next_due"])
    inside = due - datetime.now(UTC) <= timedelta(minutes=h.settings.sla.at_risk_minutes)
    assert (t["id"] in [x["id"] for x in r.json()["items"]]) == inside


async def test_maintenance_plan_opens_one_ticket_lead_time_ahead(ticket_svc: TicketHarness) -> None:
    h = ticket_svc
    await h.customer("m1")
    due = date(2027, 3, 1)
    p = await h.http.post(
        "/api/v1/maintenance-plans",
        json={
            "customer_id": "m1",
            "serial_number": "SN-M",
            "interval_days": 180,
            "next_due_on": due.isoformat(),
            "lead_days": 10,
            "region_class": "town",
            "product_line": "washer",
        },
        headers=h.auth("agent"),
    )
    assert p.status_code == 201, p.text
    clocks = h.app.state.clocks
    day_before = datetime(2027, 2, 18, 4, tzinfo=UTC)  # 12:00 in Shanghai, 11 days ahead
    assert (
        await sweep_plans(h.runtime.uow(), settings=h.settings, clocks=clocks, now=day_before) == 0
    )
    lead_day = datetime(2027, 2, 19, 4, tzinfo=UTC)
    # The app's own scheduler runs each sweep once when it starts (at today's date, when the
    # plan is not due); while it holds the plan's row, a sweep skips it (SKIP LOCKED), as a
    # second replica would. So wait for the row, then exactly one ticket opens.
    for _ in range(100):
        got = await sweep_plans(h.runtime.uow(), settings=h.settings, clocks=clocks, now=lead_day)
        if got:
            break
        await asyncio.sleep(0.05)
    assert got == 1
    assert await sweep_plans(h.runtime.uow(), settings=h.settings, clocks=clocks, now=lead_day) == 0
    opened = await h.events("ticket.opened")
    assert len(opened) == 1 and opened[0].data["type"] == "maintenance"
    plan = (
        await h.http.get(f"/api/v1/maintenance-plans/{p.json()['id']}", headers=h.auth())
    ).json()
    assert plan["next_due_on"] == "2027-08-28" and plan["last_ticket_id"] == opened[0].data["id"]
