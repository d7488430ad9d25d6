"""HTTP behaviour every service shares: problem+json, auth, idempotency, health."""

from __future__ import annotations

import pytest

from tests.support import Stack, count_rows, running_stack

pytestmark = pytest.mark.integration

BAD_BODIES = [
    ({"kind": "robot", "name": "X"}, "kind"),
    ({"kind": "company"}, "name"),
    (
        {"kind": "company", "name": "Bad Code Ltd", "credit_code": "91330100MA27XL0E2J"},
        "credit_code",
    ),
    ({"kind": "company", "name": "Neg", "registered_capital": "-5"}, "registered_capital"),
    ({"kind": "individual", "name": "Li", "unknown_field": 1}, "unknown_field"),
    ({"kind": "individual", "name": "Li", "phones": ["abc"]}, "phones"),
]


@pytest.fixture
async def customer_stack(dbs, broker):  # type: ignore[no-untyped-def]
    async with running_stack(
        dbs, broker.bootstrap, ("customer",), customer={"relay_enabled": False}
    ) as s:
        yield s


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
async def test_bad_body_gets_problem_json_422_and_writes_nothing(
    customer_stack: Stack, body: dict, field: str
) -> None:
    assert customer_stack.gateway is not None
    r = await customer_stack.gateway.post(
        "/api/v1/customers", json=body, headers=customer_stack.auth("agent")
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 422
    assert problem["type"].endswith("/validation-error")
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem
    url = customer_stack.urls["customer"]
    assert count_rows(url, "customers") == 0
    assert count_rows(url, "outbox") == 0


async def test_malformed_json_is_a_problem_too(customer_stack: Stack) -> None:
    assert customer_stack.gateway is not None
    r = await customer_stack.gateway.post(
        "/api/v1/customers",
        content=b"{not json",
        headers={**customer_stack.auth("agent"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert count_rows(customer_stack.urls["customer"], "customers") == 0


async def test_every_endpoint_requires_a_token(customer_stack: Stack) -> None:
    assert customer_stack.gateway is not None
    r = await customer_stack.gateway.get("/api/v1/customers/whatever")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    async with customer_stack.client("customer") as c:
        r = await c.post("/api/v1/customers", json={"kind": "individual", "name": "x"})
        assert r.status_code == 401
        r = await c.get("/api/v1/customers/x", headers={"Authorization": "Bearer not-a-jwt"})
        assert r.status_code == 401
        assert (await c.get("/healthz")).status_code == 200
        assert "kefu_http_requests_total" in (await c.get("/metrics")).text


async def test_role_checks_refuse_the_wrong_role(customer_stack: Stack) -> None:
    assert customer_stack.gateway is not None
    r = await customer_stack.gateway.post(
        "/api/v1/customers",
        json={"kind": "individual", "name": "x"},
        headers=customer_stack.auth("analyst"),
    )
    assert r.status_code == 403
    assert r.json()["type"].endswith("/forbidden")


async def test_dealer_sees_only_its_own_customers(customer_stack: Stack) -> None:
    assert customer_stack.gateway is not None
    gw = customer_stack.gateway
    r = await gw.post(
        "/api/v1/customers",
        json={"kind": "individual", "name": "Dealer A customer"},
        headers=customer_stack.auth("dealer", dealer_id="dealer-a"),
    )
    assert r.status_code == 201
    assert r.json()["dealer_id"] == "dealer-a"
    cid = r.json()["id"]
    own = await gw.get(
        f"/api/v1/customers/{cid}", headers=customer_stack.auth("dealer", dealer_id="dealer-a")
    )
    other = await gw.get(
        f"/api/v1/customers/{cid}", headers=customer_stack.auth("dealer", dealer_id="dealer-b")
    )
    staff = await gw.get(f"/api/v1/customers/{cid}", headers=customer_stack.auth("agent"))
    assert (own.status_code, other.status_code, staff.status_code) == (200, 404, 200)
    spoof = await gw.post(
        "/api/v1/customers",
        json={"kind": "individual", "name": "Spoof", "dealer_id": "dealer-b"},
        headers=customer_stack.auth("dealer", dealer_id="dealer-a"),
    )
    assert spoof.status_code == 403


async def test_idempotency_key_replays_the_first_response(customer_stack: Stack) -> None:
    assert customer_stack.gateway is not None
    gw = customer_stack.gateway
    headers = {**customer_stack.auth("agent", user="u1"), "Idempotency-Key": "create-li-1"}
    body = {"kind": "individual", "name": "Li Retry"}
    first = await gw.post("/api/v1/customers", json=body, headers=headers)
    second = await gw.post("/api/v1/customers", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert count_rows(customer_stack.urls["customer"], "customers") == 1
    assert count_rows(customer_stack.urls["customer"], "outbox") == 1

    changed = await gw.post(
        "/api/v1/customers", json={**body, "name": "Someone Else"}, headers=headers
    )
    assert changed.status_code == 422
    assert changed.json()["type"].endswith("/idempotency-key-reused")

    other_user = await gw.post(
        "/api/v1/customers",
        json=body,
        headers={**customer_stack.auth("agent", user="u2"), "Idempotency-Key": "create-li-1"},
    )
    assert other_user.status_code == 201
    assert other_user.json()["id"] != first.json()["id"]


async def test_request_id_is_returned_and_correlation_id_propagated(customer_stack: Stack) -> None:
    assert customer_stack.gateway is not None
    r = await customer_stack.gateway.get(
        "/api/v1/customers/nope",
        headers={**customer_stack.auth(), "X-Correlation-ID": "corr-1", "X-Request-ID": "req-1"},
    )
    assert r.status_code == 404
    assert r.headers["x-request-id"] == "req-1"
    assert r.headers["x-correlation-id"] == "corr-1"
    assert r.json()["request_id"] == "req-1"


async def test_gateway_answers_503_problem_when_a_service_is_down(customer_stack: Stack) -> None:
    assert customer_stack.gateway is not None
    # The complaint service is not running in this stack: point its client at a closed port.
    from gateway.clients import ServiceClient

    clients = customer_stack.apps["gateway"].state.clients
    await clients["complaint"].aclose()
    clients["complaint"] = ServiceClient(
        "complaint", "http://127.0.0.1:9", timeout_s=2, connect_timeout_s=1
    )
    r = await customer_stack.gateway.get("/api/v1/complaints", headers=customer_stack.auth())
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["service"] == "complaint"


async def test_gateway_publishes_the_event_catalog(customer_stack: Stack) -> None:
    assert customer_stack.gateway is not None
    r = await customer_stack.gateway.get("/api/v1/event-schemas", headers=customer_stack.auth())
    assert r.status_code == 200
    by_type = {i["type"]: i for i in r.json()["items"]}
    assert by_type["customer.registered"]["topic"] == "customer.events.v1"
    assert "number" in by_type["customer.registered"]["schema"]["properties"]
    assert (await customer_stack.gateway.get("/api/v1/event-schemas")).status_code == 401
