"""Durable background jobs: a job table per service, enqueued in the request's transaction.

``await enqueue(uow.session, jobs, kind="classification.run", payload={...})`` inside a use
case writes a ``queued`` row that commits or rolls back with the request. A
:class:`JobWorker` per process claims due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so replicas never take the same row; SQLite runs one process), runs the handler of its
kind and records the outcome:

- success: ``succeeded`` with the handler's result;
- an exception: ``queued`` again after an exponential backoff, or ``failed`` once
  ``max_attempts`` attempts are used up, with the last error kept;
- the worker dies: the claim carries a lease that the running worker renews; once it has
  expired another worker claims the job again (or marks it ``failed`` if that was its
  last attempt), so a job is never left ``running`` for ever.

Delivery is at least once (a worker can die after the effect, before recording success):
handlers must be safe to run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from kefu_shared.db import jobs_table, utcnow
from kefu_shared.errors import NotFound
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.logging import get_logger
from kefu_shared.metrics import JOB_DURATION, JOBS_FINISHED, JOBS_RECLAIMED
from kefu_shared.tracing import tracer, untraced

log = get_logger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED)

__all__ = ["Job", "JobRead", "JobWorker", "enqueue", "get_job", "jobs_table", "list_jobs"]


@dataclass(frozen=True)
class Job:
    """What a handler gets: the job's id, kind, payload and which attempt this is."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int


JobHandler = Callable[[Job], Awaitable[dict[str, Any] | None]]


class JobRead(BaseModel):
    """A job's visible status (what a service's ``GET .../jobs/{id}`` answers)."""

    id: int
    kind: str
    status: str
    attempts: int
    max_attempts: int
    payload: dict[str, Any]
    result: dict[str, Any] | None = None
    last_error: str | None = None
    run_after: datetime
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None


