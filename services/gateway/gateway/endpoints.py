"""Gateway routes: development tokens, upstream status and the forwarding proxy."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.clients import ServiceClient, UpstreamError
from gateway.clients.base import HOP_BY_HOP
from gateway.routing import upstream_for
from gateway.settings import GatewaySettings
from kefu_shared.auth import ROLES, CurrentPrincipal, issue_token
from kefu_shared.contracts import REGISTRY
from kefu_shared.errors import InvalidInput, NotFound
from kefu_shared.http.problems import problem
from kefu_shared.permissions import require_permission

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
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    if request.client:
        headers["X-Forwarded-For"] = request.client.host
    body = await request.body()
    try:
        upstream = await clients[service].request(
            request.method,
            full_path,
            headers=headers,
            params=list(request.query_params.multi_items()),
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
    out_headers = {
        k: v
        for k, v in upstream.headers.items()
        if k.lower() not in HOP_BY_HOP
        and k.lower()
        not in ("content-encoding", "x-request-id", "x-correlation-id", "date", "server")
    }
    return Response(
        content=upstream.content,
        status_code=upstream.status_code,
        headers=out_headers,
        media_type=upstream.headers.get("content-type"),
    )


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
