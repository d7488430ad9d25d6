"""Data for the list cases: bulk seeding with generate_series, and the plans of the list."""

from __future__ import annotations

from typing import Any

import asyncpg
from classification import CUSTOMERS_SQL
from harness import pg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

# The list queries whose plans the bench prints: the default page and common filters.
EXPLAINED = {
    "default (active, by name)": {},
    "tier=potential, by -created_at": {"tier": ["potential"], "sort": "-created_at"},
    "region_class=local, by name": {"region_class": ["local"]},
    "dealer_id=dealer-5, by name": {"dealer_id": "dealer-5"},
}


async def seed_reference(url: str, total: int) -> None:
    """``bench_rows`` holds ``total`` rows (adds the missing ones)."""
    from reference import TABLE_SQL

    conn = await asyncpg.connect(pg(url))
    try:
        await conn.execute(TABLE_SQL)
        have = await conn.fetchval("SELECT coalesce(max(id), 0) FROM bench_rows")
        if have < total:
            await conn.execute(
                "INSERT INTO bench_rows (id, name, email, created_at) "
                "SELECT g, 'Bench row ' || g, NULL, now() FROM generate_series($1::bigint, $2) g",
                have + 1,
                total,
            )
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('bench_rows', 'id'), "
                "(SELECT max(id) FROM bench_rows))"
            )
        await conn.execute("VACUUM ANALYZE bench_rows")
    finally:
        await conn.close()


async def seed_customers(url: str, total: int) -> None:
    """``customers`` holds at least ``total`` seeded rows (INSERT … SELECT generate_series,
    the same data set as the classification bench)."""
    conn = await asyncpg.connect(pg(url))
    try:
        have = await conn.fetchval("SELECT count(*) FROM customers WHERE number LIKE 'B%'")
        if have < total:
            await conn.execute(CUSTOMERS_SQL, have + 1, total)
        await conn.execute("VACUUM ANALYZE customers")
        await conn.execute("VACUUM ANALYZE customer_addresses")
    finally:
        await conn.close()


async def explain_list(url: str) -> dict[str, list[str]]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of every statement the list use case sends, taken from
    the real repository code (captured at the driver), for each filter in EXPLAINED."""
    from customer.repository import CustomerFilter, CustomerRepository
    from kefu_shared.auth import Principal
    from kefu_shared.db import make_session_factory

    agent = Principal(user_id="bench-agent", roles=frozenset({"agent"}))

    engine = create_async_engine(url)
    captured: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def capture(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    plans: dict[str, list[str]] = {}
    try:
        sessions = make_session_factory(engine)
        for title, spec in EXPLAINED.items():
            spec = dict(spec)
            sort = spec.pop("sort", "name")
            captured.clear()
            async with sessions() as s:
                await CustomerRepository(s).list_page(
                    CustomerFilter(**spec), actor=agent, sort=sort, limit=25, cursor=None
                )
            statements = list(captured)
            lines: list[str] = []
            async with engine.connect() as conn:
                for statement, params in statements:
                    result = await conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params
                    )
                    lines += [row[0] for row in result] + [""]
            plans[title] = lines
    finally:
        await engine.dispose()
    return plans
