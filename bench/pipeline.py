"""Event cases: latency from a customer's commit to its copy in the ticket service, and the
relay's drain rate on an outbox backlog against a bare aiokafka producer."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from harness import pg


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def event_latency(
    *, customer: str, token: str, customer_db: str, ticket_db: str, rate: float, seconds: float
) -> dict[str, Any]:
    """Create customers at ``rate``/s for ``seconds``; latency per event = the ticket
    service's inbox ``processed_at`` minus the outbox row's ``created_at`` (written in the
    creating transaction, just before its commit)."""
    started = time.time()
    total = int(rate * seconds)
    body = {"kind": "company", "name": "Latency Probe Co"}
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient(
        base_url=customer, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:

        async def one() -> None:
            resp = await client.post("/api/v1/customers", json=body)
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1

        tasks = []
        t0 = time.monotonic()
        for i in range(total):  # open loop: send on schedule, whatever the answers do
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks, return_exceptions=True)

    cconn = await asyncpg.connect(pg(customer_db))
    tconn = await asyncpg.connect(pg(ticket_db))
    try:
        created = {
            r["event_id"]: r["created_at"]
            for r in await cconn.fetch(
                "SELECT event_id, created_at FROM outbox WHERE type = 'customer.registered'"
                " AND created_at >= to_timestamp($1)",
                started,
            )
        }
        deadline = time.monotonic() + 30
        while True:
            rows = await tconn.fetch(
                "SELECT event_id, processed_at FROM inbox WHERE event_id = any($1::text[])",
                list(created),
            )
            if len(rows) >= len(created) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await cconn.close()
        await tconn.close()
    lat = [(r["processed_at"] - created[r["event_id"]]).total_seconds() * 1000 for r in rows]
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "created": statuses.get(201, 0),
        "non_201": sum(n for s, n in statuses.items() if s != 201),
        "events": len(created),
        "arrived": len(rows),
        "p50_ms": round(percentile(lat, 50), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "max_ms": round(max(lat), 1) if lat else None,
    }


async def drain_rates(customer_db: str, bootstrap: str, backlog: int) -> dict[str, Any]:
    """Rows per second: the relay draining ``backlog`` outbox rows, and a bare producer
    sending as many messages of the same size with the same acks."""
    from customer.models import platform
    from kefu_shared.db import create_engine
    from kefu_shared.relay import OutboxRelay
    from kefu_shared.settings import ServiceSettings

    payload = json.dumps({"specversion": "1.0", "data": {"name": "x" * 300}})
    settings = ServiceSettings(
        env="development", database_url=customer_db, kafka_bootstrap_servers=bootstrap
    )
    conn = await asyncpg.connect(pg(customer_db))
    try:
        await conn.execute("DELETE FROM outbox")
        await conn.execute(
            "INSERT INTO outbox (event_id, topic, key, type, payload, created_at, attempts) "
            "SELECT gen_random_uuid()::text, 'customer.events.v1', 'bench-' || (g % 1000), "
            "'bench.drained', $1, now(), 0 FROM generate_series(1, $2) g",
            payload,
            backlog,
        )
    finally:
        await conn.close()

    engine = create_engine(customer_db)
    relay = OutboxRelay(service="bench", settings=settings, engine=engine, outbox=platform.outbox)
    t0 = time.monotonic()
    task = asyncio.create_task(relay.run())
    check = await asyncpg.connect(pg(customer_db))
    try:
        while await check.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            if task.done():
                task.result()
            await asyncio.sleep(0.2)
        relay_s = time.monotonic() - t0
    finally:
        await relay.stop()
        await task
        await check.close()
        await engine.dispose()

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        value = payload.encode()
        t0 = time.monotonic()
        futures = [
            await producer.send("customer.events.v1", value=value, key=f"bench-{i % 1000}".encode())
            for i in range(backlog)
        ]
        await asyncio.gather(*futures)
        bare_s = time.monotonic() - t0
    finally:
        await producer.stop()
    return {
        "backlog": backlog,
        "relay_per_s": round(backlog / relay_s),
        "bare_per_s": round(backlog / bare_s),
        "ratio": round(bare_s / relay_s, 2),
    }
