"""Through the real broker: ticket and survey events published on their topics reach the
customer service's consumer and change the customer's service profile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from customer.analytics.config import CostSettings
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.contracts.ticket import TicketClosed
from kefu_shared.devbroker import DevBroker
from kefu_shared.events import CloudEvent, make_event
from tests.support import DatabaseFactory, Stack, eventually, running_stack

pytestmark = pytest.mark.integration


@pytest.fixture
async def customer_stack(dbs: DatabaseFactory, broker: DevBroker) -> AsyncIterator[Stack]:
    async with running_stack(dbs, broker.bootstrap, ("customer",), gateway=False) as s:
        yield s


async def publish(bootstrap: str, topic: str, event: CloudEvent) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            value=event.to_json_bytes(),
            key=event.subject.encode(),
            headers=[("ce_type", event.type.encode()), ("ce_id", event.id.encode())],
        )
    finally:
        await producer.stop()


async def test_ticket_and_survey_events_from_the_broker_update_the_profile(
    customer_stack: Stack, broker: DevBroker
) -> None:
    stack = customer_stack
    async with stack.client("customer") as http:
        h = stack.auth("service_manager")
        r = await http.post(
            "/api/v1/customers", json={"kind": "individual", "name": "Broker"}, headers=h
        )
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        await stack.wait_consumers_assigned("customer")

        closed = make_event(
            TicketClosed(
                id="T-1", number="T0001", customer_id=cid, type="repair", fee=Decimal("120.00")
            ),
            source="/services/ticket",
            subject="T-1",
        )
        response = make_event(
            SurveyResponseReceived(response_id="R-1", customer_id=cid, csat=4.0, nps=9),
            source="/services/survey",
            subject="R-1",
        )
        await publish(broker.bootstrap, "ticket.events.v1", closed)
        await publish(broker.bootstrap, "survey.events.v1", response)

        async def profile() -> dict[str, Any] | None:
            r = await http.get(
                f"/api/v1/customer-analytics/customers/{cid}/service-profile", headers=h
            )
            body: dict[str, Any] = r.json()
            return body if body["tickets_total"] == 1 and body["responses"] == 1 else None

        body = await eventually(profile, timeout=30)
    costs = CostSettings()
    assert body["tickets_open"] == 0
    assert Decimal(body["cost_to_serve"]) == costs.ticket_by_type["repair"] - Decimal("120")
    assert (body["latest_csat"], body["latest_nps"]) == (4.0, 9)
