"""Unit of work: the only place that commits, and where outbox rows are written.

Aggregates record events (:class:`EventRecorder`); on :meth:`UnitOfWork.commit` the unit of
work collects every event recorded by objects in the session, writes them to the outbox
table and commits -- state change and events in one transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Table, event, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from kefu_shared.audit import AuditEntry, audit_rows
from kefu_shared.context import current_correlation_id
from kefu_shared.db import utcnow
from kefu_shared.events import CloudEvent, EventData, make_event
from kefu_shared.jobs import enqueue
from kefu_shared.tracing import current_traceparent

_sequence = itertools.count()


@dataclass(frozen=True)
class PendingEvent:
    seq: int
    data: EventData
    subject: str
    dealerid: str | None


class EventRecorder:
    """Mixin for aggregates: ``self.record(SomethingHappened(...))`` in a domain method."""

    def _pending(self) -> list[PendingEvent]:
        # ORM objects loaded from the database skip __init__: create the list lazily.
        pending: list[PendingEvent] | None = self.__dict__.get("_kefu_pending_events")
        if pending is None:
            pending = []
            self.__dict__["_kefu_pending_events"] = pending
        return pending

    def record(self, data: EventData, *, subject: str | None = None) -> None:
        # Aggregates are ORM classes with an ``id`` column, which the mixin cannot declare.
        subj = subject if subject is not None else str(getattr(self, "id"))  # noqa: B009
        dealer = getattr(self, "dealer_id", None)
        self._pending().append(PendingEvent(next(_sequence), data, subj, dealer))

    def collect_events(self) -> list[PendingEvent]:
        pending = self._pending()
        out = list(pending)
        pending.clear()
        return out


def outbox_row(event: CloudEvent, *, topic: str, key: str) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "topic": topic,
        "key": key,
        "type": event.type,
        "payload": event.model_dump_json(exclude_none=True),
        "created_at": utcnow(),
        "attempts": 0,
        "traceparent": event.traceparent,
    }


def _aggregate_events(session: Session) -> list[PendingEvent]:
    """The events recorded by the aggregates in ``session`` (and forgotten by them)."""
    pending: list[PendingEvent] = []
    seen: set[int] = set()
    for obj in itertools.chain(session.new, session.identity_map.values()):
        if isinstance(obj, EventRecorder) and id(obj) not in seen:
            seen.add(id(obj))
            pending.extend(obj.collect_events())
    return pending


class UnitOfWork:
    """``async with uow:`` opens a session; ``await uow.commit()`` writes state + outbox."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outbox: Table,
        *,
        source: str,
        after_commit: Callable[[], None] | None = None,
        audit: Table | None = None,
        jobs: Table | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._audit_table = audit
        self._jobs_table = jobs
        self._audit: list[AuditEntry] = []
        self._after_commit = after_commit
        self._outbox = outbox
        self.source = source
        self._session: AsyncSession | None = None
        self._extra: list[PendingEvent] = []
        self.committed_events: list[CloudEvent] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        # The session holds new and changed objects strongly only until it flushes them
        # (autoflush included); an aggregate no one refers to any more -- one a consumer
        # handler created and returned from -- would be collected with its events. Take
        # the events of every object the session flushes, at that moment.
        event.listen(self._session.sync_session, "before_flush", self._take_flushed_events)
        self._extra = []
        self._audit = []
        self.committed_events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted and detaches objects without expiring
        # them, so what a use case returns stays readable after the unit of work ends.
        self._extra.clear()
        self._audit.clear()
        try:
            await self.session.close()
        finally:
            self._session = None

    def _take_flushed_events(self, session: Any, flush_context: Any, instances: Any) -> None:
        for obj in itertools.chain(session.new, session.dirty):
            if isinstance(obj, EventRecorder):
                self._extra.extend(obj.collect_events())

    def emit(self, data: EventData, *, subject: str, dealerid: str | None = None) -> None:
        """Record an event that belongs to no loaded aggregate (e.g. set-based updates)."""
        self._extra.append(PendingEvent(next(_sequence), data, subject, dealerid))

    @property
    def audit_table(self) -> Table:
        if self._audit_table is None:
            raise RuntimeError("this service has no audit table: PlatformTables(..., audit=True)")
        return self._audit_table

    @property
    def jobs_table(self) -> Table:
        if self._jobs_table is None:
            raise RuntimeError("this service has no job table: PlatformTables(..., jobs=True)")
        return self._jobs_table

    def audit(self, entry: AuditEntry) -> None:
        """Add an audit record; it is written by :meth:`commit` with the change."""
        self.audit_table  # noqa: B018 -- refuse entries early where there is no table
        self._audit.append(entry)

    async def enqueue(
        self,
        *,
        kind: str,
        payload: Mapping[str, object],
        max_attempts: int = 5,
        run_after: datetime | None = None,
    ) -> int:
        """Queue a background job in this transaction (:mod:`kefu_shared.jobs`)."""
        return await enqueue(
            self.session,
            self.jobs_table,
            kind=kind,
            payload=payload,
            max_attempts=max_attempts,
            run_after=run_after,
        )

    def _collect(self) -> list[PendingEvent]:
        pending = list(self._extra)
        self._extra.clear()
        pending.extend(_aggregate_events(self.session.sync_session))
        pending.sort(key=lambda p: p.seq)
        return pending

    async def flush_events(self) -> list[CloudEvent]:
        """Write recorded events to the outbox inside the current transaction."""
        pending = self._collect()
        if not pending:
            return []
        correlation = current_correlation_id()
        trace = current_traceparent()
        events = [
            make_event(
                p.data,
                source=self.source,
                subject=p.subject,
                correlationid=correlation,
                traceparent=trace,
                dealerid=p.dealerid,
            )
            for p in pending
        ]
        rows = [
            outbox_row(e, topic=p.data.topic, key=p.subject)
            for e, p in zip(events, pending, strict=True)
        ]
        await self.session.execute(insert(self._outbox), rows)
        return events

    async def before_commit(self) -> None:
        """Called first by :meth:`commit`: a service's unit of work writes here what follows
        from the whole change (the complaint service: statistics deltas). Nothing here."""

    async def commit(self) -> None:
        await self.before_commit()
        await self.session.flush()
        if self._audit:
            rows = audit_rows(self._audit, correlation_id=current_correlation_id())
            self._audit.clear()
            await self.session.execute(insert(self.audit_table), rows)
        events = await self.flush_events()
        await self.session.commit()
        self.committed_events.extend(events)
        if events and self._after_commit is not None:
            self._after_commit()

    async def rollback(self) -> None:
        self._extra.clear()
        self._audit.clear()
        if self._session is not None:
            await self._session.rollback()
