"""A unit of work without a database, for unit tests of use cases.

A service's unit of work carries its repositories (``uow.customers``, ``uow.ledger``...);
its unit tests subclass :class:`FakeUnitOfWork` and set in-memory repositories with the
same methods. The fake behaves like :class:`kefu_shared.uow.UnitOfWork` where a use case
can tell: ``async with uow`` opens it, ``commit()`` collects the events recorded by the
aggregates the repositories handed out (:meth:`track`) and by :meth:`emit`, the audit
records and the queued jobs; leaving the block without a commit drops them. A use case that reaches for ``uow.session`` fails the
test: unit-testable use cases talk to repositories only.

Copy from ``tests/customer/unit/fakes.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from kefu_shared.audit import AuditEntry
from kefu_shared.events import EventData
from kefu_shared.uow import EventRecorder, PendingEvent, _sequence


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.commits = 0
        # Every event committed, oldest first (``committed[i].event_type`` names the event).
        self.committed: list[EventData] = []
        # Audit records and queued jobs committed, oldest first.
        self.audited: list[AuditEntry] = []
        self.jobs: list[dict[str, Any]] = []
        self._pending: list[PendingEvent] = []
        self._tracked: list[EventRecorder] = []
        self._audit: list[AuditEntry] = []
        self._jobs: list[dict[str, Any]] = []

    @property
    def session(self) -> Any:
        raise AssertionError("a use case under unit test used the database session")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    def track(self, aggregate: EventRecorder) -> None:
        """Watch an aggregate a fake repository returned or stored, for its events."""
        if all(a is not aggregate for a in self._tracked):
            self._tracked.append(aggregate)

    def emit(self, data: EventData, *, subject: str, dealerid: str | None = None) -> None:
        self._pending.append(PendingEvent(next(_sequence), data, subject, dealerid))

    def audit(self, entry: AuditEntry) -> None:
        self._audit.append(entry)

    async def enqueue(
        self,
        *,
        kind: str,
        payload: Mapping[str, object],
        max_attempts: int = 5,
        run_after: datetime | None = None,
    ) -> int:
        self._jobs.append({"kind": kind, "payload": dict(payload), "run_after": run_after})
        return len(self.jobs) + len(self._jobs)

    def events(self, event_type: str) -> list[EventData]:
        """The committed events of one type, oldest first."""
        return [e for e in self.committed if e.event_type == event_type]

    async def before_commit(self) -> None:
        """As :meth:`kefu_shared.uow.UnitOfWork.before_commit`: called first by commit."""

    async def commit(self) -> None:
        await self.before_commit()
        pending = list(self._pending)
        self._pending.clear()
        for aggregate in self._tracked:
            pending.extend(aggregate.collect_events())
        pending.sort(key=lambda p: p.seq)
        self.committed.extend(p.data for p in pending)
        self.audited.extend(self._audit)
        self.jobs.extend(self._jobs)
        self._audit.clear()
        self._jobs.clear()
        self.commits += 1

    async def rollback(self) -> None:
        self._pending.clear()
        self._audit.clear()
        self._jobs.clear()
        for aggregate in self._tracked:
            aggregate.collect_events()
