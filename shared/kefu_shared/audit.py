"""Audit records: who did what to an aggregate, when, why, and which fields changed.

One table per service (:func:`kefu_shared.db.audit_table`, created by
``PlatformTables(metadata, audit=True)``); a use case adds entries to its unit of work
(``uow.audit(AuditEntry(...))``) and they are written in the same transaction as the
change they describe, so there is never a change without its record or a record of a
change that rolled back. Lists are newest first, a cursor page at a time.

An entry names the changed ``fields`` always; their old and new values go in ``changes``
only where the caller chooses to keep them (a credit limit, a status), never personal
data that erasure must be able to remove.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu_shared.db import audit_table, utcnow
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.workflow import TransitionRecord

__all__ = [
    "AuditEntry",
    "AuditRead",
    "audit_rows",
    "audit_table",
    "audit_transition",
    "changes_between",
    "jsonable",
    "list_audit",
    "snapshot",
]


def jsonable(value: Any) -> Any:
    """A value as it is stored in ``changes``: Decimal and dates as strings, enums by value."""
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` of an object, ready for :func:`changes_between`."""
    return {f: jsonable(getattr(obj, f)) for f in fields}


def changes_between(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """``{field: {"from": old, "to": new}}`` for every field whose value differs."""
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = jsonable(before.get(name)), jsonable(after.get(name))
        if old != new:
            out[name] = {"from": old, "to": new}
    return out


@dataclass(frozen=True)
class AuditEntry:
    """One record, added to a unit of work with ``uow.audit(entry)``."""

    aggregate_type: str
    aggregate_id: str
    action: str
    actor: str
    reason: str | None = None
    changes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Defaults to the keys of ``changes``; give names alone to keep values out.
    fields: Sequence[str] | None = None
    related_ids: Sequence[str] = ()
    at: datetime | None = None


def audit_transition(
    add: Callable[[AuditEntry], None],
    *,
    aggregate_type: str,
    aggregate_id: str,
    state_field: str = "status",
) -> Callable[[TransitionRecord], None]:
    """The audit hook of :meth:`kefu_shared.workflow.Workflow.apply` that records each
    applied action (``add`` is ``uow.audit``): the state change (under ``state_field``,
    the workflow's ``state_attr``) and the changed fields."""

    def hook(record: TransitionRecord) -> None:
        changes = {name: {"from": old, "to": new} for name, (old, new) in record.changes.items()}
        if record.from_state != record.to_state:
            changes[state_field] = {"from": record.from_state, "to": record.to_state}
        add(
            AuditEntry(
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                action=record.action,
                actor=record.actor,
                reason=record.reason,
                changes=changes,
                at=record.at,
            )
        )

    return hook


def audit_rows(
    entries: Iterable[AuditEntry], *, correlation_id: str | None
) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "aggregate_type": e.aggregate_type,
            "aggregate_id": e.aggregate_id,
            "at": e.at or now,
            "actor": e.actor,
            "action": e.action,
            "reason": e.reason,
            "fields": sorted(e.fields if e.fields is not None else e.changes),
            "changes": jsonable(e.changes),
            "related_ids": list(e.related_ids),
            "correlation_id": correlation_id,
        }
        for e in entries
    ]


class AuditRead(BaseModel):
    id: int
    aggregate_type: str
    aggregate_id: str
    at: datetime
    actor: str
    action: str
    reason: str | None = None
    fields: list[str]
    changes: dict[str, dict[str, Any]]
    related_ids: list[str]
    correlation_id: str | None = None


async def list_audit(
    session: AsyncSession,
    table: Table,
    *,
    aggregate_type: str,
    aggregate_id: str,
    action: str | None = None,
    cursor: str | None = None,
    limit: int,
) -> tuple[list[AuditRead], str | None]:
    """An aggregate's records, newest first, optionally only one action."""
    stmt = select(table).where(
        table.c.aggregate_type == aggregate_type, table.c.aggregate_id == aggregate_id
    )
    if action is not None:
        stmt = stmt.where(table.c.action == action)
    # apply_keyset is typed for ORM attributes; a Core column orders the same way.
    by_id: list[Any] = [table.c.id]
    stmt = apply_keyset(stmt, by_id, cursor=cursor, limit=limit, descending=True, sort="audit")
    rows = [AuditRead.model_validate(dict(r)) for r in (await session.execute(stmt)).mappings()]
    return page_from_rows(rows, limit=limit, key=lambda r: [r.id], sort="audit")
