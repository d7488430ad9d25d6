"""Analytics of the customer service: service history and cost to serve from complaint
and ticket events, satisfaction from survey responses, profit contribution, Pareto,
composition, CSV exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from customer.analytics.config import CostSettings
from customer.analytics.models import CustomerServiceStats, ServiceCost
from customer.analytics.satisfaction import satisfaction_trend, score_of
from kefu_shared.events import CloudEvent, EventData, contract_for, make_event
from tests.customer.conftest import CustomerHarness

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


def test_trend_compares_newest_responses_with_the_ones_before() -> None:
    assert satisfaction_trend([], window=3, min_delta=0.3) == "steady"
    assert satisfaction_trend([4.0], window=3, min_delta=0.3) == "steady"
    assert satisfaction_trend([2.0, 4.0], window=3, min_delta=0.3) == "falling"
    assert satisfaction_trend([5, 5, 5, 3, 3, 3], window=3, min_delta=0.3) == "rising"
    assert satisfaction_trend([4.1, 4.0, 4.0, 4.0], window=3, min_delta=0.3) == "steady"
    assert score_of(None, 10) == 5.0 and score_of(None, 0) == 1.0 and score_of(3.0, 9) == 3.0


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
