"""Audit entries without a database: what a record holds and what it leaves out."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from kefu_shared.audit import AuditEntry, audit_rows, changes_between, jsonable, snapshot
from kefu_shared.db import PlatformTables, make_metadata
from kefu_shared.uow import UnitOfWork


class Tier(enum.Enum):
    A = "A"
    B = "B"


def test_changes_name_only_the_fields_that_differ_with_storable_values() -> None:
    before = {"tier": Tier.B, "limit": Decimal("5000.00"), "name": "Li", "due": None}
    after = {
        "tier": Tier.A,
        "limit": Decimal("5000.00"),
        "name": "Li",
        "due": datetime(2026, 2, 14, tzinfo=UTC),
    }
    assert changes_between(before, after) == {
        "due": {"from": None, "to": "2026-02-14T00:00:00+00:00"},
        "tier": {"from": "B", "to": "A"},
    }


def test_a_field_that_appears_or_disappears_is_a_change() -> None:
    assert changes_between({"a": 1}, {"b": 2}) == {
        "a": {"from": 1, "to": None},
        "b": {"from": None, "to": 2},
    }


def test_snapshot_reads_the_named_attributes() -> None:
    obj = SimpleNamespace(status="open", tags={"vip", "east"}, fee=Decimal("1.50"))
    assert snapshot(obj, ["status", "tags", "fee"]) == {
        "status": "open",
        "tags": ["east", "vip"],
        "fee": "1.50",
    }
    assert jsonable({"k": (Tier.A, 1)}) == {"k": ["A", 1]}


def test_rows_keep_field_names_without_values_when_asked() -> None:
    erasable = AuditEntry(
        aggregate_type="customer",
        aggregate_id="X1",
        action="updated",
        actor="u1",
        fields=["phone", "name"],
    )
    valued = AuditEntry(
        aggregate_type="customer",
        aggregate_id="X1",
        action="credit_changed",
        actor="u2",
        changes={"limit": {"from": Decimal("1"), "to": Decimal("2")}},
        related_ids=["R1"],
    )
    rows = audit_rows([erasable, valued], correlation_id="c1")
    assert rows[0]["fields"] == ["name", "phone"] and rows[0]["changes"] == {}
    assert rows[1]["fields"] == ["limit"]
    assert rows[1]["changes"] == {"limit": {"from": "1", "to": "2"}}
    assert rows[1]["related_ids"] == ["R1"] and rows[1]["correlation_id"] == "c1"
    assert rows[0]["at"].tzinfo is not None


def test_audit_tables_are_only_in_services_that_ask_for_them() -> None:
    assert PlatformTables(make_metadata()).audit is None
    tables = PlatformTables(make_metadata(), audit=True, jobs=True)
    assert tables.audit is not None and tables.audit.name == "audit_records"
    assert tables.jobs is not None and tables.jobs.name == "jobs"


async def test_a_unit_of_work_without_an_audit_table_refuses_entries() -> None:
    tables = PlatformTables(make_metadata())
    uow = UnitOfWork(async_sessionmaker(), tables.outbox, source="/t")
    with pytest.raises(RuntimeError, match="audit=True"):
        uow.audit(AuditEntry(aggregate_type="a", aggregate_id="1", action="x", actor="u"))


async def test_a_unit_of_work_without_a_job_table_refuses_jobs() -> None:
    tables = PlatformTables(make_metadata())
    async with UnitOfWork(async_sessionmaker(), tables.outbox, source="/t") as uow:
        with pytest.raises(RuntimeError, match="jobs=True"):
            await uow.enqueue(kind="x", payload={})


def test_each_applied_workflow_action_becomes_an_audit_entry() -> None:
    from dataclasses import dataclass

    from kefu_shared.audit import audit_transition
    from kefu_shared.workflow import Transition, TransitionRecord, Workflow

    @dataclass
    class Ticket:
        status: str = "open"
        engineer: str | None = None

        def transitioned(self, record: TransitionRecord) -> None:
            return None

    flow: Workflow[Ticket] = Workflow(
        "ticket",
        states=["open", "assigned"],
        initial="open",
        transitions=[
            Transition("assign", ("open", "assigned"), "assigned", required=("engineer",))
        ],
    )
    entries: list[AuditEntry] = []
    hook = audit_transition(entries.append, aggregate_type="ticket", aggregate_id="T1")
    ticket = Ticket()
    flow.apply(
        ticket, "assign", actor="disp-1", fields={"engineer": "wang"}, reason="nearest", audit=hook
    )
    flow.apply(ticket, "assign", actor="disp-1", fields={"engineer": "li"}, audit=hook)
    first, second = entries
    assert (first.aggregate_type, first.aggregate_id, first.action, first.actor, first.reason) == (
        "ticket",
        "T1",
        "assign",
        "disp-1",
        "nearest",
    )
    assert first.changes == {
        "status": {"from": "open", "to": "assigned"},
        "engineer": {"from": None, "to": "wang"},
    }
    assert second.changes == {"engineer": {"from": "wang", "to": "li"}}  # state unchanged
    assert first.at is not None
