"""The outbox relay: publishes committed outbox rows to Kafka, in order, at least once.

One sweep reads the oldest unpublished rows (by id, i.e. commit order per aggregate),
sends them with acks=all, waits for every acknowledgement and marks as published the
longest acknowledged prefix. Anything after the first failure stays unpublished and is
sent again on the next sweep, so an aggregate's events are never reordered; a duplicate
happens only when an ack was lost, and consumers absorb it through their inbox. A broker
that later forgets what it acknowledged is noticed and the rows are sent again
(:mod:`kefu_shared.relay_audit`).

Several replicas of a service may run: only the leader relays
(:class:`kefu_shared.leadership.Leadership`, a PostgreSQL advisory lock; the others stand
by and take over when it dies); SQLite is a single-process database, so its relay leads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from kefu_shared.db import utcnow
from kefu_shared.kafka import ALL_TOPICS, client_security, ensure_topics, make_producer
from kefu_shared.leadership import Leadership
from kefu_shared.logging import get_logger
from kefu_shared.metrics import (
    OUTBOX_ACTIVE,
    OUTBOX_FAILED,
    OUTBOX_LAG,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PUBLISHED,
)
from kefu_shared.relay_audit import AckLedger, EndOffsets
from kefu_shared.settings import ServiceSettings
from kefu_shared.tracing import end_span, producer_span

log = get_logger(__name__)

ProducerFactory = Callable[[], AIOKafkaProducer]


def relay_lock_name(service: str) -> str:
    """The name of the relay's leadership lock (one relay per service)."""
    return f"kefu-outbox-relay:{service}"


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        settings: ServiceSettings,
        engine: AsyncEngine,
        outbox: Table,
        producer_factory: ProducerFactory | None = None,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.service = service
        self.settings = settings
        self.engine = engine
        self.outbox = outbox
        self._producer_factory = producer_factory or (
            lambda: make_producer(settings, client_id=f"{service}-relay")
        )
        self._producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()
        self._leadership = Leadership(engine, relay_lock_name(service))
        self.retention = retention
        self.published = 0
        self.failed = 0
        self.broker_ok = False
        self.active = False
        self._last_housekeeping = 0.0
        self.ledger = AckLedger(settings.relay_audit_window)
        self._end_offsets = EndOffsets(settings, client_id=f"{service}-relay-audit")
        self._last_audit = 0.0
        self.republished = 0

    # -- lifecycle ---------------------------------------------------------------------
    def wake(self) -> None:
        """Sweep now instead of at the next poll (called after a commit that wrote events)."""
        self._wakeup.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        """Sweep until stopped, backing off while the broker or database is unavailable."""
        backoff = 0.0
        try:
            while not self._stopping.is_set():
                try:
                    if not await self._hold_lock():
                        await self._sleep(max(1.0, self.settings.relay_poll_interval_s * 5))
                        continue
                    await self._ensure_producer()
                    await self.audit_broker()
                    sent = await self.publish_pending()
                    backoff = 0.0
                    await self._housekeeping()
                    if sent < self.settings.relay_batch_size:
                        await self._sleep(self.settings.relay_poll_interval_s)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # broker or database down: back off, never give up
                    self.broker_ok = False
                    OUTBOX_FAILED.labels(self.service).inc()
                    self.failed += 1
                    backoff = min(self.settings.relay_max_backoff_s, max(0.25, backoff * 2))
                    log.warning("outbox.relay_error", error=repr(exc)[:500], retry_in_s=backoff)
                    await self._close_producer()
                    await self._sleep(backoff)
        finally:
            await self._close_producer()
            await self._release_lock()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wakeup.wait(), seconds)
        except TimeoutError:
            pass
        self._wakeup.clear()

    # -- single active relay -----------------------------------------------------------
    async def _hold_lock(self) -> bool:
        was_active = self.active
        self.active = await self._leadership.acquire()
        OUTBOX_ACTIVE.labels(self.service).set(1 if self.active else 0)
        if self.active and not was_active:
            log.info("outbox.relay_active", service=self.service)
        return self.active

    async def _release_lock(self) -> None:
        self.active = False
        await self._leadership.release()

    # -- producing ---------------------------------------------------------------------
    async def _ensure_producer(self) -> None:
        if self._producer is not None:
            return
        if self.settings.kafka_manage_topics:
            await ensure_topics(
                self.settings.kafka_bootstrap_servers,
                ALL_TOPICS,
                partitions=self.settings.kafka_topic_partitions,
                replication=self.settings.kafka_topic_replication,
                security=client_security(self.settings),
            )
        producer = self._producer_factory()
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer
        self.broker_ok = True

    async def audit_broker(self, *, force: bool = False) -> int:
        """Compare the broker's end offsets with what it acknowledged; republish what it
        lost. Runs every ``relay_audit_interval_s`` and right after a (re)connect."""
        now = time.monotonic()
        if (
            not force
            and self._last_audit
            and now - self._last_audit < (self.settings.relay_audit_interval_s)
        ):
            return 0
        self._last_audit = now
        ends = await self._end_offsets.fetch(self.ledger.partitions())
        return await self._republish(self.ledger.compare(ends))

    async def _republish(self, lost: dict[str, int]) -> int:
        """Mark as unpublished every row of each topic from its first lost row on."""
        if not lost:
            return 0
        o = self.outbox
        count = 0
        async with self.engine.begin() as conn:
            for topic, first_id in lost.items():
                result = await conn.execute(
                    update(o)
                    .where(o.c.topic == topic, o.c.id >= first_id, o.c.published_at.is_not(None))
                    .values(published_at=None)
                )
                count += result.rowcount or 0
        self.republished += count
        log.warning("outbox.republishing", rows=count, topics=sorted(lost))
        self.wake()
        return count

    async def _close_producer(self) -> None:
        self._last_audit = 0.0  # audit first thing after the next connect
        await self._end_offsets.close()
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except Exception:
                pass

    async def publish_pending(self) -> int:
        """One sweep: publish up to a batch of rows; return how many were acknowledged."""
        assert self._producer is not None
        o = self.outbox
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        o.c.id,
                        o.c.topic,
                        o.c.key,
                        o.c.type,
                        o.c.event_id,
                        o.c.payload,
                        o.c.traceparent,
                    )
                    .where(o.c.published_at.is_(None))
                    .order_by(o.c.id)
                    .limit(self.settings.relay_batch_size)
                )
            ).all()
        if not rows:
            return 0
        futures = []
        send_error: BaseException | None = None
        spans = []
        for row in rows:
            # The send continues the trace of the request that wrote the event.
            span, traceparent = producer_span(
                row.topic, event_id=row.event_id, traceparent=row.traceparent
            )
            spans.append(span)
            headers = [("ce_type", row.type.encode()), ("ce_id", row.event_id.encode())]
            if traceparent:
                headers.append(("traceparent", traceparent.encode()))
            try:
                fut = await self._producer.send(
                    row.topic, value=row.payload.encode(), key=row.key.encode(), headers=headers
                )
            except Exception as exc:
                send_error = exc
                break
            futures.append(fut)
        results = await asyncio.gather(*futures, return_exceptions=True)
        for i, span in enumerate(spans):
            outcome = results[i] if i < len(results) else send_error
            end_span(span, outcome if isinstance(outcome, BaseException) else None)
        acked: list[int] = []
        acks: list[tuple[int, Any]] = []
        first_error: BaseException | None = send_error
        for row, result in zip(rows, results, strict=False):
            if isinstance(result, BaseException):
                first_error = result
                break
            acked.append(row.id)
            acks.append((row.id, result))
        if len(acked) < len(rows) and first_error is None:
            first_error = send_error
        async with self.engine.begin() as conn:
            if acked:
                await conn.execute(update(o).where(o.c.id.in_(acked)).values(published_at=utcnow()))
            if first_error is not None:
                failed_id = rows[len(acked)].id
                await conn.execute(
                    update(o)
                    .where(o.c.id == failed_id)
                    .values(attempts=o.c.attempts + 1, last_error=repr(first_error)[:2000])
                )
        self.published += len(acked)
        OUTBOX_PUBLISHED.labels(self.service).inc(len(acked))
        await self._republish(self.ledger.record(acks))
        if first_error is not None:
            raise first_error
        return len(acked)

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < 2.0:
            return
        self._last_housekeeping = now
        o = self.outbox
        async with self.engine.begin() as conn:
            count, oldest = (
                await conn.execute(
                    select(func.count(), func.min(o.c.created_at)).where(o.c.published_at.is_(None))
                )
            ).one()
            await conn.execute(
                delete(o).where(
                    o.c.published_at.is_not(None), o.c.published_at < utcnow() - self.retention
                )
            )
        OUTBOX_LAG.labels(self.service).set(count or 0)
        if oldest is not None:
            OUTBOX_OLDEST_AGE.labels(self.service).set((utcnow() - oldest).total_seconds())
        else:
            OUTBOX_OLDEST_AGE.labels(self.service).set(0)
