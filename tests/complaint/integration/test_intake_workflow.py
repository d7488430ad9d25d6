"""Intake, the workflow and the record over HTTP on a real database."""

from __future__ import annotations

from tests.complaint.integration.conftest import ComplaintHarness


async def test_intake_numbers_and_sets_deadlines_and_emits_received(
    complaint_svc: ComplaintHarness,
) -> None:
    cid = await complaint_svc.customer("c1")
    first = await complaint_svc.file(cid)
    second = await complaint_svc.file(cid, severity="critical")
    assert first["status"] == "received"
    assert first["number"] != second["number"]
    assert first["acknowledge_due"] < first["resolve_due"]
    events = await complaint_svc.events("complaint.received")
    assert [e.data["number"] for e in events] == [first["number"], second["number"]]


async def test_full_workflow_is_recorded(complaint_svc: ComplaintHarness) -> None:
    cid = await complaint_svc.customer("c1")
    c = await complaint_svc.file(cid)
    await complaint_svc.act(c, "acknowledge")
    await complaint_svc.act(c, "assign", department="quality", handler_id="h1")
    await complaint_svc.act(c, "start_investigation")
    await complaint_svc.act(
        c,
        "record_investigation",
        root_cause_code="material",
        root_cause_text="weak bracket",
        containment="stop shipments",
    )
    await complaint_svc.act(c, "propose_resolution", remedy="replace", compensation_amount="200.00")
    await complaint_svc.act(c, "resolve")
    await complaint_svc.act(c, "confirm", customer_confirmed=True)
    done = await complaint_svc.act(c, "close")
    assert done["status"] == "closed"
    r = await complaint_svc.http.get(
        f"/api/v1/complaints/{c['id']}/records", headers=complaint_svc.auth()
    )
    actions = [x["action"] for x in r.json()["items"]]
    assert actions == [
        "close",
        "confirm",
        "resolve",
        "propose_resolution",
        "record_investigation",
        "start_investigation",
        "assign",
        "acknowledge",
        "receive",
    ]
    types = [e.type for e in await complaint_svc.events()]
    assert types == [
        "complaint.received",
        "complaint.acknowledged",
        "complaint.assigned",
        "complaint.resolved",
        "complaint.closed",
    ]
