"""Lists and archives: address and grade classification, the customer card, duplicates,
merge."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from customer.ledger.models import Order
from kefu_shared.contracts.ticket import TicketClosed
from kefu_shared.events import make_event
from tests.customer.integration.conftest import CustomerHarness


async def _add_order(
    svc: CustomerHarness, customer_id: str, ref: str, amount: str, days_ago: int
) -> None:
    async with svc.runtime.uow() as uow:
        uow.session.add(
            Order(
                customer_id=customer_id,
                external_ref=ref,
                kind="invoice",
                order_date=date.today() - timedelta(days=days_ago),
                currency="CNY",
                amount=Decimal(amount),
                fx_rate=Decimal(1),
                gross_margin=Decimal(amount) / 4,
                net_amount=Decimal(amount),
                net_margin=Decimal(amount) / 4,
                product_line="pumps",
            )
        )
        await uow.commit()


async def test_address_and_grade_classification(customer_svc: CustomerHarness) -> None:
    made = []
    for name, city, region in (
        ("A", "杭州市", "local"),
        ("B", "杭州市", "local"),
        ("C", "上海市", "out_of_town"),
    ):
        made.append(
            await customer_svc.create_customer(
                name=name,
                addresses=[
                    {
                        "province": "浙江省" if city == "杭州市" else "上海市",
                        "city": city,
                        "region_class": region,
                    }
                ],
            )
        )
    h = customer_svc.auth()
    r = await customer_svc.http.get(
        "/api/v1/customers/address-classification",
        params={"group_by": ["city", "region_class"]},
        headers=h,
    )
    assert r.status_code == 200, r.text
    items = {(i["city"], i["region_class"]): i["customers"] for i in r.json()["items"]}
    assert items == {("杭州市", "local"): 2, ("上海市", "out_of_town"): 1}
    csv_resp = await customer_svc.http.get(
        "/api/v1/customers/address-classification",
        params={"group_by": ["city"], "format": "csv"},
        headers=h,
    )
    lines = csv_resp.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "city,customers,key_accounts"
    assert "杭州市,2,0" in lines

    async def grades() -> dict[str, dict[str, object]]:
        r = await customer_svc.http.get("/api/v1/customers/grade-classification", headers=h)
        return {g["tier"]: g for g in r.json()["items"]}

    before = await grades()
    assert list(before) == ["super", "large", "medium", "small", "inactive", "potential"]
    # No purchase and no contact yet: nobody has a revenue class.
    assert [g["customers"] for g in before.values()] == [0] * 6
    await customer_svc.log_contact(made[0]["id"])
    after = await grades()
    assert (after["potential"]["customers"], after["potential"]["share"]) == (1, 1.0)
    assert after["super"]["customers"] == 0


async def test_customer_card_json_and_html(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer(
        kind="company",
        name="<b>杭州泵业</b>",
        contacts=[
            {
                "name": "王经理",
                "title": "采购部经理",
                "phones": ["13800000000"],
                "purchase_role": "decider",
            }
        ],
        addresses=[
            {
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "street": "文三路 100 号",
            }
        ],
    )
    await _add_order(customer_svc, c["id"], "INV-1", "1000.00", 10)
    await _add_order(customer_svc, c["id"], "INV-2", "500.00", 400)
    await customer_svc.log_contact(c["id"])  # not classified yet: a contact makes it 潜在客户
    h = customer_svc.auth()
    r = await customer_svc.http.get(f"/api/v1/customers/{c['id']}/card", headers=h)
    assert r.status_code == 200
    card = r.json()
    assert card["customer"]["number"] == c["number"]
    assert card["ledger"]["orders"] == 2
    assert Decimal(card["ledger"]["revenue_12m"]) == Decimal("1000.00")
    assert Decimal(card["ledger"]["revenue_total"]) == Decimal("1500.00")
    assert card["classification"]["tier_label"] == "潜在客户"
    page = await customer_svc.http.get(f"/api/v1/customers/{c['id']}/card.html", headers=h)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "客户管理卡" in page.text and "王经理" in page.text
    assert "&lt;b&gt;杭州泵业&lt;/b&gt;" in page.text  # escaped, not markup
    assert "<b>杭州泵业</b>" not in page.text


async def test_duplicates_are_found_and_merged(customer_svc: CustomerHarness) -> None:
    svc = customer_svc
    a = await svc.create_customer(
        name="李明", phones=["13811112222"], addresses=[{"city": "苏州市"}]
    )
    b = await svc.create_customer(
        name="李明",
        phones=["13933334444"],
        email="li@example.com",
        tags=["vip"],
        addresses=[{"city": "苏州市"}],
    )
    c = await svc.create_customer(name="Other", phones=["13811112222"])
    await svc.create_customer(
        name="李明", addresses=[{"city": "无锡市"}]
    )  # another city: not a duplicate
    await _add_order(svc, b["id"], "INV-B1", "200.00", 5)
    closed = make_event(
        TicketClosed(id="TK-9", number="T9", customer_id=b["id"], type="repair", status="closed"),
        source="/services/ticket",
        subject="TK-9",
    )
    assert await svc.runtime.consumer.apply(closed, TicketClosed.model_validate(closed.data))

    r = await svc.http.get("/api/v1/customers/duplicates", headers=svc.auth())
    assert r.status_code == 200, r.text
    groups = {
        (g["reason"], g["value"]): {m["id"] for m in g["customers"]} for g in r.json()["items"]
    }
    assert groups[("phone", "13811112222")] == {a["id"], c["id"]}
    assert groups[("name_city", "李明|苏州市")] == {a["id"], b["id"]}
    assert len(groups) == 2

    h = {**svc.auth("service_manager"), "If-Match": f'"{a["id"]}.1"'}
    r = await svc.http.post(
        f"/api/v1/customers/{a['id']}/merge", json={"merge_ids": [b["id"]]}, headers=h
    )
    assert r.status_code == 200, r.text
    merged = r.json()
    assert merged["phones"] == ["13811112222", "13933334444"]
    assert merged["email"] == "li@example.com"
    assert merged["tags"] == ["vip"]
    gone = await svc.http.get(f"/api/v1/customers/{b['id']}", headers=svc.auth())
    assert gone.json()["status"] == "merged"
    card = await svc.http.get(f"/api/v1/customers/{a['id']}/card", headers=svc.auth())
    assert card.json()["ledger"]["orders"] == 1  # the duplicate's order follows the survivor
    assert card.json()["service"]["tickets_total"] == 1  # and its service history
    assert Decimal(card.json()["credit"]["outstanding"]) == Decimal("200.00")  # and receivables
    # Events still naming the duplicate land on the survivor.
    late = make_event(
        TicketClosed(id="TK-10", number="T10", customer_id=b["id"], type="repair", status="closed"),
        source="/services/ticket",
        subject="TK-10",
    )
    assert await svc.runtime.consumer.apply(late, TicketClosed.model_validate(late.data))
    profile = await svc.http.get(
        f"/api/v1/customer-analytics/customers/{a['id']}/service-profile", headers=svc.auth()
    )
    assert profile.json()["tickets_total"] == 2
    credit_events = await svc.events("customer.credit_changed")
    assert {e.subject for e in credit_events} >= {a["id"]}
    event = (await svc.events("customer.merged"))[0]
    assert event.data == {"surviving_id": a["id"], "merged_ids": [b["id"]]}
    tagged = await svc.http.get("/api/v1/customers", params={"tag": "vip"}, headers=svc.auth())
    assert [x["id"] for x in tagged.json()["items"]] == [a["id"]]

    again = await svc.http.post(
        f"/api/v1/customers/{a['id']}/merge",
        json={"merge_ids": [a["id"]]},
        headers={
            **svc.auth("service_manager"),
            "If-Match": card.json()["customer"]["id"] and f'"{a["id"]}.2"',
        },
    )
    assert again.status_code == 422
    unknown = await svc.http.post(
        f"/api/v1/customers/{a['id']}/merge",
        json={"merge_ids": ["nope"]},
        headers={**svc.auth("service_manager"), "If-Match": f'"{a["id"]}.2"'},
    )
    assert unknown.status_code == 404
