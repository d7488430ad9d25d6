"""An unhandled error answers 500 problem+json and leaves the keep-alive connection
intact, on a real uvicorn server (ASGITransport has no connections, so it would hide a
reset)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
import uvicorn
from fastapi import APIRouter

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.devbroker import free_port
from kefu_shared.service import create_service_app
from tests.support import DatabaseFactory, fast_kafka_settings
from ticket.models import Base, platform
from ticket.settings import TicketSettings

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def serving(dbs: DatabaseFactory) -> AsyncIterator[int]:
    router = APIRouter()

    @router.get("/api/v1/boom")
    async def boom(principal: CurrentPrincipal) -> None:
        raise RuntimeError("an unexpected bug")

    settings = TicketSettings(
        database_url=dbs.url("ticket"),
        env="development",
        **{**fast_kafka_settings("127.0.0.1:1"), "relay_enabled": False, "consumers_enabled": False},
    )
    app = create_service_app(
        name="ticket",
        title="t",
        description="t",
        settings=settings,
        metadata=Base.metadata,
        tables=platform,
        routers=[router],
        configure_logs=False,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
        await asyncio.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, token: str
) -> tuple[int, dict[str, str], bytes]:
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    body = await reader.readexactly(int(headers["content-length"]))
    return status, headers, body


async def test_500_keeps_the_keep_alive_connection(dbs: DatabaseFactory) -> None:
    from kefu_shared.auth import issue_token

    token = issue_token(TicketSettings(env="development"), subject="t", roles=["admin"])
    async with serving(dbs) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(3):
                status, headers, body = await _exchange(reader, writer, "/api/v1/boom", token)
                assert status == 500
                assert headers["content-type"] == "application/problem+json"
                problem = json.loads(body)
                assert problem["request_id"] == headers["x-request-id"]
                assert headers.get("connection", "").lower() != "close"
                # The innocent next request on the very same connection is answered.
                status, _, body = await _exchange(reader, writer, "/healthz", token)
                assert status == 200 and json.loads(body)["status"] == "ok"
        finally:
            writer.close()
