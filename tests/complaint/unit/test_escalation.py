"""The escalation sweep: an overdue complaint goes up one level at a time, each level
exactly once however often the sweep runs, and notifies the level's owner."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from complaint.config import EscalationSettings
from complaint.escalation import escalate_overdue
from complaint.policy import ComplaintPolicy
from complaint.settings import ComplaintSettings
from tests.complaint.unit.builders import file
from tests.complaint.unit.fakes import FakeComplaintUnitOfWork

CST = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 1, 5, 8, 30, tzinfo=CST)


def levels(uow: FakeComplaintUnitOfWork) -> list[tuple[int, str | None, str | None]]:
    return [
        (e.level, e.escalated_to, e.owner)  # type: ignore[attr-defined]
        for e in uow.events("complaint.escalated")
    ]


async def test_overdue_acknowledgement_escalates_once_per_level(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy, severity="major", received_at=MONDAY.isoformat())
    due = complaint.acknowledge_due  # 12:30; levels at +0 h, +4 h, +16 h business time
    assert complaint.next_escalation_at == due

    async def sweep(now: datetime) -> int:
        return await escalate_overdue(lambda: uow, policy, now=now)

    assert await sweep(due - timedelta(minutes=1)) == 0
    assert await sweep(due) == 1
    assert await sweep(due + timedelta(minutes=30)) == 0  # again: nothing new
    assert levels(uow) == [(1, "supervisor", "complaint-supervisor")]
    level2 = policy.level_due(due, 2)
    assert level2 == datetime(2026, 1, 5, 16, 30, tzinfo=CST)
    assert await sweep(level2) == 1
    assert await sweep(level2) == 0
    # Far later (a sweep missed for days): the last level once; none beyond it.
    assert await sweep(due + timedelta(days=30)) == 1
    assert await sweep(due + timedelta(days=60)) == 0
    assert [lv for lv, _, _ in levels(uow)] == [1, 2, 3]
    assert complaint.next_escalation_at is None
    assert complaint.overdue is True
    assert [r.action for r in uow.records(complaint.id)].count("escalate") == 3


async def test_a_late_sweep_goes_up_every_level_due_one_event_each(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy, severity="critical", received_at=MONDAY.isoformat())
    await escalate_overdue(lambda: uow, policy, now=complaint.acknowledge_due + timedelta(days=5))
    assert [lv for lv, _, _ in levels(uow)] == [1, 2, 3]


async def test_acknowledged_in_time_escalates_only_on_the_resolution_deadline(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy, severity="critical", received_at=MONDAY.isoformat())
    complaint.act(
        "acknowledge", policy=policy, actor="a", audit=uow.audit, at=MONDAY + timedelta(hours=1)
    )
    await uow.commit()
    assert complaint.next_escalation_at == complaint.resolve_due
    await escalate_overdue(lambda: uow, policy, now=complaint.acknowledge_due + timedelta(hours=5))
    assert levels(uow) == []
    await escalate_overdue(lambda: uow, policy, now=complaint.resolve_due)
    (event,) = uow.events("complaint.escalated")
    assert event.overdue_target == "resolve"  # type: ignore[attr-defined]


async def test_closed_complaints_never_escalate(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy, received_at=MONDAY.isoformat())
    complaint.act("reject", policy=policy, actor="a", audit=uow.audit, reason="unfounded")
    await uow.commit()
    assert complaint.next_escalation_at is None
    assert await escalate_overdue(lambda: uow, policy, now=MONDAY + timedelta(days=90)) == 0


async def test_department_manager_of_the_department_is_notified(
    uow: FakeComplaintUnitOfWork,
) -> None:
    settings = ComplaintSettings(
        env="test",
        escalation=EscalationSettings(
            after_hours=[0, 1], department_managers={"quality": "qm-lee"}
        ),
    )
    policy = ComplaintPolicy.from_settings(settings)
    complaint = await file(uow, policy, received_at=MONDAY.isoformat())
    complaint.act(
        "assign",
        policy=policy,
        actor="a",
        audit=uow.audit,
        fields={"department": "quality", "handler_id": "h1"},
    )
    await uow.commit()
    await escalate_overdue(lambda: uow, policy, now=complaint.acknowledge_due + timedelta(days=3))
    assert levels(uow) == [
        (1, "supervisor", "complaint-supervisor"),
        (2, "department_manager", "qm-lee"),
    ]
    assert complaint.next_escalation_at is None  # two levels configured: the top is 2
