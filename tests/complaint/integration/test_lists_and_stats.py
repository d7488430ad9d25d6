"""The complaint list (filters, a handler's queue, free text, cursor pages, CSV), the
corrective actions, and the statistics (JSON and CSV) before and after the fold."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from complaint.escalation import escalate_overdue, fold_statistics
from complaint.policy import ComplaintPolicy
from tests.complaint.integration.conftest import ComplaintHarness
from tests.support import count_rows


async def test_filters_queue_search_pages_and_csv(complaint_svc: ComplaintHarness) -> None:
    svc = complaint_svc
    await svc.customer("c1")
    await svc.customer("c2", key_account=True)
    a = await svc.file("c1", severity="critical", description="door hinge broke")
    b = await svc.file("c2", category="delivery", channel="web")
    c = await svc.file("c1", channel="letter", product={"model": "KF-900", "serial_number": "Z9"})
    await svc.act(a, "assign", department="quality", handler_id="ann")
    await svc.act(b, "assign", department="logistics", handler_id="bob", co_handlers=["ann"])
    h = svc.auth("agent", user="ann")

    async def ids(query: str) -> set[str]:
        r = await svc.http.get(f"/api/v1/complaints?{query}", headers=h)
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()["items"]}

    assert await ids("assignee=me") == {a["id"], b["id"]}  # handler or co-handler
    assert await ids("severity=critical") == {a["id"]}
    assert await ids("category=delivery&channel=web") == {b["id"]}
    assert await ids("key_account=true") == {b["id"]}
    assert await ids("q=hinge") == {a["id"]}
    assert await ids("product_model=KF-900") == {c["id"]}
    assert await ids("department=quality&department=logistics") == {a["id"], b["id"]}
    assert await ids("customer_id=c1&status=received") == {a["id"], c["id"]}

    first = (await svc.http.get("/api/v1/complaints?limit=2", headers=h)).json()
    rest = (
        await svc.http.get(f"/api/v1/complaints?limit=2&cursor={first['next_cursor']}", headers=h)
    ).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {x["id"] for x in first["items"] + rest["items"]} == {a["id"], b["id"], c["id"]}

    r = await svc.http.get("/api/v1/complaints?format=csv&severity=major", headers=h)
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert r.headers["content-type"].startswith("text/csv")
    assert sorted(x["number"] for x in rows) == sorted([b["number"], c["number"]])

    r = await svc.http.get("/api/v1/complaints?limit=500", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"


async def test_corrective_actions_are_planned_tracked_and_recorded(
    complaint_svc: ComplaintHarness,
) -> None:
    svc = complaint_svc
    c = await svc.file(await svc.customer("c1"))
    url = f"/api/v1/complaints/{c['id']}/corrective-actions"
    plan = {
        "kind": "corrective",
        "description": "new bracket",
        "owner": "eng-li",
        "due_date": "2026-12-31",
    }
    r = await svc.http.post(url, json=plan, headers=svc.auth())
    assert r.status_code == 422  # not investigated yet
    await svc.act(c, "acknowledge")
    await svc.act(c, "assign", department="quality", handler_id="h1")
    await svc.act(c, "start_investigation")
    r = await svc.http.post(url, json=plan, headers=svc.auth())
    assert r.status_code == 201, r.text
    item, etag = r.json(), r.headers["ETag"]
    r = await svc.http.patch(
        f"{url}/{item['id']}", json={"status": "done"}, headers={**svc.auth(), "If-Match": etag}
    )
    assert r.status_code == 200 and r.json()["done_at"]
    r = await svc.http.patch(
        f"{url}/{item['id']}", json={"status": "open"}, headers={**svc.auth(), "If-Match": etag}
    )
    assert r.status_code == 412
    listed = (await svc.http.get(url, headers=svc.auth())).json()["items"]
    assert [(x["kind"], x["status"]) for x in listed] == [("corrective", "done")]
    records = await svc.http.get(f"/api/v1/complaints/{c['id']}/records", headers=svc.auth())
    assert [x["action"] for x in records.json()["items"]][:2] == [
        "update_corrective_action",
        "plan_corrective_action",
    ]


async def test_escalation_sweep_on_the_database_escalates_once_and_records(
    complaint_svc: ComplaintHarness,
) -> None:
    svc = complaint_svc
    await svc.customer("c1")
    received = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    c = await svc.file("c1", received_at=received)
    policy = ComplaintPolicy.from_settings(svc.settings)  # type: ignore[arg-type]
    assert await escalate_overdue(svc.runtime.uow, policy) == 3
    assert await escalate_overdue(svc.runtime.uow, policy) == 0
    events = await svc.events("complaint.escalated")
    assert [(e.data["level"], e.data["escalated_to"]) for e in events] == [
        (1, "supervisor"),
        (2, "department_manager"),
        (3, "general_manager"),
    ]
    body = (await svc.http.get(f"/api/v1/complaints/{c['id']}", headers=svc.auth())).json()
    assert (body["escalation_level"], body["overdue"], body["next_escalation_at"]) == (
        3,
        True,
        None,
    )
    r = await svc.http.get(
        f"/api/v1/complaints/{c['id']}/records?action=escalate", headers=svc.auth()
    )
    assert len(r.json()["items"]) == 3


async def test_statistics_count_rates_times_and_repeats_before_and_after_the_fold(
    complaint_svc: ComplaintHarness,
) -> None:
    svc = complaint_svc
    await svc.customer("c1", dealer_id="d1")
    await svc.customer("c2")
    a = await svc.file("c1")
    await svc.file("c1", category="delivery", severity="minor")
    b = await svc.file("c2", product={"model": "KF-900", "serial_number": "Z"})
    await svc.act(a, "acknowledge")
    await svc.act(b, "reject", reason="unfounded")
    url = svc.stack.urls["complaint"]

    async def stats(query: str = "") -> dict:  # type: ignore[type-arg]
        r = await svc.http.get(f"/api/v1/complaints/stats{query}", headers=svc.auth("analyst"))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    before = await stats()
    assert count_rows(url, "complaint_stats") == 0  # all from the deltas so far
    assert await fold_statistics(svc.runtime.uow) > 0
    assert count_rows(url, "complaint_stat_deltas") == 0
    after = await stats()
    assert before == after
    assert after["total"]["received"] == 3
    assert after["total"]["acknowledged"] == 1 and after["total"]["rejected"] == 1
    assert after["total"]["mean_hours_to_acknowledge"] is not None
    by_category = {g["value"]: g for g in after["by"]["category"]}
    assert by_category["product_quality"]["received"] == 2
    assert by_category["product_quality"]["share"] == round(2 / 3, 4)
    assert {g["value"]: g["received"] for g in after["by"]["dealer"]} == {"d1": 2, "": 1}
    assert {g["value"]: g["received"] for g in after["by"]["product_model"]} == {
        "KF-200": 2,
        "KF-900": 1,
    }
    assert after["repeats"]["repeat_customers"] == 1
    assert after["repeats"]["top_customers"] == [{"key": "c1", "complaints": 2}]
    assert after["repeats"]["top_units"] == [{"key": "KF-200|SN-1", "complaints": 2}]
    month = after["by"]["month"][0]["value"]
    assert (await stats(f"?month_from={month}&month_to={month}"))["total"]["received"] == 3
    assert (await stats("?month_to=2000-01"))["total"]["received"] == 0
    r = await svc.http.get(
        "/api/v1/complaints/stats?format=csv&by=severity", headers=svc.auth("analyst")
    )
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [(x["dimension"], x["value"], x["received"]) for x in rows] == [
        ("total", "", "3"),
        ("severity", "major", "2"),
        ("severity", "minor", "1"),
    ]
    r = await svc.http.get("/api/v1/complaints/stats?by=colour", headers=svc.auth())
    assert r.status_code == 422