async def enqueue(
    session: AsyncSession,
    jobs: Table,
    *,
    kind: str,
    payload: Mapping[str, Any],
    max_attempts: int = 5,
    run_after: datetime | None = None,
) -> int:
    """Queue a job in the session's transaction; it exists only if that commits."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    now = utcnow()
    result = await session.execute(
        insert(jobs)
        .values(
            kind=kind,
            payload=dict(payload),
            status=QUEUED,
            attempts=0,
            max_attempts=max_attempts,
            run_after=run_after or now,
            created_at=now,
            updated_at=now,
        )
        .returning(jobs.c.id)
    )
    return int(result.scalar_one())


async def get_job(session: AsyncSession, jobs: Table, job_id: int) -> JobRead:
    row = (await session.execute(select(jobs).where(jobs.c.id == job_id))).mappings().first()
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return JobRead.model_validate(dict(row))


async def list_jobs(
    session: AsyncSession,
    jobs: Table,
    *,
    kind: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int,
) -> tuple[list[JobRead], str | None]:
    """Jobs newest first, filtered by kind and status, a cursor page at a time."""
    stmt = select(jobs)
    if kind is not None:
        stmt = stmt.where(jobs.c.kind == kind)
    if status is not None:
        stmt = stmt.where(jobs.c.status == status)
    by_id: list[Any] = [jobs.c.id]  # apply_keyset is typed for ORM attributes
    stmt = apply_keyset(stmt, by_id, cursor=cursor, limit=limit, descending=True, sort="jobs")
    rows = [JobRead.model_validate(dict(r)) for r in (await session.execute(stmt)).mappings()]
    return page_from_rows(rows, limit=limit, key=lambda j: [j.id], sort="jobs")


def backoff_s(attempt: int, *, base_s: float, max_s: float) -> float:
    """Delay before attempt ``attempt + 1``: base, 2×base, 4×base... capped at max."""
    return float(min(max_s, base_s * 2 ** max(0, attempt - 1)))


class JobWorker:
    """Claims and runs a service's due jobs until stopped."""

    def __init__(
        self,
        *,
        service: str,
        engine: AsyncEngine,
        jobs: Table,
        handlers: Mapping[str, JobHandler],
        lease_s: float = 60.0,
        poll_interval_s: float = 1.0,
        backoff_base_s: float = 5.0,
        backoff_max_s: float = 600.0,
        worker_id: str | None = None,
    ) -> None:
        self.service = service
        self.engine = engine
        self.jobs = jobs
        self.handlers = dict(handlers)
        self.lease_s = lease_s
        self.poll_interval_s = poll_interval_s
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()
        self.succeeded = 0
        self.retried = 0
        self.failed = 0

    def wake(self) -> None:
        """Look for work now (e.g. after a commit that enqueued a job)."""
        self._wakeup.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                job = await self.claim()
                if job is not None:
                    await self.execute(job)
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database down: try again after a poll interval
                log.warning("jobs.worker_error", service=self.service, error=repr(exc)[:500])
            try:
                await asyncio.wait_for(self._wakeup.wait(), self.poll_interval_s)
            except TimeoutError:
                pass
            self._wakeup.clear()

    async def run_until_idle(self) -> int:
        """Run due jobs until none is left; return how many attempts ran (tests, CLIs)."""
        count = 0
        while (job := await self.claim()) is not None:
            await self.execute(job)
            count += 1
        return count

    # -- claiming ----------------------------------------------------------------------
    async def claim(self) -> Job | None:
        """Take the oldest due job (queued and due, or running with an expired lease)."""
        with untraced():  # polling, several times a second: not worth a trace each
            return await self._claim()

    async def _claim(self) -> Job | None:
        j = self.jobs
        while True:
            now = utcnow()
            async with self.engine.begin() as conn:
                row = (
                    await conn.execute(
                        select(
                            j.c.id,
                            j.c.kind,
                            j.c.payload,
                            j.c.status,
                            j.c.attempts,
                            j.c.max_attempts,
                        )
                        .where(
                            or_(
                                and_(j.c.status == QUEUED, j.c.run_after <= now),
                                and_(j.c.status == RUNNING, j.c.lease_expires_at < now),
                            )
                        )
                        .order_by(j.c.run_after, j.c.id)
                        .limit(1)
                        .with_for_update(skip_locked=True)
                    )
                ).first()
                if row is None:
                    return None
                # The compare-and-set on status and attempts keeps the claim exclusive
                # where no row lock exists (SQLite) as well.
                same = and_(
                    j.c.id == row.id, j.c.status == row.status, j.c.attempts == row.attempts
                )
                if row.status == RUNNING:
                    JOBS_RECLAIMED.labels(self.service, row.kind).inc()
                    log.warning(
                        "jobs.lease_expired", service=self.service, job_id=row.id, kind=row.kind
                    )
                    if row.attempts >= row.max_attempts:
                        await conn.execute(
                            update(j)
                            .where(same)
                            .values(
                                status=FAILED,
                                last_error="lease expired: the worker running the last attempt stopped",
                                lease_expires_at=None,
                                updated_at=now,
                                finished_at=now,
                            )
                        )
                        JOBS_FINISHED.labels(self.service, row.kind, FAILED).inc()
                        continue
                claimed = await conn.execute(
                    update(j)
                    .where(same)
                    .values(
                        status=RUNNING,
                        attempts=row.attempts + 1,
                        claimed_by=self.worker_id,
                        lease_expires_at=now + timedelta(seconds=self.lease_s),
                        updated_at=now,
                    )
                )
                if claimed.rowcount != 1:
                    continue  # another worker of this process took it first
            return Job(
                id=row.id,
                kind=row.kind,
                payload=dict(row.payload),
                attempt=row.attempts + 1,
                max_attempts=row.max_attempts,
            )

    # -- running -----------------------------------------------------------------------
    async def execute(self, job: Job) -> str:
        """Run a claimed job and record its outcome; return the new status."""
        start = time.perf_counter()
        renew = asyncio.create_task(self._renew_lease(job))
        result: dict[str, Any] | None = None
        error: str | None = None
        try:
            handler = self.handlers.get(job.kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            with tracer().start_as_current_span(
                f"job {job.kind}",
                attributes={"kefu.job.id": job.id, "kefu.job.attempt": job.attempt},
            ):
                result = await handler(job)
        except asyncio.CancelledError:
            raise  # the lease expires and another worker picks the job up
        except Exception as exc:
            error = repr(exc)[:4000]
            log.warning(
                "jobs.attempt_failed",
                service=self.service,
                job_id=job.id,
                kind=job.kind,
                attempt=job.attempt,
                error=error[:500],
            )
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renew
            JOB_DURATION.labels(self.service, job.kind).observe(time.perf_counter() - start)
        return await self._finish(job, result=result, error=error)

    async def _finish(self, job: Job, *, result: dict[str, Any] | None, error: str | None) -> str:
        j = self.jobs
        now = utcnow()
        values: dict[str, Any]
        if error is None:
            status = SUCCEEDED
            values = {"result": result, "finished_at": now, "last_error": None}
        elif job.attempt < job.max_attempts:
            status = QUEUED
            delay = backoff_s(job.attempt, base_s=self.backoff_base_s, max_s=self.backoff_max_s)
            values = {"last_error": error, "run_after": now + timedelta(seconds=delay)}
        else:
            status = FAILED
            values = {"last_error": error, "finished_at": now}
        async with self.engine.begin() as conn:
            done = await conn.execute(
                update(j)
                .where(
                    j.c.id == job.id, j.c.claimed_by == self.worker_id, j.c.attempts == job.attempt
                )
                .values(status=status, lease_expires_at=None, updated_at=now, **values)
            )
        if done.rowcount != 1:
            # Our lease expired and another worker has the job now: its outcome counts.
            log.warning("jobs.lease_lost", service=self.service, job_id=job.id, kind=job.kind)
            return RUNNING
        outcome = "retried" if status == QUEUED else status
        JOBS_FINISHED.labels(self.service, job.kind, outcome).inc()
        if status == SUCCEEDED:
            self.succeeded += 1
        elif status == QUEUED:
            self.retried += 1
        else:
            self.failed += 1
        return status

    async def _renew_lease(self, job: Job) -> None:
        j = self.jobs
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                async with self.engine.begin() as conn:
                    await conn.execute(
                        update(j)
                        .where(
                            j.c.id == job.id,
                            j.c.claimed_by == self.worker_id,
                            j.c.status == RUNNING,
                        )
                        .values(lease_expires_at=utcnow() + timedelta(seconds=self.lease_s))
                    )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("jobs.lease_renewal_failed", job_id=job.id, error=repr(exc)[:300])
