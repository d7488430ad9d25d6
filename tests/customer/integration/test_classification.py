"""Revenue classification runs and the computed dimensions (tier, sales stage, pattern,
key account): the runs through the API on a real database (the boundary arithmetic is in
tests/customer/unit/test_classification_rules.py); SQLite, or PostgreSQL with
TEST_DATABASE_URL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from customer.classification.models import ACTIVE_LOCK, ClassificationRun
from customer.classification.rules import (
    classify_revenues,
)
from customer.ledger.models import Order
from customer.models import Customer
from kefu_shared.contracts.customer import CustomerClassified
from kefu_shared.events import CloudEvent, parse_data
from tests.customer.integration.conftest import CustomerHarness
from tests.support import eventually

AS_OF = date(2026, 6, 30)  # window: 2025-07-01 .. 2026-06-30
IN_WINDOW = date(2026, 3, 1)
PREVIOUS_WINDOW = date(2025, 3, 1)  # 2024-07-01 .. 2025-06-30
D = Decimal


# -- the rule's arithmetic ---------------------------------------------------------------


# -- helpers for the integration tests ----------------------------------------------------


Sale = tuple[date, Any] | tuple[date, Any, str]


async def seed(
    svc: CustomerHarness, customers: dict[str, list[Sale]], **fields: Any
) -> dict[str, str]:
    """Insert customers (name -> ledger rows (date, amount[, 'refund'])) straight into the
    database; returns name -> id."""
    ids: dict[str, str] = {}
    async with svc.runtime.uow() as uow:
        for name in customers:
            c = Customer(number=f"T{uuid.uuid4().hex[:12]}", kind="individual", name=name, **fields)
            uow.session.add(c)
            ids[name] = c.id
        await uow.session.flush()  # orders reference customers (no ORM relationship)
        for name, sales in customers.items():
            for sale in sales:
                day, amount = sale[0], D(str(sale[1]))
                kind = sale[2] if len(sale) > 2 else "invoice"  # type: ignore[misc]
                uow.session.add(
                    Order(
                        customer_id=ids[name],
                        external_ref=uuid.uuid4().hex,
                        kind=kind,
                        order_date=day,
                        currency="CNY",
                        amount=amount,
                        fx_rate=D(1),
                        net_amount=-amount if kind == "refund" else amount,
                    )
                )
        await uow.commit()
    return ids


async def add_sale(svc: CustomerHarness, customer_id: str, day: date, amount: Any) -> None:
    async with svc.runtime.uow() as uow:
        uow.session.add(
            Order(
                customer_id=customer_id,
                external_ref=uuid.uuid4().hex,
                kind="invoice",
                order_date=day,
                currency="CNY",
                amount=D(str(amount)),
                fx_rate=D(1),
                net_amount=D(str(amount)),
            )
        )
        await uow.commit()


async def state(svc: CustomerHarness) -> dict[str, Customer]:
    async with svc.runtime.uow() as uow:
        rows = (await uow.session.execute(select(Customer))).scalars().all()
    return {c.name: c for c in rows}


async def run(svc: CustomerHarness, role: str = "analyst", **body: Any) -> dict[str, Any]:
    """Start a run through the API and wait for its background task to finish it."""
    body.setdefault("as_of", AS_OF.isoformat())
    r = await svc.http.post("/api/v1/classification-runs", json=body, headers=svc.auth(role))
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == f"/api/v1/classification-runs/{r.json()['id']}"
    assert r.json()["status"] in ("queued", "running", "succeeded")

    async def finished() -> dict[str, Any] | None:
        g = await svc.http.get(r.headers["Location"], headers=svc.auth(role))
        assert g.status_code == 200, g.text
        return g.json() if g.json()["status"] in ("succeeded", "failed") else None

    result: dict[str, Any] = await eventually(finished, timeout=30)
    assert result["status"] == "succeeded", result["error"]
    return result


def tiers_of(customers: dict[str, Customer]) -> dict[str, str]:
    return {name: c.tier for name, c in customers.items()}


# -- revenue classes -----------------------------------------------------------------------


async def test_standard_distribution_of_a_hundred_customers(customer_svc: CustomerHarness):
    await seed(customer_svc, {f"c{i:03d}": [(IN_WINDOW, 100_000 - i * 100)] for i in range(100)})
    result = await run(customer_svc)
    tiers = tiers_of(await state(customer_svc))
    assert tiers["c000"] == "super"
    assert {tiers[f"c{i:03d}"] for i in range(1, 5)} == {"large"}
    assert {tiers[f"c{i:03d}"] for i in range(5, 20)} == {"medium"}
    assert {tiers[f"c{i:03d}"] for i in range(20, 100)} == {"small"}
    assert result["ranked_customers"] == 100
    assert result["boundaries"] == {"super": 1, "large": 5, "medium": 20}
    assert result["counts"] == {
        "super": 1,
        "large": 4,
        "medium": 15,
        "small": 80,
        "inactive": 0,
        "potential": 0,
    }
    assert D(result["window_revenue"]) == sum(D(100_000 - i * 100) for i in range(100))


async def test_ties_at_cut_points_go_to_the_higher_class(customer_svc: CustomerHarness):
    amounts = {f"c{i:03d}": 100_000 - i * 100 for i in range(100)}
    amounts["c001"] = amounts["c000"]  # tie across the super cut
    amounts["c005"] = amounts["c004"]  # tie across the large cut
    amounts["c020"] = amounts["c019"]  # tie across the medium cut
    await seed(customer_svc, {n: [(IN_WINDOW, a)] for n, a in amounts.items()})
    result = await run(customer_svc)
    tiers = tiers_of(await state(customer_svc))
    assert tiers["c000"] == tiers["c001"] == "super"
    assert tiers["c002"] == "large"
    assert tiers["c004"] == tiers["c005"] == "large"
    assert tiers["c006"] == "medium"
    assert tiers["c019"] == tiers["c020"] == "medium"
    assert tiers["c021"] == "small"
    assert result["counts"]["super"] == 2
    assert result["counts"]["large"] == 4  # ranks 3, 4, 5, 5
    assert result["counts"]["medium"] == 15  # ranks 7..20 and the tied 20
    # the SQL agrees with the reference implementation in Python
    expected = classify_revenues({n: D(a) for n, a in amounts.items()})
    assert tiers == expected


async def test_fewer_than_a_hundred_customers(customer_svc: CustomerHarness):
    await seed(customer_svc, {"a": [(IN_WINDOW, 300)], "b": [(IN_WINDOW, 200)]})
    await seed(customer_svc, {"c": [(IN_WINDOW, 100)]})
    result = await run(customer_svc)
    assert tiers_of(await state(customer_svc)) == {"a": "super", "b": "small", "c": "small"}
    assert result["boundaries"] == {"super": 1, "large": 1, "medium": 1}


async def test_a_single_customer_is_super(customer_svc: CustomerHarness):
    await seed(customer_svc, {"only": [(IN_WINDOW, 1)]})
    await run(customer_svc)
    assert tiers_of(await state(customer_svc)) == {"only": "super"}


async def test_customer_with_only_refunds_has_no_revenue_and_is_inactive(
    customer_svc: CustomerHarness,
):
    await seed(
        customer_svc,
        {
            "buyer": [(IN_WINDOW, 500)],
            "refunds_only": [(IN_WINDOW, 200, "refund")],
            "refund_of_old_purchase": [(PREVIOUS_WINDOW, 800), (IN_WINDOW, 800, "refund")],
            "net_negative": [(IN_WINDOW, 100), (IN_WINDOW, 300, "refund")],
            "net_positive": [(IN_WINDOW, 300), (IN_WINDOW, 100, "refund")],
        },
    )
    result = await run(customer_svc)
    customers = await state(customer_svc)
    assert tiers_of(customers) == {
        "buyer": "super",
        "net_positive": "small",
        "refunds_only": "inactive",
        "refund_of_old_purchase": "inactive",
        "net_negative": "inactive",
    }
    assert result["ranked_customers"] == 2
    assert customers["refunds_only"].sales_stage == "existing"
    # no invoice at all: nothing bought for 180 days
    assert customers["refunds_only"].transaction_pattern == "dormant"


async def test_window_with_no_revenue_at_all(customer_svc: CustomerHarness):
    await seed(customer_svc, {"old1": [(PREVIOUS_WINDOW, 100)], "old2": [(date(2020, 1, 1), 5)]})
    await seed(customer_svc, {"prospect": []})
    result = await run(customer_svc)
    assert tiers_of(await state(customer_svc)) == {
        "old1": "inactive",
        "old2": "inactive",
        "prospect": None,  # never bought, never contacted: no revenue class
    }
    assert result["ranked_customers"] == 0
    assert result["boundaries"] == {"super": 0, "large": 0, "medium": 0}
    assert result["counts"]["inactive"] == 2
    assert D(result["window_revenue"]) == 0


async def test_inactive_versus_potential_and_sales_stage(customer_svc: CustomerHarness):
    ids = await seed(
        customer_svc,
        {
            "current": [(IN_WINDOW, 100)],
            "lapsed": [(PREVIOUS_WINDOW, 100)],
            "future_only": [(AS_OF + timedelta(days=1), 100)],  # after as_of: ignored
            "never": [],
            "contacted": [],
        },
    )
    # 潜在客户 needs a first contact; without one a customer who never bought has no class.
    await customer_svc.log_contact(ids["contacted"], kind="visit")
    await run(customer_svc)
    customers = await state(customer_svc)
    assert {n: (c.tier, c.sales_stage) for n, c in customers.items()} == {
        "current": ("super", "current"),
        "lapsed": ("inactive", "existing"),
        "future_only": (None, "potential"),
        "never": (None, "potential"),
        "contacted": ("potential", "potential"),
    }
    assert customers["never"].transaction_pattern is None


async def test_window_months_and_cut_points_are_configurable(customer_svc: CustomerHarness):
    # ten customers; 'early' bought 3 months before as_of, inside 12 months but not 1 month
    names = {f"c{i}": [(AS_OF - timedelta(days=5), 1000 - i)] for i in range(9)}
    names["early"] = [(AS_OF - timedelta(days=90), 5000)]
    await seed(customer_svc, names)
    result = await run(
        customer_svc,
        window_months=1,
        cut_points={"super": "10", "large": "20", "medium": "30"},
    )
    tiers = tiers_of(await state(customer_svc))
    assert tiers["early"] == "inactive"
    # N = 9: ceil(0.9) = 1, ceil(2.7) = 3, ceil(5.4) = 6
    assert result["boundaries"] == {"super": 1, "large": 3, "medium": 6}
    assert [tiers[f"c{i}"] for i in range(9)] == (
        ["super", "large", "large", "medium", "medium", "medium", "small", "small", "small"]
    )
    assert result["window_start"] == "2026-05-31"
    assert result["cut_points"] == {"super": "10.00", "large": "20.00", "medium": "30.00"}


# -- events and repeat runs ------------------------------------------------------------


async def test_changes_emit_customer_classified_and_unchanged_customers_emit_nothing(
    customer_svc: CustomerHarness,
):
    ids = await seed(customer_svc, {"big": [(IN_WINDOW, 900)], "mid": [(IN_WINDOW, 500)]})
    ids |= await seed(customer_svc, {"dealer_customer": [(IN_WINDOW, 100)]}, dealer_id="D-7")
    ids |= await seed(customer_svc, {"prospect": []})
    first = await run(customer_svc)
    events = await customer_svc.events("customer.classified")
    # prospect stays without a class (never bought, never contacted): no event
    assert {e.subject for e in events} == {ids["big"], ids["mid"], ids["dealer_customer"]}
    assert first["events_count"] == 3
    by_subject = {e.subject: parse_data(e) for e in events}
    big = by_subject[ids["big"]]
    assert isinstance(big, CustomerClassified)
    assert (big.previous_tier, big.tier, big.run_id) == (None, "super", first["id"])
    assert big.key_account is True and big.rank == 1 and big.revenue == D("900.00")

    # 'mid' overtakes 'big': exactly those two change, 'dealer_customer' stays small
    await add_sale(customer_svc, ids["mid"], IN_WINDOW, 1000)
    second = await run(customer_svc)
    new = [e for e in await customer_svc.events("customer.classified") if e not in events]
    changes = {e.subject: (e.data["previous_tier"], e.data["tier"]) for e in new}
    assert changes == {ids["mid"]: ("small", "super"), ids["big"]: ("super", "small")}
    assert second["events_count"] == 2
    assert all(e.data["run_id"] == second["id"] for e in new)


async def test_outbox_rows_written_in_sql_are_valid_cloudevents(customer_svc: CustomerHarness):
    ids = await seed(customer_svc, {"plain": [(IN_WINDOW, 10)]})
    ids |= await seed(customer_svc, {"dealer": [(IN_WINDOW, 20)]}, dealer_id="D-1")
    result = await run(customer_svc)
    outbox = customer_svc.runtime.tables.outbox
    async with customer_svc.runtime.uow() as uow:
        rows = (
            await uow.session.execute(select(outbox).where(outbox.c.type == "customer.classified"))
        ).all()
    assert len(rows) == 2
    for row in rows:
        event = CloudEvent.model_validate_json(row.payload)
        data = parse_data(event)
        assert isinstance(data, CustomerClassified)
        assert event.specversion == "1.0"
        assert str(uuid.UUID(event.id)) == event.id == row.event_id
        assert event.source == "/services/customer"
        assert event.type == row.type == "customer.classified"
        assert event.subject == row.key == data.id
        assert event.datacontenttype == "application/json"
        assert event.dataschema == CustomerClassified.dataschema()
        assert event.time.tzinfo is not None
        assert abs(event.time - datetime.now(UTC)) < timedelta(minutes=5)
        assert row.topic == "customer.events.v1"
        assert data.run_id == result["id"] and data.as_of == AS_OF
        assert data.sales_stage == "current"
        if data.id == ids["dealer"]:
            assert event.dealerid == "D-1" and data.dealer_id == "D-1"
            assert (data.tier, data.rank, data.revenue) == ("super", 1, D("20.00"))
        else:
            assert event.dealerid is None and "dealerid" not in row.payload
            assert (data.tier, data.rank, data.revenue) == ("small", 2, D("10.00"))
    assert len({r.event_id for r in rows}) == 2


async def test_a_second_identical_run_changes_nothing(customer_svc: CustomerHarness):
    await seed(customer_svc, {f"c{i}": [(IN_WINDOW, 10 * (i + 1))] for i in range(30)})
    await seed(customer_svc, {"lapsed": [(PREVIOUS_WINDOW, 5)], "never": []})
    first = await run(customer_svc)
    before = {
        n: (c.tier, c.version, c.transaction_pattern)
        for n, c in (await state(customer_svc)).items()
    }
    events_before = len(await customer_svc.events("customer.classified"))
    second = await run(customer_svc)
    after = {
        n: (c.tier, c.version, c.transaction_pattern)
        for n, c in (await state(customer_svc)).items()
    }
    assert first["changed_count"] == 31  # 'never' stays potential with no pattern
    assert (second["changed_count"], second["events_count"]) == (0, 0)
    assert before == after
    assert len(await customer_svc.events("customer.classified")) == events_before
    assert second["counts"] == first["counts"]
    r = await customer_svc.http.get(
        f"/api/v1/classification-runs/{second['id']}/results", headers=customer_svc.auth("analyst")
    )
    assert r.status_code == 200 and r.json()["items"] == []


async def test_changed_customers_get_a_new_version(customer_svc: CustomerHarness):
    ids = await seed(customer_svc, {"a": [(IN_WINDOW, 10)]})
    before = (await state(customer_svc))["a"]
    await run(customer_svc)
    after = (await state(customer_svc))["a"]
    assert after.version == before.version + 1
    assert after.updated_at > before.updated_at
    r = await customer_svc.http.get(f"/api/v1/customers/{ids['a']}", headers=customer_svc.auth())
    assert r.json()["tier"] == "super"


async def test_run_records_who_when_window_cut_points_and_counts(customer_svc: CustomerHarness):
    await seed(customer_svc, {"a": [(IN_WINDOW, 10)], "b": [(PREVIOUS_WINDOW, 10)], "c": []})
    result = await run(customer_svc, role="service_manager", thresholds={"dormant_days": 90})
    assert result["requested_by"] == "tester"
    assert result["as_of"] == AS_OF.isoformat()
    assert (result["window_months"], result["window_start"], result["window_end"]) == (
        12,
        "2025-07-01",
        "2026-06-30",
    )
    assert result["cut_points"] == {"super": "1.00", "large": "4.00", "medium": "15.00"}
    assert result["thresholds"]["dormant_days"] == 90
    assert result["thresholds"]["fast_growth_pct"] == "30"
    assert result["counts"] == {
        "super": 1,
        "large": 0,
        "medium": 0,
        "small": 0,
        "inactive": 1,
        "potential": 0,  # 'c' never bought and was never contacted: no class
    }
    assert result["changed_count"] == 2 and result["events_count"] == 2
    started = datetime.fromisoformat(result["started_at"])
    finished = datetime.fromisoformat(result["finished_at"])
    assert datetime.fromisoformat(result["created_at"]) <= started <= finished
    assert result["duration_ms"] >= 0 and result["error"] is None

    listing = await customer_svc.http.get(
        "/api/v1/classification-runs", headers=customer_svc.auth("analyst")
    )
    assert [x["id"] for x in listing.json()["items"]] == [result["id"]]
    results = await customer_svc.http.get(
        f"/api/v1/classification-runs/{result['id']}/results",
        headers=customer_svc.auth("analyst"),
    )
    assert {(x["previous_tier"], x["tier"]) for x in results.json()["items"]} == {
        (None, "super"),
        (None, "inactive"),
    }
    exported = await customer_svc.http.get(
        f"/api/v1/classification-runs/{result['id']}/results",
        params={"format": "csv", "limit": 1},
        headers=customer_svc.auth("analyst"),
    )
    assert exported.headers["content-type"].startswith("text/csv")
    assert len(exported.text.lstrip("\ufeff").splitlines()) == 3  # header + both changes
    missing = await customer_svc.http.get(
        "/api/v1/classification-runs/nope/results",
        params={"format": "csv"},
        headers=customer_svc.auth("analyst"),
    )
    assert missing.status_code == 404


async def test_runs_are_listed_newest_first_with_a_cursor(customer_svc: CustomerHarness):
    await seed(customer_svc, {"a": [(IN_WINDOW, 10)]})
    ids = [(await run(customer_svc))["id"] for _ in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = await customer_svc.http.get(
            "/api/v1/classification-runs", params=params, headers=customer_svc.auth("analyst")
        )
        assert r.status_code == 200
        seen += [x["id"] for x in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


# -- one run at a time, validation, roles ---------------------------------------------------


async def _insert_run(svc: CustomerHarness, *, started: datetime) -> str:
    async with svc.runtime.uow() as uow:
        r = ClassificationRun(
            status="running",
            active_lock=ACTIVE_LOCK,
            requested_by="someone",
            created_at=started,
            started_at=started,
            as_of=AS_OF,
            window_months=12,
            window_start=date(2025, 7, 1),
            window_end=AS_OF,
            super_pct=D(1),
            large_pct=D(4),
            medium_pct=D(15),
            thresholds={},
        )
        uow.session.add(r)
        await uow.commit()
        return r.id


async def test_409_while_a_run_is_running(customer_svc: CustomerHarness):
    running = await _insert_run(customer_svc, started=datetime.now(UTC))
    r = await customer_svc.http.post(
        "/api/v1/classification-runs", json={}, headers=customer_svc.auth("analyst")
    )
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["run_id"] == running


async def test_two_concurrent_requests_start_one_run(customer_svc: CustomerHarness):
    await seed(customer_svc, {"a": [(IN_WINDOW, 10)]})
    responses = await asyncio.gather(
        *(
            customer_svc.http.post(
                "/api/v1/classification-runs",
                json={"as_of": AS_OF.isoformat()},
                headers=customer_svc.auth("analyst"),
            )
            for _ in range(2)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes in ([202, 409], [202, 202])  # 202 twice only if the first had finished

    async def done() -> bool:
        g = await customer_svc.http.get(
            "/api/v1/classification-runs", headers=customer_svc.auth("analyst")
        )
        return all(x["status"] == "succeeded" for x in g.json()["items"])

    await eventually(done)


async def test_a_stale_running_run_is_marked_failed(customer_svc: CustomerHarness):
    stale = await _insert_run(customer_svc, started=datetime.now(UTC) - timedelta(hours=2))
    await run(customer_svc)
    r = await customer_svc.http.get(
        f"/api/v1/classification-runs/{stale}", headers=customer_svc.auth("analyst")
    )
    assert r.json()["status"] == "failed"
    assert "abandoned" in r.json()["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cut_points": {"super": "50", "large": "30", "medium": "20"}}, "cut_points"),
        ({"cut_points": {"super": "60", "large": "40"}}, "cut_points"),
        ({"cut_points": {"super": "0"}}, "cut_points.super"),
        ({"cut_points": {"large": "-4"}}, "cut_points.large"),
        ({"cut_points": {"medium": "1.005"}}, "cut_points.medium"),
        ({"window_months": 0}, "window_months"),
        ({"as_of": "2999-01-01"}, "as_of"),
        ({"thresholds": {"dormant_days": 0}}, "thresholds.dormant_days"),
    ],
)
async def test_422_for_bad_parameters(
    customer_svc: CustomerHarness, body: dict[str, Any], field: str
):
    r = await customer_svc.http.post(
        "/api/v1/classification-runs", json=body, headers=customer_svc.auth("analyst")
    )
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    listing = await customer_svc.http.get(
        "/api/v1/classification-runs", headers=customer_svc.auth("analyst")
    )
    assert listing.json()["items"] == []


async def test_only_admin_service_manager_and_analyst_start_runs(customer_svc: CustomerHarness):
    for role in ("agent", "technician", "dealer"):
        kw = {"dealer_id": "D-1"} if role == "dealer" else {}
        r = await customer_svc.http.post(
            "/api/v1/classification-runs", json={}, headers=customer_svc.auth(role, **kw)
        )
        assert r.status_code == 403, role
    r = await customer_svc.http.get(
        "/api/v1/classification-runs/nope", headers=customer_svc.auth("analyst")
    )
    assert r.status_code == 404


# -- transaction patterns and key accounts ------------------------------------------------


async def test_transaction_patterns(customer_svc: CustomerHarness):
    recent = AS_OF - timedelta(days=10)
    await seed(
        customer_svc,
        {
            # rank 1 (super): growth 1000 -> 2000 is +100%
            "fast": [(PREVIOUS_WINDOW, 1000), (recent, 2000)],
            # rank 2 (medium with 20 customers): 1 order -> 4 orders, revenue flat
            "rising": [(PREVIOUS_WINDOW, 1600)] + [(recent, 400)] * 4,
            # steady: 1500 -> 1500, two orders a year
            "steady": [(PREVIOUS_WINDOW, 750)] * 2 + [(recent, 700), (recent, 800)],
            # bought in the window, but the last purchase is 200 days before as_of
            "sleeping": [(PREVIOUS_WINDOW, 500)] * 2
            + [(AS_OF - timedelta(days=200), 500), (AS_OF - timedelta(days=210), 500)],
            # one order in the window, nothing before: neither loyal nor growing
            "once": [(recent, 50)],
            # revenue down by 60%: not loyal
            "declining": [(PREVIOUS_WINDOW, 1000), (recent, 200), (recent, 200)],
        },
    )
    await seed(customer_svc, {"flagged": [(recent, 60)]}, worth_cultivating=True)
    await seed(customer_svc, {"prospect_flagged": []}, worth_cultivating=True)
    await seed(customer_svc, {f"filler{i}": [(recent, 10)] for i in range(12)})
    result = await run(customer_svc)
    customers = await state(customer_svc)
    patterns = {n: c.transaction_pattern for n, c in customers.items() if "filler" not in n}
    assert patterns == {
        "fast": "fast_growing",
        "rising": "worth_cultivating",
        "steady": "loyal",
        "sleeping": "dormant",
        "once": "occasional",
        "declining": "occasional",
        "flagged": "worth_cultivating",
        "prospect_flagged": "worth_cultivating",
    }
    assert customers["rising"].tier == "medium"
    assert customers["prospect_flagged"].tier is None  # flagged, but never contacted
    assert result["pattern_counts"]["worth_cultivating"] == 3

    # thresholds are per run: with 'dormant' at 365 days 'sleeping' is loyal again
    rerun = await run(customer_svc, thresholds={"dormant_days": 365, "fast_growth_pct": "150"})
    customers = await state(customer_svc)
    assert customers["sleeping"].transaction_pattern == "loyal"
    assert customers["fast"].transaction_pattern == "occasional"  # +100% is not above 150%
    assert rerun["events_count"] == 0  # patterns alone emit no customer.classified


async def test_key_accounts_are_super_large_or_manual(customer_svc: CustomerHarness):
    await seed(customer_svc, {f"c{i:02d}": [(IN_WINDOW, 1000 - i)] for i in range(40)})
    await seed(customer_svc, {"designated": [(IN_WINDOW, 1)]}, key_account_manual=True)
    await seed(customer_svc, {"designated_prospect": []}, key_account_manual=True)
    await run(customer_svc)
    customers = await state(customer_svc)
    key = {n for n, c in customers.items() if c.key_account}
    # N = 41: super = ceil(0.41) = 1, large up to ceil(2.05) = 3
    assert key == {"c00", "c01", "c02", "designated", "designated_prospect"}
    assert customers["designated"].tier == "small"
