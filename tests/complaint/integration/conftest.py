"""Fixtures for the complaint service's integration tests: the service on a fresh migrated
database (SQLite, or PostgreSQL with TEST_DATABASE_URL), with or without the real broker,
and helpers: customers put in its local copy, complaints filed and moved through the
workflow, what it wrote to its outbox. Every test here is marked ``integration``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from complaint.models import customer_copies
from kefu_shared.db import utcnow
from kefu_shared.events import CloudEvent
from tests.support import DatabaseFactory, Stack, running_stack

NO_SWEEPS = {"relay_enabled": False, "consumers_enabled": False}


class ComplaintHarness:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.runtime = stack.runtime("complaint")
        self.settings = stack.settings["complaint"]
        self.http = stack.client("complaint")

    def auth(self, role: str = "agent", **kw: Any) -> dict[str, str]:
        return self.stack.auth(role, **kw)

    async def customer(self, cid: str, *, dealer_id: str | None = None, **kw: Any) -> str:
        """Put a customer in the local copy (as customer.registered would)."""
        values = {
            "id": cid,
            "number": f"C-{cid}",
            "kind": "individual",
            "name": f"Customer {cid}",
            "dealer_id": dealer_id,
            "key_account": False,
            "status": "active",
            "on_credit_hold": False,
            "updated_at": utcnow(),
            **kw,
        }
        async with self.runtime.uow() as uow:
            await uow.session.execute(insert(customer_copies).values(**values))
            await uow.session.commit()
        return cid

    async def file(
        self, customer_id: str, role: str = "agent", dealer: str | None = None, **body: Any
    ) -> dict[str, Any]:
        payload = {
            "channel": "phone",
            "customer_id": customer_id,
            "category": "product_quality",
            "severity": "major",
            "description": "The compressor is loud",
            "product": {"model": "KF-200", "serial_number": "SN-1"},
            **body,
        }
        headers = self.auth(role, dealer_id=dealer)
        r = await self.http.post("/api/v1/complaints", json=payload, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def act(
        self,
        complaint: dict[str, Any],
        action: str,
        role: str = "service_manager",
        expect: int = 200,
        user: str = "tester",
        **body: Any,
    ) -> dict[str, Any]:
        r = await self.http.get(
            f"/api/v1/complaints/{complaint['id']}", headers=self.auth(role, user=user)
        )
        etag = r.headers["ETag"]
        r = await self.http.post(
            f"/api/v1/complaints/{complaint['id']}/actions/{action}",
            json=body,
            headers={**self.auth(role, user=user), "If-Match": etag},
        )
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    async def events(self, event_type: str | None = None) -> list[CloudEvent]:
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
async def complaint_svc(dbs: DatabaseFactory) -> AsyncIterator[ComplaintHarness]:
    """The complaint service without a broker and without its sweeps (tests run them)."""
    from complaint.config import EscalationSettings

    async with running_stack(
        dbs,
        "127.0.0.1:1",
        ("complaint",),
        gateway=False,
        complaint={**NO_SWEEPS, "escalation": EscalationSettings(sweep_interval_s=0)},
    ) as stack:
        harness = ComplaintHarness(stack)
        async with harness.http:
            yield harness
