"""App factory of the ticket service."""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from kefu_shared.replicas import customer_copy_router
from kefu_shared.scheduler import PeriodicJob
from kefu_shared.service import ServiceRuntime, create_service_app
from ticket.consumers import handlers
from ticket.coverage_endpoints import router as coverage_router
from ticket.dispatch_endpoints import router as dispatch_router
from ticket.endpoints import router as ticket_router
from ticket.maintenance import sweep_plans
from ticket.models import customer_copies, platform
from ticket.rules import Clocks
from ticket.settings import TicketSettings
from ticket.sla import sweep_breaches
from ticket.tables import Base
from ticket.uow import TicketUnitOfWork
from ticket.visit_endpoints import router as visit_router

SERVICE_DIR = Path(__file__).resolve().parent.parent
NAME = "ticket"


def sweeps(rt: ServiceRuntime, settings: TicketSettings, clocks: Clocks) -> list[PeriodicJob]:
    """The SLA breach sweep and the maintenance-plan sweep, run by the leading replica."""

    async def breaches() -> None:
        await sweep_breaches(rt.uow(), settings=settings.sla)  # type: ignore[arg-type]

    async def plans() -> None:
        await sweep_plans(rt.uow(), settings=settings, clocks=clocks)  # type: ignore[arg-type]

    return [
        PeriodicJob("sla-breaches", every_s=settings.sla.sweep_interval_s, run=breaches),
        PeriodicJob("maintenance-plans", every_s=settings.maintenance.sweep_interval_s, run=plans),
    ]


def create_app(settings: TicketSettings | None = None, **kw: Any) -> FastAPI:
    """The app; ``settings`` -- the service's one settings object -- is built here when the
    caller (``__main__``, a test) gives none, and handed to routes, consumers and sweeps."""
    settings = settings or TicketSettings()
    clocks = Clocks(settings.calendar)

    def background(rt: ServiceRuntime) -> list[Coroutine[Any, Any, Any]]:
        return [rt.scheduler(sweeps(rt, settings, clocks)).run()]

    app = create_service_app(
        name=NAME,
        title="Kefu ticket service",
        description="After-sales service tickets (售后服务): warranty, response-time standards and SLA, "
        "dispatch, visits, technician scorecards, maintenance plans.",
        settings=settings,
        metadata=Base.metadata,
        tables=platform,
        routers=[
            ticket_router,
            visit_router,
            dispatch_router,
            coverage_router,
            customer_copy_router(customer_copies),
        ],
        handlers=handlers(settings, clocks),
        uow_class=TicketUnitOfWork,
        background=background,
        **kw,
    )
    app.state.clocks = clocks
    return app


def create_runtime(settings: TicketSettings) -> ServiceRuntime:
    return ServiceRuntime.create(
        name=NAME,
        settings=settings,
        tables=platform,
        handlers=handlers(settings, Clocks(settings.calendar)),
        uow_class=TicketUnitOfWork,
    )
