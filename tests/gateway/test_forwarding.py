"""The gateway passes requests and answers through as they are, and a client that goes
away mid-request is an ordinary event (info), not an error with a traceback."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from structlog.testing import capture_logs

from gateway.main import create_app
from gateway.settings import GatewaySettings
from kefu_shared.auth import issue_token

SETTINGS = GatewaySettings(env="development")


def _upstream(seen: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.api_route("/api/v1/customers", methods=["GET", "POST"])
    async def echo(request: Request) -> Response:
        seen.append(
            {
                "query": request.scope["query_string"],
                "body": await request.body(),
                "headers": dict(request.headers),
            }
        )
        return Response(
            b'{"ok": true}',
            status_code=201,
            media_type="application/json",
            headers={"ETag": '"7"', "Location": "/api/v1/customers/1"},
        )

    return app


def _gateway(seen: list[dict[str, Any]]) -> FastAPI:
    transport = httpx.ASGITransport(app=_upstream(seen))
    return create_app(SETTINGS, transports={"customer": transport}, configure_logs=False)


def _token() -> str:
    return issue_token(SETTINGS, subject="agent-1", roles=["agent"])


async def test_query_body_and_headers_pass_through_unchanged() -> None:
    seen: list[dict[str, Any]] = []
    app = _gateway(seen)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        resp = await client.post(
            "/api/v1/customers?tier=A&tier=B&q=%E5%AE%A2",
            content=b'{"name": "x"}',
            headers={"Authorization": f"Bearer {_token()}", "Idempotency-Key": "k1"},
        )
    assert resp.status_code == 201
    assert resp.content == b'{"ok": true}'
    assert resp.headers["etag"] == '"7"'
    assert resp.headers["location"] == "/api/v1/customers/1"
    (got,) = seen
    assert got["query"] == b"tier=A&tier=B&q=%E5%AE%A2"
    assert got["body"] == b'{"name": "x"}'
    assert got["headers"]["idempotency-key"] == "k1"
    assert got["headers"]["x-request-id"] == resp.headers["x-request-id"]


async def test_client_gone_before_its_body_is_logged_at_info_without_traceback() -> None:
    seen: list[dict[str, Any]] = []
    app = _gateway(seen)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/customers",
        "raw_path": b"/api/v1/customers",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"gw"),
            (b"authorization", f"Bearer {_token()}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", b"20"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("gw", 80),
    }
    async with app.router.lifespan_context(app):
        with capture_logs() as logs:
            await app(scope, receive, send)
    events = {(e["event"], e["log_level"]) for e in logs}
    assert ("gateway.client_disconnected", "info") in events
    assert not [e for e in logs if e["log_level"] in ("error", "exception", "critical")]
    assert not [e for e in logs if "exc_info" in e]
    assert seen == []  # nothing was forwarded
