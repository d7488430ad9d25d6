"""Two replicas of the complaint service on one PostgreSQL database: the escalation sweep
runs on one of them at a time, so every level of every overdue complaint is escalated
exactly once."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from complaint.config import EscalationSettings
from complaint.main import create_app
from tests.complaint.integration.conftest import ComplaintHarness
from tests.support import DatabaseFactory, eventually, running_stack

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="the scheduler's leadership is a PostgreSQL advisory lock; SQLite runs one process",
)


async def test_two_replicas_escalate_each_level_once(dbs: DatabaseFactory) -> None:
    fast = {
        "relay_enabled": False,
        "consumers_enabled": False,
        "escalation": EscalationSettings(sweep_interval_s=0.1),
    }
    async with running_stack(
        dbs, "127.0.0.1:1", ("complaint",), gateway=False, complaint=fast
    ) as stack:
        settings = stack.settings["complaint"]
        second = create_app(settings.model_copy(), configure_logs=False)
        async with second.router.lifespan_context(second):
            svc = ComplaintHarness(stack)
            async with svc.http:
                await svc.customer("c1")
                received = (datetime.now(UTC) - timedelta(days=30)).isoformat()
                ids = [(await svc.file("c1", received_at=received))["id"] for _ in range(10)]

                async def all_escalated() -> list[object]:
                    events = await svc.events("complaint.escalated")
                    return events if len(events) >= 30 else []

                await eventually(all_escalated, timeout=30)
                await asyncio.sleep(1.0)  # more sweeps on both replicas: nothing new
                events = await svc.events("complaint.escalated")
                seen = Counter((e.subject, e.data["level"]) for e in events)
                assert set(seen) == {(i, lv) for i in ids for lv in (1, 2, 3)}
                assert set(seen.values()) == {1}
                leaders = [app.state.runtime for app in (stack.apps["complaint"], second)]
                assert len(leaders) == 2
