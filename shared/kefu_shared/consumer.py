"""Consumer runner: at-least-once delivery, exactly-once effect.

Each service runs one consumer group named after itself. For every record whose
``ce_type`` header has a registered handler, the runner validates the event against its
contract, then in ONE unit of work: skips it if the inbox already holds (consumer, event
id), applies the handler, writes the inbox row and commits. The Kafka offset is committed
only after that. A handler that keeps failing is retried with backoff, then the record
goes to ``<consumer>.dlq.v1`` with the error so the partition moves on; an event that can
never be valid (bad envelope, bad data) goes there at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from kefu_shared.context import correlation_id_var, traceparent_var
from kefu_shared.events import CloudEvent, EventData, InvalidEvent, parse_data, parse_event
from kefu_shared.kafka import make_consumer, make_producer
from kefu_shared.logging import get_logger
from kefu_shared.metrics import (
    EVENT_HANDLER_FAILURES,
    EVENTS_CONSUMED,
    EVENTS_DEADLETTERED,
    EVENTS_DUPLICATE,
)
from kefu_shared.registry import dlq_topic
from kefu_shared.settings import ServiceSettings
from kefu_shared.tracing import continued_span, current_traceparent
from kefu_shared.uow import UnitOfWork

log = get_logger(__name__)

# (the runtime's unit of work -- a service's own subclass --, the event, its typed data)
Handler = Callable[[Any, CloudEvent, Any], Awaitable[None]]
Handlers = Mapping[str, Handler]


def topics_for(handlers: Handlers) -> list[str]:
    from kefu_shared.events import contract_for

    return sorted({contract_for(t).topic for t in handlers})


def _header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name and value is not None:
            return bytes(value).decode(errors="replace")
    return None


class ConsumerRunner:
    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        uow_factory: Callable[[], UnitOfWork],
        inbox: Table,
        handlers: Handlers,
        consumer_factory: Callable[[list[str]], AIOKafkaConsumer] | None = None,
        producer_factory: Callable[[], AIOKafkaProducer] | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.uow_factory = uow_factory
        self.inbox = inbox
        self.handlers = dict(handlers)
        self.topics = topics_for(self.handlers)
        self.dlq_topic = dlq_topic(name)
        self._consumer_factory = consumer_factory or (
            lambda topics: make_consumer(settings, group_id=name, topics=topics)
        )
        self._producer_factory = producer_factory or (
            lambda: make_producer(settings, client_id=f"{name}-dlq")
        )
        self._stopping = asyncio.Event()
        self.applied = 0
        self.duplicates = 0
        self.deadlettered = 0
        self.assigned = False

    async def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        if not self.topics:
            return
        backoff = 0.0
        while not self._stopping.is_set():
            consumer: AIOKafkaConsumer | None = None
            producer: AIOKafkaProducer | None = None
            try:
                consumer = self._consumer_factory(self.topics)
                producer = self._producer_factory()
                await consumer.start()
                await producer.start()
                backoff = 0.0
                await self._loop(consumer, producer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                backoff = min(self.settings.relay_max_backoff_s, max(0.25, backoff * 2))
                log.warning("consumer.error", consumer=self.name, error=repr(exc)[:500])
                await self._wait(backoff)
            finally:
                self.assigned = False
                for client in (consumer, producer):
                    if client is not None:
                        try:
                            await asyncio.wait_for(client.stop(), 5)
                        except Exception:
                            pass

    async def _wait(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    async def _loop(self, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer) -> None:
        while not self._stopping.is_set():
            batches = await consumer.getmany(timeout_ms=300, max_records=200)
            self.assigned = bool(consumer.assignment())
            for tp, records in batches.items():
                last: ConsumerRecord | None = None
                try:
                    for record in records:
                        await self.handle(record, producer)
                        last = record
                finally:
                    # Commit what was applied; on an exception the consumer is rebuilt and
                    # resumes from here.
                    if last is not None:
                        await consumer.commit({tp: last.offset + 1})

    async def handle(self, record: ConsumerRecord, producer: AIOKafkaProducer) -> None:
        """Apply one record (or dead-letter it). Raises only if the DLQ is unreachable."""
        event_type = _header(record, "ce_type")
        if event_type is None:
            try:
                event_type = parse_event(record.value).type
            except InvalidEvent:
                event_type = None
        if event_type is not None and event_type not in self.handlers:
            return  # not ours: skip without parsing further
        try:
            event = parse_event(record.value)
            if event.type not in self.handlers:
                return
            data = parse_data(event)
        except InvalidEvent as exc:
            await self.dead_letter(
                record, producer, error=str(exc), attempts=0, event_type=event_type
            )
            return
        await self.apply(event, data, record=record, producer=producer)

    async def apply(
        self,
        event: CloudEvent,
        data: EventData,
        *,
        record: ConsumerRecord | None = None,
        producer: AIOKafkaProducer | None = None,
    ) -> bool:
        """Apply an event once; return False if it had been applied before."""
        # The record's header names the producer's span; the event keeps the request's.
        traceparent = (_header(record, "traceparent") if record is not None else None) or (
            event.traceparent
        )
        with continued_span(
            f"process {event.type}",
            traceparent=traceparent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic if record is not None else "",
                "messaging.consumer.group.name": self.name,
                "messaging.message.id": event.id,
                "cloudevents.event_type": event.type,
            },
        ):
            return await self._apply(event, data, record=record, producer=producer)

    async def _apply(
        self,
        event: CloudEvent,
        data: EventData,
        *,
        record: ConsumerRecord | None,
        producer: AIOKafkaProducer | None,
    ) -> bool:
        handler = self.handlers[event.type]
        last_error: BaseException | None = None
        attempts = max(1, self.settings.consumer_max_attempts)
        for attempt in range(1, attempts + 1):
            tokens = (
                correlation_id_var.set(event.correlationid),
                traceparent_var.set(current_traceparent() or event.traceparent),
            )
            try:
                async with self.uow_factory() as uow:
                    if await self._seen(uow, event.id):
                        EVENTS_DUPLICATE.labels(self.name, event.type).inc()
                        self.duplicates += 1
                        return False
                    await handler(uow, event, data)
                    await uow.session.execute(
                        insert(self.inbox).values(
                            consumer=self.name, event_id=event.id, type=event.type
                        )
                    )
                    await uow.commit()
                EVENTS_CONSUMED.labels(self.name, event.type).inc()
                self.applied += 1
                return True
            except IntegrityError as exc:
                async with self.uow_factory() as uow:
                    if await self._seen(uow, event.id):  # a concurrent delivery won the race
                        EVENTS_DUPLICATE.labels(self.name, event.type).inc()
                        self.duplicates += 1
                        return False
                last_error = exc
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                last_error = exc
            finally:
                correlation_id_var.reset(tokens[0])
                traceparent_var.reset(tokens[1])
            EVENT_HANDLER_FAILURES.labels(self.name, event.type).inc()
            log.warning(
                "consumer.handler_failed",
                consumer=self.name,
                type=event.type,
                event_id=event.id,
                attempt=attempt,
                error=repr(last_error)[:500],
            )
            if attempt < attempts:
                await asyncio.sleep(self.settings.consumer_retry_backoff_s * 2 ** (attempt - 1))
        if record is not None and producer is not None:
            await self.dead_letter(
                record, producer, error=repr(last_error), attempts=attempts, event_type=event.type
            )
            return False
        assert last_error is not None
        raise last_error

    async def _seen(self, uow: UnitOfWork, event_id: str) -> bool:
        i = self.inbox
        row = await uow.session.execute(
            select(i.c.event_id).where(i.c.consumer == self.name, i.c.event_id == event_id)
        )
        return row.first() is not None

    async def dead_letter(
        self,
        record: ConsumerRecord,
        producer: AIOKafkaProducer,
        *,
        error: str,
        attempts: int,
        event_type: str | None,
    ) -> None:
        headers = [
            *(record.headers or ()),
            ("dlq_consumer", self.name.encode()),
            ("dlq_error", error[:4000].encode()),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_source_topic", record.topic.encode()),
            ("dlq_source_partition", str(record.partition).encode()),
            ("dlq_source_offset", str(record.offset).encode()),
        ]
        await producer.send_and_wait(
            self.dlq_topic, value=record.value, key=record.key, headers=headers
        )
        EVENTS_DEADLETTERED.labels(self.name, event_type or "unknown").inc()
        self.deadlettered += 1
        log.error(
            "consumer.dead_lettered",
            consumer=self.name,
            type=event_type,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=error[:500],
        )


__all__ = ["ConsumerRunner", "Handler", "Handlers", "TopicPartition", "topics_for"]
