"""App factory of the survey service."""

from __future__ import annotations

from collections.abc import Coroutine
from functools import partial
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI

from kefu_shared.http.ratelimit import RateLimiter
from kefu_shared.scheduler import PeriodicJob
from kefu_shared.service import ServiceRuntime, create_service_app
from survey import analytics, campaigns, templates
from survey.consumers import handlers
from survey.endpoints import routers
from survey.models import Base, platform
from survey.settings import SurveySettings
from survey.uow import SurveyUnitOfWork

SERVICE_DIR = Path(__file__).resolve().parent.parent
NAME = "survey"


def _uow_factory(rt: ServiceRuntime) -> Any:
    return lambda: cast(SurveyUnitOfWork, rt.uow())


def job_handlers(rt: ServiceRuntime, settings: SurveySettings) -> dict[str, Any]:
    """Background jobs (``kefu_shared.jobs``): sending a campaign's invitations."""
    return {
        campaigns.SEND_JOB: partial(
            campaigns.send_campaign, uow_factory=_uow_factory(rt), rules=settings.rules
        )
    }


def sweeps(rt: ServiceRuntime, settings: SurveySettings) -> list[PeriodicJob]:
    """Periodic sweeps one replica runs (``kefu_shared.scheduler``)."""
    uows = _uow_factory(rt)
    jobs = []
    if settings.analytics.reminder_interval_s > 0:

        async def remind() -> None:
            await campaigns.remind_and_close(uow_factory=uows, rules=settings.rules)

        jobs.append(PeriodicJob("survey-reminders", settings.analytics.reminder_interval_s, remind))
    if settings.analytics.rollup_interval_s > 0:

        async def roll_up() -> None:
            await analytics.roll_up(
                uow_factory=uows, batch_size=settings.analytics.rollup_batch_size
            )

        jobs.append(PeriodicJob("survey-rollup", settings.analytics.rollup_interval_s, roll_up))
    return jobs


def create_app(settings: SurveySettings | None = None, **kw: Any) -> FastAPI:
    """The app; ``settings`` -- the service's one settings object -- is built here when the
    caller (``__main__``, a test) gives none, and handed to routes, consumers and sweeps."""
    settings = settings or SurveySettings()

    async def on_startup(rt: ServiceRuntime) -> None:
        await templates.ensure_builtins(uow=cast(SurveyUnitOfWork, rt.uow()))

    def background(rt: ServiceRuntime) -> list[Coroutine[Any, Any, Any]]:
        tasks: list[Coroutine[Any, Any, Any]] = [rt.job_worker(job_handlers(rt, settings)).run()]
        if jobs := sweeps(rt, settings):
            tasks.append(rt.scheduler(jobs).run())
        return tasks

    app = create_service_app(
        name=NAME,
        title="Kefu survey service",
        description="Satisfaction surveys (满意度调查): templates, campaigns, triggered surveys, scoring.",
        settings=settings,
        metadata=Base.metadata,
        tables=platform,
        routers=routers,
        handlers=handlers(settings),
        uow_class=SurveyUnitOfWork,
        on_startup=on_startup,
        background=background,
        **kw,
    )
    app.state.public_limiter = RateLimiter(settings.public.rate_limit_storage)
    return app


def create_runtime(settings: SurveySettings) -> ServiceRuntime:
    return ServiceRuntime.create(
        name=NAME,
        settings=settings,
        tables=platform,
        handlers=handlers(settings),
        uow_class=SurveyUnitOfWork,
    )
