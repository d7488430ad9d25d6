"""Idempotency-Key support for POST requests (draft-ietf-httpapi-idempotency-key-header).

The first request with a key claims it (a row in ``idempotency_keys``), runs, and stores
its response; a retry with the same key and the same request gets the stored response
(``Idempotent-Replayed: true``); the same key with a different body is refused (422),
and a retry while the first is still running gets 409. Keys are scoped to the caller and
kept 24 hours. Responses of 5xx are not stored, so a failed request can be retried.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kefu_shared.auth import TokenVerifier
from kefu_shared.db import utcnow
from kefu_shared.errors import DomainError
from kefu_shared.http.problems import problem

KEEP = timedelta(hours=24)
IN_PROGRESS_TIMEOUT = timedelta(seconds=60)
REPLAYED_HEADERS = {"content-type", "location", "etag"}


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, get_state: Any) -> None:
        self.app = app
        # Resolved lazily: engine and table exist only once the lifespan has started.
        self._get_state = get_state
        self._last_purge = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        raw_key = headers.get(b"idempotency-key")
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip().strip('"')
        if not key or len(key) > 200:
            await problem(
                400,
                title="Invalid Idempotency-Key",
                detail="Idempotency-Key must be 1 to 200 characters",
                slug="invalid-idempotency-key",
            )(scope, receive, send)
            return
        engine, table, verifier = self._get_state(scope)
        caller = await _caller(verifier, headers.get(b"authorization"))
        if caller is None:  # unauthenticated: the route will answer 401, nothing to store
            await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        fingerprint = hashlib.sha256(
            b"\n".join(
                [
                    scope["method"].encode(),
                    scope["path"].encode(),
                    scope.get("query_string", b""),
                    body,
                ]
            )
        ).hexdigest()
        claim = await self._claim(engine, table, caller, key, fingerprint)
        if claim is not None:
            await claim(scope, receive, send)
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def replay_receive() -> Message:
            nonlocal body
            chunk, body = body, b""
            return {"type": "http.request", "body": chunk, "more_body": False}

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        except BaseException:
            await self._release(engine, table, caller, key)
            raise
        if captured["status"] >= 500:
            await self._release(engine, table, caller, key)
            return
        stored = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in captured["headers"]
            if k.decode("latin-1").lower() in REPLAYED_HEADERS
        }
        async with engine.begin() as conn:
            await conn.execute(
                update(table)
                .where(table.c.scope == caller, table.c.key == key)
                .values(
                    status_code=captured["status"],
                    headers=json.dumps(stored),
                    body=bytes(captured["body"]).decode("utf-8", errors="replace"),
                )
            )

    async def _claim(
        self, engine: AsyncEngine, table: Table, caller: str, key: str, fingerprint: str
    ) -> Any:
        """Claim the key; return None if claimed, else an ASGI app answering the retry."""
        await self._purge(engine, table)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(table).values(
                        scope=caller, key=key, fingerprint=fingerprint, created_at=utcnow()
                    )
                )
            return None
        except IntegrityError:
            pass
        async with engine.begin() as conn:
            row = (
                await conn.execute(select(table).where(table.c.scope == caller, table.c.key == key))
            ).first()
            if row is None:  # released meanwhile: try once more
                return await self._claim(engine, table, caller, key, fingerprint)
            if row.fingerprint != fingerprint:
                return problem(
                    422,
                    title="Idempotency-Key reused",
                    detail="This Idempotency-Key was used with a different request",
                    slug="idempotency-key-reused",
                )
            if row.status_code is None:
                if utcnow() - row.created_at > IN_PROGRESS_TIMEOUT:
                    await conn.execute(
                        update(table)
                        .where(table.c.scope == caller, table.c.key == key)
                        .values(created_at=utcnow())
                    )
                    return None  # the first attempt died: this one takes over
                return problem(
                    409,
                    title="Request in progress",
                    detail="A request with this Idempotency-Key is still being processed",
                    slug="idempotency-in-progress",
                    headers={"Retry-After": "1"},
                )
        return _Replay(row.status_code, json.loads(row.headers or "{}"), row.body or "")

    async def _release(self, engine: AsyncEngine, table: Table, caller: str, key: str) -> None:
        async with engine.begin() as conn:
            await conn.execute(delete(table).where(table.c.scope == caller, table.c.key == key))

    async def _purge(self, engine: AsyncEngine, table: Table) -> None:
        now = time.monotonic()
        if now - self._last_purge < 600:
            return
        self._last_purge = now
        async with engine.begin() as conn:
            await conn.execute(delete(table).where(table.c.created_at < utcnow() - KEEP))


class _Replay:
    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        self.status, self.headers, self.body = status, headers, body.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.encode(), v.encode()) for k, v in self.headers.items()]
        headers += [
            (b"idempotent-replayed", b"true"),
            (b"content-length", str(len(self.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _caller(verifier: TokenVerifier, authorization: bytes | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        principal = await verifier.verify(token.strip())
    except DomainError:
        return None
    return f"{principal.dealer_id or '-'}:{principal.user_id}"
