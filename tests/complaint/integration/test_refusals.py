"""Bad input and illegal actions are refused with problem+json and change nothing; a
retried intake with the same Idempotency-Key files one complaint."""

from __future__ import annotations

from tests.complaint.integration.conftest import ComplaintHarness
from tests.support import count_rows

PROBLEM = "application/problem+json"


async def counts(svc: ComplaintHarness) -> tuple[int, ...]:
    url = svc.stack.urls["complaint"]
    return tuple(
        count_rows(url, t)
        for t in ("complaints", "outbox", "audit_records", "complaint_stat_deltas")
    )


async def test_unknown_customer_is_a_422_naming_the_field(complaint_svc: ComplaintHarness) -> None:
    before = await counts(complaint_svc)
    r = await complaint_svc.http.post(
        "/api/v1/complaints",
        json={
            "channel": "web",
            "customer_id": "nobody",
            "category": "delivery",
            "severity": "minor",
            "description": "late",
        },
        headers=complaint_svc.auth(),
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in r.json()["errors"]] == ["customer_id"]
    assert await counts(complaint_svc) == before


async def test_invalid_intake_is_refused_naming_each_field(complaint_svc: ComplaintHarness) -> None:
    await complaint_svc.customer("c1")
    before = await counts(complaint_svc)
    r = await complaint_svc.http.post(
        "/api/v1/complaints",
        json={
            "channel": "pigeon",
            "customer_id": "c1",
            "category": "delivery",
            "severity": "huge",
            "description": "",
            "attachments": [{"name": "x"}],
            "color": "red",
        },
        headers=complaint_svc.auth(),
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    fields = str(r.json()["errors"])
    for name in ("channel", "severity", "description", "attachments", "color"):
        assert name in fields
    assert await counts(complaint_svc) == before


async def test_illegal_action_is_a_409_listing_the_allowed_ones(
    complaint_svc: ComplaintHarness,
) -> None:
    c = await complaint_svc.file(await complaint_svc.customer("c1"))
    before = await counts(complaint_svc)
    body = await complaint_svc.act(c, "close", expect=409)
    assert body["allowed_actions"] == ["acknowledge", "assign", "reassign", "reject", "note"]
    body = await complaint_svc.act(c, "reject", expect=422)  # no reason
    assert [e["field"] for e in body["errors"]] == ["reason"]
    body = await complaint_svc.act(c, "acknowledge", expect=422, remedy="repair")
    assert body["errors"][0]["field"] == "remedy"
    assert await counts(complaint_svc) == before
    r = await complaint_svc.http.get(f"/api/v1/complaints/{c['id']}", headers=complaint_svc.auth())
    assert (r.json()["status"], r.json()["version"]) == ("received", 1)


async def test_actions_need_if_match_and_refuse_a_stale_etag(
    complaint_svc: ComplaintHarness,
) -> None:
    c = await complaint_svc.file(await complaint_svc.customer("c1"))
    url = f"/api/v1/complaints/{c['id']}/actions/acknowledge"
    h = complaint_svc.auth("service_manager")
    r = await complaint_svc.http.post(url, json={}, headers=h)
    assert r.status_code == 428 and r.headers["content-type"].startswith(PROBLEM)
    r = await complaint_svc.http.post(url, json={}, headers={**h, "If-Match": f'"{c["id"]}.7"'})
    assert r.status_code == 412
    r = await complaint_svc.http.post(url, json={}, headers={**h, "If-Match": f'"{c["id"]}.1"'})
    assert r.status_code == 200
    assert r.headers["ETag"] == f'"{c["id"]}.2"'


async def test_intake_retried_with_the_same_idempotency_key_files_once(
    complaint_svc: ComplaintHarness,
) -> None:
    await complaint_svc.customer("c1")
    body = {
        "channel": "email",
        "customer_id": "c1",
        "category": "billing",
        "severity": "minor",
        "description": "charged twice",
    }
    h = {**complaint_svc.auth(), "Idempotency-Key": "k-1"}
    first = await complaint_svc.http.post("/api/v1/complaints", json=body, headers=h)
    again = await complaint_svc.http.post("/api/v1/complaints", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert count_rows(complaint_svc.stack.urls["complaint"], "complaints") == 1


async def test_unauthenticated_requests_are_refused(complaint_svc: ComplaintHarness) -> None:
    r = await complaint_svc.http.get("/api/v1/complaints")
    assert r.status_code == 401 and r.headers["content-type"].startswith(PROBLEM)
    r = await complaint_svc.http.get("/api/v1/complaints", headers=complaint_svc.auth("technician"))
    assert r.status_code == 403
