"""Issue 7 regressions at the gateway, with fake upstream transports: path traversal,
oversize bodies, retries of reset connections, /readyz with a hanging upstream and the
permissions of the gateway's own routes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from gateway.main import UPSTREAMS, create_app
from gateway.settings import GatewaySettings
from kefu_shared.auth import issue_token

Handler = Callable[[httpx.Request], Any]


class FakeUpstream(httpx.AsyncBaseTransport):
    """Records every request; answers with ``handler`` (which may raise or hang)."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.handler = handler or (lambda req: httpx.Response(200, json={"path": req.url.path}))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        result = self.handler(request)
        if asyncio.iscoroutine(result):
            result = await result
        return result  # type: ignore[no-any-return]


SETTINGS = GatewaySettings(env="development", log_json=False, max_request_body_bytes=64 * 1024)


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, FakeUpstream]]]:
    upstreams = {name: FakeUpstream() for name in UPSTREAMS}
    app = create_app(SETTINGS, transports=dict(upstreams), configure_logs=False)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw"
    ) as client:
        yield client, upstreams


def _auth(role: str = "admin", **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SETTINGS, subject='t', roles=[role], **kw)}"}


TRAVERSALS = [
    "/api/v1/tickets/..%2F..%2F..%2Fopenapi.json",
    "/api/v1/customers/..%2F..%2F..%2Fmetrics",
    "/api/v1/tickets/..%2Fcustomer-copies%2F0b9a2c1e-0000-4000-8000-000000000000",
    "/api/v1/tickets/%2E%2E/%2E%2E/%2E%2E/openapi.json",
    "/api/v1/tickets/..%5C..%5Copenapi.json",
    "/api/v1/tickets/..%252F..%252Fopenapi.json",
    "/api/v1/customers/%04/credit",
    "/api/v1/customers/%00/credit",
    "/api/v1/customers?q=%00",
]


@pytest.mark.parametrize("target", TRAVERSALS)
async def test_unsafe_paths_are_refused_before_routing(gateway: Any, target: str) -> None:
    client, upstreams = gateway
    r = await client.get(target, headers=_auth())
    assert r.status_code in (400, 404), r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert all(not u.requests for u in upstreams.values()), "nothing may reach an upstream"


async def test_plain_paths_still_forward(gateway: Any) -> None:
    client, _ = gateway
    r = await client.get("/api/v1/tickets/T-1", headers=_auth())
    assert r.status_code == 200 and r.json() == {"path": "/api/v1/tickets/T-1"}


async def test_oversize_body_is_413_at_the_gateway(gateway: Any) -> None:
    client, upstreams = gateway
    big = {"kind": "company", "name": "Big", "preferences": {"blob": "x" * 100_000}}
    r = await client.post("/api/v1/customers", json=big, headers=_auth())
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert not upstreams["customer"].requests


async def test_reset_connection_is_retried_for_safe_methods_only(gateway: Any) -> None:
    client, upstreams = gateway
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] % 2 == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json={"ok": True})

    upstreams["ticket"].handler = flaky
    r = await client.get("/api/v1/tickets/T-1", headers=_auth())
    assert r.status_code == 200 and calls["n"] == 2
    calls["n"] = 0
    r = await client.post("/api/v1/tickets", json={}, headers=_auth())
    assert r.status_code == 503 and calls["n"] == 1, "a POST is never sent twice"


async def test_readyz_answers_within_two_seconds_while_an_upstream_hangs(gateway: Any) -> None:
    client, upstreams = gateway

    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)

    upstreams["ticket"].handler = hang
    started = time.monotonic()
    r = await client.get("/readyz")
    assert time.monotonic() - started < 2.0
    assert r.status_code == 200
    assert r.json()["upstreams"]["ticket"] == "down"
    assert r.json()["upstreams"]["customer"] == "up"


async def test_gateway_routes_check_permissions(gateway: Any) -> None:
    client, _ = gateway
    assert (await client.get("/api/v1/upstreams", headers=_auth("admin"))).status_code == 200
    r = await client.get("/api/v1/upstreams", headers=_auth("dealer", dealer_id="d1"))
    assert r.status_code == 403 and r.json()["permission"] == "operations:read"
    r = await client.get("/api/v1/event-schemas", headers=_auth("technician"))
    assert r.status_code == 200
    unknown = {"Authorization": f"Bearer {issue_token(SETTINGS, subject='t', roles=['pirate'])}"}
    for path in ("/api/v1/upstreams", "/api/v1/event-schemas", "/api/v1/customers"):
        r = await client.get(path, headers=unknown)
        assert r.status_code == 403, (path, r.text)


async def test_dev_token_carries_exp_and_iat(gateway: Any) -> None:
    import jwt

    client, _ = gateway
    r = await client.post("/api/v1/auth/dev-token", json={"role": "agent"})
    claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == SETTINGS.dev_token_ttl_s
    assert SETTINGS.dev_token_ttl_s <= SETTINGS.jwt_max_lifetime_s
