"""Test support: databases per service (SQLite or PostgreSQL), an in-process stack of
services wired to a real broker, and helpers that wait for asynchronous outcomes."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from sqlalchemy import text

from kefu_shared.auth import issue_token
from kefu_shared.events import CloudEvent, parse_event
from kefu_shared.migrations import upgrade
from kefu_shared.registry import BACKEND_NAMES
from kefu_shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
SERVICES = BACKEND_NAMES
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def fast_kafka_settings(bootstrap: str) -> dict[str, Any]:
    """Settings that keep tests quick against the dev broker (see infra.md)."""
    return {
        "kafka_bootstrap_servers": bootstrap,
        "kafka_session_timeout_ms": 1000,
        "kafka_heartbeat_interval_ms": 300,
        "kafka_request_timeout_ms": 3000,
        "relay_poll_interval_s": 0.05,
        "relay_max_backoff_s": 1.0,
        "consumer_retry_backoff_s": 0.02,
        "consumer_max_attempts": 3,
        "log_json": False,
        "log_level": "WARNING",
    }


class DatabaseFactory:
    """Fresh, migrated databases per test. Migrations run once per service into a
    template (a SQLite file, or a PostgreSQL template database) that each test copies."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pg = TEST_DATABASE_URL
        self.run_id = uuid.uuid4().hex[:8]
        self._templates: dict[str, str] = {}
        self._created: list[str] = []

    @property
    def dialect(self) -> str:
        return "postgresql" if self.pg else "sqlite"

    def _pg_exec(self, sql: str) -> None:
        import asyncpg

        async def run() -> None:
            url = self.pg.replace("postgresql+asyncpg://", "postgresql://")
            conn = await asyncpg.connect(url)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        _run_in_thread(run)

    def _pg_url(self, dbname: str) -> str:
        base, _, _ = self.pg.rpartition("/")  # type: ignore[union-attr]
        return f"{base}/{dbname}"

    def template(self, service: str) -> str:
        if service in self._templates:
            return self._templates[service]
        if self.pg:
            name = f"kefu_tpl_{self.run_id}_{service}"
            self._pg_exec(f'CREATE DATABASE "{name}"')
            self._created.append(name)
            _run_maybe_threaded(lambda: upgrade(ROOT / "services" / service, self._pg_url(name)))
            self._templates[service] = name
        else:
            path = self.workdir / f"template-{service}.db"
            _run_maybe_threaded(
                lambda: upgrade(ROOT / "services" / service, f"sqlite+aiosqlite:///{path}")
            )
            self._templates[service] = str(path)
        return self._templates[service]

    def url(self, service: str) -> str:
        """A new migrated database for ``service``."""
        tpl = self.template(service)
        if self.pg:
            name = f"kefu_t_{self.run_id}_{service}_{uuid.uuid4().hex[:6]}"
            self._pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"')
            self._created.append(name)
            return self._pg_url(name)
        path = self.workdir / f"{service}-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(tpl, path)
        return f"sqlite+aiosqlite:///{path}"

    def cleanup(self) -> None:
        if self.pg:
            for name in reversed(self._created):
                with contextlib.suppress(Exception):
                    self._pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def _run_in_thread(coro_fn: Callable[[], Awaitable[None]]) -> None:
    import threading

    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro_fn())  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def _run_maybe_threaded(fn: Callable[[], None]) -> None:
    """Alembic's env.py calls asyncio.run(): run it in a thread when a loop is running."""
    if not _loop_running():
        fn()
        return
    import threading

    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def count_rows(url: str, table: str, where: str = "") -> int:
    """Count rows with a blocking connection (used outside the services under test)."""

    async def run() -> int:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                sql = f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else "")
                return int((await conn.execute(text(sql))).scalar_one())
        finally:
            await engine.dispose()

    result: list[int] = []

    async def wrapper() -> None:
        result.append(await run())

    _run_in_thread(wrapper)
    return result[0]


