"""App factory of the gateway (no business database of its own)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.clients import ServiceClient
from gateway.endpoints import health_router, router
from gateway.settings import GatewaySettings
from kefu_shared.auth import TokenVerifier
from kefu_shared.http.middleware import install_http_middleware
from kefu_shared.http.openapi import api_app
from kefu_shared.http.problems import install_problem_handlers
from kefu_shared.http.ratelimit import RateLimiter
from kefu_shared.logging import configure_logging, get_logger
from kefu_shared.registry import BACKEND_NAMES
from kefu_shared.tracing import instrument_app

log = get_logger(__name__)
UPSTREAMS = BACKEND_NAMES


def create_app(
    settings: GatewaySettings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    configure_logs: bool = True,
) -> FastAPI:
    settings = settings or GatewaySettings()
    transports = transports or {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if configure_logs:
            configure_logging(service="gateway", level=settings.log_level, json=settings.log_json)
        app.state.clients = {
            name: ServiceClient(
                name,
                getattr(settings, f"{name}_url"),
                timeout_s=settings.upstream_timeout_s,
                connect_timeout_s=settings.upstream_connect_timeout_s,
                transport=transports.get(name),
                safe_retries=settings.upstream_safe_retries,
            )
            for name in UPSTREAMS
        }
        log.info("service.started", service="gateway", env=settings.env)
        try:
            yield
        finally:
            for client in app.state.clients.values():
                await client.aclose()

    # The gateway's own POSTs (dev tokens) are not idempotent-keyed; forwarded ones are,
    # by the service that answers them (its document declares the header).
    app = api_app(
        title="Kefu API gateway",
        description="One entry point to Kefu for the web front end and partner dealers.",
        lifespan=lifespan,
        idempotent_posts=False,
    )
    app.state.settings = settings
    app.state.verifier = TokenVerifier(settings)
    app.state.public_limiter = RateLimiter(settings.rate_limit_storage)
    install_problem_handlers(app)
    instrument_app(app, service="gateway", settings=settings.tracing)
    app.include_router(health_router())

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
    install_http_middleware(app, service="gateway", settings=settings)
    return app
