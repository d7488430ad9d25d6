"""Scheduled sweeps across replicas: two schedulers on one PostgreSQL database never run
the same job at the same time, and a standby takes over when the leader stops."""

from __future__ import annotations

import asyncio
import itertools
import os
import time

import pytest

from kefu_shared.db import create_engine
from kefu_shared.scheduler import PeriodicJob, Scheduler
from tests.support import DatabaseFactory, eventually

pytestmark = pytest.mark.integration


def _overlaps(spans: list[tuple[str, float, float]]) -> list[tuple[object, object]]:
    ordered = sorted(spans, key=lambda s: s[1])
    return [(a, b) for a, b in itertools.pairwise(ordered) if b[1] < a[2]]


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="leadership across replicas is a PostgreSQL advisory lock; SQLite runs one process",
)
async def test_two_schedulers_never_run_a_job_at_the_same_time(dbs: DatabaseFactory) -> None:
    url = dbs.url("complaint")
    spans: list[tuple[str, float, float]] = []

    def sweep(replica: str) -> PeriodicJob:
        async def escalate_overdue() -> None:
            start = time.monotonic()
            await asyncio.sleep(0.05)
            spans.append((replica, start, time.monotonic()))

        return PeriodicJob("escalate-overdue", 0.02, escalate_overdue)

    engines = [create_engine(url) for _ in range(2)]
    schedulers = [
        Scheduler(service="complaint", engine=e, jobs=[sweep(f"r{i}")], standby_poll_s=0.1)
        for i, e in enumerate(engines)
    ]
    tasks = [asyncio.create_task(s.run()) for s in schedulers]
    try:
        await eventually(lambda: asyncio.sleep(0, len(spans) >= 10), timeout=20)
        assert sum(s.active for s in schedulers) == 1
        leader = next(s for s in schedulers if s.active)
        standby = next(s for s in schedulers if not s.active)
        assert standby.runs["escalate-overdue"] == 0

        await leader.stop()  # the leader goes away; its lock is released
        await tasks[schedulers.index(leader)]
        await eventually(
            lambda: asyncio.sleep(0, standby.runs["escalate-overdue"] >= 5), timeout=20
        )
        assert standby.active
    finally:
        for s in schedulers:
            await s.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for e in engines:
            await e.dispose()
    assert _overlaps(spans) == []
    assert {r for r, _, _ in spans} == {"r0", "r1"}


async def test_the_single_sqlite_process_runs_its_jobs(dbs: DatabaseFactory) -> None:
    if dbs.dialect != "sqlite":
        pytest.skip("the SQLite case")
    engine = create_engine(dbs.url("complaint"))
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    sched = Scheduler(service="complaint-sqlite", engine=engine, jobs=[PeriodicJob("j", 60, job)])
    task = asyncio.create_task(sched.run())
    try:
        await asyncio.wait_for(ran.wait(), 10)
        assert sched.active
    finally:
        await sched.stop()
        await asyncio.wait_for(task, 10)
        await engine.dispose()
