"""The ticket service with the real broker and the customer service: the local customer
copy, a complaint's on-site request opening one linked ticket whatever the duplicates,
survey scores reaching the technician's scorecard, merged customers' tickets followed,
and the ticket's own events on ``ticket.events.v1``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from kefu_shared.contracts.complaint import ComplaintOnsiteServiceRequested
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.devbroker import DevBroker
from kefu_shared.events import EventData, make_event
from tests.support import DatabaseFactory, Stack, eventually, read_topic, running_stack


async def _publish(bootstrap: str, topic: str, data: EventData, subject: str, source: str) -> None:
    event = make_event(data, source=source, subject=subject)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            value=event.model_dump_json().encode(),
            key=subject.encode(),
            headers=[("ce_type", event.type.encode()), ("ce_id", event.id.encode())],
        )
    finally:
        await producer.stop()


async def _get(stack: Stack, path: str, **params: Any) -> Any:
    async with stack.client("ticket") as c:
        r = await c.get(path, params=params, headers=stack.auth("service_manager"))
        return r.json() if r.status_code == 200 else None


async def test_events_in_and_out_through_the_broker(
    dbs: DatabaseFactory, broker: DevBroker
) -> None:
    async with running_stack(dbs, broker.bootstrap, ("customer", "ticket"), gateway=False) as stack:
        await stack.wait_consumers_assigned("ticket")
        async with stack.client("customer") as cust, stack.client("ticket") as tk:
            body = {
                "kind": "company",
                "name": "Pump Works",
                "addresses": [{"city": "Hangzhou", "area_class": "town"}],
            }
            a = (
                await cust.post("/api/v1/customers", json=body, headers=stack.auth("agent"))
            ).json()
            b = (
                await cust.post(
                    "/api/v1/customers",
                    json={**body, "name": "Pump Works Ltd"},
                    headers=stack.auth("agent"),
                )
            ).json()
            r = await tk.post(
                "/api/v1/technicians",
                headers=stack.auth("dispatcher"),
                json={
                    "name": "Zhao",
                    "skills": ["pump"],
                    "areas": ["hz"],
                    "working_hours": {
                        d: "00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                    },
                },
            )
            tech = r.json()
            await eventually(lambda: _get(stack, f"/api/v1/customer-copies/{b['id']}"), timeout=30)

            request = ComplaintOnsiteServiceRequested(
                complaint_id="cmp-1",
                customer_id=b["id"],
                product_model="P-200",
                serial_number="SN-77",
                description="leaks",
                severity="major",
                region_class="town",
            )
            for _ in range(2):  # the same request twice, as two events
                await _publish(
                    broker.bootstrap, "complaint.events.v1", request, "cmp-1", "/services/complaint"
                )

            async def linked() -> Any:
                page = await _get(stack, "/api/v1/tickets", complaint_id="cmp-1")
                return page["items"] if page and page["items"] else None

            tickets = await eventually(linked, timeout=30)
            ticket = tickets[0]
            assert ticket["origin"] == "complaint" and ticket["priority"] == "high"
            assert ticket["region_class"] == "town"

            # A ticket of our own, assigned to Zhao, then a survey about it.
            r = await tk.post(
                "/api/v1/tickets",
                headers=stack.auth("agent"),
                json={
                    "type": "repair",
                    "customer_id": b["id"],
                    "product_line": "pump",
                    "region": "hz",
                },
            )
            own = r.json()
            assert own["technician_id"] == tech["id"]
            score = SurveyResponseReceived(
                response_id="resp-1",
                customer_id=b["id"],
                ticket_id=own["id"],
                csat=4.5,
                submitted_at=datetime.now(UTC),
            )
            await _publish(
                broker.bootstrap, "survey.events.v1", score, "resp-1", "/services/survey"
            )
            month = datetime.now(UTC).astimezone().strftime("%Y-%m")

            async def scored() -> Any:
                card = await _get(stack, f"/api/v1/technicians/{tech['id']}/scorecard", month=month)
                return card if card and card["responses"] == 1 else None

            card = await eventually(scored, timeout=30)
            assert card["satisfaction"] == 4.5

            # Merging b into a: b's tickets follow.
            etag = (await cust.get(f"/api/v1/customers/{a['id']}", headers=stack.auth())).headers[
                "ETag"
            ]
            r = await cust.post(
                f"/api/v1/customers/{a['id']}/merge",
                json={"merge_ids": [b["id"]]},
                headers={**stack.auth("service_manager"), "If-Match": etag},
            )
            assert r.status_code == 200, r.text

            async def moved() -> Any:
                page = await _get(stack, "/api/v1/tickets", customer_id=a["id"])
                return page and len(page["items"]) == 2

            await eventually(moved, timeout=30)

            records = await read_topic(broker.bootstrap, "ticket.events.v1", min_count=4)
        types = {e.type for _, e, _ in records}  # type: ignore[union-attr]
        assert {"ticket.opened", "ticket.assigned"} <= types
        opened = [e for _, e, _ in records if e.type == "ticket.opened"]  # type: ignore[union-attr]
        assert len([e for e in opened if e.data.get("complaint_id") == "cmp-1"]) == 1
