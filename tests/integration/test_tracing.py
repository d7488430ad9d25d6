"""One request followed across services: HTTP server span, SQL statements, the outbox
row, the relay's send and the consumer of another service all in one trace (spans caught
by an in-memory exporter; SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from kefu_shared.devbroker import DevBroker
from tests.support import DatabaseFactory, eventually, read_topic, running_stack
from tests.tracing import in_memory_spans

pytestmark = pytest.mark.integration
INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    yield from in_memory_spans()


def _span_id(traceparent: str) -> int:
    return int(traceparent.split("-")[2], 16)


def _in_trace(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if f"{s.context.trace_id:032x}" == TRACE]


async def test_a_request_is_one_trace_from_http_to_another_services_consumer(
    dbs: DatabaseFactory, broker: DevBroker, spans: InMemorySpanExporter
) -> None:
    async with running_stack(dbs, broker.bootstrap, ("customer", "ticket"), gateway=False) as stack:
        await stack.wait_consumers_assigned("ticket")
        # The caller (a front end, another service) is itself part of trace INCOMING.
        async with stack.client("customer") as c:
            resp = await c.post(
                "/api/v1/customers",
                json={"kind": "individual", "name": "Trace Li"},
                headers={**stack.auth("agent"), "traceparent": INCOMING},
            )
        assert resp.status_code == 201, resp.text
        customer_id = resp.json()["id"]

        outbox = stack.runtime("customer").tables.outbox
        async with stack.runtime("customer").engine.connect() as conn:
            stored = (await conn.execute(select(outbox.c.traceparent))).scalar_one()
        assert stored is not None and stored.split("-")[1] == TRACE

        ((_record, event, headers),) = await read_topic(
            broker.bootstrap, "customer.events.v1", min_count=1
        )
        assert event.traceparent == stored  # the CloudEvent carries the request's trace
        sent = headers["traceparent"].decode()
        assert sent.split("-")[1] == TRACE

        async def copied() -> bool:
            async with stack.client("ticket") as c:
                r = await c.get(
                    f"/api/v1/customer-copies/{customer_id}", headers=stack.auth("dispatcher")
                )
                return r.status_code == 200

        await eventually(copied, timeout=30)

        def consumer_span() -> ReadableSpan | None:
            return next(
                (s for s in _in_trace(spans) if s.name == "process customer.registered"), None
            )

        await eventually(lambda: asyncio.sleep(0, consumer_span()), timeout=10)

    traced = _in_trace(spans)
    by_id = {s.context.span_id: s for s in traced}
    server = [s for s in traced if s.kind is SpanKind.SERVER and "POST" in s.name]
    assert len(server) == 1, [s.name for s in traced]
    assert server[0].parent is not None and server[0].parent.span_id == _span_id(INCOMING)
    # The outbox row names the request's server span...
    assert by_id[_span_id(stored)] is server[0]
    # ...the relay's send continues it, and the record's header names the send...
    (send,) = [s for s in traced if s.name == "send customer.events.v1"]
    assert send.kind is SpanKind.PRODUCER and send.parent is not None
    assert send.parent.span_id == server[0].context.span_id
    assert send.context.span_id == _span_id(sent)
    # ...and the ticket service's consumer continues from the send.
    process = consumer_span()
    assert process is not None and process.kind is SpanKind.CONSUMER
    assert process.parent is not None and process.parent.span_id == send.context.span_id
    assert process.attributes is not None
    assert process.attributes["messaging.consumer.group.name"] == "ticket"
    # SQL statements of both services are in the trace too.
    assert any(s.attributes and "db.system" in str(dict(s.attributes)) for s in traced)
    sql_parents = {
        s.parent.span_id for s in traced if s.kind is SpanKind.CLIENT and s.parent is not None
    }
    assert process.context.span_id in sql_parents
    # The relays' polling of their outboxes (every 50 ms here) made no traces of its own.
    polls = [
        s
        for s in spans.get_finished_spans()
        if s.parent is None and "published_at" in str((s.attributes or {}).get("db.statement", ""))
    ]
    assert polls == [], [(s.name, dict(s.attributes or {})) for s in polls]
