"""Customer profiles: registration, reading, validation."""

from __future__ import annotations

from tests.customer.integration.conftest import CustomerHarness


async def test_register_assigns_increasing_numbers_and_emits_event(
    customer_svc: CustomerHarness,
) -> None:
    a = await customer_svc.create_customer(name="A")
    b = await customer_svc.create_customer(name="B")
    assert a["number"] < b["number"]
    events = await customer_svc.events("customer.registered")
    assert [e.subject for e in events] == [a["id"], b["id"]]


async def _patch(
    svc: CustomerHarness, cid: str, body: dict, etag: str | None, role: str = "agent", **kw: object
):  # type: ignore[no-untyped-def]
    headers = svc.auth(role, **kw)
    if etag is not None:
        headers["If-Match"] = etag
    return await svc.http.patch(f"/api/v1/customers/{cid}", json=body, headers=headers)


async def test_patch_requires_if_match_and_detects_conflicts(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer(name="Old Name", phones=["13800000001"])
    read = await customer_svc.http.get(f"/api/v1/customers/{c['id']}", headers=customer_svc.auth())
    etag = read.headers["etag"]

    missing = await _patch(customer_svc, c["id"], {"name": "New"}, None)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"

    ok = await _patch(customer_svc, c["id"], {"name": "New Name", "tags": ["vip", "north"]}, etag)
    assert ok.status_code == 200, ok.text
    assert ok.json()["name"] == "New Name"
    assert ok.json()["version"] == 2
    assert ok.headers["etag"] != etag

    stale = await _patch(customer_svc, c["id"], {"name": "Lost Update"}, etag)
    assert stale.status_code == 412
    again = await customer_svc.http.get(f"/api/v1/customers/{c['id']}", headers=customer_svc.auth())
    assert again.json()["name"] == "New Name"

    updates = await customer_svc.events("customer.updated")
    assert len(updates) == 1
    assert set(updates[0].data["changed"]) == {"name", "tags"}
    assert updates[0].data["name"] == "New Name"


async def test_patch_validates_and_writes_nothing_on_bad_input(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer(kind="company", name="Valve Co")
    etag = f'"{c["id"]}.1"'
    for body, field in (
        ({"credit_code": "91330100MA27XL0E2J"}, "credit_code"),
        ({"industry": "spaceflight"}, "industry"),
        ({"registered_capital": "-1"}, "registered_capital"),
        ({"kind": "individual"}, "kind"),
    ):
        r = await _patch(customer_svc, c["id"], body, etag)
        assert r.status_code == 422, (body, r.text)
        assert any(e["field"].startswith(field) for e in r.json()["errors"]), r.json()
    assert await customer_svc.events("customer.updated") == []


async def test_list_filters_search_and_paginates(customer_svc: CustomerHarness) -> None:
    made = []
    for i in range(7):
        made.append(
            await customer_svc.create_customer(
                kind="company" if i % 2 else "individual",
                name=f"Customer {i:02d}",
                industry="manufacturing" if i < 3 else "retail",
                tags=["vip"] if i in (1, 4) else [],
                addresses=[
                    {
                        "province": "浙江省",
                        "city": "杭州市" if i < 5 else "宁波市",
                        "area_class": "city",
                    }
                ],
                phones=[f"1380000{i:04d}"],
            )
        )
    h = customer_svc.auth()
    r = await customer_svc.http.get("/api/v1/customers", params={"limit": 3}, headers=h)
    page1 = r.json()
    assert [c["name"] for c in page1["items"]] == ["Customer 00", "Customer 01", "Customer 02"]
    r = await customer_svc.http.get(
        "/api/v1/customers", params={"limit": 3, "cursor": page1["next_cursor"]}, headers=h
    )
    page2 = r.json()
    assert [c["name"] for c in page2["items"]] == ["Customer 03", "Customer 04", "Customer 05"]
    r = await customer_svc.http.get(
        "/api/v1/customers", params={"limit": 3, "cursor": page2["next_cursor"]}, headers=h
    )
    assert [c["name"] for c in r.json()["items"]] == ["Customer 06"]
    assert r.json()["next_cursor"] is None

    async def names(**params: object) -> list[str]:
        resp = await customer_svc.http.get("/api/v1/customers", params=params, headers=h)
        assert resp.status_code == 200, resp.text
        return [c["name"] for c in resp.json()["items"]]

    assert await names(kind="company") == ["Customer 01", "Customer 03", "Customer 05"]
    assert await names(industry="manufacturing", kind="individual") == [
        "Customer 00",
        "Customer 02",
    ]
    assert await names(tag="vip") == ["Customer 01", "Customer 04"]
    assert await names(city="宁波市") == ["Customer 05", "Customer 06"]
    assert await names(q="13800000003") == ["Customer 03"]
    assert await names(q="customer 06") == ["Customer 06"]
    # Never bought, never contacted: no revenue class yet; a first contact makes potential.
    assert await names(tier="potential") == []
    for c in made[4:]:
        await customer_svc.log_contact(c["id"])
    assert await names(tier="potential", sort="-name", limit=2) == ["Customer 06", "Customer 05"]
    bad = await customer_svc.http.get("/api/v1/customers", params={"tier": "gold"}, headers=h)
    assert bad.status_code == 422
    bad_cursor = await customer_svc.http.get(
        "/api/v1/customers", params={"cursor": "xx"}, headers=h
    )
    assert bad_cursor.status_code == 422


async def test_csv_export_streams_every_match(customer_svc: CustomerHarness) -> None:
    for i in range(3):
        await customer_svc.create_customer(name=f"导出客户 {i}")
    r = await customer_svc.http.get(
        "/api/v1/customers", params={"format": "csv"}, headers=customer_svc.auth()
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [row["name"] for row in rows] == ["导出客户 0", "导出客户 1", "导出客户 2"]
    assert rows[0]["tier"] == ""  # no revenue class before a purchase or a first contact


async def test_dealer_lists_and_changes_only_its_own(customer_svc: CustomerHarness) -> None:
    svc = customer_svc
    dealer_a = svc.auth("dealer", dealer_id="dealer-a")
    r = await svc.http.post(
        "/api/v1/customers", json={"kind": "individual", "name": "A1"}, headers=dealer_a
    )
    mine = r.json()
    other = await svc.create_customer(name="B1", dealer_id="dealer-b")
    house = await svc.create_customer(name="House")
    listed = await svc.http.get("/api/v1/customers", headers=dealer_a)
    assert [c["name"] for c in listed.json()["items"]] == ["A1"]
    # Asking for another dealer's customers through the filter still shows only its own.
    sneaky = await svc.http.get(
        "/api/v1/customers", params={"dealer_id": "dealer-b"}, headers=dealer_a
    )
    assert [c["name"] for c in sneaky.json()["items"]] == ["A1"]
    staff = await svc.http.get(
        "/api/v1/customers", params={"dealer_id": "dealer-b"}, headers=svc.auth()
    )
    assert [c["name"] for c in staff.json()["items"]] == ["B1"]
    for target in (other, house):
        r = await _patch(
            svc,
            target["id"],
            {"name": "Taken"},
            f'"{target["id"]}.1"',
            role="dealer",
            dealer_id="dealer-a",
        )
        assert r.status_code == 404
    r = await _patch(
        svc,
        mine["id"],
        {"dealer_id": "dealer-b"},
        f'"{mine["id"]}.1"',
        role="dealer",
        dealer_id="dealer-a",
    )
    assert r.status_code == 403
    r = await _patch(
        svc, mine["id"], {"notes": "ok"}, f'"{mine["id"]}.1"', role="dealer", dealer_id="dealer-a"
    )
    assert r.status_code == 200
    card = await svc.http.get(f"/api/v1/customers/{other['id']}/card", headers=dealer_a)
    assert card.status_code == 404


async def test_archive_restore_and_erase(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer(
        name="Zhang San",
        phones=["13900000000"],
        email="zs@example.com",
        birthday="1980-01-02",
        addresses=[{"province": "江苏省", "city": "南京市", "street": "中山路 1 号"}],
    )
    h = customer_svc.auth("service_manager")
    r = await customer_svc.http.delete(
        f"/api/v1/customers/{c['id']}", headers={**h, "If-Match": f'"{c["id"]}.1"'}
    )
    assert r.status_code == 200 and r.json()["status"] == "archived"
    listed = await customer_svc.http.get("/api/v1/customers", headers=h)
    assert listed.json()["items"] == []
    archived = await customer_svc.http.get(
        "/api/v1/customers", params={"status": "archived"}, headers=h
    )
    assert [x["id"] for x in archived.json()["items"]] == [c["id"]]
    r = await customer_svc.http.post(
        f"/api/v1/customers/{c['id']}/restore", headers={**h, "If-Match": r.headers["etag"]}
    )
    assert r.status_code == 200 and r.json()["status"] == "active"

    not_admin = await customer_svc.http.post(
        f"/api/v1/customers/{c['id']}/erase", headers={**h, "If-Match": r.headers["etag"]}
    )
    assert not_admin.status_code == 403
    erased = await customer_svc.http.post(
        f"/api/v1/customers/{c['id']}/erase",
        headers={**customer_svc.auth("admin"), "If-Match": r.headers["etag"]},
    )
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["status"] == "erased"
    assert body["name"] == f"(erased {c['number']})"
    assert body["phones"] == [] and body["email"] is None and body["birthday"] is None
    assert body["addresses"][0]["street"] is None
    assert body["addresses"][0]["city"] == "南京市"  # kept for statistics
    assert body["number"] == c["number"]
    types = [e.type for e in await customer_svc.events()]
    assert types == [
        "customer.registered",
        "customer.archived",
        "customer.updated",
        "customer.erased",
    ]


async def test_lifecycle_history_names_fields_and_keeps_no_personal_data(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer(name="History Person", phones=["13800000009"])
    r = await _patch(customer_svc, c["id"], {"email": "h@example.com"}, f'"{c["id"]}.1"')
    assert r.status_code == 200
    r = await customer_svc.http.post(
        f"/api/v1/customers/{c['id']}/erase",
        headers={**customer_svc.auth("admin", user="dpo"), "If-Match": r.headers["etag"]},
    )
    assert r.status_code == 200
    h = await customer_svc.http.get(
        f"/api/v1/customers/{c['id']}/history", headers=customer_svc.auth()
    )
    assert h.status_code == 200
    entries = h.json()["items"]
    assert [e["action"] for e in entries] == ["erased", "updated", "registered"]
    assert entries[0]["actor"] == "dpo"
    assert entries[1]["fields"] == ["email"]
    assert "h@example.com" not in h.text and "History Person" not in h.text
    page = await customer_svc.http.get(
        f"/api/v1/customers/{c['id']}/history", params={"limit": 2}, headers=customer_svc.auth()
    )
    rest = await customer_svc.http.get(
        f"/api/v1/customers/{c['id']}/history",
        params={"limit": 2, "cursor": page.json()["next_cursor"]},
        headers=customer_svc.auth(),
    )
    assert [e["action"] for e in rest.json()["items"]] == ["registered"]
