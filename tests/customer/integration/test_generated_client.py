"""A dealer's integrator generates a Python client from the customer service's OpenAPI
document and works through it: register with an Idempotency-Key, page through the list,
change a customer with If-Match, and read a 404, a 412 and a 422 as typed problems."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest

from tests.clientgen import generate_client
from tests.customer.integration.conftest import CustomerHarness

PACKAGE = "kefu_customer_flow_client"


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.clientgen import document

    generate_client(document("customer"), PACKAGE, tmp_path_factory.mktemp("client"))
    return PACKAGE


def op(name: str) -> Any:
    """A generated operation module, found by its operationId whatever its tag."""
    for tag in ("customers",):
        try:
            return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")
        except ModuleNotFoundError:
            continue
    raise AssertionError(f"no generated operation {name}")


def dealer_client(svc: CustomerHarness, dealer_id: str) -> Any:
    package = importlib.import_module(PACKAGE)
    return package.AuthenticatedClient(
        base_url="http://customer",
        token=svc.stack.token("dealer", dealer_id=dealer_id, user=f"{dealer_id}-integration"),
        httpx_args={"transport": httpx.ASGITransport(app=svc.stack.apps["customer"])},
        # Every status the flow meets must be declared (201 included), or the call raises.
        raise_on_unexpected_status=True,
    )


async def test_a_dealer_works_through_the_generated_client(
    customer_svc: CustomerHarness, client_package: str
) -> None:
    models = importlib.import_module(f"{client_package}.models")
    create, listing = op("create_customer"), op("list_customers")
    read, update = op("read_customer"), op("update_customer")
    dealer = dealer_client(customer_svc, "D-HZ-01")
    other = dealer_client(customer_svc, "D-SH-02")

    # Register with an Idempotency-Key; the retry gets the same customer, not a second one.
    body = models.CustomerCreate.from_dict({"kind": "company", "name": "Hangzhou Pump Works"})
    first = await create.asyncio_detailed(client=dealer, body=body, idempotency_key="reg-0001")
    assert first.status_code == 201
    assert isinstance(first.parsed, models.CustomerRead)
    assert first.parsed.dealer_id == "D-HZ-01"
    retry = await create.asyncio_detailed(client=dealer, body=body, idempotency_key="reg-0001")
    assert retry.status_code == 201 and retry.parsed.id == first.parsed.id
    assert retry.headers["idempotent-replayed"] == "true"

    mine = {first.parsed.id}
    for i in range(4):
        more = models.CustomerCreate.from_dict({"kind": "individual", "name": f"Owner {i}"})
        r = await create.asyncio_detailed(client=dealer, body=more, idempotency_key=f"reg-1{i}")
        assert r.status_code == 201
        mine.add(r.parsed.id)
    foreign = models.CustomerCreate.from_dict({"kind": "individual", "name": "Not yours"})
    r = await create.asyncio_detailed(client=other, body=foreign, idempotency_key="reg-x")
    assert r.status_code == 201

    # Page through the list, two at a time: every own customer once, no other dealer's.
    seen: list[str] = []
    pages = 0
    cursor: str | None = None
    while True:
        kwargs: dict[str, Any] = {"limit": 2}
        if cursor:
            kwargs["cursor"] = cursor
        page = await listing.asyncio_detailed(client=dealer, **kwargs)
        assert page.status_code == 200
        assert len(page.parsed.items) <= 2
        seen += [c.id for c in page.parsed.items]
        pages += 1
        cursor = page.parsed.next_cursor
        if not isinstance(cursor, str) or not cursor:
            break
    assert sorted(seen) == sorted(mine) and pages == 3

    # Change it with the ETag that was read; a stale ETag is a typed 412 problem.
    current = await read.asyncio_detailed(client=dealer, customer_id=first.parsed.id)
    etag = current.headers["etag"]
    change = models.CustomerUpdate.from_dict({"name": "Hangzhou Pump Works Co., Ltd."})
    changed = await update.asyncio_detailed(
        client=dealer, customer_id=first.parsed.id, body=change, if_match=etag
    )
    assert changed.status_code == 200
    assert changed.parsed.name == "Hangzhou Pump Works Co., Ltd."
    assert changed.headers["etag"] != etag
    stale = await update.asyncio_detailed(
        client=dealer, customer_id=first.parsed.id, body=change, if_match=etag
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)
    assert stale.parsed.current_etag == changed.headers["etag"]

    # Another dealer's customer, like a missing one, is a typed 404 problem.
    missing = await read.asyncio_detailed(client=dealer, customer_id=r.parsed.id)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.type_.endswith("/not-found") and missing.parsed.status == 404

    # A page size out of range is a typed 422 problem naming the field.
    invalid = await listing.asyncio_detailed(client=dealer, limit=1000)
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, models.Problem)
    assert [e.field for e in invalid.parsed.errors] == ["limit"]

