"""Through the real broker: customer events feed the local copy (key account, dealer,
merged), ticket events show the linked ticket's progress, a dissatisfied survey response
reopens a complaint once whatever the duplicates, and the complaint's own events reach
its topic through the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from complaint.config import EscalationSettings
from kefu_shared.contracts.customer import CustomerMerged, CustomerRegistered
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.contracts.ticket import TicketOpened, TicketVisitRecorded
from kefu_shared.devbroker import DevBroker
from kefu_shared.events import EventData, make_event
from tests.complaint.integration.conftest import ComplaintHarness
from tests.support import DatabaseFactory, eventually, read_topic, running_stack


@pytest.fixture
async def svc(dbs: DatabaseFactory, broker: DevBroker) -> AsyncIterator[ComplaintHarness]:
    async with running_stack(
        dbs,
        broker.bootstrap,
        ("complaint",),
        gateway=False,
        complaint={"escalation": EscalationSettings(sweep_interval_s=0)},
    ) as stack:
        harness = ComplaintHarness(stack)
        async with harness.http:
            await stack.wait_consumers_assigned("complaint")
            yield harness


async def publish(bootstrap: str, *items: tuple[str, EventData, str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, data, subject in items:
            event = make_event(data, source="/services/test", subject=subject)
            await producer.send_and_wait(
                topic,
                value=event.to_json_bytes(),
                key=subject.encode(),
                headers=[("ce_type", event.type.encode()), ("ce_id", event.id.encode())],
            )
    finally:
        await producer.stop()


def registered(cid: str, **kw: Any) -> CustomerRegistered:
    return CustomerRegistered(id=cid, number=f"C-{cid}", kind="company", name=cid, **kw)


async def test_customer_ticket_and_survey_events_drive_the_complaint(
    svc: ComplaintHarness, broker: DevBroker
) -> None:
    boot = broker.bootstrap
    await publish(
        boot,
        (
            "customer.events.v1",
            registered("k1", tier="large", key_account=True, dealer_id="d1"),
            "k1",
        ),
        ("customer.events.v1", registered("old"), "old"),
    )

    async def copy_of(cid: str) -> dict[str, Any] | None:
        r = await svc.http.get(f"/api/v1/customer-copies/{cid}", headers=svc.auth())
        return r.json() if r.status_code == 200 else None

    await eventually(lambda: copy_of("k1"), timeout=30)
    await eventually(lambda: copy_of("old"), timeout=30)

    # A key account's complaint gets the stricter deadline; the dealer comes from the copy.
    c = await svc.file("k1", severity="critical")
    normal = await svc.file("old", severity="critical")
    assert (c["key_account"], c["dealer_id"]) == (True, "d1")
    assert (
        c["acknowledge_due"] < normal["acknowledge_due"] or c["received_at"] > normal["received_at"]
    )

    # On-site service: the request goes out, the ticket's events come back.
    await svc.act(c, "acknowledge")
    await svc.act(c, "request_onsite", onsite_address="Plant 2, Ningbo")
    await publish(
        boot,
        (
            "ticket.events.v1",
            TicketOpened(
                id="t1", number="TS-9", customer_id="k1", complaint_id=c["id"], status="open"
            ),
            "t1",
        ),
        (
            "ticket.events.v1",
            TicketVisitRecorded(
                id="t1", number="TS-9", customer_id="k1", status="in_progress", visit_number=1
            ),
            "t1",
        ),
    )

    async def ticket_progress() -> dict[str, Any] | None:
        r = await svc.http.get(f"/api/v1/complaints/{c['id']}", headers=svc.auth())
        body: dict[str, Any] = r.json()
        return body if body["ticket_visits"] == 1 else None

    body = await eventually(ticket_progress, timeout=30)
    assert (body["ticket_number"], body["ticket_status"]) == ("TS-9", "in_progress")

    # Close it, then a dissatisfied survey response arrives three times (three event ids).
    await svc.act(c, "assign", department="service", handler_id="h1")
    await svc.act(c, "start_investigation")
    await svc.act(c, "propose_resolution", remedy="repair")
    await svc.act(c, "resolve")
    await svc.act(c, "close")
    response = SurveyResponseReceived(
        response_id="resp-1", customer_id="k1", complaint_id=c["id"], csat=1.0, dissatisfied=True
    )
    await publish(boot, *[("survey.events.v1", response, "resp-1")] * 3)

    async def reopened() -> dict[str, Any] | None:
        r = await svc.http.get(f"/api/v1/complaints/{c['id']}", headers=svc.auth())
        body: dict[str, Any] = r.json()
        return body if body["status"] == "reopened" else None

    await eventually(reopened, timeout=30)
    # A merge moves the complaints of the merged customer to the survivor.
    await publish(
        boot, ("customer.events.v1", CustomerMerged(surviving_id="k1", merged_ids=["old"]), "k1")
    )

    async def moved() -> bool:
        r = await svc.http.get(f"/api/v1/complaints/{normal['id']}", headers=svc.auth())
        return bool(r.json()["customer_id"] == "k1")

    await eventually(moved, timeout=30)
    body = (await svc.http.get(f"/api/v1/complaints/{c['id']}", headers=svc.auth())).json()
    assert body["reopen_count"] == 1
    assert len(await svc.events("complaint.reopened")) == 1

    records = await read_topic(boot, "complaint.events.v1", min_count=8, timeout=30)
    types = [v.type for _, v, _ in records if not isinstance(v, bytes) and v.subject == c["id"]]
    assert types.count("complaint.reopened") == 1, types
    assert "complaint.onsite_service_requested" in types
    assert types[0] == "complaint.received" and "complaint.closed" in types


async def test_overdue_complaints_escalate_within_the_sweep_interval(
    dbs: DatabaseFactory, broker: DevBroker
) -> None:
    async with running_stack(
        dbs,
        broker.bootstrap,
        ("complaint",),
        gateway=False,
        complaint={"escalation": EscalationSettings(sweep_interval_s=0.2)},
    ) as stack:
        svc = ComplaintHarness(stack)
        async with svc.http:
            await svc.customer("c1")
            received = (datetime.now(UTC) - timedelta(days=30)).isoformat()
            c = await svc.file("c1", received_at=received)

            async def escalated() -> list[Any]:
                events = await svc.events("complaint.escalated")
                return events if len(events) == 3 else []

            events = await eventually(escalated, timeout=20)
            assert [e.data["level"] for e in events] == [1, 2, 3]
            records = await read_topic(broker.bootstrap, "complaint.events.v1", min_count=4)
            assert (
                sum(
                    1
                    for _, v, _ in records
                    if not isinstance(v, bytes)
                    and v.type == "complaint.escalated"
                    and v.subject == c["id"]
                )
                == 3
            )
