"""Durable background jobs on a real database (SQLite, and PostgreSQL with
TEST_DATABASE_URL): enqueued with the request's transaction, retried with backoff, picked
up again when their worker died, and claimed by exactly one worker across replicas."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from complaint.models import platform
from kefu_shared.db import create_engine, make_session_factory
from kefu_shared.errors import NotFound
from kefu_shared.jobs import Job, JobWorker, get_job, list_jobs
from kefu_shared.uow import UnitOfWork
from tests.support import DatabaseFactory

pytestmark = pytest.mark.integration
JOBS = platform.jobs
assert JOBS is not None


@pytest.fixture
async def db_url(dbs: DatabaseFactory) -> str:
    return dbs.url("complaint")


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(db_url)
    yield eng
    await eng.dispose()


def _uow(engine: AsyncEngine) -> UnitOfWork:
    return UnitOfWork(make_session_factory(engine), platform.outbox, source="/test", jobs=JOBS)


async def _enqueue(engine: AsyncEngine, kind: str = "recalc", **kw: Any) -> int:
    async with _uow(engine) as uow:
        job_id = await uow.enqueue(kind=kind, payload={"customer": "C1"}, **kw)
        await uow.commit()
    return job_id


async def _status(engine: AsyncEngine, job_id: int) -> Any:
    async with _uow(engine) as uow:
        return await get_job(uow.session, JOBS, job_id)


def _worker(engine: AsyncEngine, handlers: dict[str, Any], **kw: Any) -> JobWorker:
    kw.setdefault("backoff_base_s", 0.0)
    return JobWorker(service="test", engine=engine, jobs=JOBS, handlers=handlers, **kw)


async def test_a_job_exists_only_if_the_request_commits_and_runs_to_succeeded(
    engine: AsyncEngine,
) -> None:
    async with _uow(engine) as uow:
        await uow.enqueue(kind="recalc", payload={"customer": "lost"})
        await uow.rollback()
    job_id = await _enqueue(engine)
    queued = await _status(engine, job_id)
    assert queued.status == "queued" and queued.attempts == 0

    seen: list[Job] = []

    async def recalc(job: Job) -> dict[str, Any]:
        seen.append(job)
        return {"limit": "5000.00"}

    worker = _worker(engine, {"recalc": recalc})
    assert await worker.run_until_idle() == 1
    assert [(j.id, j.payload, j.attempt) for j in seen] == [(job_id, {"customer": "C1"}, 1)]
    done = await _status(engine, job_id)
    assert done.status == "succeeded" and done.result == {"limit": "5000.00"}
    assert done.finished_at is not None and done.attempts == 1
    async with _uow(engine) as uow:
        page, cursor = await list_jobs(uow.session, JOBS, kind="recalc", limit=10)
        assert [j.id for j in page] == [job_id] and cursor is None
        with pytest.raises(NotFound):
            await get_job(uow.session, JOBS, 999_999)


async def test_a_failing_job_is_retried_with_backoff_then_marked_failed(
    engine: AsyncEngine,
) -> None:
    attempts: list[int] = []

    async def flaky(job: Job) -> None:
        attempts.append(job.attempt)
        raise RuntimeError(f"upstream down (attempt {job.attempt})")

    job_id = await _enqueue(engine, max_attempts=3)
    waiting = _worker(engine, {"recalc": flaky}, backoff_base_s=60.0)
    assert await waiting.run_until_idle() == 1  # the retry is not due for a minute
    retry = await _status(engine, job_id)
    assert retry.status == "queued" and retry.attempts == 1
    assert "attempt 1" in (retry.last_error or "")
    assert (retry.run_after - retry.updated_at).total_seconds() == pytest.approx(60, abs=1)

    async with engine.begin() as conn:  # time passes
        await conn.execute(JOBS.update().values(run_after=retry.updated_at))
    worker = _worker(engine, {"recalc": flaky})
    assert await worker.run_until_idle() == 2
    failed = await _status(engine, job_id)
    assert attempts == [1, 2, 3]
    assert (
        failed.status == "failed"
        and failed.attempts == 3
        and "attempt 3" in (failed.last_error or "")
    )
    assert worker.retried == 1 and worker.failed == 1


async def test_a_job_of_an_unknown_kind_fails_visibly(engine: AsyncEngine) -> None:
    job_id = await _enqueue(engine, kind="nobody.handles", max_attempts=1)
    await _worker(engine, {}).run_until_idle()
    job = await _status(engine, job_id)
    assert job.status == "failed" and "no handler" in (job.last_error or "")


async def test_a_job_whose_worker_died_is_picked_up_after_its_lease(engine: AsyncEngine) -> None:
    job_id = await _enqueue(engine)
    dead = _worker(engine, {}, lease_s=2.0)
    claimed = await dead.claim()  # ...and the process dies before finishing
    assert claimed is not None and claimed.id == job_id
    assert (await _status(engine, job_id)).status == "running"

    done: list[int] = []

    async def recalc(job: Job) -> None:
        done.append(job.attempt)

    survivor = _worker(engine, {"recalc": recalc}, lease_s=2.0)
    assert await survivor.claim() is None  # the lease still holds
    await asyncio.sleep(2.1)
    assert await survivor.run_until_idle() == 1
    assert done == [2] and (await _status(engine, job_id)).status == "succeeded"
    # The dead worker's late report changes nothing.
    assert await dead.execute(claimed) == "running"
    assert (await _status(engine, job_id)).status == "succeeded"


async def test_a_dead_workers_last_attempt_is_marked_failed_not_left_running(
    engine: AsyncEngine,
) -> None:
    job_id = await _enqueue(engine, max_attempts=1)
    assert await _worker(engine, {}, lease_s=0.2).claim() is not None
    await asyncio.sleep(0.3)
    assert await _worker(engine, {}).claim() is None
    job = await _status(engine, job_id)
    assert job.status == "failed" and "lease expired" in (job.last_error or "")


async def test_a_long_job_keeps_its_lease_while_it_runs(engine: AsyncEngine) -> None:
    job_id = await _enqueue(engine)
    release = asyncio.Event()

    async def long(job: Job) -> None:
        await release.wait()

    runner = _worker(engine, {"recalc": long}, lease_s=1.0)
    job = await runner.claim()
    assert job is not None
    task = asyncio.create_task(runner.execute(job))
    await asyncio.sleep(2.5)  # more than two leases
    assert await _worker(engine, {}).claim() is None
    release.set()
    assert await task == "succeeded"
    assert (await _status(engine, job_id)).attempts == 1


async def test_the_worker_loop_runs_jobs_enqueued_while_it_runs(engine: AsyncEngine) -> None:
    ran = asyncio.Event()

    async def recalc(job: Job) -> None:
        ran.set()

    worker = _worker(engine, {"recalc": recalc}, poll_interval_s=0.05)
    task = asyncio.create_task(worker.run())
    try:
        job_id = await _enqueue(engine)
        await asyncio.wait_for(ran.wait(), 10)
    finally:
        await worker.stop()
        await asyncio.wait_for(task, 10)
    assert (await _status(engine, job_id)).status == "succeeded"


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="replicas claiming concurrently need PostgreSQL (SQLite runs one process)",
)
async def test_replicas_never_run_the_same_job_twice(db_url: str, engine: AsyncEngine) -> None:
    ids = [await _enqueue(engine) for _ in range(30)]
    runs: list[tuple[str, int]] = []

    def handler(name: str) -> Any:
        async def recalc(job: Job) -> None:
            runs.append((name, job.id))
            await asyncio.sleep(0.02)

        return recalc

    engines = [create_engine(db_url) for _ in range(3)]
    workers = [
        _worker(e, {"recalc": handler(f"w{i}")}, poll_interval_s=0.05)
        for i, e in enumerate(engines)
    ]
    try:
        counts = await asyncio.gather(*(w.run_until_idle() for w in workers))
    finally:
        for e in engines:
            await e.dispose()
    assert sorted(job_id for _, job_id in runs) == sorted(ids)  # each exactly once
    assert sum(counts) == 30 and sum(1 for c in counts if c) >= 2  # the work was shared
    async with _uow(engine) as uow:
        page, _ = await list_jobs(uow.session, JOBS, status="succeeded", limit=50)
    assert len(page) == 30


async def test_a_service_runtime_enqueues_audits_and_runs_its_jobs(db_url: str) -> None:
    from complaint.main import create_runtime
    from complaint.settings import ComplaintSettings
    from kefu_shared.audit import AuditEntry, list_audit

    rt = create_runtime(ComplaintSettings(database_url=db_url, env="development"))
    try:
        async with rt.uow() as uow:
            job_id = await uow.enqueue(kind="recalc", payload={"complaint": "K1"})
            uow.audit(
                AuditEntry(
                    aggregate_type="complaint",
                    aggregate_id="K1",
                    action="queued_recalc",
                    actor="a1",
                )
            )
            await uow.commit()
        ran: list[int] = []

        async def recalc(job: Job) -> None:
            ran.append(job.id)

        assert await rt.job_worker({"recalc": recalc}).run_until_idle() == 1
        assert ran == [job_id]
        async with rt.uow() as uow:
            records, _ = await list_audit(
                uow.session, uow.audit_table, aggregate_type="complaint", aggregate_id="K1", limit=5
            )
        assert [r.action for r in records] == ["queued_recalc"]
    finally:
        await rt.engine.dispose()
