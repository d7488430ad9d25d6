"""Deadlines and escalation thresholds of a complaint, on the business calendar.

:class:`ComplaintPolicy` is built from the settings and the calendar once (``deps.py``,
the sweep, the consumers) and bound to the aggregate for the length of a use case; the
aggregate asks it when things are due. Pure: no database, no clock of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from complaint.config import LEVEL_NAMES
from complaint.settings import ComplaintSettings
from kefu_shared.calendar import Calendar, make_calendar


@dataclass(frozen=True)
class ComplaintPolicy:
    settings: ComplaintSettings
    calendar: Calendar

    @classmethod
    def from_settings(cls, settings: ComplaintSettings) -> ComplaintPolicy:
        return cls(settings, make_calendar(settings.calendar))

    # --- deadlines ---------------------------------------------------------------------

    def acknowledge_due(self, received_at: datetime, severity: str, key_account: bool) -> datetime:
        d = self.settings.deadlines
        hours = (d.key_account_acknowledge_hours if key_account else d.acknowledge_hours)[severity]
        return self.calendar.add_business_hours(received_at, hours)

    def resolve_due(self, start: datetime, severity: str, key_account: bool) -> datetime:
        d = self.settings.deadlines
        days = (d.key_account_resolve_days if key_account else d.resolve_days)[severity]
        return self.calendar.add_business_days(start, days)

    def business_seconds(self, start: datetime, end: datetime) -> int:
        return int(self.calendar.business_time_between(start, end).total_seconds())

    @property
    def reopen_window(self) -> timedelta:
        return timedelta(days=self.settings.deadlines.reopen_window_days)

    # --- escalation --------------------------------------------------------------------

    @property
    def top_level(self) -> int:
        return min(len(self.settings.escalation.after_hours), len(LEVEL_NAMES))

    def level_due(self, deadline: datetime, level: int) -> datetime:
        """When an overdue complaint reaches ``level`` (1-based) past ``deadline``."""
        hours = self.settings.escalation.after_hours[level - 1]
        if hours <= 0:
            return deadline
        return self.calendar.add_business_hours(deadline, hours)

    def level_owner(self, level: int, department: str | None) -> tuple[str, str]:
        """(level name, the user or role notified) of ``level``."""
        name = LEVEL_NAMES[level - 1]
        esc = self.settings.escalation
        if name == "department_manager" and department in esc.department_managers:
            return name, esc.department_managers[department]
        return name, esc.owners.get(name, name)

    # --- compensation ------------------------------------------------------------------

    def needs_approval(self, amount: Decimal | None) -> bool:
        return amount is not None and amount > self.settings.resolution.approval_threshold
