"""A broker that forgets acknowledged events (the dev broker killed right after it
acknowledged them; an unclean leader election in production): the relay notices and
republishes from its outbox, and every customer copy arrives."""

from __future__ import annotations

import pytest

from kefu_shared.devbroker import DevBroker
from tests.support import DatabaseFactory, count_rows, eventually, running_stack

pytestmark = pytest.mark.integration


async def _copies(url: str) -> int:
    return count_rows(url, "customer_copies")


async def test_every_copy_arrives_after_the_broker_forgot_acknowledged_events(
    dbs: DatabaseFactory, broker: DevBroker
) -> None:
    async with running_stack(
        dbs,
        broker.bootstrap,
        ("customer",),
        gateway=False,
        customer={"relay_audit_interval_s": 0.2},
    ) as stack:
        url = stack.urls["customer"]
        relay = stack.runtime("customer").relay
        auth = stack.auth("agent")
        async with stack.client("customer") as http:
            for i in range(40):
                r = await http.post(
                    "/api/v1/customers", json={"kind": "company", "name": f"Firm {i}"}, headers=auth
                )
                assert r.status_code == 201

            async def all_acknowledged() -> bool:
                return count_rows(url, "outbox", "published_at IS NULL") == 0

            await eventually(all_acknowledged, timeout=30, interval=0.02)
            # Killed right after the acknowledgements, restarted empty; nothing new is
            # published, so only the relay's audit of end offsets can notice.
            broker.kill()
            broker.start()
            await eventually(lambda: _ge(relay, 40), timeout=30)
            await eventually(all_acknowledged, timeout=30)

            # Killed again, and this time the next event is what shows the loss: its
            # acknowledgement comes at an offset below those acknowledged before.
            broker.kill()
            broker.start()
            before = relay.republished
            r = await http.post(
                "/api/v1/customers", json={"kind": "company", "name": "Firm 40"}, headers=auth
            )
            assert r.status_code == 201
            await eventually(lambda: _ge(relay, before + 40), timeout=30)
            await eventually(all_acknowledged, timeout=30)

        async with running_stack(
            dbs, broker.bootstrap, ("ticket", "survey"), gateway=False
        ) as consumers:
            for name in ("ticket", "survey"):
                copies_url = consumers.urls[name]

                async def every_copy(u: str = copies_url) -> bool:
                    return await _copies(u) == 41

                await eventually(every_copy, timeout=60)


async def _ge(relay, n: int) -> bool:  # type: ignore[no-untyped-def]
    return relay.republished >= n
