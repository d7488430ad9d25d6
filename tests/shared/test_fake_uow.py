"""FakeUnitOfWork (kefu_shared.testing): what a committed block leaves, what a block left
without a commit drops -- as the real unit of work does."""

from __future__ import annotations

from kefu_shared.audit import AuditEntry
from kefu_shared.contracts.customer import CustomerArchived
from kefu_shared.testing import FakeUnitOfWork
from kefu_shared.uow import EventRecorder


class Thing(EventRecorder):
    id = "t1"
    dealer_id = None


async def test_commit_keeps_events_audit_and_jobs_in_order_and_a_rollback_drops_them() -> None:
    uow = FakeUnitOfWork()
    thing = Thing()
    async with uow:
        uow.track(thing)
        thing.record(CustomerArchived(id="t1", reason="first"))
        uow.emit(CustomerArchived(id="x", reason="second"), subject="x")
        uow.audit(AuditEntry(aggregate_type="thing", aggregate_id="t1", action="a", actor="u"))
        await uow.enqueue(kind="recalc", payload={"id": "t1"})
        await uow.commit()
    async with uow:
        thing.record(CustomerArchived(id="t1", reason="never committed"))
        uow.audit(AuditEntry(aggregate_type="thing", aggregate_id="t1", action="b", actor="u"))
    assert [e.reason for e in uow.events("customer.archived")] == ["first", "second"]  # type: ignore[attr-defined]
    assert [a.action for a in uow.audited] == ["a"]
    assert [j["kind"] for j in uow.jobs] == ["recalc"] and uow.commits == 1
