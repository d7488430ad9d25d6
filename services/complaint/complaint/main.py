"""App factory of the complaint service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from complaint.consumers import HANDLERS
from complaint.endpoints import routers
from complaint.models import Base, platform
from complaint.settings import ComplaintSettings
from kefu_shared.service import ServiceRuntime, create_service_app

SERVICE_DIR = Path(__file__).resolve().parent.parent
NAME = "complaint"


def create_app(settings: ComplaintSettings | None = None, **kw: Any) -> FastAPI:
    return create_service_app(
        name=NAME,
        title="Kefu complaint service",
        description="Complaint handling (客户投诉): intake, workflow, deadlines, escalation, statistics.",
        settings=settings or ComplaintSettings(),
        metadata=Base.metadata,
        tables=platform,
        routers=routers,
        handlers=HANDLERS,
        **kw,
    )


def create_runtime(settings: ComplaintSettings) -> ServiceRuntime:
    return ServiceRuntime.create(name=NAME, settings=settings, tables=platform, handlers=HANDLERS)
