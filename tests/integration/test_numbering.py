"""Customer numbers: unique and increasing, and on PostgreSQL no registration waits for
another one's commit (the number comes from a SEQUENCE, not a locked counter row)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from customer.models import platform
from kefu_shared.db import make_session_factory
from kefu_shared.numbering import next_number, sequence_name
from tests.support import DatabaseFactory

pytestmark = pytest.mark.integration


async def test_numbers_are_unique_and_increasing(dbs: DatabaseFactory) -> None:
    engine = create_async_engine(dbs.url("customer"))
    sessions = make_session_factory(engine)
    try:
        values = []
        for _ in range(3):
            async with sessions() as s:
                values.append(await next_number(s, platform.sequences, "customer"))
                await s.commit()
        assert values == sorted(set(values))
        assert values[0] >= 1
    finally:
        await engine.dispose()


async def test_a_number_does_not_wait_for_an_uncommitted_registration(
    dbs: DatabaseFactory,
) -> None:
    if dbs.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time; the sequence is PostgreSQL's")
    engine = create_async_engine(dbs.url("customer"))
    sessions = make_session_factory(engine)
    try:
        async with sessions() as first, sessions() as second:
            a = await next_number(first, platform.sequences, "customer")
            # ``first`` has not committed: a locked counter row would block here.
            b = await asyncio.wait_for(
                next_number(second, platform.sequences, "customer"), timeout=5
            )
            await first.rollback()
            c = await next_number(second, platform.sequences, "customer")
        assert a < b < c  # the rolled-back number is a gap, never reused
    finally:
        await engine.dispose()


def test_counter_names_are_identifiers() -> None:
    assert sequence_name("ticket") == "number_seq_ticket"
    with pytest.raises(ValueError):
        sequence_name("x'); DROP TABLE customers; --")


async def test_the_sequence_continues_after_the_counter_row(dbs: DatabaseFactory) -> None:
    """Upgrading a database that already numbered customers never reuses a number."""
    if dbs.dialect != "postgresql":
        pytest.skip("the sequence migration does nothing on SQLite")
    import asyncpg

    from kefu_shared.migrations import upgrade
    from tests.support import ROOT

    name = f"kefu_t_{dbs.run_id}_numbering_{uuid.uuid4().hex[:6]}"
    dbs._pg_exec(f'CREATE DATABASE "{name}"')
    dbs._created.append(name)
    url = dbs._pg_url(name)
    await asyncio.to_thread(upgrade, ROOT / "services" / "customer", url, "0006")
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("INSERT INTO number_sequences (name, value) VALUES ('customer', 41)")
    finally:
        await conn.close()
    await asyncio.to_thread(upgrade, ROOT / "services" / "customer", url, "head")
    engine = create_async_engine(url)
    try:
        async with make_session_factory(engine)() as s:
            assert await next_number(s, platform.sequences, "customer") == 42
    finally:
        await engine.dispose()
