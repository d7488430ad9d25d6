"""Gateway routes: development tokens, upstream status and the forwarding proxy."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import ClientDisconnect

from gateway.clients import ServiceClient, UpstreamError
from gateway.clients.base import HOP_BY_HOP_BYTES
from gateway.routing import upstream_for
from gateway.settings import GatewaySettings
from kefu_shared.auth import ROLES, CurrentPrincipal, issue_token
from kefu_shared.contracts import REGISTRY
from kefu_shared.errors import InvalidInput, NotFound
from kefu_shared.http.problems import problem
from kefu_shared.logging import get_logger
from kefu_shared.permissions import require_permission

log = get_logger(__name__)
router = APIRouter()


async def get_settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_clients(request: Request) -> dict[str, ServiceClient]:
    return request.app.state.clients  # type: ignore[no-any-return]


SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
ClientsDep = Annotated[dict[str, ServiceClient], Depends(get_clients)]


class DevTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field(
        description="one of admin, service_manager, agent, dispatcher, technician, credit_manager, analyst, dealer"
    )
    user_id: str | None = Field(None, max_length=100)
    dealer_id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=100)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post(
    "/api/v1/auth/dev-token",
    response_model=TokenResponse,
    tags=["auth"],
    summary="Development only: a bearer token for a role (404 in any other environment)",
)
async def dev_token(body: DevTokenRequest, settings: SettingsDep) -> TokenResponse:
    if not settings.is_development:
        raise NotFound("not found")
    if body.role not in ROLES or body.role == "service":
        raise InvalidInput(
            f"unknown role {body.role!r}",
            errors=[{"field": "role", "message": f"one of {sorted(ROLES - {'service'})}"}],
        )
    if body.role == "dealer" and not body.dealer_id:
        raise InvalidInput(
            "a dealer token needs dealer_id",
            errors=[{"field": "dealer_id", "message": "required for role dealer"}],
        )
    token = issue_token(
        settings,
        subject=body.user_id or f"dev-{body.role}",
        roles=[body.role],
        dealer_id=body.dealer_id if body.role == "dealer" else None,
        name=body.name,
        ttl_s=settings.dev_token_ttl_s,
    )
    return TokenResponse(access_token=token, expires_in=settings.dev_token_ttl_s)


async def upstream_health(clients: dict[str, ServiceClient], timeout_s: float) -> dict[str, str]:
    """Probe every upstream at once, each with a short timeout: a hanging upstream is
    reported down instead of holding the answer."""
    names = list(clients)
    results = await asyncio.gather(*(clients[n].healthy(timeout_s=timeout_s) for n in names))
    return {n: ("up" if ok else "down") for n, ok in zip(names, results, strict=True)}


@router.get(
    "/api/v1/upstreams",
    tags=["operations"],
    summary="Health of each upstream service",
    dependencies=[require_permission("operations:read")],
)
async def upstreams(clients: ClientsDep, settings: SettingsDep) -> dict[str, str]:
    return await upstream_health(clients, settings.health_probe_timeout_s)


@router.get(
    "/api/v1/event-schemas",
    tags=["events"],
    summary="The event catalog: every event type with its topic and the JSON Schema of its data",
    dependencies=[require_permission("events:read")],
)
async def event_schemas() -> dict[str, Any]:
    return {
        "items": [
            {
                "type": cls.event_type,
                "topic": cls.topic,
                "version": cls.version,
                "dataschema": cls.dataschema(),
                "schema": cls.model_json_schema(),
            }
            for cls in sorted(REGISTRY.values(), key=lambda c: c.event_type)
        ]
    }


FORWARDED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.api_route(
    "/api/v1/{path:path}",
    methods=FORWARDED_METHODS,
    include_in_schema=False,
)
async def forward(
    path: str, request: Request, clients: ClientsDep, principal: CurrentPrincipal
) -> Response:
    """Forward an authenticated request to the service that owns its path."""
    full_path = f"/api/v1/{path}"
    service = upstream_for(full_path)
    if service is None or service not in clients:
        raise NotFound(f"no route for {full_path}")
    headers = [
        (k, v)
        for k, v in request.scope["headers"]
        if k not in HOP_BY_HOP_BYTES and k not in CONTEXT_HEADERS
    ]
    if request.client:
        headers.append((b"x-forwarded-for", request.client.host.encode("latin-1")))
    try:
        body = await request.body()
    except ClientDisconnect:
        return _client_gone(request, full_path)
    try:
        upstream = await clients[service].forward(
            request.method,
            full_path,
            query=request.scope.get("query_string", b""),
            headers=headers,
            content=body or None,
        )
    except UpstreamError as exc:
        status = 504 if exc.kind == "timeout" else 503
        return problem(
            status,
            title=f"The {service} service is {'too slow' if status == 504 else 'unavailable'}",
            detail="The request did not complete upstream; retry later (POST with an Idempotency-Key is safe to retry).",
            slug="upstream-timeout" if status == 504 else "upstream-unavailable",
            instance=full_path,
            service=service,
            headers={"Retry-After": "2"},
        )
    return UpstreamResponse(upstream)


# Set by the gateway's own middleware (and on the answer by the upstream's): not forwarded.
CONTEXT_HEADERS = frozenset({b"x-request-id", b"x-correlation-id"})
DROPPED_FROM_ANSWER = HOP_BY_HOP_BYTES | CONTEXT_HEADERS | {b"content-encoding", b"date", b"server"}


class UpstreamResponse(Response):
    """The upstream's answer streamed through as it arrives: status and raw headers as
    they are, body chunks passed on without being joined, decoded or parsed."""

    def __init__(self, upstream: httpx.Response) -> None:
        self.upstream = upstream
        self.status_code = upstream.status_code
        self.background = None
        self.raw_headers = [
            (k.lower(), v) for k, v in upstream.headers.raw if k.lower() not in DROPPED_FROM_ANSWER
        ]
        length = upstream.headers.get("content-length")
        if length is not None:
            self.raw_headers.append((b"content-length", length.encode("latin-1")))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            if self.upstream.is_stream_consumed:  # answered from memory (a test transport)
                await send({"type": "http.response.body", "body": self.upstream.content})
                return
            async for chunk in self.upstream.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:  # the client went away while the answer was being sent
            log.info("gateway.client_disconnected", path=scope.get("path"), phase="response")
        finally:
            await self.upstream.aclose()


def _client_gone(request: Request, path: str) -> Response:
    """The client disconnected before its request body arrived: nothing to answer, and
    nothing went wrong on our side (no error, no traceback)."""
    log.info("gateway.client_disconnected", path=path, phase="request")
    return Response(status_code=499)


def health_router() -> APIRouter:
    ops = APIRouter(tags=["operations"])

    @ops.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @ops.get("/readyz")
    async def readyz(clients: ClientsDep, settings: SettingsDep) -> JSONResponse:
        # The gateway stays ready while upstreams are down: it answers with partial results
        # and clear 503s instead; taking it out of rotation would make things worse.
        health = await upstream_health(clients, settings.health_probe_timeout_s)
        return JSONResponse({"status": "ready", "upstreams": health})

    return ops
