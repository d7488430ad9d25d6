"""Classification runs are durable jobs: a run whose worker died (the process was killed
mid-run: its job still 'running', its lease expired) is resumed by the next worker, and
one whose last attempt died is marked failed by the abandoned-run sweep -- never left
'running' for ever. Runs on SQLite and PostgreSQL like the rest of this folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import insert, select, update

from customer.classification import service as classification
from customer.classification.config import ClassificationSettings
from customer.classification.models import ClassificationRun
from customer.classification.schemas import RunCreate
from customer.uow import CustomerUnitOfWork
from kefu_shared.jobs import FAILED, RUNNING, SUCCEEDED
from tests.customer.integration.conftest import CustomerHarness
from tests.customer.integration.test_classification import AS_OF, IN_WINDOW, _insert_run, seed
from tests.support import eventually


async def _job_of_a_dead_worker(svc: CustomerHarness, run_id: str, *, attempts: int) -> int:
    """The row a worker leaves when its process is killed mid-attempt."""
    jobs = svc.runtime.tables.jobs
    now = datetime.now(UTC)
    async with svc.runtime.uow() as uow:
        job_id = (
            await uow.session.execute(
                insert(jobs)
                .values(
                    kind=classification.JOB_KIND,
                    payload={"run_id": run_id},
                    status=RUNNING,
                    attempts=attempts,
                    max_attempts=3,
                    run_after=now - timedelta(minutes=5),
                    claimed_by="killed-host:4242",
                    lease_expires_at=now - timedelta(seconds=1),
                    created_at=now - timedelta(minutes=5),
                    updated_at=now - timedelta(minutes=5),
                )
                .returning(jobs.c.id)
            )
        ).scalar_one()
        await uow.commit()
    return int(job_id)


async def _job_status(svc: CustomerHarness, job_id: int) -> str:
    jobs = svc.runtime.tables.jobs
    async with svc.runtime.uow() as uow:
        return str(
            (
                await uow.session.execute(select(jobs.c.status).where(jobs.c.id == job_id))
            ).scalar_one()
        )


async def _run(svc: CustomerHarness, run_id: str) -> dict[str, Any]:
    r = await svc.http.get(f"/api/v1/classification-runs/{run_id}", headers=svc.auth("analyst"))
    assert r.status_code == 200, r.text
    return cast(dict[str, Any], r.json())


async def test_a_run_whose_worker_died_is_resumed_after_a_restart(
    customer_svc: CustomerHarness,
) -> None:
    await seed(customer_svc, {"a": [(IN_WINDOW, 500)], "b": [(IN_WINDOW, 100)]})
    run_id = await _insert_run(customer_svc, started=datetime.now(UTC) - timedelta(minutes=5))
    params = classification.resolve_parameters(RunCreate(as_of=AS_OF), ClassificationSettings())
    async with customer_svc.runtime.uow() as uow:
        await uow.session.execute(
            update(ClassificationRun)
            .where(ClassificationRun.id == run_id)
            .values(thresholds=params["thresholds"])
        )
        await uow.commit()
    job_id = await _job_of_a_dead_worker(customer_svc, run_id, attempts=1)

    async def resumed() -> bool:
        return (await _run(customer_svc, run_id))["status"] == "succeeded"

    await eventually(resumed, timeout=30)
    run = await _run(customer_svc, run_id)
    assert run["ranked_customers"] == 2 and run["error"] is None
    assert await _job_status(customer_svc, job_id) == SUCCEEDED
    # The slot is free again: a new run is accepted.
    r = await customer_svc.http.post(
        "/api/v1/classification-runs", json={}, headers=customer_svc.auth("analyst")
    )
    assert r.status_code == 202, r.text


async def test_a_run_whose_last_attempt_died_is_marked_failed(
    customer_svc: CustomerHarness,
) -> None:
    run_id = await _insert_run(customer_svc, started=datetime.now(UTC) - timedelta(minutes=5))
    job_id = await _job_of_a_dead_worker(customer_svc, run_id, attempts=3)

    async def job_failed() -> bool:
        return await _job_status(customer_svc, job_id) == FAILED

    await eventually(job_failed, timeout=30)
    # The scheduled sweep (called here rather than waiting for its interval):
    uow = cast(CustomerUnitOfWork, customer_svc.runtime.uow())
    assert await classification.fail_abandoned_runs(uow=uow) == run_id
    run = await _run(customer_svc, run_id)
    assert run["status"] == "failed" and "abandoned" in run["error"]
    # Running the sweep again finds nothing to do.
    uow = cast(CustomerUnitOfWork, customer_svc.runtime.uow())
    assert await classification.fail_abandoned_runs(uow=uow) is None


async def test_the_abandoned_run_sweep_leaves_a_run_with_a_live_job_alone(
    customer_svc: CustomerHarness,
) -> None:
    await seed(customer_svc, {"a": [(IN_WINDOW, 10)]})
    r = await customer_svc.http.post(
        "/api/v1/classification-runs", json={}, headers=customer_svc.auth("analyst")
    )
    assert r.status_code == 202
    uow = cast(CustomerUnitOfWork, customer_svc.runtime.uow())
    assert await classification.fail_abandoned_runs(uow=uow) is None

    async def done() -> str | None:
        status = (await _run(customer_svc, r.json()["id"]))["status"]
        return status if status in ("succeeded", "failed") else None

    assert await eventually(done) == "succeeded"
