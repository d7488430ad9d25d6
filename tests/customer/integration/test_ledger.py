"""Sales ledger: orders/invoices, refunds and payments; JSON and CSV imports (all rows or
none), validation naming the field or row, dealer isolation, list filters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.customer.integration.conftest import CustomerHarness

TODAY = date.today()


def order(ref: str, amount: str = "1000.00", **kw: Any) -> dict[str, Any]:
    return {
        "external_ref": ref,
        "order_date": str(TODAY - timedelta(days=5)),
        "amount": amount,
        **kw,
    }


async def post_order(
    svc: CustomerHarness, cid: str, body: dict[str, Any], role: str = "credit_manager", **kw: Any
):
    return await svc.http.post(
        f"/api/v1/customers/{cid}/orders", json=body, headers=svc.auth(role, **kw)
    )


async def count(svc: CustomerHarness, cid: str, what: str = "orders") -> int:
    r = await svc.http.get(f"/api/v1/customers/{cid}/{what}?limit=200", headers=svc.auth("admin"))
    assert r.status_code == 200, r.text
    return len(r.json()["items"])


async def test_invoice_recorded_with_base_currency_values_and_default_due_date(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer()
    body = order(
        "INV-1", "100.00", currency="USD", fx_rate="7.1", gross_margin="30.00", product_line="pumps"
    )
    r = await post_order(customer_svc, c["id"], body)
    assert r.status_code == 201, r.text
    o = r.json()
    assert Decimal(o["net_amount"]) == Decimal("710.00")
    assert Decimal(o["net_margin"]) == Decimal("213.00")
    # No due date given: order date + default payment terms (30 days).
    assert o["due_date"] == str(TODAY - timedelta(days=5) + timedelta(days=30))


async def test_refund_is_positive_amount_with_negative_net(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer()
    r = await post_order(
        customer_svc, c["id"], order("CN-1", "250.00", kind="refund", gross_margin="50.00")
    )
    assert r.status_code == 201, r.text
    assert Decimal(r.json()["net_amount"]) == Decimal("-250.00")
    assert Decimal(r.json()["net_margin"]) == Decimal("-50.00")
    assert r.json()["due_date"] is None


async def test_bad_entries_are_refused_naming_the_field(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer()
    cases = [
        (order("X1", "-5"), "amount"),
        (order("X2", currency="XXX"), "currency"),
        (order("X3", kind="gift"), "kind"),
        (order("X4", currency="EUR"), "fx_rate"),
        (order("X5", due_date=str(TODAY - timedelta(days=30))), "due_date"),
    ]
    for body, field in cases:
        r = await post_order(customer_svc, c["id"], body)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in r.json()["errors"]], r.json()
    r = await customer_svc.http.post(
        f"/api/v1/customers/{c['id']}/payments",
        json={"external_ref": "P-1", "paid_on": str(TODAY), "amount": "-1"},
        headers=customer_svc.auth("credit_manager"),
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["amount"]
    assert await count(customer_svc, c["id"]) == 0


async def test_identical_retry_is_a_no_op_and_changed_duplicate_conflicts(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer()
    assert (await post_order(customer_svc, c["id"], order("INV-9"))).status_code == 201
    again = await post_order(customer_svc, c["id"], order("INV-9"))
    assert again.status_code == 200
    changed = await post_order(customer_svc, c["id"], order("INV-9", "999.00"))
    assert changed.status_code == 409
    assert changed.json()["errors"][0]["field"] == "external_ref"
    assert await count(customer_svc, c["id"]) == 1


async def test_json_import_by_id_and_number_then_retry_skips(customer_svc: CustomerHarness) -> None:
    a = await customer_svc.create_customer(name="A")
    b = await customer_svc.create_customer(name="B")
    body = {
        "orders": [
            {**order("J-1"), "customer_id": a["id"]},
            {**order("J-2", kind="refund"), "customer_number": b["number"]},
        ],
        "payments": [
            {
                "external_ref": "JP-1",
                "customer_id": a["id"],
                "paid_on": str(TODAY),
                "amount": "400.00",
                "method": "bank_transfer",
                "order_ref": "J-1",
            },
        ],
    }
    h = customer_svc.auth("service")
    r = await customer_svc.http.post("/api/v1/ledger/imports", json=body, headers=h)
    assert r.status_code == 200, r.text
    res = r.json()
    assert (res["orders_created"], res["payments_created"], res["customers_affected"]) == (2, 1, 2)
    again = (await customer_svc.http.post("/api/v1/ledger/imports", json=body, headers=h)).json()
    assert (again["orders_created"], again["orders_skipped"], again["payments_skipped"]) == (
        0,
        2,
        1,
    )
    assert await count(customer_svc, a["id"]) == 1
    assert await count(customer_svc, b["id"]) == 1


async def test_json_import_with_bad_rows_lists_each_and_writes_nothing(
    customer_svc: CustomerHarness,
) -> None:
    a = await customer_svc.create_customer()
    body = {
        "orders": [
            {**order("K-1"), "customer_id": a["id"]},
            {**order("K-2", "-3"), "customer_id": a["id"]},
            {**order("K-3"), "customer_number": "C99999999"},
            {**order("K-1"), "customer_id": a["id"]},
        ]
    }
    r = await customer_svc.http.post(
        "/api/v1/ledger/imports", json=body, headers=customer_svc.auth("credit_manager")
    )
    assert r.status_code == 422, r.text
    errs = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert errs == {(2, "amount"), (3, "customer_number"), (4, "external_ref")}
    assert await count(customer_svc, a["id"]) == 0


CSV_HEADER = "type,customer_number,external_ref,kind,date,currency,amount,fx_rate,gross_margin,product_line,due_date,paid_date,order_ref,method\n"


async def test_good_csv_imports_every_row(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer()
    n = c["number"]
    d = TODAY - timedelta(days=10)
    text = CSV_HEADER + (
        f"order,{n},E-1,invoice,{d},CNY,1200.50,,300,pumps,,,,\n"
        f"order,{n},E-2,refund,{d},USD,10,7.2,,pumps,,,,\n"
        f"\n"
        f"payment,{n},EP-1,,{TODAY},CNY,500,,,,,,E-1,bank_transfer\n"
    )
    r = await customer_svc.http.post(
        "/api/v1/ledger/imports/csv",
        content=text.encode(),
        headers={**customer_svc.auth("service"), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["orders_created"], r.json()["payments_created"]) == (2, 1)
    orders = (
        await customer_svc.http.get(
            f"/api/v1/customers/{c['id']}/orders?kind=refund", headers=customer_svc.auth()
        )
    ).json()["items"]
    assert [(o["external_ref"], o["net_amount"]) for o in orders] == [("E-2", "-72.00")]


async def test_csv_with_bad_rows_reports_each_and_imports_nothing(
    customer_svc: CustomerHarness,
) -> None:
    c = await customer_svc.create_customer()
    n = c["number"]
    text = CSV_HEADER + (
        f"order,{n},F-1,invoice,{TODAY},CNY,100,,,,,,,\n"  # row 1: good
        f"order,{n},F-2,invoice,{TODAY},CNY,-100,,,,,,,\n"  # row 2: negative amount
        f"order,{n},F-3,gift,{TODAY},CNY,100,,,,,,,\n"  # row 3: unknown kind
        f"refund,{n},F-4,,{TODAY},CNY,100,,,,,,,\n"  # row 4: unknown type
        f"order,{n},F-5,invoice,2026-13-45,CNY,100,,,,,,,\n"  # row 5: bad date
        f"order,{n},F-6,invoice,{TODAY},CNY\n"  # row 6: too few fields
        f"payment,{n},F-7,,{TODAY},CNY,100,,,,,,,teleport\n"  # row 7: unknown method
    )
    r = await customer_svc.http.post(
        "/api/v1/ledger/imports/csv",
        content=text.encode(),
        headers={**customer_svc.auth("credit_manager"), "Content-Type": "text/csv"},
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert "nothing was imported" in problem["detail"]
    errs = {(e["row"], e["field"]) for e in problem["errors"]}
    assert errs == {(2, "amount"), (3, "kind"), (4, "type"), (5, "date"), (6, "row"), (7, "method")}
    assert all(e["line"] == e["row"] + 1 for e in problem["errors"])
    assert await count(customer_svc, c["id"]) == 0
    assert await count(customer_svc, c["id"], "payments") == 0


async def test_csv_header_and_content_type_are_checked(customer_svc: CustomerHarness) -> None:
    h = customer_svc.auth("credit_manager")
    r = await customer_svc.http.post(
        "/api/v1/ledger/imports/csv",
        content=b"type,external_ref,date,amount,colour\n",
        headers={**h, "Content-Type": "text/csv"},
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"colour", "customer_id or customer_number"} <= fields
    r = await customer_svc.http.post(
        "/api/v1/ledger/imports/csv", content=b"a,b\n", headers={**h, "Content-Type": "text/plain"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Content-Type"


async def test_list_filters_and_cursor_pagination(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer()
    old = TODAY - timedelta(days=100)
    rows = [
        {
            **order(f"L-{i}"),
            "customer_id": c["id"],
            "order_date": str(old + timedelta(days=i)),
            "product_line": "pumps" if i % 2 else "valves",
            "due_date": str(old + timedelta(days=i + 30)),
            **({"paid_date": str(old + timedelta(days=i + 10))} if i < 3 else {}),
        }
        for i in range(7)
    ]
    r = await customer_svc.http.post(
        "/api/v1/ledger/imports", json={"orders": rows}, headers=customer_svc.auth("service")
    )
    assert r.status_code == 200, r.text
    h = customer_svc.auth("agent")
    url = f"/api/v1/customers/{c['id']}/orders"
    seen: list[str] = []
    cursor = None
    while True:
        q = f"?limit=3{'&cursor=' + cursor if cursor else ''}"
        page = (await customer_svc.http.get(url + q, headers=h)).json()
        seen += [o["external_ref"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"L-{i}" for i in reversed(range(7))]
    pumps = (await customer_svc.http.get(url + "?product_line=pumps", headers=h)).json()["items"]
    assert {o["external_ref"] for o in pumps} == {"L-1", "L-3", "L-5"}
    unpaid = (await customer_svc.http.get(url + "?unpaid=true", headers=h)).json()["items"]
    assert {o["external_ref"] for o in unpaid} == {"L-3", "L-4", "L-5", "L-6"}
    as_of = old + timedelta(days=35)  # L-3 and L-4 are due before it; L-5 is due on it
    overdue = (await customer_svc.http.get(url + f"?overdue=true&as_of={as_of}", headers=h)).json()[
        "items"
    ]
    assert {o["external_ref"] for o in overdue} == {"L-3", "L-4"}
    window = f"?date_from={old + timedelta(days=2)}&date_to={old + timedelta(days=3)}"
    assert len((await customer_svc.http.get(url + window, headers=h)).json()["items"]) == 2
    bad = await customer_svc.http.get(url + "?cursor=garbage", headers=h)
    assert bad.status_code == 422
    exported = await customer_svc.http.get(url + "?format=csv&unpaid=true&limit=1", headers=h)
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    refs = [line.split(",")[header.index("external_ref")] for line in lines[1:]]
    assert refs == ["L-6", "L-5", "L-4", "L-3"]  # every match, newest first, across pages
    payments = await customer_svc.http.get(
        f"/api/v1/customers/{c['id']}/payments?format=csv", headers=h
    )
    assert payments.status_code == 200 and payments.text.lstrip("\ufeff").startswith("id,")


async def test_dealer_sees_and_changes_only_its_customers(customer_svc: CustomerHarness) -> None:
    mine = await customer_svc.create_customer(dealer_id="D1")
    theirs = await customer_svc.create_customer(dealer_id="D2")
    await post_order(customer_svc, theirs["id"], order("T-1"))
    h = customer_svc.auth("dealer", dealer_id="D1")
    assert (
        await customer_svc.http.get(f"/api/v1/customers/{mine['id']}/orders", headers=h)
    ).status_code == 200
    for what in ("orders", "payments"):
        r = await customer_svc.http.get(f"/api/v1/customers/{theirs['id']}/{what}", headers=h)
        assert r.status_code == 404
    # A dealer may not write the ledger at all; the ERP (service) and credit staff do.
    r = await post_order(customer_svc, mine["id"], order("T-2"), role="dealer", dealer_id="D1")
    assert r.status_code == 403


async def test_unknown_customer_is_404(customer_svc: CustomerHarness) -> None:
    r = await post_order(customer_svc, "00000000-0000-0000-0000-000000000000", order("U-1"))
    assert r.status_code == 404
