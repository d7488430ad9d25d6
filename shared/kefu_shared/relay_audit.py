"""Noticing a broker that forgot what it acknowledged.

The dev broker keeps nothing when it dies, and a Kafka cluster can drop acknowledged
records too (an unclean leader election). The outbox is the record that lasts, so the
relay remembers where the broker put what it acknowledged — per partition, the offset of
each outbox row, for a bounded window — and compares it with what the broker says it
holds:

- an acknowledgement at an offset *below* one acknowledged before on the same partition
  means the log was truncated or the topic recreated (the producer reconnects silently);
- an end offset (asked every ``relay_audit_interval_s`` and after every reconnect) below
  the end the relay saw acknowledged means the same while nothing is being published.

Either way the rows from the first one at or after the truncation point are republished
(``published_at`` cleared, oldest first, on every partition of that topic so each
aggregate's order holds); consumers absorb the duplicates through their inbox. When the
window does not reach back to the truncation point, every retained row of the topic is
republished. The memory is per process: a relay that starts after the loss cannot see it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from kefu_shared.logging import get_logger
from kefu_shared.settings import ServiceSettings

log = get_logger(__name__)


class AckLedger:
    """Per partition: the end the broker acknowledged and (offset, outbox id) of recent rows."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.acked_end: dict[TopicPartition, int] = {}
        self._recent: dict[TopicPartition, deque[tuple[int, int]]] = {}

    def record(self, acks: Iterable[tuple[int, Any]]) -> dict[str, int]:
        """Note acknowledged ``(outbox id, RecordMetadata)`` pairs; return, per topic, the
        first outbox id to republish when an acknowledgement shows the log went back."""
        lost: dict[str, int] = {}
        for outbox_id, meta in acks:
            tp = TopicPartition(meta.topic, meta.partition)
            end = self.acked_end.get(tp)
            if end is not None and meta.offset < end:
                self._lose(tp, meta.offset, lost)
            recent = self._recent.setdefault(tp, deque(maxlen=self.window))
            recent.append((meta.offset, outbox_id))
            self.acked_end[tp] = max(self.acked_end.get(tp, 0), meta.offset + 1)
        return lost

    def compare(self, ends: Mapping[TopicPartition, int]) -> dict[str, int]:
        """Compare the broker's end offsets with what it acknowledged (same result)."""
        lost: dict[str, int] = {}
        for tp, acked in list(self.acked_end.items()):
            end = ends.get(tp, 0)
            if end < acked:
                self._lose(tp, end, lost)
        return lost

    def _lose(self, tp: TopicPartition, from_offset: int, lost: dict[str, int]) -> None:
        recent = self._recent.get(tp) or deque()
        first: int | None
        if recent and recent[0][0] <= from_offset:
            first = next((oid for off, oid in recent if off >= from_offset), None)
        else:
            first = 0  # the window does not reach back far enough: everything retained
        log.warning(
            "outbox.broker_lost_data",
            topic=tp.topic,
            partition=tp.partition,
            broker_end=from_offset,
            acknowledged_end=self.acked_end.get(tp),
            republish_from_id=first,
        )
        if first is not None:
            lost[tp.topic] = min(lost.get(tp.topic, first), first)
        # The partition starts afresh from what the broker holds now.
        self._recent.pop(tp, None)
        self.acked_end.pop(tp, None)

    def partitions(self) -> list[TopicPartition]:
        return list(self.acked_end)


class EndOffsets:
    """Asks the broker for end offsets (a group-less consumer, created on first use)."""

    def __init__(self, settings: ServiceSettings, *, client_id: str) -> None:
        self.settings = settings
        self.client_id = client_id
        self._consumer: AIOKafkaConsumer | None = None

    async def fetch(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        if not partitions:
            return {}
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                client_id=self.client_id,
                enable_auto_commit=False,
                request_timeout_ms=self.settings.kafka_request_timeout_ms,
            )
            await consumer.start()
            self._consumer = consumer
        timeout = self.settings.kafka_request_timeout_ms / 1000
        ends: dict[TopicPartition, int] = {}
        consumer = self._consumer
        await asyncio.wait_for(consumer._client.force_metadata_update(), timeout)
        known = [
            tp
            for tp in partitions
            if tp.partition in (consumer.partitions_for_topic(tp.topic) or ())
        ]
        if known:
            ends.update(await asyncio.wait_for(consumer.end_offsets(known), timeout))
        # A partition (or topic) the broker no longer knows holds nothing: end offset 0.
        return {tp: ends.get(tp, 0) for tp in partitions}

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                await asyncio.wait_for(consumer.stop(), 5)
            except Exception:
                pass
