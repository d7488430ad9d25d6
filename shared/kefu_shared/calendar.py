"""The business calendar: when the service clocks run (deadlines, SLA targets).

Working hours per weekday (default Mon–Fri 08:30–17:30, Asia/Shanghai), the public holidays
and make-up working days (调休) of the installation's country from the ``holidays`` package
— never a hand-typed list — and per-installation overrides (extra holidays, extra working
days, another country, subdivision or timezone) from :class:`CalendarSettings`.

Two calendars answer the same questions (:class:`Calendar`): :class:`BusinessCalendar`
counts working time only; :class:`ContinuousCalendar` (24×7) counts every hour, for
targets that run around the clock. :func:`make_calendar` builds the one a target needs.
Every instant in and out is timezone-aware; results are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# No installation goes a year without a working day; a longer search means a bad config.
_MAX_DAYS_SEARCHED = 400
Interval = tuple[datetime, datetime]


class CalendarSettings(BaseSettings):
    """``KEFU_CALENDAR_*``: the installation's calendar (one for all services)."""

    model_config = SettingsConfigDict(env_prefix="KEFU_CALENDAR_", extra="ignore")

    timezone: str = "Asia/Shanghai"
    country: str = "CN"  # ISO 3166 code known to the ``holidays`` package
    subdivision: str | None = None
    # Per weekday, comma-separated "HH:MM-HH:MM" intervals; a weekday left out is closed.
    working_hours: dict[str, str] = Field(
        default_factory=lambda: {day: "08:30-17:30" for day in WEEKDAYS[:5]}
    )
    # A make-up working day (调休, e.g. a Saturday) works the hours of this weekday.
    makeup_day_hours_of: str = "mon"
    extra_holidays: list[date] = []
    extra_working_days: list[date] = []

    @field_validator("working_hours")
    @classmethod
    def _known_weekdays(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekdays {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
        for spec in value.values():
            parse_intervals(spec)
        return value


def parse_intervals(spec: str) -> tuple[tuple[time, time], ...]:
    """``"08:30-12:00,13:00-17:30"`` → ordered, non-overlapping (start, end) pairs."""
    out: list[tuple[time, time]] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        start_s, sep, end_s = part.partition("-")
        try:
            start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        except ValueError:
            raise ValueError(f"working hours {part!r} are not HH:MM-HH:MM") from None
        if not sep or end <= start:
            raise ValueError(f"working hours {part!r} must end after they start")
        if out and start < out[-1][1]:
            raise ValueError(f"working hours {spec!r} overlap or are out of order")
        out.append((start, end))
    return tuple(out)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("calendar instants must be timezone-aware")
    return at


class Calendar(Protocol):
    """What deadlines and SLA clocks ask of a calendar."""

    def is_working_time(self, at: datetime) -> bool: ...

    def next_working_instant(self, at: datetime) -> datetime: ...

    def add_business_time(self, at: datetime, amount: timedelta) -> datetime: ...

    def add_business_hours(self, at: datetime, hours: float) -> datetime: ...

    def add_business_days(self, at: datetime, days: int) -> datetime: ...

    def business_time_between(
        self, start: datetime, end: datetime, pauses: Iterable[Interval] = ()
    ) -> timedelta: ...


def _merge(intervals: Iterable[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    """Clip to [lo, hi) and merge overlapping intervals."""
    merged: list[Interval] = []
    for s, e in sorted((max(_aware(s), lo), min(_aware(e), hi)) for s, e in intervals):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


class _ElapsedMinusPauses:
    """``business_time_between`` for both calendars: working time minus paused working time."""

    def _working_time(self, start: datetime, end: datetime) -> timedelta:
        raise NotImplementedError

    def business_time_between(
        self, start: datetime, end: datetime, pauses: Iterable[Interval] = ()
    ) -> timedelta:
        """Working time in [start, end) minus the working time inside ``pauses``
        (waiting for the customer or for parts); pauses may overlap or stick out."""
        start, end = _aware(start), _aware(end)
        if end <= start:
            return timedelta(0)
        total = self._working_time(start, end)
        for s, e in _merge(pauses, start, end):
            total -= self._working_time(s, e)
        return total

    def add_business_hours(self, at: datetime, hours: float) -> datetime:
        return self.add_business_time(at, timedelta(hours=hours))

    def add_business_time(self, at: datetime, amount: timedelta) -> datetime:
        raise NotImplementedError


class ContinuousCalendar(_ElapsedMinusPauses):
    """Calendar-hour mode (24×7): every instant is working time."""

    def is_working_time(self, at: datetime) -> bool:
        _aware(at)
        return True

    def next_working_instant(self, at: datetime) -> datetime:
        return _aware(at).astimezone(UTC)

    def add_business_time(self, at: datetime, amount: timedelta) -> datetime:
        if amount < timedelta(0):
            raise ValueError("cannot add a negative amount of time")
        return _aware(at).astimezone(UTC) + amount

    def add_business_days(self, at: datetime, days: int) -> datetime:
        if days < 0:
            raise ValueError("cannot add a negative number of days")
        return self.add_business_time(at, timedelta(days=days))

    def _working_time(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))


class BusinessCalendar(_ElapsedMinusPauses):
    """Working hours per weekday, public holidays and make-up days, overrides."""

    def __init__(self, settings: CalendarSettings) -> None:
        self.zone: tzinfo = ZoneInfo(settings.timezone)
        try:
            self._holidays = holidays.country_holidays(
                settings.country, subdiv=settings.subdivision
            )
        except NotImplementedError:
            raise ValueError(f"the holidays package does not know {settings.country!r}") from None
        self._hours = {
            WEEKDAYS.index(day): parse_intervals(spec)
            for day, spec in settings.working_hours.items()
        }
        self._makeup_hours = self._hours.get(WEEKDAYS.index(settings.makeup_day_hours_of), ())
        self._extra_holidays = frozenset(settings.extra_holidays)
        self._extra_working_days = frozenset(settings.extra_working_days)
        self._day_cache = lru_cache(maxsize=4096)(self._compute_hours_on)

    # --- days --------------------------------------------------------------------------

    def _compute_hours_on(self, day: date) -> tuple[tuple[time, time], ...]:
        if day in self._extra_holidays:
            return ()
        regular = self._hours.get(day.weekday(), ())
        if day in self._extra_working_days:
            return regular or self._makeup_hours
        if day in self._holidays:  # also loads the year, and with it its make-up days
            return ()
        if day in getattr(self._holidays, "weekend_workdays", ()):
            return regular or self._makeup_hours
        return regular

    def is_working_day(self, day: date) -> bool:
        return bool(self._day_cache(day))

    def working_intervals(self, day: date) -> list[Interval]:
        """The day's working time as UTC intervals (empty on a day off)."""
        return [
            (
                datetime.combine(day, s, tzinfo=self.zone).astimezone(UTC),
                datetime.combine(day, e, tzinfo=self.zone).astimezone(UTC),
            )
            for s, e in self._day_cache(day)
        ]

    def _intervals_from(self, at: datetime) -> Iterable[Interval]:
        """Working intervals that end after ``at``, in order, for a bounded stretch."""
        day = at.astimezone(self.zone).date()
        for offset in range(_MAX_DAYS_SEARCHED):
            for s, e in self.working_intervals(day + timedelta(days=offset)):
                if e > at:
                    yield max(s, at), e
        raise ValueError(f"no working time within {_MAX_DAYS_SEARCHED} days of {at.isoformat()}")

    # --- the operations ----------------------------------------------------------------

    def is_working_time(self, at: datetime) -> bool:
        at = _aware(at).astimezone(UTC)
        day = at.astimezone(self.zone).date()
        return any(s <= at < e for s, e in self.working_intervals(day))

    def next_working_instant(self, at: datetime) -> datetime:
        """``at`` itself during working time, else the start of the next working time."""
        at = _aware(at).astimezone(UTC)
        return next(iter(self._intervals_from(at)))[0]

    def add_business_time(self, at: datetime, amount: timedelta) -> datetime:
        """The instant when ``amount`` of working time has passed after ``at``."""
        if amount < timedelta(0):
            raise ValueError("cannot add a negative amount of time")
        remaining = amount
        for s, e in self._intervals_from(_aware(at).astimezone(UTC)):
            if remaining <= e - s:
                return s + remaining
            remaining -= e - s
        raise AssertionError("unreachable: _intervals_from raises when it runs out")

    def add_business_days(self, at: datetime, days: int) -> datetime:
        """The same local time ``days`` working days later, counted from the next working
        instant; clamped into that day's working hours if they differ."""
        if days < 0:
            raise ValueError("cannot add a negative number of days")
        start = self.next_working_instant(at)
        local = start.astimezone(self.zone)
        day, counted = local.date(), 0
        for _ in range(_MAX_DAYS_SEARCHED * max(days, 1)):
            if counted == days:
                break
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        else:
            raise ValueError(f"no {days} working days within reach of {at.isoformat()}")
        wanted = datetime.combine(day, local.time(), tzinfo=self.zone).astimezone(UTC)
        intervals = self.working_intervals(day)
        for s, e in intervals:
            if wanted <= e:
                return max(wanted, s)
        return intervals[-1][1]

    def _working_time(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            for s, e in self.working_intervals(day):
                overlap = min(e, end) - max(s, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total


def make_calendar(settings: CalendarSettings, *, around_the_clock: bool = False) -> Calendar:
    """The calendar a target runs on: business hours, or every hour (24×7). The settings
    are built once in the service's main.py and injected."""
    return ContinuousCalendar() if around_the_clock else BusinessCalendar(settings)
