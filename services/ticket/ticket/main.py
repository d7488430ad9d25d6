"""App factory of the ticket service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from kefu_shared.service import ServiceRuntime, create_service_app
from ticket.consumers import HANDLERS
from ticket.endpoints import routers
from ticket.models import Base, platform
from ticket.settings import TicketSettings

SERVICE_DIR = Path(__file__).resolve().parent.parent
NAME = "ticket"


def create_app(settings: TicketSettings | None = None, **kw: Any) -> FastAPI:
    return create_service_app(
        name=NAME,
        title="Kefu ticket service",
        description="After-sales service tickets (售后服务): dispatch, visits, response-time standards, SLA.",
        settings=settings or TicketSettings(),
        metadata=Base.metadata,
        tables=platform,
        routers=routers,
        handlers=HANDLERS,
        **kw,
    )


def create_runtime(settings: TicketSettings) -> ServiceRuntime:
    return ServiceRuntime.create(name=NAME, settings=settings, tables=platform, handlers=HANDLERS)
