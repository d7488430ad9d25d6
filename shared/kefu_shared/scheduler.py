"""Scheduled sweeps that run once across replicas ("every minute, escalate what is overdue").

A service declares its periodic jobs and runs one :class:`Scheduler` per process. Only the
leader (:class:`kefu_shared.leadership.Leadership`: a PostgreSQL advisory lock; on SQLite
the single process) runs them; the other replicas stand by and take over when the leader
dies, starting with a run of every job, since the old leader's timing is unknown. The
leader runs its jobs one after another, so a job never overlaps itself or another run of
the same job anywhere; a job must therefore be a sweep that is safe to run again (a
takeover can repeat one run), and a long job delays the others.

A job that raises is logged and counted, and runs again at its next tick. Metrics: runs by
outcome, duration, time of the last run and of the last success, and which replica leads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from kefu_shared.leadership import Leadership
from kefu_shared.logging import get_logger
from kefu_shared.metrics import (
    SCHEDULED_DURATION,
    SCHEDULED_LAST_RUN,
    SCHEDULED_LAST_SUCCESS,
    SCHEDULED_RUNS,
    SCHEDULER_LEADER,
)
from kefu_shared.tracing import tracer, untraced

log = get_logger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """``run`` is called every ``every_s`` seconds on the leading replica."""

    name: str
    every_s: float
    run: Callable[[], Awaitable[None]]

    def __post_init__(self) -> None:
        if self.every_s <= 0:
            raise ValueError(f"job {self.name}: every_s must be positive")


def scheduler_lock_name(service: str) -> str:
    return f"kefu-scheduler:{service}"


class Scheduler:
    def __init__(
        self,
        *,
        service: str,
        engine: AsyncEngine,
        jobs: Sequence[PeriodicJob],
        standby_poll_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [j.name for j in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"scheduled job names must be unique: {names}")
        self.service = service
        self.jobs = list(jobs)
        self.standby_poll_s = standby_poll_s
        self._clock = clock
        self._leadership = Leadership(engine, scheduler_lock_name(service))
        self._next_due: dict[str, float] = {}
        self._stopping = asyncio.Event()
        self.runs: dict[str, int] = dict.fromkeys(names, 0)
        self.errors: dict[str, int] = dict.fromkeys(names, 0)

    @property
    def active(self) -> bool:
        return self._leadership.is_leader

    async def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Lead or stand by until stopped; survives the database being unavailable."""
        try:
            while not self._stopping.is_set():
                try:
                    if not await self._lead():
                        await self._sleep(self.standby_poll_s)
                        continue
                    await self.run_due()
                    await self._sleep(self.seconds_to_next_run())
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # database down: stand by, try again
                    log.warning("scheduler.error", service=self.service, error=repr(exc)[:500])
                    await self._leadership.release()
                    SCHEDULER_LEADER.labels(self.service).set(0)
                    await self._sleep(self.standby_poll_s)
        finally:
            await self._leadership.release()
            SCHEDULER_LEADER.labels(self.service).set(0)

    async def _lead(self) -> bool:
        was_leader = self._leadership.is_leader
        with untraced():
            leader = await self._leadership.acquire()
        SCHEDULER_LEADER.labels(self.service).set(1 if leader else 0)
        if not leader or not was_leader:
            # A new leader does not know when the previous one last ran: run everything now.
            self._next_due.clear()
        return leader

    async def run_due(self) -> list[str]:
        """Run each job that is due (checking leadership before each); return their names."""
        ran: list[str] = []
        for job in self.jobs:
            now = self._clock()
            due = self._next_due.setdefault(job.name, now)
            if due > now:
                continue
            if not await self._lead():
                break
            await self._run_one(job)
            ran.append(job.name)
            # Fixed rate; a run that overran its interval is not caught up with a burst.
            self._next_due[job.name] = max(due + job.every_s, self._clock())
        return ran

    def seconds_to_next_run(self) -> float:
        if not self._next_due:
            return 0.0
        wait = min(self._next_due.values()) - self._clock()
        # Wake up at least every standby_poll_s to notice a lost lock.
        return max(0.0, min(wait, self.standby_poll_s))

    async def _run_one(self, job: PeriodicJob) -> None:
        start = time.perf_counter()
        outcome = "succeeded"
        try:
            with tracer().start_as_current_span(f"scheduled {job.name}"):
                await job.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcome = "failed"
            self.errors[job.name] += 1
            log.exception(
                "scheduler.job_failed", service=self.service, job=job.name, error=repr(exc)[:500]
            )
        finally:
            elapsed = time.perf_counter() - start
            self.runs[job.name] += 1
            SCHEDULED_RUNS.labels(self.service, job.name, outcome).inc()
            SCHEDULED_DURATION.labels(self.service, job.name).observe(elapsed)
            SCHEDULED_LAST_RUN.labels(self.service, job.name).set(time.time())
        if outcome == "succeeded":
            SCHEDULED_LAST_SUCCESS.labels(self.service, job.name).set(time.time())

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass
