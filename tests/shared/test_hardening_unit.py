"""Issue 7 regressions in the shared library: tokens, the permission matrix, cursors,
CSV cells and the request guard (no database, no broker)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select

from kefu_shared.auth import ROLES, CurrentPrincipal, Principal, TokenVerifier, issue_token
from kefu_shared.errors import InvalidInput, Unauthorized
from kefu_shared.http.csvexport import _cell
from kefu_shared.http.guard import unsafe_target
from kefu_shared.http.middleware import install_http_middleware
from kefu_shared.http.pagination import apply_keyset, decode_cursor, encode_cursor
from kefu_shared.http.problems import install_problem_handlers
from kefu_shared.permissions import (
    PERMISSIONS,
    ROLE_PERMISSIONS,
    has_permission,
    require_permission,
)
from kefu_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(env="development", jwt_max_lifetime_s=3600, jwt_leeway_s=30)


def _sign(**claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "u1", "roles": ["agent"], "iss": "kefu", "aud": "kefu", "iat": now}
    payload["exp"] = now + 600
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, SETTINGS.jwt_secret, algorithm="HS256")


def _verify(token: str) -> Principal:
    return asyncio.run(TokenVerifier(SETTINGS).verify(token))


# -- tokens ------------------------------------------------------------------------------
# Times as offsets from the moment the token is signed (the test may run long after
# collection).
@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"exp": None}, "no exp: would be valid for ever"),
        ({"iat": None}, "no iat: its lifetime cannot be checked"),
        ({"exp": 7200}, "lifetime 2 h above the 1 h maximum"),
        ({"iat": 300, "exp": 600}, "issued in the future"),
        ({"exp": -60}, "expired beyond the leeway"),
        ({"dealer_id": ["d1", "d2"]}, "dealer_id is a list"),
        ({"dealer_id": 7}, "dealer_id is a number"),
        ({"roles": {"admin": True}}, "roles is an object"),
        ({"roles": [["admin"]]}, "roles holds a list"),
        ({"sub": ["x"]}, "subject is a list"),
        ({"name": {"first": "x"}}, "name is an object"),
    ],
)
def test_bad_claims_are_401_not_500(claims: dict[str, Any], why: str) -> None:
    now = int(time.time())
    timed = {k: (now + v if k in ("iat", "exp") and v is not None else v) for k, v in claims.items()}
    with pytest.raises(Unauthorized):
        _verify(_sign(**timed))


def test_token_within_lifetime_and_leeway_is_accepted() -> None:
    now = int(time.time())
    # Expired 10 s ago (inside the 30 s leeway) and exactly the maximum lifetime.
    principal = _verify(_sign(iat=now - 3610, exp=now - 10))
    assert principal.user_id == "u1" and principal.roles == frozenset({"agent"})


def test_issued_tokens_carry_exp_and_iat() -> None:
    claims = jwt.decode(
        issue_token(SETTINGS, subject="u", roles=["admin"]),
        options={"verify_signature": False},
    )
    assert claims["exp"] - claims["iat"] == 3600


def _app_with_route(permission: str) -> FastAPI:
    app = FastAPI()
    app.state.verifier = TokenVerifier(SETTINGS)
    install_problem_handlers(app)
    router = APIRouter()

    @router.get("/thing", dependencies=[require_permission(permission)])
    async def thing() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/anything")
    async def anything(principal: CurrentPrincipal) -> dict[str, str]:
        return {"user": principal.user_id}

    app.include_router(router)
    return app


async def _get(app: FastAPI, path: str, token: str) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        return await client.get(path, headers={"Authorization": f"Bearer {token}"})


async def test_token_whose_roles_are_all_unknown_gets_403_everywhere() -> None:
    app = _app_with_route("customer:read")
    for roles in (["wizard", "pirate"], []):
        token = _sign(roles=roles)
        for path in ("/thing", "/anything"):
            r = await _get(app, path, token)
            assert r.status_code == 403, (roles, path, r.text)
            assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("technician", "credit:read", False),
        ("technician", "export", False),
        ("technician", "key_accounts:read", False),
        ("technician", "customer:read", True),
        ("dealer", "key_accounts:write", False),  # reads its own (dealer filter)
        ("credit_manager", "credit:read", True),
        ("analyst", "key_accounts:read", True),
        ("admin", "key_accounts:write", True),
    ],
)
async def test_permission_dependency_follows_the_matrix(
    role: str, permission: str, allowed: bool
) -> None:
    app = _app_with_route(permission)
    token = issue_token(SETTINGS, subject="u", roles=[role], dealer_id="d1" if role == "dealer" else None)
    r = await _get(app, "/thing", token)
    assert r.status_code == (200 if allowed else 403), r.text
    if not allowed:
        assert r.json()["permission"] == permission


def test_matrix_covers_every_role_and_admin_holds_everything() -> None:
    assert set(ROLE_PERMISSIONS) == ROLES
    assert ROLE_PERMISSIONS["admin"] == frozenset(PERMISSIONS)
    with pytest.raises(ValueError):
        require_permission("credit:steal")
    nobody = Principal(user_id="x")
    assert not any(has_permission(nobody, p) for p in PERMISSIONS)


# -- cursors -----------------------------------------------------------------------------
ITEMS = Table(
    "items",
    MetaData(),
    Column("id", String(36), primary_key=True),
    Column("created_at", DateTime(timezone=True)),
    Column("rank", Integer),
)


def test_cursor_round_trips_and_tampering_is_refused() -> None:
    now = datetime.now(UTC)
    cursor = encode_cursor([now, "id-1"], sort="created_at")
    assert decode_cursor(cursor, sort="created_at") == [now, "id-1"]
    padded = cursor + "=" * (-len(cursor) % 4)
    blob = base64.urlsafe_b64decode(padded)
    raw, mac = blob[:-16], blob[-16:]
    forged_raw = raw.replace(b"id-1", b"id-9")
    forged = base64.urlsafe_b64encode(forged_raw + mac).decode().rstrip("=")
    # Hand-made cursors as an attacker would write them (the old unsigned format).
    hand_made = base64.urlsafe_b64encode(
        json.dumps({"s": "created_at", "v": [{"dt": "not a date"}, 5]}).encode()
    ).decode()
    for bad in (forged, hand_made, "garbage!!", "é", "", "A" * 3000):
        if not bad:
            continue
        with pytest.raises(InvalidInput) as exc:
            decode_cursor(bad, sort="created_at")
        assert exc.value.extensions["errors"][0]["field"] == "cursor"


def test_signed_cursor_with_values_of_the_wrong_type_is_refused() -> None:
    # Even a correctly signed cursor is checked against the columns it continues.
    cursor = encode_cursor([["a list"], {"x": 1}], sort="")
    with pytest.raises(InvalidInput):
        apply_keyset(
            select(ITEMS), [ITEMS.c.created_at, ITEMS.c.id], cursor=cursor, limit=10
        )
    cursor = encode_cursor(["not an int", "id"], sort="")
    with pytest.raises(InvalidInput):
        apply_keyset(select(ITEMS), [ITEMS.c.rank, ITEMS.c.id], cursor=cursor, limit=10)
    ok = encode_cursor([3, "id"], sort="")
    apply_keyset(select(ITEMS), [ITEMS.c.rank, ITEMS.c.id], cursor=ok, limit=10)


# -- CSV ---------------------------------------------------------------------------------
def test_csv_list_items_are_neutralised_before_joining() -> None:
    assert _cell(["=HYPERLINK(\"http://x\",\"y\")"]) == "'=HYPERLINK(\"http://x\",\"y\")"
    assert _cell(["ok", "@SUM(A1)"]) == "ok;'@SUM(A1)"
    assert _cell(["-1", "2"]) == "'-1;2"  # the joined text is not a number
    assert _cell("\t=1+1").startswith("'")
    assert _cell({"k": "=1"}).startswith("{")
    assert _cell("-12.5") == "-12.5"


# -- request targets ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/api/v1/tickets/../../../openapi.json", b"/api/v1/tickets/..%2F..%2F..%2Fopenapi.json"),
        ("/api/v1/tickets/../customer-copies/1", b"/api/v1/tickets/..%2Fcustomer-copies%2F1"),
        ("/api/v1/customers/./x", b"/api/v1/customers/./x"),
        ("/api/v1/customers/\x04/credit", b"/api/v1/customers/%04/credit"),
        ("/api/v1/customers/a\\b", b"/api/v1/customers/a%5Cb"),
        ("/api/v1/customers/%2F", b"/api/v1/customers/%252F"),
    ],
)
def test_unsafe_request_targets_are_named(path: str, raw: bytes) -> None:
    assert unsafe_target({"path": path, "raw_path": raw, "query_string": b""})


def test_safe_targets_pass_and_nul_in_query_does_not() -> None:
    scope = {"path": "/api/v1/customers", "raw_path": b"/api/v1/customers", "query_string": b"q=a%20b"}
    assert unsafe_target(scope) is None
    assert unsafe_target({**scope, "query_string": b"q=%00"})


async def test_guard_answers_problem_json_with_security_headers() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return body

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    install_http_middleware(
        app, service="t", settings=ServiceSettings(env="development", max_request_body_bytes=100)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.post("/echo", json={"a": "x" * 200})
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"].endswith("/body-too-large")

        async def chunks() -> Any:  # no Content-Length: counted while it streams
            for _ in range(5):
                yield b'{"a": "' + b"x" * 30 + b'"}'

        r = await c.post("/echo", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text
        r = await c.post("/echo", json={"a": "x\u0000y"})
        assert r.status_code == 400 and r.json()["type"].endswith("/nul-character")
        r = await c.post("/echo", json={"a": "x\\u0000y"})  # an escaped backslash: fine
        assert r.status_code == 200 and r.json() == {"a": "x\\u0000y"}
        r = await c.get("/boom")
        assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["request_id"] == r.headers["x-request-id"]
        assert r.headers["x-content-type-options"] == "nosniff"
        r = await c.get("/docs")
        assert r.status_code == 200
        assert "cdn.jsdelivr.net" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-content-type-options"] == "nosniff"


# -- the relay's memory of acknowledgements -------------------------------------------------
def test_ack_ledger_notices_a_log_that_went_back() -> None:
    from types import SimpleNamespace

    from aiokafka import TopicPartition

    from kefu_shared.relay_audit import AckLedger

    def meta(offset: int, partition: int = 0) -> SimpleNamespace:
        return SimpleNamespace(topic="t", partition=partition, offset=offset)

    ledger = AckLedger(window=100)
    assert ledger.record([(10 + i, meta(i)) for i in range(5)]) == {}
    assert ledger.record([(20, meta(0, partition=1))]) == {}
    # Truncated to offset 2 on partition 0: rows 12.. are gone.
    assert ledger.compare({TopicPartition("t", 0): 2, TopicPartition("t", 1): 1}) == {"t": 12}
    # After a restart the next acknowledgement lands below what was acknowledged before.
    assert ledger.record([(30, meta(0, partition=1))]) == {"t": 20}
    # A window that does not reach back to the truncation point republishes everything.
    small = AckLedger(window=2)
    small.record([(10 + i, meta(i)) for i in range(5)])
    assert small.compare({}) == {"t": 0}
