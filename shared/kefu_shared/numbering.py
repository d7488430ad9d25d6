"""Human-readable, unique, gap-tolerant numbers (C00000042, TS-2026-000017...).

Numbers come from :func:`next_number`. On PostgreSQL each counter is a ``SEQUENCE``
(``number_seq_<counter>``, created by a migration with
:func:`kefu_shared.migrations.create_number_sequence`): ``nextval`` never waits for another
transaction, so concurrent registrations do not queue behind each other's commit. A value
taken by a transaction that rolls back is lost -- numbers are unique and increasing, not
gapless. On SQLite (one writer at a time anyway) the counter is a row of
``number_sequences``.

:func:`next_value` / :func:`current_value` are that row counter itself; they hold a row
lock until commit, so use them only where serialising the writers is the point.
"""

from __future__ import annotations

import re

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

_COUNTER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def sequence_name(counter: str) -> str:
    """The PostgreSQL sequence behind ``counter`` (a lower-case identifier)."""
    if not _COUNTER.match(counter):
        raise ValueError(f"counter name must match {_COUNTER.pattern}: {counter!r}")
    return f"number_seq_{counter}"


async def next_number(session: AsyncSession, sequences: Table, counter: str) -> int:
    """The next number of ``counter``, without waiting for other transactions."""
    seq = sequence_name(counter)
    if session.get_bind().dialect.name == "postgresql":
        value = (await session.execute(text(f"SELECT nextval('{seq}')"))).scalar_one()
        return int(value)
    return await next_value(session, sequences, counter)


async def next_value(session: AsyncSession, sequences: Table, name: str, count: int = 1) -> int:
    """Reserve ``count`` values of the row counter ``name``; return the last one.

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
