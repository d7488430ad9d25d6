"""The first vertical slice: gateway -> customer service -> outbox -> Kafka -> ticket copy."""

from __future__ import annotations

import pytest

from tests.support import Stack, count_rows, eventually, read_topic

pytestmark = pytest.mark.integration


async def test_customer_created_through_gateway_is_published_and_copied(stack: Stack) -> None:
    assert stack.gateway is not None
    resp = await stack.gateway.post(
        "/api/v1/auth/dev-token", json={"role": "agent", "user_id": "agent-7"}
    )
    assert resp.status_code == 200
    token = resp.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Correlation-ID": "call-42"}

    resp = await stack.gateway.post(
        "/api/v1/customers",
        json={
            "kind": "company",
            "name": "Hangzhou Pump Works",
            "credit_code": "91330100MA27XL0E2G",
        },
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    customer = resp.json()
    assert customer["number"].startswith("C")
    assert resp.headers["location"] == f"/api/v1/customers/{customer['id']}"

    resp = await stack.gateway.get(f"/api/v1/customers/{customer['id']}", headers=headers)
    assert resp.status_code == 200
    assert resp.json()["name"] == "Hangzhou Pump Works"

    records = await read_topic(stack.bootstrap, "customer.events.v1", min_count=1)
    assert len(records) == 1
    record, event, headers_ = records[0]
    assert record.key == customer["id"].encode()
    assert headers_["ce_type"] == b"customer.registered"
    assert event.specversion == "1.0"
    assert event.type == "customer.registered"
    assert event.subject == customer["id"]
    assert event.source == "/services/customer"
    assert event.id and event.time and event.dataschema
    assert event.correlationid == "call-42"
    assert event.data["number"] == customer["number"]
    assert event.data["kind"] == "company"

    async def ticket_has_copy() -> bool:
        async with stack.client("ticket") as c:
            r = await c.get(
                f"/api/v1/customer-copies/{customer['id']}", headers=stack.auth("dispatcher")
            )
            return r.status_code == 200 and r.json()["number"] == customer["number"]

    await eventually(ticket_has_copy, timeout=30)
    assert count_rows(stack.urls["customer"], "outbox", "published_at IS NULL") == 0


async def test_dev_token_is_refused_outside_development(stack: Stack) -> None:
    assert stack.gateway is not None
    stack.apps["gateway"].state.settings = stack.apps["gateway"].state.settings.model_copy(
        update={"env": "production"}
    )
    resp = await stack.gateway.post("/api/v1/auth/dev-token", json={"role": "admin"})
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"
