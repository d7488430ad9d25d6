"""Scheduler and leadership without a database: a fake clock and a SQLite engine that is
never connected (on SQLite the single process always leads)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kefu_shared.leadership import Leadership, advisory_key
from kefu_shared.relay import relay_lock_name
from kefu_shared.scheduler import PeriodicJob, Scheduler, scheduler_lock_name


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine() -> Iterator[AsyncEngine]:
    yield create_async_engine("sqlite+aiosqlite://")


def _sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_sqlite_process_always_leads(engine: AsyncEngine) -> None:
    leadership = Leadership(engine, "anything")
    assert await leadership.acquire() is True and leadership.is_leader
    await leadership.release()
    assert not leadership.is_leader


def test_relay_and_scheduler_locks_are_distinct_and_per_service() -> None:
    keys = {
        advisory_key(relay_lock_name("customer")),
        advisory_key(relay_lock_name("ticket")),
        advisory_key(scheduler_lock_name("customer")),
        advisory_key(scheduler_lock_name("ticket")),
    }
    assert len(keys) == 4


async def test_jobs_run_at_once_then_every_interval(engine: AsyncEngine) -> None:
    clock = FakeClock()
    calls: list[tuple[str, float]] = []

    async def sweep() -> None:
        calls.append(("sweep", clock.now))

    async def report() -> None:
        calls.append(("report", clock.now))

    sched = Scheduler(
        service="unit-a",
        engine=engine,
        jobs=[PeriodicJob("sweep", 60, sweep), PeriodicJob("report", 300, report)],
        clock=clock,
    )
    assert await sched._lead()
    assert await sched.run_due() == ["sweep", "report"]
    clock.now += 59
    assert await sched.run_due() == []
    assert sched.seconds_to_next_run() == 1
    clock.now += 1
    assert await sched.run_due() == ["sweep"]
    clock.now += 240
    assert await sched.run_due() == ["sweep", "report"]
    assert [n for n, _ in calls] == ["sweep", "report", "sweep", "sweep", "report"]


async def test_an_overrunning_job_is_not_caught_up_in_a_burst(engine: AsyncEngine) -> None:
    clock = FakeClock()

    async def slow() -> None:
        clock.now += 250  # takes longer than four intervals

    sched = Scheduler(
        service="unit-b", engine=engine, jobs=[PeriodicJob("slow", 60, slow)], clock=clock
    )
    await sched._lead()
    assert await sched.run_due() == ["slow"]
    assert await sched.run_due() == ["slow"]  # due again right away, once
    assert sched.runs["slow"] == 2


async def test_a_failing_job_is_counted_and_the_others_still_run(engine: AsyncEngine) -> None:
    clock = FakeClock()
    ran: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        ran.append("fine")

    sched = Scheduler(
        service="unit-c",
        engine=engine,
        jobs=[PeriodicJob("broken", 10, broken), PeriodicJob("fine", 10, fine)],
        clock=clock,
    )
    await sched._lead()
    assert await sched.run_due() == ["broken", "fine"]
    assert ran == ["fine"] and sched.errors == {"broken": 1, "fine": 0}
    assert (
        _sample("kefu_scheduled_job_runs_total", service="unit-c", job="broken", outcome="failed")
        == 1
    )
    assert (
        _sample("kefu_scheduled_job_runs_total", service="unit-c", job="fine", outcome="succeeded")
        == 1
    )
    assert _sample("kefu_scheduled_job_last_run_timestamp_seconds", service="unit-c", job="broken")
    assert (
        _sample("kefu_scheduled_job_last_success_timestamp_seconds", service="unit-c", job="broken")
        is None
    )
    assert _sample("kefu_scheduled_job_duration_seconds_count", service="unit-c", job="fine") == 1
    assert _sample("kefu_scheduler_leader", service="unit-c") == 1


async def test_run_loop_runs_jobs_until_stopped(engine: AsyncEngine) -> None:
    import asyncio

    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    sched = Scheduler(service="unit-d", engine=engine, jobs=[PeriodicJob("j", 0.01, job)])
    task = asyncio.create_task(sched.run())
    await asyncio.wait_for(ran.wait(), 5)
    await sched.stop()
    await asyncio.wait_for(task, 5)
    assert sched.runs["j"] >= 1 and not sched.active
    assert _sample("kefu_scheduler_leader", service="unit-d") == 0


def test_job_names_must_be_unique_and_intervals_positive(engine: AsyncEngine) -> None:
    async def noop() -> None:
        return None

    with pytest.raises(ValueError, match="unique"):
        Scheduler(
            service="x", engine=engine, jobs=[PeriodicJob("a", 1, noop), PeriodicJob("a", 2, noop)]
        )
    with pytest.raises(ValueError, match="positive"):
        PeriodicJob("a", 0, noop)
