"""Command line of every service: ``python -m <service> serve|migrate|relay``."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kefu_shared.logging import configure_logging, get_logger
from kefu_shared.migrations import upgrade
from kefu_shared.settings import ServiceSettings

log = get_logger(__name__)


def main(
    *,
    name: str,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: Callable[[Any], Any],
    service_dir: Path | None,
    default_port: int,
    runtime_factory: Callable[[Any], Any] | None = None,
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service (with relay and consumers)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=default_port)
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (each runs the app, relay and consumers:"
        " one relay is active at a time, consumers share partitions as one group)",
    )
    if service_dir is not None:
        sub.add_parser("migrate", help="apply database migrations (alembic upgrade head)")
    if runtime_factory is not None:
        sub.add_parser("relay", help="run only the outbox relay (no HTTP, no consumers)")
    args = parser.parse_args(argv)
    settings = settings_factory()

    if args.command == "migrate" or (args.command == "serve" and args.migrate and service_dir):
        assert service_dir is not None
        upgrade(service_dir, settings.database_url)  # type: ignore[attr-defined]
        if args.command == "migrate":
            return
    if args.command == "serve":
        import uvicorn

        if args.workers < 1:
            parser.error("--workers must be at least 1")
        # Worker processes import the app factory themselves (settings from the
        # environment, as here); a single process reuses the settings already read.
        app: Any = (
            f"{app_factory.__module__}:{app_factory.__qualname__}"
            if args.workers > 1
            else app_factory(settings)
        )
        uvicorn.run(
            app,
            factory=args.workers > 1,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_config=None,
            access_log=False,
            proxy_headers=True,
            timeout_graceful_shutdown=10,
        )
    elif args.command == "relay":
        assert runtime_factory is not None
        asyncio.run(_relay_only(name, settings, runtime_factory))


async def _relay_only(
    name: str, settings: ServiceSettings, runtime_factory: Callable[[Any], Any]
) -> None:
    configure_logging(service=f"{name}-relay", level=settings.log_level, json=settings.log_json)
    runtime = runtime_factory(settings)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start_background(relay=True, consumers=False)
    log.info("relay.started", service=name)
    await stop.wait()
    await runtime.stop()
