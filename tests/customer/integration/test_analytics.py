"""Analytics of the customer service: service history and cost to serve from complaint
and ticket events, satisfaction from survey responses, profit contribution, Pareto,
composition, CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from customer.analytics.config import CostSettings
from customer.analytics.models import CustomerServiceStats, ServiceCost
from customer.ledger.models import Order
from customer.models import Customer
from kefu_shared.events import CloudEvent, EventData, contract_for, make_event
from tests.customer.integration.conftest import CustomerHarness

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
COSTS = CostSettings()


def event(type_: str, *, at: datetime | None = None, **data: Any) -> tuple[CloudEvent, EventData]:
    payload = contract_for(type_)(**data)
    ev = make_event(payload, source="/services/test", subject=str(data.get("id", "x")))
    if at is not None:
        ev = ev.model_copy(update={"time": at})
    return ev, payload


async def apply(
    svc: CustomerHarness, type_: str, *, at: datetime | None = None, **data: Any
) -> bool:
    ev, payload = event(type_, at=at, **data)
    return await svc.runtime.consumer.apply(ev, payload)


async def stats(svc: CustomerHarness, customer_id: str) -> CustomerServiceStats | None:
    async with svc.runtime.uow() as uow:
        return await uow.session.get(CustomerServiceStats, customer_id)


async def cost_rows(svc: CustomerHarness, customer_id: str) -> int:
    async with svc.runtime.uow() as uow:
        stmt = select(func.count()).where(ServiceCost.customer_id == customer_id)
        return int((await uow.session.execute(stmt)).scalar_one())


def complaint(cid: str, case: str = "CP-1", **kw: Any) -> dict[str, Any]:
    return {"id": case, "number": f"N-{case}", "customer_id": cid, **kw}


def ticket(cid: str, case: str = "TK-1", **kw: Any) -> dict[str, Any]:
    return {"id": case, "number": f"N-{case}", "customer_id": cid, **kw}


# --- consumers --------------------------------------------------------------------------


async def test_complaint_lifecycle_updates_counters_and_cost(customer_svc: CustomerHarness) -> None:
    c = await customer_svc.create_customer(name="Complainer")
    cid = c["id"]
    await apply(customer_svc, "complaint.received", at=T0, **complaint(cid, severity="major"))
    s = await stats(customer_svc, cid)
    assert s is not None
    assert (s.complaints_total, s.complaints_open) == (1, 1)
    assert s.cost_to_serve == COSTS.complaint_major
    assert s.last_complaint_at == T0

    await apply(
        customer_svc, "complaint.escalated", at=T0 + timedelta(hours=5), **complaint(cid, level=1)
    )
    await apply(customer_svc, "complaint.resolved", at=T0 + timedelta(days=2), **complaint(cid))
    await apply(
        customer_svc,
        "complaint.received",
        at=T0 + timedelta(days=3),
        **complaint(cid, "CP-2", severity="critical"),
    )
    s = await stats(customer_svc, cid)
    assert s is not None
    assert (s.complaints_total, s.complaints_open, s.escalations) == (2, 1, 1)
    assert s.cost_to_serve == (
        COSTS.complaint_major + COSTS.complaint_escalation + COSTS.complaint_critical
    )
    assert s.last_complaint_at == T0 + timedelta(days=3)

    await apply(customer_svc, "complaint.reopened", at=T0 + timedelta(days=4), **complaint(cid))
    s = await stats(customer_svc, cid)
    assert s is not None
    assert (s.complaints_open, s.complaints_reopened) == (2, 1)


async def test_ticket_visits_fees_and_sla_breaches(customer_svc: CustomerHarness) -> None:
    cid = (await customer_svc.create_customer(name="Ticketed"))["id"]
    await apply(customer_svc, "ticket.opened", at=T0, **ticket(cid, type="repair"))
    await apply(customer_svc, "ticket.visit_recorded", at=T0 + timedelta(hours=20), **ticket(cid))
    await apply(customer_svc, "ticket.visit_recorded", at=T0 + timedelta(hours=40), **ticket(cid))
    await apply(
        customer_svc,
        "ticket.sla_breached",
        id="TK-1",
        target="on_site",
        due=T0 + timedelta(hours=24),
        breached_at=T0 + timedelta(hours=24),
    )  # no customer_id in the event: found through the ticket
    await apply(
        customer_svc,
        "ticket.closed",
        at=T0 + timedelta(days=2),
        **ticket(cid, fee="180.00", in_warranty=False),
    )
    s = await stats(customer_svc, cid)
    assert s is not None
    assert (s.tickets_total, s.tickets_open, s.visits, s.sla_breaches) == (1, 0, 2, 1)
    expected = (
        COSTS.ticket_by_type["repair"] + 2 * COSTS.ticket_visit + COSTS.sla_breach - Decimal("180")
    )
    assert s.cost_to_serve == expected
    # a corrected fee books only the difference
    await apply(
        customer_svc, "ticket.closed", at=T0 + timedelta(days=3), **ticket(cid, fee="200.00")
    )
    s = await stats(customer_svc, cid)
    assert s is not None and s.cost_to_serve == expected - Decimal("20")


async def test_duplicate_event_is_applied_once(customer_svc: CustomerHarness) -> None:
    cid = (await customer_svc.create_customer(name="Twice"))["id"]
    ev, payload = event("ticket.visit_recorded", at=T0, **ticket(cid, type="repair"))
    assert await customer_svc.runtime.consumer.apply(ev, payload) is True
    assert await customer_svc.runtime.consumer.apply(ev, payload) is False
    s = await stats(customer_svc, cid)
    assert s is not None
    assert s.visits == 1
    assert s.cost_to_serve == COSTS.ticket_by_type["repair"] + COSTS.ticket_visit


async def test_out_of_order_close_before_open_leaves_nothing_open(
    customer_svc: CustomerHarness,
) -> None:
    cid = (await customer_svc.create_customer(name="Late"))["id"]
    await apply(customer_svc, "complaint.closed", at=T0 + timedelta(days=5), **complaint(cid))
    await apply(customer_svc, "complaint.received", at=T0, **complaint(cid, severity="critical"))
    await apply(customer_svc, "ticket.closed", at=T0 + timedelta(days=1), **ticket(cid))
    await apply(customer_svc, "ticket.opened", at=T0, **ticket(cid, type="installation"))
    s = await stats(customer_svc, cid)
    assert s is not None
    assert (s.complaints_total, s.complaints_open) == (1, 0)
    assert (s.tickets_total, s.tickets_open) == (1, 0)
    assert s.last_complaint_at == T0  # the case opened at the earliest event seen
    # first seen without severity/type: booked at the default, corrected when known
    assert s.cost_to_serve == COSTS.complaint_critical + COSTS.ticket_by_type["installation"]


async def test_events_for_unknown_customers_are_ignored(customer_svc: CustomerHarness) -> None:
    assert await apply(customer_svc, "complaint.received", **complaint("no-such-customer")) is True
    assert (
        await apply(
            customer_svc, "ticket.sla_breached", id="TK-x", target="on_site", due=T0, breached_at=T0
        )
        is True
    )
    assert (
        await apply(
            customer_svc, "survey.response_received", response_id="r-x", customer_id="nope", csat=1
        )
        is True
    )
    assert await stats(customer_svc, "no-such-customer") is None
    assert await cost_rows(customer_svc, "no-such-customer") == 0


async def test_survey_responses_set_latest_satisfaction_and_trend(
    customer_svc: CustomerHarness,
) -> None:
    cid = (await customer_svc.create_customer(name="Surveyed"))["id"]
    scores = [(5.0, 9), (4.0, 8), (2.0, 3)]
    for i, (csat, nps) in enumerate(scores):
        await apply(
            customer_svc,
            "survey.response_received",
            at=T0 + timedelta(days=i),
            response_id=f"r{i}",
            customer_id=cid,
            csat=csat,
            nps=nps,
        )
    # an old response delivered late does not replace the newest score
    await apply(
        customer_svc,
        "survey.response_received",
        at=T0 - timedelta(days=30),
        response_id="r-old",
        customer_id=cid,
        csat=5.0,
        nps=10,
    )
    s = await stats(customer_svc, cid)
    assert s is not None
    assert (s.latest_csat, s.latest_nps, s.responses) == (2.0, 3, 4)
    assert s.satisfaction_trend == "falling"  # newest 2 (2, 4) vs before (5, 5): -2


# --- profit contribution, Pareto, composition -------------------------------------------

PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}
_refs = iter(range(1, 10_000))


async def set_tier(svc: CustomerHarness, customer_id: str, tier: str) -> None:
    async with svc.runtime.uow() as uow:
        await uow.session.execute(
            update(Customer).where(Customer.id == customer_id).values(tier=tier)
        )
        await uow.commit()


async def add_orders(svc: CustomerHarness, customer_id: str, *orders: tuple[str, str, str]) -> None:
    """(date, net amount, net margin) per order; negative amounts are refunds."""
    async with svc.runtime.uow() as uow:
        for day, amount, margin in orders:
            value = Decimal(amount)
            uow.session.add(
                Order(
                    customer_id=customer_id,
                    external_ref=f"INV-{next(_refs)}",
                    kind="refund" if value < 0 else "invoice",
                    order_date=date.fromisoformat(day),
                    currency="CNY",
                    amount=abs(value),
                    fx_rate=Decimal(1),
                    gross_margin=abs(Decimal(margin)),
                    net_amount=value,
                    net_margin=Decimal(margin),
                )
            )
        await uow.commit()


async def customer(
    svc: CustomerHarness, name: str, tier: str, region: str | None, industry: str | None, **kw: Any
) -> str:
    body: dict[str, Any] = {"name": name, **kw}
    if region:
        body["addresses"] = [{"province": "浙江省", "region_class": region}]
    if industry:
        body["industry"] = industry
    cid = (await svc.create_customer(role="admin", **body))["id"]
    await set_tier(svc, cid, tier)
    return cid


async def small_ledger(svc: CustomerHarness) -> dict[str, str]:
    """A hand-computed ledger for 2026 (see the expected numbers in the tests)."""
    ids = {
        "A": await customer(svc, "A 泵业", "super", "local", "manufacturing"),
        "B": await customer(svc, "B Services", "large", "out_of_town", "services"),
        "C": await customer(svc, "C Small", "small", "local", "manufacturing"),
        "D": await customer(svc, "D Old", "small", "local", "manufacturing"),
        "E": await customer(svc, "E Costly", "medium", None, None),
    }
    await add_orders(
        svc,
        ids["A"],
        ("2026-02-01", "10000.00", "3000.00"),
        ("2026-05-01", "5000.00", "1500.00"),
        ("2026-06-01", "-1000.00", "-300.00"),
    )
    await add_orders(svc, ids["B"], ("2026-04-01", "6000.00", "1200.00"))
    await add_orders(svc, ids["C"], ("2026-07-01", "1000.00", "100.00"))
    await add_orders(svc, ids["D"], ("2025-06-01", "9999.00", "999.00"))  # outside the period
    await apply(svc, "complaint.received", at=T0, **complaint(ids["A"], "CA", severity="major"))
    await apply(svc, "ticket.opened", at=T0, **ticket(ids["B"], "TB", type="repair"))
    await apply(svc, "ticket.visit_recorded", at=T0, **ticket(ids["B"], "TB"))
    await apply(svc, "complaint.received", at=T0, **complaint(ids["C"], "CC", severity="critical"))
    await apply(svc, "ticket.opened", at=T0, **ticket(ids["E"], "TE", type="consultation"))
    # a cost outside the period does not count
    await apply(
        svc,
        "complaint.received",
        at=datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
        **complaint(ids["A"], "C-old", severity="critical"),
    )
    return ids


def dec(v: Any) -> Decimal:
    return Decimal(str(v))


async def test_profit_contribution_per_customer(customer_svc: CustomerHarness) -> None:
    ids = await small_ledger(customer_svc)
    h = customer_svc.auth("analyst")
    r = await customer_svc.http.get(
        "/api/v1/customer-analytics/profit-contribution", params={**PERIOD, "limit": 3}, headers=h
    )
    assert r.status_code == 200, r.text
    page1 = r.json()
    assert [i["customer_id"] for i in page1["items"]] == [ids["A"], ids["B"], ids["E"]]
    a = page1["items"][0]
    assert (dec(a["revenue"]), dec(a["gross_margin"]), dec(a["cost_to_serve"])) == (
        Decimal("14000"),
        Decimal("4200"),
        Decimal("800"),
    )
    assert dec(a["net_contribution"]) == Decimal("3400")
    assert dec(a["margin_rate"]) == Decimal("0.3")
    assert dec(page1["items"][1]["net_contribution"]) == Decimal("600")  # 1200 - (200 + 400)
    assert dec(page1["items"][2]["net_contribution"]) == Decimal("-50")  # consultation only
    r = await customer_svc.http.get(
        "/api/v1/customer-analytics/profit-contribution",
        params={**PERIOD, "limit": 3, "cursor": page1["next_cursor"]},
        headers=h,
    )
    page2 = r.json()
    assert [i["customer_id"] for i in page2["items"]] == [ids["C"]]
    assert dec(page2["items"][0]["net_contribution"]) == Decimal("-1900")
    assert page2["next_cursor"] is None

    r = await customer_svc.http.get(
        "/api/v1/customer-analytics/profit-contribution",
        params={**PERIOD, "sort": "revenue", "order": "asc", "tier": ["small", "large"]},
        headers=h,
    )
    assert [i["customer_id"] for i in r.json()["items"]] == [ids["C"], ids["B"]]


async def test_profit_contribution_per_class(customer_svc: CustomerHarness) -> None:
    await small_ledger(customer_svc)
    r = await customer_svc.http.get(
        "/api/v1/customer-analytics/profit-contribution/by-class",
        params=PERIOD,
        headers=customer_svc.auth("analyst"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(i["class"], dec(i["net_contribution"])) for i in body["items"]] == [
        ("super", Decimal("3400")),
        ("large", Decimal("600")),
        ("medium", Decimal("-50")),
        ("small", Decimal("-1900")),
    ]
    assert dec(body["total"]["revenue"]) == Decimal("21000")
    assert dec(body["total"]["net_contribution"]) == Decimal("2050")
    assert dec(body["items"][0]["revenue_share"]) == Decimal("0.6667")


async def test_pareto_shares_of_the_top_customers(customer_svc: CustomerHarness) -> None:
    await small_ledger(customer_svc)
    r = await customer_svc.http.get(
        "/api/v1/customer-analytics/pareto",
        params={**PERIOD, "points": 4, "top_percent": 20},
        headers=customer_svc.auth("analyst"),
    )
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["customers"] == 4
    # ranked by net contribution: A 3400, B 600, E -50, C -1900 (total 2050, revenue 21000)
    assert [p["customers"] for p in view["points"]] == [1, 2, 3, 4]
    assert [dec(p["net_contribution_share"]) for p in view["points"]] == [
        Decimal("1.6585"),
        Decimal("1.9512"),
        Decimal("1.9268"),
        Decimal("1.0000"),
    ]
    assert [dec(p["revenue_share"]) for p in view["points"]] == [
        Decimal("0.6667"),
        Decimal("0.9524"),
        Decimal("0.9524"),
        Decimal("1.0000"),
    ]
    assert view["top"]["customers"] == 1
    assert "165.9% of net contribution" in view["summary"]


async def test_composition_counts_and_revenue(customer_svc: CustomerHarness) -> None:
    await small_ledger(customer_svc)
    h = customer_svc.auth("analyst")
    url = "/api/v1/customer-analytics/composition"
    r = await customer_svc.http.get(url, params={**PERIOD, "limit": 2}, headers=h)
    assert r.status_code == 200, r.text
    first = r.json()
    r = await customer_svc.http.get(
        url, params={**PERIOD, "limit": 2, "cursor": first["next_cursor"]}, headers=h
    )
    cells = first["items"] + r.json()["items"]
    assert r.json()["next_cursor"] is None
    got = [
        (
            c["tier"],
            c["region_class"],
            c["industry"],
            c["customers"],
            c["customers_with_revenue"],
            dec(c["revenue"]),
        )
        for c in cells
    ]
    assert got == [
        ("large", "out_of_town", "services", 1, 1, Decimal("6000")),
        ("medium", None, None, 1, 0, Decimal("0")),
        ("small", "local", "manufacturing", 2, 1, Decimal("1000")),
        ("super", "local", "manufacturing", 1, 1, Decimal("14000")),
    ]


async def test_csv_exports_parse_and_match_json(customer_svc: CustomerHarness) -> None:
    await small_ledger(customer_svc)
    h = customer_svc.auth("analyst")
    for path, items_key in (
        ("/api/v1/customer-analytics/profit-contribution", "items"),
        ("/api/v1/customer-analytics/composition", "items"),
        ("/api/v1/customer-analytics/pareto", "points"),
    ):
        js = (await customer_svc.http.get(path, params=PERIOD, headers=h)).json()
        r = await customer_svc.http.get(path, params={**PERIOD, "format": "csv"}, headers=h)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        by_accept = await customer_svc.http.get(
            path, params=PERIOD, headers={**h, "Accept": "text/csv"}
        )
        assert by_accept.text == r.text
        rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
        assert len(rows) == len(js[items_key]) > 0
        for row, item in zip(rows, js[items_key], strict=True):
            for key, value in item.items():
                expected = "" if value is None else str(value)
                assert row[key] == expected, (path, key)
    r = await customer_svc.http.get(
        "/api/v1/customer-analytics/profit-contribution/by-class",
        params={**PERIOD, "format": "csv"},
        headers=h,
    )
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [row["class"] for row in rows] == ["super", "large", "medium", "small", "total"]
    assert rows[-1]["net_contribution"] == "2050.00"


async def test_service_profile_and_dealer_isolation(customer_svc: CustomerHarness) -> None:
    mine = await customer(customer_svc, "Mine", "small", "local", None, dealer_id="D1")
    other = await customer(customer_svc, "Other", "small", "local", None, dealer_id="D2")
    for cid in (mine, other):
        await add_orders(customer_svc, cid, ("2026-03-01", "500.00", "50.00"))
        await apply(customer_svc, "ticket.opened", at=T0, **ticket(cid, f"T-{cid}", type="repair"))
    dealer = customer_svc.auth("dealer", dealer_id="D1")
    r = await customer_svc.http.get(
        f"/api/v1/customer-analytics/customers/{mine}/service-profile", headers=dealer
    )
    assert r.status_code == 200, r.text
    assert r.json()["tickets_open"] == 1
    breakdown = {k: dec(v) for k, v in r.json()["cost_breakdown"].items()}
    assert breakdown == {"ticket": COSTS.ticket_by_type["repair"]}
    r = await customer_svc.http.get(
        f"/api/v1/customer-analytics/customers/{other}/service-profile", headers=dealer
    )
    assert r.status_code == 404
    r = await customer_svc.http.get(
        "/api/v1/customer-analytics/profit-contribution",
        params={**PERIOD, "dealer_id": "D2"},  # asking for another dealer changes nothing
        headers=dealer,
    )
    assert [i["customer_id"] for i in r.json()["items"]] == [mine]
    r = await customer_svc.http.get(
        "/api/v1/customer-analytics/pareto", params=PERIOD, headers=customer_svc.auth("technician")
    )
    assert r.status_code == 403
