"""ASGI middleware: request/correlation ids, access log and HTTP metrics;
``install_http_middleware`` wires the stack every service and the gateway share."""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kefu_shared.context import correlation_id_var, new_id, request_id_var, traceparent_var
from kefu_shared.http.guard import RequestGuardMiddleware
from kefu_shared.logging import get_logger
from kefu_shared.metrics import HTTP_LATENCY, HTTP_REQUESTS
from kefu_shared.settings import ServiceSettings

log = get_logger("kefu.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


class RequestContextMiddleware:
    """Assigns X-Request-ID, propagates X-Correlation-ID and traceparent, logs, measures."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or new_id()
        correlation_id = _header(scope, b"x-correlation-id") or request_id
        traceparent = None
        for key, value in scope.get("headers", ()):
            if key == b"traceparent":
                traceparent = value.decode("latin-1")[:128]
        tokens = (
            request_id_var.set(request_id),
            correlation_id_var.set(correlation_id),
            traceparent_var.set(traceparent),
        )
        status: dict[str, Any] = {"code": 500}
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-correlation-id", correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            path_template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(self.service, method, path_template, str(status["code"])).inc()
            HTTP_LATENCY.labels(self.service, method, path_template).observe(elapsed)
            if path_template not in ("/healthz", "/readyz", "/metrics"):
                log.info(
                    "http.request",
                    method=method,
                    path=scope.get("path"),
                    status=status["code"],
                    duration_ms=round(elapsed * 1000, 2),
                )
            for var, token in zip(
                (request_id_var, correlation_id_var, traceparent_var), tokens, strict=True
            ):
                var.reset(token)  # type: ignore[attr-defined]


def install_http_middleware(app: FastAPI, *, service: str, settings: ServiceSettings) -> None:
    """The middleware every Kefu app has: the request guard (unsafe targets, NUL
    characters, body size, security headers, the answer to an unhandled error) inside the
    request context (ids, access log, metrics)."""
    app.add_middleware(RequestGuardMiddleware, max_body_bytes=settings.max_request_body_bytes)
    app.add_middleware(RequestContextMiddleware, service=service)
