"""A dealer sees only its own complaints: another dealer's is 404 on every route and
absent from every list, export and statistic."""

from __future__ import annotations

import pytest

from complaint.escalation import fold_statistics
from tests.complaint.integration.conftest import ComplaintHarness


@pytest.fixture
async def two_dealers(complaint_svc: ComplaintHarness) -> dict[str, dict]:  # type: ignore[type-arg]
    svc = complaint_svc
    await svc.customer("c-d1", dealer_id="d1")
    await svc.customer("c-d2", dealer_id="d2")
    mine = await svc.file("c-d1", role="dealer", dealer="d1", category="delivery")
    theirs = await svc.file("c-d2", role="dealer", dealer="d2", category="installation")
    await fold_statistics(svc.runtime.uow)
    return {"mine": mine, "theirs": theirs}


async def test_another_dealers_complaint_is_404_on_every_route(
    complaint_svc: ComplaintHarness, two_dealers: dict
) -> None:
    h = complaint_svc.auth("dealer", dealer_id="d1")
    cid = two_dealers["theirs"]["id"]
    http = complaint_svc.http
    answers = [
        await http.get(f"/api/v1/complaints/{cid}", headers=h),
        await http.get(f"/api/v1/complaints/{cid}/records", headers=h),
        await http.get(f"/api/v1/complaints/{cid}/corrective-actions", headers=h),
        await http.post(
            f"/api/v1/complaints/{cid}/actions/note",
            json={"reason": "x"},
            headers={**h, "If-Match": "*"},
        ),
        await http.post(
            f"/api/v1/complaints/{cid}/corrective-actions",
            json={"kind": "corrective", "description": "x", "owner": "o", "due_date": "2026-12-31"},
            headers=complaint_svc.auth("agent", dealer_id="d1"),
        ),
        await http.patch(
            f"/api/v1/complaints/{cid}/corrective-actions/x",
            json={},
            headers={**complaint_svc.auth("agent", dealer_id="d1"), "If-Match": "*"},
        ),
    ]
    assert [r.status_code for r in answers] == [404] * len(answers), [r.text for r in answers]
    mine = await http.get(f"/api/v1/complaints/{two_dealers['mine']['id']}", headers=h)
    assert mine.status_code == 200


async def test_another_dealers_complaint_is_absent_from_lists_exports_and_statistics(
    complaint_svc: ComplaintHarness, two_dealers: dict
) -> None:
    h = complaint_svc.auth("dealer", dealer_id="d1")
    http = complaint_svc.http
    page = (await http.get("/api/v1/complaints?dealer_id=d2", headers=h)).json()
    assert [c["id"] for c in page["items"]] == [two_dealers["mine"]["id"]]
    csv = (await http.get("/api/v1/complaints?format=csv", headers=h)).text
    assert two_dealers["mine"]["number"] in csv and two_dealers["theirs"]["number"] not in csv
    stats = (await http.get("/api/v1/complaints/stats?dealer_id=d2", headers=h)).json()
    assert stats["total"]["received"] == 1 and stats["dealer_id"] == "d1"
    assert [g["value"] for g in stats["by"]["category"]] == ["delivery"]
    assert [g["value"] for g in stats["by"]["dealer"]] == ["d1"]
    assert stats["repeats"]["top_customers"] == []
    stats_csv = (await http.get("/api/v1/complaints/stats?format=csv", headers=h)).text
    assert "installation" not in stats_csv and "d2" not in stats_csv
    staff = (await http.get("/api/v1/complaints/stats", headers=complaint_svc.auth())).json()
    assert staff["total"]["received"] == 2