async def eventually(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 30.0, interval: float = 0.1
) -> Any:
    """Poll ``check`` until it returns a truthy value; fail with its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        try:
            last = await check()
            if last:
                return last
        except AssertionError as exc:
            last = exc
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
        await asyncio.sleep(interval)


async def read_topic(
    bootstrap: str, topic: str, *, min_count: int = 1, timeout: float = 20.0
) -> list[tuple[Any, CloudEvent | bytes, dict[str, bytes]]]:
    """Read a topic from the beginning (no consumer group) until ``min_count`` records."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        parts: set[int] | None = None
        while parts is None:
            parts = consumer.partitions_for_topic(topic)
            if parts is None:
                await consumer._client.force_metadata_update()
                parts = consumer.partitions_for_topic(topic)
                if parts is None:
                    if asyncio.get_running_loop().time() > deadline:
                        return []
                    await asyncio.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        out: list[tuple[Any, CloudEvent | bytes, dict[str, bytes]]] = []
        while len(out) < min_count and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for _, records in batch.items():
                for r in records:
                    try:
                        value: CloudEvent | bytes = parse_event(r.value)
                    except Exception:
                        value = r.value
                    out.append((r, value, dict(r.headers or ())))
        return out
    finally:
        await consumer.stop()


def service_factories(name: str) -> tuple[Callable[..., FastAPI], type[ServiceSettings]]:
    """``create_app`` and the settings class of a service of the registry, by convention
    (``<name>.main.create_app``, ``<name>.settings.<Name>Settings``)."""
    app_factory = importlib.import_module(f"{name}.main").create_app
    settings_cls = getattr(
        importlib.import_module(f"{name}.settings"), f"{name.capitalize()}Settings"
    )
    return app_factory, settings_cls


class Stack:
    """Services (and optionally the gateway) running in this process on real databases
    and a real broker; HTTP goes through ASGI transports."""

    def __init__(self, dbs: DatabaseFactory, bootstrap: str, **overrides: Any) -> None:
        self.dbs = dbs
        self.bootstrap = bootstrap
        self.overrides = overrides
        self.apps: dict[str, FastAPI] = {}
        self.settings: dict[str, ServiceSettings] = {}
        self.urls: dict[str, str] = {}
        self._stack = contextlib.AsyncExitStack()
        self.gateway: httpx.AsyncClient | None = None

    def runtime(self, name: str) -> Any:
        return self.apps[name].state.runtime

    async def start(self, services: tuple[str, ...] = SERVICES, *, gateway: bool = True) -> Stack:
        for name in services:
            app_factory, settings_cls = service_factories(name)
            url = self.dbs.url(name)
            self.urls[name] = url
            kw = {**fast_kafka_settings(self.bootstrap), **self.overrides.get(name, {})}
            settings = settings_cls(database_url=url, env="development", **kw)
            self.settings[name] = settings
            app = app_factory(settings, configure_logs=False)
            await self._stack.enter_async_context(app.router.lifespan_context(app))
            self.apps[name] = app
        if gateway:
            from gateway.main import create_app as gateway_app
            from gateway.settings import GatewaySettings

            gsettings = GatewaySettings(env="development", log_json=False)
            self.settings["gateway"] = gsettings
            transports = {n: httpx.ASGITransport(app=a) for n, a in self.apps.items()}
            gapp = gateway_app(gsettings, transports=transports, configure_logs=False)
            await self._stack.enter_async_context(gapp.router.lifespan_context(gapp))
            self.apps["gateway"] = gapp
            self.gateway = await self._stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=gapp), base_url="http://gateway"
                )
            )
        return self

    def client(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.apps[name]), base_url=f"http://{name}"
        )

    def token(
        self, role: str = "admin", *, dealer_id: str | None = None, user: str = "tester"
    ) -> str:
        settings = next(iter(self.settings.values()))
        return issue_token(settings, subject=user, roles=[role], dealer_id=dealer_id)

    def auth(self, role: str = "admin", **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **kw)}"}

    async def wait_consumers_assigned(self, *names: str, timeout: float = 20.0) -> None:
        async def ready() -> bool:
            return all(self.runtime(n).consumer.assigned for n in names)

        await eventually(ready, timeout=timeout)

    async def aclose(self) -> None:
        await self._stack.aclose()


@contextlib.asynccontextmanager
async def running_stack(
    dbs: DatabaseFactory,
    bootstrap: str,
    services: tuple[str, ...] = SERVICES,
    *,
    gateway: bool = True,
    **overrides: Any,
) -> AsyncIterator[Stack]:
    stack = Stack(dbs, bootstrap, **overrides)
    try:
        await stack.start(services, gateway=gateway)
        yield stack
    finally:
        await stack.aclose()
