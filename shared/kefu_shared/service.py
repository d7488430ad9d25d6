"""Building blocks of a Kefu service process: runtime (engine, unit of work, relay,
consumers) and the FastAPI app factory with health, readiness, metrics, problem+json,
request ids and idempotency wired in."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kefu_shared.auth import TokenVerifier
from kefu_shared.consumer import ConsumerRunner, Handlers
from kefu_shared.db import PlatformTables, create_engine, make_session_factory
from kefu_shared.http.idempotency import IdempotencyMiddleware
from kefu_shared.http.middleware import install_http_middleware
from kefu_shared.http.pagination import configure_cursor_key
from kefu_shared.http.problems import install_problem_handlers, problem
from kefu_shared.jobs import JobHandler, JobWorker
from kefu_shared.kafka import broker_reachable
from kefu_shared.logging import configure_logging, get_logger
from kefu_shared.relay import OutboxRelay
from kefu_shared.scheduler import PeriodicJob, Scheduler
from kefu_shared.settings import ServiceSettings
from kefu_shared.tracing import instrument_app, instrument_engine, untraced
from kefu_shared.uow import UnitOfWork

log = get_logger(__name__)


@dataclass
class ServiceRuntime:
    """Everything a running service holds: one per process (or per test)."""

    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    tables: PlatformTables
    handlers: Handlers = field(default_factory=dict)
    relay: OutboxRelay | None = None
    consumer: ConsumerRunner | None = None
    verifier: TokenVerifier | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    # Schedulers and other loops that stop by cancellation.
    extra_tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    # The service's unit of work: a subclass that carries its repositories (uow.customers...).
    uow_class: type[UnitOfWork] = UnitOfWork

    @classmethod
    def create(
        cls,
        *,
        name: str,
        settings: ServiceSettings,
        tables: PlatformTables,
        handlers: Handlers | None = None,
        uow_class: type[UnitOfWork] = UnitOfWork,
    ) -> ServiceRuntime:
        if settings.is_sqlite:
            _ensure_sqlite_dir(settings.database_url)
        engine = create_engine(
            settings.database_url,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
        )
        instrument_engine(engine)
        rt = cls(
            name=name,
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(engine),
            tables=tables,
            handlers=dict(handlers or {}),
            verifier=TokenVerifier(settings),
            uow_class=uow_class,
        )
        rt.relay = OutboxRelay(service=name, settings=settings, engine=engine, outbox=tables.outbox)
        rt.consumer = ConsumerRunner(
            name=name,
            settings=settings,
            uow_factory=rt.uow,
            inbox=tables.inbox,
            handlers=rt.handlers,
        )
        return rt

    def uow(self) -> UnitOfWork:
        return self.uow_class(
            self.session_factory,
            self.tables.outbox,
            source=f"/services/{self.name}",
            after_commit=self.relay.wake if self.relay else None,
            audit=self.tables.audit,
            jobs=self.tables.jobs,
        )

    def job_worker(self, handlers: Mapping[str, JobHandler], **options: Any) -> JobWorker:
        """The worker of this service's job table (run it from ``background``)."""
        if self.tables.jobs is None:
            raise RuntimeError(f"{self.name} has no job table: PlatformTables(..., jobs=True)")
        return JobWorker(
            service=self.name,
            engine=self.engine,
            jobs=self.tables.jobs,
            handlers=handlers,
            **options,
        )

    def scheduler(self, jobs: Sequence[PeriodicJob], **options: Any) -> Scheduler:
        """This service's scheduler: one replica runs ``jobs`` (run it from ``background``)."""
        return Scheduler(service=self.name, engine=self.engine, jobs=jobs, **options)

    async def start_background(self, *, relay: bool = True, consumers: bool = True) -> None:
        if relay and self.relay is not None:
            # The relay's polling is not traced; its sends are (PRODUCER spans).
            with untraced():
                task = asyncio.create_task(self.relay.run(), name=f"{self.name}-relay")
            self.tasks.append(task)
        if consumers and self.consumer is not None and self.consumer.topics:
            self.tasks.append(
                asyncio.create_task(self.consumer.run(), name=f"{self.name}-consumer")
            )

    async def stop(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
        if self.consumer is not None:
            await self.consumer.stop()
        for task in self.extra_tasks:
            task.cancel()
        for task in self.extra_tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.extra_tasks.clear()
        for task in self.tasks:
            try:
                await asyncio.wait_for(task, 10)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
            except Exception:
                log.exception("service.background_task_failed", task=task.get_name())
        self.tasks.clear()
        await self.engine.dispose()

    async def check_database(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False


def _ensure_sqlite_dir(url: str) -> None:
    _, _, path = url.partition(":///")
    if path and path != ":memory:":
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


async def get_runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def get_uow(runtime: RuntimeDep) -> UnitOfWork:
    return runtime.uow()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def health_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz(request: Request) -> dict[str, str]:
        return {"status": "ok", "service": request.app.state.runtime.name}

    @router.get("/readyz", summary="Readiness: database and broker reachable")
    async def readyz(runtime: RuntimeDep) -> Response:
        db_ok = await runtime.check_database()
        broker_ok = await broker_reachable(runtime.settings.kafka_bootstrap_servers)
        checks = {"database": "ok" if db_ok else "down", "broker": "ok" if broker_ok else "down"}
        if runtime.relay is not None and runtime.settings.relay_enabled:
            checks["relay"] = "active" if runtime.relay.active else "standby"
        if db_ok and broker_ok:
            return JSONResponse({"status": "ready", "checks": checks})
        return problem(503, title="Not ready", slug="not-ready", checks=checks)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_service_app(
    *,
    name: str,
    title: str,
    description: str,
    settings: ServiceSettings,
    metadata: MetaData,
    tables: PlatformTables,
    routers: Sequence[APIRouter],
    handlers: Handlers | None = None,
    on_startup: Callable[[ServiceRuntime], Awaitable[None]] | None = None,
    background: Callable[[ServiceRuntime], list[Coroutine[Any, Any, Any]]] | None = None,
    configure_logs: bool = True,
    uow_class: type[UnitOfWork] = UnitOfWork,
) -> FastAPI:
    """The FastAPI app of one service; its lifespan owns the runtime."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging(service=name, level=settings.log_level, json=settings.log_json)
        runtime = ServiceRuntime.create(
            name=name, settings=settings, tables=tables, handlers=handlers, uow_class=uow_class
        )
        app.state.runtime = runtime
        app.state.verifier = runtime.verifier
        if on_startup is not None:
            await on_startup(runtime)
        await runtime.start_background(
            relay=settings.relay_enabled, consumers=settings.consumers_enabled
        )
        if background is not None:
            for coro in background(runtime):
                runtime.extra_tasks.append(asyncio.create_task(coro))
        log.info("service.started", service=name, env=settings.env)
        try:
            yield
        finally:
            await runtime.stop()
            log.info("service.stopped", service=name)

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    install_problem_handlers(app)
    instrument_app(app, service=name, settings=settings.tracing)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)

    def _state(scope: Any) -> tuple[Any, Any, Any]:
        rt: ServiceRuntime = scope["app"].state.runtime
        return rt.engine, rt.tables.idempotency, rt.verifier

    app.add_middleware(IdempotencyMiddleware, get_state=_state)
    install_http_middleware(app, service=name, settings=settings)
    configure_cursor_key(settings)
    return app
