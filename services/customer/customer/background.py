"""What the customer service runs besides requests: the worker of its job table
(classification runs) and its scheduled sweeps (credit recalculation, abandoned runs)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from customer.classification import service as classification
from customer.credit.scheduler import recalculation_sweep
from customer.settings import CustomerSettings
from customer.uow import CustomerUnitOfWork, customer_uow
from kefu_shared.jobs import Job, JobHandler
from kefu_shared.scheduler import PeriodicJob, Scheduler
from kefu_shared.service import ServiceRuntime


def job_handlers(runtime: ServiceRuntime, settings: CustomerSettings) -> dict[str, JobHandler]:
    def uow() -> CustomerUnitOfWork:
        return customer_uow(runtime)

    async def run_classification(job: Job) -> dict[str, Any] | None:
        return await classification.run_job(job, uow=uow(), settings=settings.classification)

    return {classification.JOB_KIND: run_classification}


def sweeps(runtime: ServiceRuntime, settings: CustomerSettings) -> list[PeriodicJob]:
    async def fail_abandoned_runs() -> None:
        await classification.fail_abandoned_runs(uow=customer_uow(runtime))

    return [
        *recalculation_sweep(runtime, settings),
        PeriodicJob(
            "classification-abandoned-runs",
            every_s=settings.classification.abandoned_sweep_s,
            run=fail_abandoned_runs,
        ),
    ]


async def _scheduled(scheduler: Scheduler, delay_s: float) -> None:
    # A new leader runs every sweep at once; after a (re)start, let the service settle.
    await asyncio.sleep(delay_s)
    await scheduler.run()


def background(
    runtime: ServiceRuntime, settings: CustomerSettings
) -> list[Coroutine[Any, Any, Any]]:
    scheduler = runtime.scheduler(sweeps(runtime, settings))
    return [
        runtime.job_worker(job_handlers(runtime, settings)).run(),
        _scheduled(scheduler, settings.credit_recalc_first_delay_s),
    ]
