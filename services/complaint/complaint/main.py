"""App factory of the complaint service."""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from complaint.consumers import handlers
from complaint.endpoints import router
from complaint.escalation import escalate_overdue, fold_statistics
from complaint.lists_endpoints import router as lists_router
from complaint.models import Base, customer_copies, platform
from complaint.policy import ComplaintPolicy
from complaint.settings import ComplaintSettings
from complaint.uow import ComplaintUnitOfWork
from kefu_shared.replicas import customer_copy_router
from kefu_shared.scheduler import PeriodicJob
from kefu_shared.service import ServiceRuntime, create_service_app

SERVICE_DIR = Path(__file__).resolve().parent.parent
NAME = "complaint"


def sweeps(rt: ServiceRuntime, policy: ComplaintPolicy) -> list[PeriodicJob]:
    """The periodic jobs one replica runs: escalate what is overdue, fold statistics."""
    every = policy.settings.escalation.sweep_interval_s
    if every <= 0:
        return []

    def uow() -> ComplaintUnitOfWork:
        return rt.uow()  # type: ignore[return-value]  # uow_class below

    async def escalate() -> None:
        await escalate_overdue(uow, policy)

    async def fold() -> None:
        await fold_statistics(uow)

    return [
        PeriodicJob("escalate-overdue", every_s=every, run=escalate),
        PeriodicJob("fold-statistics", every_s=every, run=fold),
    ]


def create_app(settings: ComplaintSettings | None = None, **kw: Any) -> FastAPI:
    """The app; ``settings`` -- the service's one settings object -- is built here when the
    caller (``__main__``, a test) gives none, and handed to routes, consumers and sweeps."""
    settings = settings or ComplaintSettings()
    policy = ComplaintPolicy.from_settings(settings)

    def background(rt: ServiceRuntime) -> list[Coroutine[Any, Any, Any]]:
        jobs = sweeps(rt, policy)
        return [rt.scheduler(jobs).run()] if jobs else []

    app = create_service_app(
        name=NAME,
        title="Kefu complaint service",
        description="Complaint handling (客户投诉): intake, workflow, deadlines, escalation, "
        "investigation, resolution, recovery, statistics.",
        settings=settings,
        metadata=Base.metadata,
        tables=platform,
        # The list and the statistics first: /complaints/stats is not a complaint id.
        routers=[lists_router, router, customer_copy_router(customer_copies)],
        handlers=handlers(settings),
        uow_class=ComplaintUnitOfWork,
        background=background,
        **kw,
    )
    app.state.policy = policy
    return app


def create_runtime(settings: ComplaintSettings) -> ServiceRuntime:
    return ServiceRuntime.create(
        name=NAME,
        settings=settings,
        tables=platform,
        handlers=handlers(settings),
        uow_class=ComplaintUnitOfWork,
    )
