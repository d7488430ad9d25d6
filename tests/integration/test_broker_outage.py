"""A broker outage delays events; it never loses or reorders them per aggregate."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from customer.models import Customer, platform
from kefu_shared.devbroker import DevBroker
from tests.support import Stack, count_rows, eventually, read_topic

pytestmark = pytest.mark.integration


async def _create(stack: Stack, name: str) -> str:
    async with stack.client("customer") as c:
        r = await c.post(
            "/api/v1/customers",
            json={"kind": "individual", "name": name},
            headers=stack.auth("agent"),
        )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _rename(stack: Stack, customer_id: str, name: str) -> None:
    async with stack.runtime("customer").uow() as uow:
        customer = await uow.session.get(Customer, customer_id)
        assert customer is not None
        customer.name = name
        customer.changed(["name"])
        await uow.commit()


async def _ticket_copy_name(stack: Stack, customer_id: str) -> str | None:
    async with stack.client("ticket") as c:
        r = await c.get(f"/api/v1/customer-copies/{customer_id}", headers=stack.auth())
    return r.json()["name"] if r.status_code == 200 else None


async def test_events_committed_while_broker_is_down_are_delivered_in_order(
    stack: Stack, broker: DevBroker
) -> None:
    before = await _create(stack, "Before Outage")
    await eventually(lambda: _ticket_copy_name(stack, before), timeout=30)

    broker.stop()
    during: list[str] = []
    expected_names: dict[str, list[str]] = {}
    for i in range(3):
        cid = await _create(stack, f"Outage {i}")
        during.append(cid)
        expected_names[cid] = [f"Outage {i}"]
        for step in range(3):
            name = f"Outage {i} v{step + 1}"
            await _rename(stack, cid, name)
            expected_names[cid].append(name)
    relay = stack.runtime("customer").relay

    async def relay_failing() -> bool:  # it keeps failing and backing off meanwhile
        return bool(relay.failed > 0)

    await eventually(relay_failing, timeout=30)
    pending = count_rows(stack.urls["customer"], "outbox", "published_at IS NULL")
    assert pending == 12
    async with stack.client("customer") as c:
        ready = await c.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"] == "down"

    broker.start()  # memory-only: it comes back empty, the relay recreates the topics

    async def drained() -> bool:
        return count_rows(stack.urls["customer"], "outbox", "published_at IS NULL") == 0

    await eventually(drained, timeout=60)
    records = await read_topic(stack.bootstrap, "customer.events.v1", min_count=12, timeout=30)
    seen: dict[str, list[str]] = defaultdict(list)
    for record, event, _ in records:
        assert record.key.decode() == event.subject
        seen[event.subject].append(event.data["name"])
    for cid in during:
        # At least once: a duplicate is allowed only as a repeat, never out of order.
        deduped = [n for j, n in enumerate(seen[cid]) if j == 0 or seen[cid][j - 1] != n]
        assert deduped == expected_names[cid]

    for cid in during:
        final = expected_names[cid][-1]

        async def copied(cid: str = cid, final: str = final) -> bool:
            return await _ticket_copy_name(stack, cid) == final

        await eventually(copied, timeout=60)

    async with stack.runtime("customer").uow() as uow:
        total = (
            await uow.session.execute(select(func.count()).select_from(platform.outbox))
        ).scalar_one()
    assert total == 13
