"""Human-readable, unique, gap-tolerant numbers (C00000042, TS-2026-000017...)."""

from __future__ import annotations

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


async def next_value(session: AsyncSession, sequences: Table, name: str, count: int = 1) -> int:
    """Reserve ``count`` values of counter ``name``; return the last one.

    The UPDATE takes a row lock (PostgreSQL) or the write lock (SQLite) until the
    surrounding transaction ends, so concurrent callers never get the same value.
    """
    stmt = (
        update(sequences)
        .where(sequences.c.name == name)
        .values(value=sequences.c.value + count)
        .returning(sequences.c.value)
    )
    value = (await session.execute(stmt)).scalar()
    if value is not None:
        return int(value)
    try:
        async with session.begin_nested():
            await session.execute(insert(sequences).values(name=name, value=count))
        return count
    except IntegrityError:  # created concurrently: take the normal path
        value = (await session.execute(stmt)).scalar_one()
        return int(value)


async def current_value(session: AsyncSession, sequences: Table, name: str) -> int:
    value = (
        await session.execute(select(sequences.c.value).where(sequences.c.name == name))
    ).scalar()
    return int(value or 0)
