"""Issue 7 regressions that need a real service on a real database (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set): NUL characters, oversize bodies, tampered
cursors, security headers, traversal through the gateway — each answered 4xx
problem+json with nothing written."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import pytest

from tests.support import Stack, count_rows, running_stack

pytestmark = pytest.mark.integration


@pytest.fixture
async def customer_stack(dbs) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    async with running_stack(
        dbs,
        "127.0.0.1:1",  # no broker: relay and consumers are off
        ("customer", "ticket"),
        customer={"relay_enabled": False, "consumers_enabled": False},
        ticket={"relay_enabled": False, "consumers_enabled": False},
    ) as s:
        yield s


def _problem(r) -> dict:  # type: ignore[no-untyped-def]
    assert r.headers["content-type"] == "application/problem+json", r.text
    return r.json()  # type: ignore[no-any-return]


async def test_nul_characters_are_4xx_and_write_nothing(customer_stack: Stack) -> None:
    gw = customer_stack.gateway
    assert gw is not None
    auth = customer_stack.auth("agent")
    r = await gw.post("/api/v1/customers", json={"kind": "company", "name": "A\u0000B"}, headers=auth)
    assert r.status_code == 400 and _problem(r)["type"].endswith("/nul-character")
    r = await gw.get("/api/v1/customers", params={"q": "a\u0000b"}, headers=auth)
    assert 400 <= r.status_code < 500 and _problem(r)
    # Straight to the service too: it does not rely on the gateway for this.
    async with customer_stack.client("customer") as svc:
        r = await svc.post(
            "/api/v1/customers", json={"kind": "company", "name": "A\u0000B"}, headers=auth
        )
        assert r.status_code == 400 and _problem(r)
        r = await svc.get("/api/v1/customers?q=%00", headers=auth)
        assert r.status_code == 400 and _problem(r)
    url = customer_stack.urls["customer"]
    assert count_rows(url, "customers") == 0 and count_rows(url, "outbox") == 0


async def test_oversize_body_is_413_at_the_service_and_writes_nothing(
    customer_stack: Stack,
) -> None:
    limit = customer_stack.settings["customer"].max_request_body_bytes
    body = {"kind": "company", "name": "Big", "products_owned": ["P"] * (limit // 4)}
    async with customer_stack.client("customer") as svc:
        r = await svc.post("/api/v1/customers", json=body, headers=customer_stack.auth("agent"))
    assert r.status_code == 413 and _problem(r)["status"] == 413
    assert count_rows(customer_stack.urls["customer"], "customers") == 0


async def test_tampered_cursor_is_422_not_500(customer_stack: Stack) -> None:
    gw = customer_stack.gateway
    assert gw is not None
    auth = customer_stack.auth("agent")
    for i in range(3):
        r = await gw.post(
            "/api/v1/customers", json={"kind": "company", "name": f"Firm {i}"}, headers=auth
        )
        assert r.status_code == 201
    r = await gw.get("/api/v1/customers", params={"limit": 1}, headers=auth)
    cursor = r.json()["next_cursor"]
    assert cursor
    ok = await gw.get("/api/v1/customers", params={"limit": 1, "cursor": cursor}, headers=auth)
    assert ok.status_code == 200 and len(ok.json()["items"]) == 1
    hand_made = base64.urlsafe_b64encode(
        json.dumps({"s": "", "v": [{"dt": "0001-01-01T00:00:00"}, [1, 2]]}).encode()
    ).decode()
    for bad in (hand_made, cursor[:-3] + "AAA", "%%%", "x" * 5000):
        r = await gw.get("/api/v1/customers", params={"limit": 1, "cursor": bad}, headers=auth)
        assert r.status_code in (400, 422), (bad, r.text)
        assert _problem(r)


async def test_html_card_has_csp_and_every_answer_nosniff(customer_stack: Stack) -> None:
    gw = customer_stack.gateway
    assert gw is not None
    auth = customer_stack.auth("agent")
    r = await gw.post("/api/v1/customers", json={"kind": "company", "name": "Card Co"}, headers=auth)
    card = await gw.get(f"/api/v1/customers/{r.json()['id']}/card.html", headers=auth)
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in card.headers["content-security-policy"]
    assert card.headers["referrer-policy"] == "no-referrer"
    assert card.headers["x-content-type-options"] == "nosniff"
    for answer in (r, await gw.get("/api/v1/customers", headers={})):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in answer.headers


async def test_traversal_through_the_gateway_reaches_nothing(customer_stack: Stack) -> None:
    gw = customer_stack.gateway
    assert gw is not None
    auth = customer_stack.auth("admin")
    r = await gw.post("/api/v1/customers", json={"kind": "company", "name": "T Co"}, headers=auth)
    cid = r.json()["id"]
    for target in (
        "/api/v1/tickets/..%2F..%2F..%2Fopenapi.json",
        "/api/v1/customers/..%2F..%2F..%2Fmetrics",
        f"/api/v1/tickets/..%2Fcustomer-copies%2F{cid}",
        "/api/v1/customers/%04/credit",
    ):
        r = await gw.get(target, headers=auth)
        assert r.status_code in (400, 404), (target, r.status_code)
        assert _problem(r)
