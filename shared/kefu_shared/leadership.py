"""Leadership among replicas: one holder of a PostgreSQL session-level advisory lock.

The outbox relay and the scheduler both need "exactly one replica does this": the replica
whose dedicated connection holds ``pg_try_advisory_lock(key)`` is the leader; the others
stand by and try again. When the leader's process dies its connection closes and
PostgreSQL releases the lock, so a standby takes over without any timeout of our own.
SQLite is a single-process database: its one process is always the leader.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kefu_shared.logging import get_logger

log = get_logger(__name__)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` derived from ``name``."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leadership:
    """``await acquire()`` before each round of leader-only work; ``release()`` on stop."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.key = advisory_key(name)
        self._conn: AsyncConnection | None = None
        self.is_leader = False

    async def acquire(self) -> bool:
        """True if this replica leads now: keeps a held lock (checking its connection is
        alive) or tries to take it."""
        if self.engine.dialect.name != "postgresql":
            self.is_leader = True
            return True
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception:
                # The connection (and with it the lock) is gone: another replica may lead.
                log.warning("leadership.lost", name=self.name)
                await self.release()
        conn = await self.engine.connect()
        try:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
            ).scalar()
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        if got:
            self._conn = conn
            self.is_leader = True
            log.info("leadership.acquired", name=self.name)
            return True
        await conn.close()
        self.is_leader = False
        return False

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        self.is_leader = False
        if conn is None:
            return
        try:
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            await conn.commit()
        except Exception:
            pass  # closing the connection releases the lock anyway
        try:
            await conn.close()
        except Exception:
            pass
