"""Kafka client factories and topic administration (aiokafka)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from kefu_shared.logging import get_logger
from kefu_shared.registry import all_topics
from kefu_shared.settings import ServiceSettings

log = get_logger(__name__)

# From the service registry: each backend's event topic and its consumer's DLQ.
ALL_TOPICS = all_topics()


def client_security(settings: ServiceSettings) -> dict[str, Any]:
    """Authentication and encryption arguments that every Kafka client of a service takes."""
    kw: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol.startswith("SASL_"):
        kw.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=settings.kafka_sasl_password,
        )
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        kw["ssl_context"] = create_ssl_context(cafile=settings.kafka_ssl_cafile)
    return kw


def make_producer(settings: ServiceSettings, *, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        linger_ms=5,
        **client_security(settings),
    )


def make_consumer(
    settings: ServiceSettings, *, group_id: str, topics: Iterable[str]
) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=group_id,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 5000),
        metadata_max_age_ms=5000,
        **client_security(settings),
    )


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str] = ALL_TOPICS,
    *,
    partitions: int = 3,
    replication: int = 1,
    timeout_s: float = 10.0,
    security: dict[str, Any] | None = None,
) -> None:
    """Create topics that do not exist yet (idempotent: 'already exists' is fine)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=5000, **(security or {})
    )
    await asyncio.wait_for(admin.start(), timeout_s)
    try:
        wanted = list(topics)
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [
                        NewTopic(t, num_partitions=partitions, replication_factor=replication)
                        for t in missing
                    ]
                )
            except TopicAlreadyExistsError:
                pass
            log.info("kafka.topics_created", topics=missing, partitions=partitions)
    finally:
        await admin.close()


async def broker_reachable(bootstrap_servers: str, timeout_s: float = 1.0) -> bool:
    """True if a TCP connection to any bootstrap server opens within the timeout."""
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout_s)
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
        return True
    return False
