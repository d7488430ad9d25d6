"""Fixtures for the survey service's integration tests: the service (and the gateway) on a
fresh migrated database and a real broker, helpers to publish other services' events and
to read what the service wrote. Every test in this folder is marked ``integration``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from kefu_shared.contracts.customer import CustomerRegistered
from kefu_shared.contracts.ticket import TicketClosed
from kefu_shared.devbroker import DevBroker
from kefu_shared.events import CloudEvent, EventData, make_event
from survey import analytics
from survey.uow import SurveyUnitOfWork
from tests.support import DatabaseFactory, Stack, eventually, running_stack

_HERE = Path(__file__).parent

ANSWERS = {
    "overall": 5,
    "timeliness": 4,
    "skill": 5,
    "attitude": 5,
    "fixed": "yes",
    "recommend": 10,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


class SurveyHarness:
    def __init__(self, stack: Stack, bootstrap: str) -> None:
        self.stack = stack
        self.bootstrap = bootstrap
        self.runtime = stack.runtime("survey")
        self.settings = stack.settings["survey"]
        self.http = stack.client("survey")
        self.gateway = stack.gateway

    def auth(self, role: str = "service_manager", **kw: Any) -> dict[str, str]:
        return self.stack.auth(role, **kw)

    def uow(self) -> SurveyUnitOfWork:
        return self.runtime.uow()  # type: ignore[no-any-return]

    async def publish(self, data: EventData, *, subject: str) -> None:
        event = make_event(data, source="/tests", subject=subject)
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(
                data.topic,
                value=event.to_json_bytes(),
                key=subject.encode(),
                headers=[("ce_type", event.type.encode()), ("ce_id", event.id.encode())],
            )
        finally:
            await producer.stop()

    async def customer(self, cid: str, **kw: Any) -> None:
        kw.setdefault("number", f"N{cid}")
        kw.setdefault("kind", "company")
        kw.setdefault("name", f"Customer {cid}")
        await self.publish(CustomerRegistered(id=cid, **kw), subject=cid)

        async def copied() -> bool:
            r = await self.http.get(f"/api/v1/customer-copies/{cid}", headers=self.auth())
            return r.status_code == 200 and r.json()["tier"] == kw.get("tier")

        await eventually(copied, timeout=30)

    async def close_ticket(self, ticket_id: str, customer_id: str, **kw: Any) -> dict[str, Any]:
        """Publish ticket.closed and wait for the survey it triggers (invitation or skip)."""
        await self.publish(
            TicketClosed(id=ticket_id, number=f"T{ticket_id}", customer_id=customer_id, **kw),
            subject=ticket_id,
        )

        async def handled() -> dict[str, Any] | None:
            for path in ("invitations", "skips"):
                r = await self.http.get(
                    f"/api/v1/surveys/{path}",
                    params={"customer_id": customer_id},
                    headers=self.auth(),
                )
                for item in r.json()["items"]:
                    if (
                        item.get("ticket_id") == ticket_id
                        or item.get("trigger_key") == f"ticket:{ticket_id}"
                    ):
                        return {"kind": path, **item}
            return None

        return await eventually(handled, timeout=30)  # type: ignore[no-any-return]

    async def events(self, event_type: str) -> list[CloudEvent]:
        outbox = self.runtime.tables.outbox
        async with self.uow() as uow:
            stmt = select(outbox.c.payload).where(outbox.c.type == event_type).order_by(outbox.c.id)
            rows = (await uow.session.execute(stmt)).scalars().all()
        return [CloudEvent.model_validate_json(p) for p in rows]

    async def roll_up(self) -> int:
        return await analytics.roll_up(uow_factory=self.uow, batch_size=1000)


@pytest.fixture
async def survey_svc(dbs: DatabaseFactory, broker: DevBroker) -> AsyncIterator[SurveyHarness]:
    async with running_stack(
        dbs,
        broker.bootstrap,
        ("survey",),
        gateway=True,
        # Sweeps are run by the tests themselves, at the instants they choose.
        survey={"analytics": {"rollup_interval_s": 0, "reminder_interval_s": 0}},
    ) as stack:
        harness = SurveyHarness(stack, broker.bootstrap)
        await stack.wait_consumers_assigned("survey")
        async with harness.http:
            yield harness


__all__ = ["ANSWERS", "SurveyHarness"]
