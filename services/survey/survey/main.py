"""App factory of the survey service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from kefu_shared.service import ServiceRuntime, create_service_app
from survey.consumers import HANDLERS
from survey.endpoints import routers
from survey.models import Base, platform
from survey.settings import SurveySettings

SERVICE_DIR = Path(__file__).resolve().parent.parent
NAME = "survey"


def create_app(settings: SurveySettings | None = None, **kw: Any) -> FastAPI:
    return create_service_app(
        name=NAME,
        title="Kefu survey service",
        description="Satisfaction surveys (满意度调查): templates, campaigns, triggered surveys, scoring.",
        settings=settings or SurveySettings(),
        metadata=Base.metadata,
        tables=platform,
        routers=routers,
        handlers=HANDLERS,
        **kw,
    )


def create_runtime(settings: SurveySettings) -> ServiceRuntime:
    return ServiceRuntime.create(name=NAME, settings=settings, tables=platform, handlers=HANDLERS)
