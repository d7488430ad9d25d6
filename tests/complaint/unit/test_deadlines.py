"""Deadlines on the business calendar (CN holidays and make-up days from the holidays
package): per severity, stricter for key accounts, across weekends and the Spring
Festival."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from complaint.config import DeadlineSettings
from complaint.policy import ComplaintPolicy
from complaint.settings import ComplaintSettings
from tests.complaint.unit.builders import file
from tests.complaint.unit.fakes import FakeComplaintUnitOfWork

CST = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


@pytest.mark.parametrize(
    ("received", "severity", "key_account", "ack_due", "resolve_due"),
    [
        # Friday afternoon: 1 h left on Friday, the rest on Monday (weekend skipped).
        (at(2026, 1, 9, 16, 30), "major", False, at(2026, 1, 12, 11, 30), at(2026, 1, 20, 16, 30)),
        # A key account: 2 h instead of 4, 5 working days instead of 7.
        (at(2026, 1, 9, 16, 30), "major", True, at(2026, 1, 12, 9, 30), at(2026, 1, 16, 16, 30)),
        # Friday before the Spring Festival: Saturday 14 Feb is a make-up working day (调休).
        (at(2026, 2, 13, 17), "critical", False, at(2026, 2, 14, 10), at(2026, 2, 25, 17)),
        # On the make-up Saturday: the festival (16-23 Feb) is skipped, work resumes 24 Feb.
        (at(2026, 2, 14, 17), "critical", False, at(2026, 2, 24, 10), at(2026, 2, 26, 17)),
        # Minor: 24 business hours = 2 days and 6 h of 9-hour days.
        (at(2026, 3, 2, 8, 30), "minor", False, at(2026, 3, 4, 14, 30), at(2026, 3, 23, 8, 30)),
    ],
)
async def test_deadlines_follow_the_business_calendar(
    uow: FakeComplaintUnitOfWork,
    policy: ComplaintPolicy,
    received: datetime,
    severity: str,
    key_account: bool,
    ack_due: datetime,
    resolve_due: datetime,
) -> None:
    uow.customers.put("c1", key_account=key_account)
    complaint = await file(uow, policy, "c1", severity=severity, received_at=received.isoformat())
    assert complaint.key_account is key_account
    assert complaint.acknowledge_due == ack_due
    assert complaint.resolve_due == resolve_due
    (event,) = uow.events("complaint.received")
    assert event.acknowledge_due == ack_due  # type: ignore[attr-defined]


async def test_deadline_policy_is_configurable(uow: FakeComplaintUnitOfWork) -> None:
    settings = ComplaintSettings(
        env="test",
        deadlines=DeadlineSettings(acknowledge_hours={"critical": 1, "major": 8, "minor": 24}),
    )
    policy = ComplaintPolicy.from_settings(settings)
    complaint = await file(
        uow, policy, severity="major", received_at=at(2026, 1, 5, 8, 30).isoformat()
    )
    assert complaint.acknowledge_due == at(2026, 1, 5, 16, 30)


async def test_time_to_acknowledge_is_counted_in_business_time(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy, received_at=at(2026, 1, 9, 17).isoformat())
    # Acknowledged on Monday 09:00: half an hour on Friday, half an hour on Monday.
    complaint.act("acknowledge", policy=policy, actor="ann", audit=uow.audit, at=at(2026, 1, 12, 9))
    assert complaint.ack_business_s == 3600
    assert complaint.ack_late is False
    late = await file(uow, policy, received_at=at(2026, 1, 9, 17).isoformat())
    late.act("acknowledge", policy=policy, actor="ann", audit=uow.audit, at=at(2026, 1, 12, 13))
    assert (late.ack_late, late.overdue) == (True, True)
