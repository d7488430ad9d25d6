"""Audit records on a real database (SQLite, and PostgreSQL with TEST_DATABASE_URL): written
in the transaction of the change, listed newest first a cursor page at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from complaint.models import platform
from kefu_shared.audit import AuditEntry, changes_between, list_audit
from kefu_shared.context import correlation_id_var
from kefu_shared.db import create_engine, make_session_factory
from kefu_shared.errors import InvalidInput
from kefu_shared.uow import UnitOfWork
from tests.support import DatabaseFactory

pytestmark = pytest.mark.integration


@pytest.fixture
async def uow_factory(dbs: DatabaseFactory) -> AsyncIterator[Callable[[], UnitOfWork]]:
    engine = create_engine(dbs.url("complaint"))
    sessions = make_session_factory(engine)

    def make() -> UnitOfWork:
        return UnitOfWork(sessions, platform.outbox, source="/test", audit=platform.audit)

    yield make
    await engine.dispose()


def _entry(agg: str, action: str, **kw: object) -> AuditEntry:
    return AuditEntry(
        aggregate_type="complaint", aggregate_id=agg, action=action, actor="agent-7", **kw
    )  # type: ignore[arg-type]


async def test_records_commit_with_the_change_and_list_newest_first(
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    token = correlation_id_var.set("corr-42")
    try:
        async with uow_factory() as uow:
            await uow.session.execute(insert(platform.sequences).values(name="c1", value=1))
            uow.audit(
                _entry(
                    "C1",
                    "reassigned",
                    reason="engineer on leave",
                    changes=changes_between(
                        {"owner": "li", "fee": Decimal("10.00")},
                        {"owner": "wang", "fee": Decimal("10.00")},
                    ),
                )
            )
            await uow.commit()
    finally:
        correlation_id_var.reset(token)
    for action in ("escalated", "commented", "closed", "reopened"):
        async with uow_factory() as uow:
            uow.audit(_entry("C1", action, fields=["status"]))
            uow.audit(_entry("C2", action))  # another aggregate: not in C1's list
            await uow.commit()

    seen = []
    cursor = None
    async with uow_factory() as uow:
        while True:
            page, cursor = await list_audit(
                uow.session,
                platform.audit,
                aggregate_type="complaint",
                aggregate_id="C1",
                cursor=cursor,
                limit=2,
            )
            seen.extend(page)
            if cursor is None:
                break
    assert [r.action for r in seen] == [
        "reopened",
        "closed",
        "commented",
        "escalated",
        "reassigned",
    ]
    first = seen[-1]
    assert first.actor == "agent-7" and first.reason == "engineer on leave"
    assert first.changes == {"owner": {"from": "li", "to": "wang"}}  # the fee did not change
    assert first.fields == ["owner"] and first.correlation_id == "corr-42"
    assert seen[0].fields == ["status"] and seen[0].changes == {}

    async with uow_factory() as uow:
        closed, _ = await list_audit(
            uow.session,
            platform.audit,
            aggregate_type="complaint",
            aggregate_id="C1",
            action="closed",
            limit=10,
        )
    assert [r.action for r in closed] == ["closed"]


async def test_a_change_that_fails_leaves_no_record(uow_factory: Callable[[], UnitOfWork]) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(insert(platform.sequences).values(name="dup", value=1))
        await uow.commit()
    with pytest.raises(IntegrityError):
        async with uow_factory() as uow:
            uow.audit(_entry("C9", "renumbered"))
            await uow.session.execute(insert(platform.sequences).values(name="dup", value=2))
            await uow.commit()
    async with uow_factory() as uow:
        uow.audit(_entry("C9", "abandoned"))  # never committed
    async with uow_factory() as uow:
        count = (await uow.session.execute(select(platform.audit.c.id))).all()
    assert count == []


async def test_a_bad_cursor_is_invalid_input(uow_factory: Callable[[], UnitOfWork]) -> None:
    async with uow_factory() as uow:
        with pytest.raises(InvalidInput):
            await list_audit(
                uow.session,
                platform.audit,
                aggregate_type="complaint",
                aggregate_id="C1",
                cursor="nonsense",
                limit=5,
            )
