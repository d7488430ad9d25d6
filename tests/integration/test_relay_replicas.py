"""Several replicas of a service: one relay publishes at a time, a standby takes over."""

from __future__ import annotations

import asyncio
import os

import pytest

from customer import service
from customer.schemas import CustomerCreate
from kefu_shared.auth import Principal
from kefu_shared.devbroker import DevBroker
from kefu_shared.relay import OutboxRelay
from tests.support import DatabaseFactory, count_rows, eventually, read_topic, running_stack

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"),
        reason="the relay lock is a PostgreSQL advisory lock; SQLite runs one process",
    ),
]
AGENT = Principal(user_id="agent", roles=frozenset({"agent"}))


async def test_only_one_relay_is_active_and_a_standby_takes_over(
    dbs: DatabaseFactory, broker: DevBroker
) -> None:
    async with running_stack(
        dbs, broker.bootstrap, ("customer",), gateway=False, customer={"relay_enabled": False}
    ) as stack:
        rt = stack.runtime("customer")
        settings = stack.settings["customer"]
        relays = [
            OutboxRelay(
                service="customer", settings=settings, engine=rt.engine, outbox=rt.tables.outbox
            )
            for _ in range(2)
        ]
        tasks = [asyncio.create_task(r.run()) for r in relays]
        try:
            await eventually(lambda: asyncio.sleep(0, any(r.active for r in relays)), timeout=20)
            await asyncio.sleep(1.5)
            assert sum(r.active for r in relays) == 1
            active = next(r for r in relays if r.active)
            standby = next(r for r in relays if not r.active)

            for i in range(5):
                await service.register_customer(
                    uow=rt.uow(),
                    data=CustomerCreate(kind="individual", name=f"R{i}"),
                    actor=AGENT,
                    settings=settings,
                )
            await eventually(
                lambda: asyncio.sleep(
                    0, count_rows(stack.urls["customer"], "outbox", "published_at IS NULL") == 0
                ),
                timeout=30,
            )
            # The relay counts a sweep once its commit returns, a moment after the rows
            # show as published.
            await eventually(
                lambda: asyncio.sleep(0, sum(r.published for r in relays) == 5), timeout=10
            )
            assert active.published == 5 and standby.published == 0

            await active.stop()  # the active replica goes away; its lock is released
            await tasks[relays.index(active)]
            await eventually(lambda: asyncio.sleep(0, standby.active), timeout=30)
            for i in range(5, 8):
                await service.register_customer(
                    uow=rt.uow(),
                    data=CustomerCreate(kind="individual", name=f"R{i}"),
                    actor=AGENT,
                    settings=settings,
                )
            await eventually(lambda: asyncio.sleep(0, standby.published == 3), timeout=30)
        finally:
            for r in relays:
                await r.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
        records = await read_topic(broker.bootstrap, "customer.events.v1", min_count=8)
        names = sorted(e.data["name"] for _, e, _ in records)
        assert names == sorted(f"R{i}" for i in range(8))  # each exactly once
