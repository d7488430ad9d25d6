"""Fixtures for the customer service's integration tests: the service on a fresh migrated
database, no broker (relay and consumers off), and helpers to read what it wrote to its
outbox. Every test in this folder is marked ``integration`` (``make test-unit`` skips them);
tests with fakes and no database live in ``tests/customer/unit``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from kefu_shared.events import CloudEvent
from tests.support import DatabaseFactory, Stack, running_stack


class CustomerHarness:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.runtime = stack.runtime("customer")
        self.settings = stack.settings["customer"]
        self.url = stack.urls["customer"]
        self.http = stack.client("customer")

    def auth(self, role: str = "admin", **kw: Any) -> dict[str, str]:
        return self.stack.auth(role, **kw)

    async def create_customer(self, role: str = "agent", **body: Any) -> dict[str, Any]:
        body.setdefault("kind", "individual")
        body.setdefault("name", "Test Customer")
        r = await self.http.post("/api/v1/customers", json=body, headers=self.auth(role))
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def log_contact(self, customer_id: str, kind: str = "inquiry") -> None:
        """Log a contact (客户接触记录): a customer's first one makes it potential."""
        r = await self.http.post(
            f"/api/v1/customers/{customer_id}/interactions",
            json={"kind": kind, "channel": "phone"},
            headers=self.auth("agent"),
        )
        assert r.status_code == 201, r.text

    async def events(self, event_type: str | None = None) -> list[CloudEvent]:
        """Events the service committed to its outbox, oldest first."""
        outbox = self.runtime.tables.outbox
        stmt = select(outbox.c.payload).order_by(outbox.c.id)
        if event_type:
            stmt = stmt.where(outbox.c.type == event_type)
        async with self.runtime.uow() as uow:
            rows = (await uow.session.execute(stmt)).scalars().all()
        return [CloudEvent.model_validate_json(p) for p in rows]


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every API route of ``app`` with its full path (included routers walked)."""
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute) and ctx.path:
            yield ctx.path, route


_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
async def customer_svc(dbs: DatabaseFactory) -> AsyncIterator[CustomerHarness]:
    async with running_stack(
        dbs,
        "127.0.0.1:1",  # no broker: relay and consumers are off
        ("customer",),
        gateway=False,
        customer={"relay_enabled": False, "consumers_enabled": False},
    ) as stack:
        harness = CustomerHarness(stack)
        async with harness.http:
            yield harness


__all__ = ["CustomerHarness", "api_routes", "httpx"]
