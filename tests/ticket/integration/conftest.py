"""Fixtures for the ticket service's integration tests: the service on a fresh migrated
database (SQLite or PostgreSQL, ``TEST_DATABASE_URL``), local customer copies seeded
through the service's own ``customer.*`` handlers, helpers to read its outbox and record.
Every test in this folder is marked ``integration``; tests with fakes live in
``tests/ticket/unit``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kefu_shared.contracts.customer import CustomerCreditChanged, CustomerRegistered
from kefu_shared.events import CloudEvent, EventData, make_event
from tests.support import DatabaseFactory, Stack, running_stack
from ticket.consumers import handlers


class TicketHarness:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.runtime = stack.runtime("ticket")
        self.settings = stack.settings["ticket"]
        self.http = stack.client("ticket")
        self.app = stack.apps["ticket"]

    def auth(self, role: str = "admin", **kw: Any) -> dict[str, str]:
        return self.stack.auth(role, **kw)

    async def deliver(self, data: EventData, *, subject: str) -> None:
        """Apply one event as the consumer would (handler + commit)."""
        handler = handlers(self.settings, self.app.state.clocks)[data.event_type]  # type: ignore[arg-type]
        event = make_event(data, source="/tests", subject=subject)
        async with self.runtime.uow() as uow:
            await handler(uow, event, data)
            await uow.commit()

    async def customer(
        self,
        cid: str,
        *,
        dealer_id: str | None = None,
        tier: str = "medium",
        key_account: bool = False,
        area_class: str | None = "city",
        on_hold: bool = False,
    ) -> str:
        await self.deliver(
            CustomerRegistered(
                id=cid,
                number=f"C-{cid}",
                kind="company",
                name=f"Customer {cid}",
                dealer_id=dealer_id,
                region_class="local",
                area_class=area_class,
                tier=tier,
                key_account=key_account,
                status="active",
            ),
            subject=cid,
        )
        if on_hold:
            await self.deliver(CustomerCreditChanged(id=cid, rating="D", on_hold=True), subject=cid)
        return cid

    async def technician(self, **body: Any) -> dict[str, Any]:
        body.setdefault("name", "Tech")
        body.setdefault("skills", ["washer"])
        body.setdefault("areas", ["north"])
        body.setdefault(
            "working_hours",
            {d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        )
        r = await self.http.post("/api/v1/technicians", json=body, headers=self.auth("dispatcher"))
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def open(
        self, role: str = "agent", headers: dict[str, str] | None = None, **body: Any
    ) -> httpx.Response:
        body.setdefault("type", "repair")
        body.setdefault("product_line", "washer")
        body.setdefault("region", "north")
        return await self.http.post(
            "/api/v1/tickets", json=body, headers=headers or self.auth(role)
        )

    async def ticket(self, tid: str) -> httpx.Response:
        return await self.http.get(f"/api/v1/tickets/{tid}", headers=self.auth())

    async def act(
        self, tid: str, path: str, role: str = "admin", body: dict[str, Any] | None = None
    ) -> httpx.Response:
        etag = (await self.ticket(tid)).headers["ETag"]
        return await self.http.post(
            f"/api/v1/tickets/{tid}/{path}",
            json=body or {},
            headers={**self.auth(role), "If-Match": etag},
        )

    async def events(self, event_type: str | None = None) -> list[CloudEvent]:
        """Events the service committed to its outbox, oldest first."""
        outbox = self.runtime.tables.outbox
        stmt = select(outbox.c.payload).order_by(outbox.c.id)
        if event_type:
            stmt = stmt.where(outbox.c.type == event_type)
        async with self.runtime.uow() as uow:
            rows = (await uow.session.execute(stmt)).scalars().all()
        return [CloudEvent.model_validate_json(p) for p in rows]


_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
async def ticket_svc(dbs: DatabaseFactory) -> AsyncIterator[TicketHarness]:
    """The ticket service without a broker: relay and consumers off, sweeps not scheduled
    (tests run them by hand)."""
    async with running_stack(
        dbs,
        "127.0.0.1:1",
        ("ticket",),
        gateway=False,
        ticket={
            "relay_enabled": False,
            "consumers_enabled": False,
            "sla": {"sweep_interval_s": 3600},
            "maintenance": {"sweep_interval_s": 3600},
        },
    ) as stack:
        harness = TicketHarness(stack)
        async with harness.http:
            yield harness
