"""The gateway routes the complaint paths (from the service registry) to the service."""

from __future__ import annotations

from complaint.config import EscalationSettings
from tests.complaint.integration.conftest import NO_SWEEPS, ComplaintHarness
from tests.support import DatabaseFactory, running_stack


async def test_complaint_routes_go_through_the_gateway(dbs: DatabaseFactory) -> None:
    async with running_stack(
        dbs,
        "127.0.0.1:1",
        ("complaint",),
        gateway=True,
        complaint={**NO_SWEEPS, "escalation": EscalationSettings(sweep_interval_s=0)},
    ) as stack:
        svc = ComplaintHarness(stack)
        await svc.customer("c1")
        gw = stack.gateway
        assert gw is not None
        h = stack.auth("agent")
        r = await gw.post(
            "/api/v1/complaints",
            json={
                "channel": "web",
                "customer_id": "c1",
                "category": "delivery",
                "severity": "minor",
                "description": "late delivery",
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        assert (await gw.get(f"/api/v1/complaints/{cid}", headers=h)).json()["id"] == cid
        assert (await gw.get("/api/v1/complaints/stats", headers=h)).status_code == 200
        r = await gw.get(f"/api/v1/complaints/{cid}/records", headers=h)
        assert [x["action"] for x in r.json()["items"]] == ["receive"]
        await svc.http.aclose()
