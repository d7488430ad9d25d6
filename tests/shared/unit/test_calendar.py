"""The business calendar on real 2026 dates of mainland China: Spring Festival with its
make-up Saturdays (Feb 14, Feb 28), the October Golden Week with its make-up days
(Sep 20, Oct 10), weekends, evenings, pauses, overrides and 24×7 mode."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from kefu_shared.calendar import (
    BusinessCalendar,
    CalendarSettings,
    ContinuousCalendar,
    make_calendar,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(CalendarSettings())


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


# --- Spring Festival 2026: Feb 15–23 off, Saturdays Feb 14 and Feb 28 are working days ---


def test_spring_festival_days_off_and_make_up_saturdays() -> None:
    assert CAL.is_working_time(at(2, 14, 10))  # Saturday, 调休 working day
    assert CAL.is_working_time(at(2, 28, 10))  # Saturday, 调休 working day
    for day in (16, 17, 18, 19, 20, 23):  # weekdays inside the holiday
        assert not CAL.is_working_time(at(2, day, 10)), day
    assert not CAL.is_working_time(at(2, 21, 10))  # an ordinary Saturday in the break
    assert CAL.is_working_time(at(2, 24, 8, 30))  # back to work


def test_deadline_in_hours_crosses_the_spring_festival() -> None:
    # Received on the make-up Saturday at 15:00: 2.5 h that day, then nothing until
    # Tue Feb 24 (9 h), then 4.5 h on Feb 25.
    due = CAL.add_business_hours(at(2, 14, 15), 16)
    assert due == at(2, 25, 13).astimezone(UTC)
    assert due.tzinfo == UTC
    # Friday before: 1 h on Friday, the rest on the make-up Saturday.
    assert CAL.add_business_hours(at(2, 13, 16, 30), 3) == at(2, 14, 10, 30)


def test_deadline_in_days_crosses_the_spring_festival() -> None:
    # Fri Feb 13 → Sat Feb 14 (1) → Tue Feb 24 (2) → Wed Feb 25 (3), same time of day.
    assert CAL.add_business_days(at(2, 13, 10), 3) == at(2, 25, 10)
    # From the last working day before Feb 28: Thu 26 → Fri 27 (1) → Sat 28 (2).
    assert CAL.add_business_days(at(2, 26, 11), 2) == at(2, 28, 11)


def test_elapsed_business_time_skips_the_holiday() -> None:
    # Feb 13 09:00–17:30 (8.5 h) + Feb 14 (9 h) + Feb 24 08:30–12:00 (3.5 h).
    elapsed = CAL.business_time_between(at(2, 13, 9), at(2, 24, 12))
    assert elapsed == timedelta(hours=21)


# --- October 2026: Golden Week Oct 1–7, make-up Sunday Sep 20 and Saturday Oct 10 ----------


def test_golden_week_and_its_make_up_days() -> None:
    assert CAL.is_working_time(at(9, 20, 9))  # Sunday, working
    assert CAL.is_working_time(at(10, 10, 9))  # Saturday, working
    assert not CAL.is_working_time(at(9, 25, 9))  # Mid-Autumn Festival (Friday)
    assert all(not CAL.is_working_time(at(10, d, 9)) for d in range(1, 8))
    assert CAL.next_working_instant(at(9, 30, 18)) == at(10, 8, 8, 30)


def test_deadlines_across_golden_week() -> None:
    # 2.5 h on Sep 30, then 1.5 h on Thu Oct 8.
    assert CAL.add_business_hours(at(9, 30, 15), 4) == at(10, 8, 10)
    assert CAL.add_business_days(at(9, 30, 10), 2) == at(10, 9, 10)
    assert CAL.add_business_days(at(9, 30, 10), 3) == at(10, 10, 10)  # the make-up Saturday


# --- ordinary weeks: a weekend, an evening, a pause over a night ---------------------------


def test_a_weekend_does_not_count() -> None:
    # Friday Mar 6, 17:00 + 1 h → Monday Mar 9, 09:00.
    assert CAL.add_business_hours(at(3, 6, 17), 1) == at(3, 9, 9)
    assert not CAL.is_working_time(at(3, 7, 10))
    assert CAL.business_time_between(at(3, 6, 17), at(3, 9, 9)) == timedelta(hours=1)


def test_an_evening_waits_for_the_next_morning() -> None:
    assert not CAL.is_working_time(at(3, 10, 20))
    assert not CAL.is_working_time(at(3, 10, 17, 30))  # the end is not working time
    assert CAL.is_working_time(at(3, 10, 17, 29))
    assert CAL.next_working_instant(at(3, 10, 20)) == at(3, 11, 8, 30)
    assert CAL.next_working_instant(at(3, 10, 11)) == at(3, 10, 11)
    assert CAL.add_business_hours(at(3, 10, 20), 2) == at(3, 11, 10, 30)
    assert CAL.add_business_days(at(3, 10, 20), 1) == at(3, 12, 8, 30)
    assert CAL.add_business_hours(at(3, 10, 16, 30), 1) == at(3, 10, 17, 30)


def test_a_pause_over_a_night_stops_the_clock_only_for_its_working_time() -> None:
    opened, now = at(3, 10, 9), at(3, 12, 12)
    assert CAL.business_time_between(opened, now) == timedelta(hours=21)
    waiting_for_parts = (at(3, 10, 16), at(3, 11, 10))  # 1.5 h + 1.5 h of working time
    assert CAL.business_time_between(opened, now, [waiting_for_parts]) == timedelta(hours=18)
    # Overlapping pauses count once; a pause sticking out of the range is clipped.
    overlapping = (at(3, 11, 9, 30), at(3, 11, 11))
    sticking_out = (at(3, 12, 11), at(3, 13, 11))
    assert CAL.business_time_between(
        opened, now, [overlapping, waiting_for_parts, sticking_out]
    ) == timedelta(hours=16)
    assert CAL.business_time_between(now, opened) == timedelta(0)


# --- overrides and other installations -------------------------------------------------------


def test_installation_overrides_add_holidays_and_working_days() -> None:
    cal = BusinessCalendar(
        CalendarSettings(
            extra_holidays=[date(2026, 3, 12)],  # the factory's anniversary (Thursday)
            extra_working_days=[date(2026, 3, 14), date(2026, 10, 2)],  # a Saturday, a holiday
        )
    )
    assert not cal.is_working_time(at(3, 12, 10))
    assert cal.is_working_time(at(3, 14, 10))  # with the Monday hours
    assert not cal.is_working_time(at(3, 14, 18))
    assert cal.is_working_time(at(10, 2, 10))
    assert cal.add_business_hours(at(3, 11, 17), 1) == at(3, 13, 9)


def test_working_hours_with_a_lunch_break() -> None:
    hours = {d: "08:30-12:00,13:00-17:30" for d in ("mon", "tue", "wed", "thu", "fri")}
    cal = BusinessCalendar(CalendarSettings(working_hours=hours))
    assert not cal.is_working_time(at(3, 9, 12, 30))
    assert cal.add_business_hours(at(3, 9, 11, 30), 1) == at(3, 9, 13, 30)
    assert cal.business_time_between(at(3, 9, 8, 30), at(3, 9, 17, 30)) == timedelta(hours=8)


def test_another_country_and_timezone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    cal = BusinessCalendar(
        CalendarSettings(
            timezone="Europe/Berlin",
            country="DE",
            working_hours={"mon": "09:00-17:00", "fri": "09:00-17:00"},
        )
    )
    christmas = datetime(2026, 12, 25, 10, tzinfo=berlin)  # a Friday
    assert not cal.is_working_time(christmas)
    # No 调休 outside China: Saturday Feb 14 is a day off there.
    assert not cal.is_working_time(datetime(2026, 2, 14, 10, tzinfo=berlin))
    assert cal.next_working_instant(christmas) == datetime(2026, 12, 28, 9, tzinfo=berlin)
    # Working time is read in the installation's timezone: 10:00 in Berlin is 17:00 in Shanghai.
    assert cal.is_working_time(datetime(2026, 3, 13, 10, tzinfo=berlin))


def test_around_the_clock_targets_count_every_hour() -> None:
    cal = make_calendar(CalendarSettings(), around_the_clock=True)
    assert isinstance(cal, ContinuousCalendar)
    assert cal.is_working_time(at(2, 17, 3))
    assert cal.add_business_hours(at(2, 14, 20), 16) == at(2, 15, 12)
    assert cal.add_business_days(at(2, 14, 20), 2) == at(2, 16, 20)
    pause = (at(2, 15, 0), at(2, 15, 6))
    assert cal.business_time_between(at(2, 14, 20), at(2, 15, 12), [pause]) == timedelta(hours=10)
    assert isinstance(make_calendar(CalendarSettings()), BusinessCalendar)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.is_working_time(datetime(2026, 3, 10, 10))
    with pytest.raises(ValueError, match="negative"):
        CAL.add_business_hours(at(3, 10, 10), -1)
    with pytest.raises(ValidationError):
        CalendarSettings(working_hours={"mon": "17:30-08:30"})
    with pytest.raises(ValidationError):
        CalendarSettings(working_hours={"monday": "08:30-17:30"})
    with pytest.raises(ValueError, match="holidays package"):
        BusinessCalendar(CalendarSettings(country="XX"))
    closed = BusinessCalendar(CalendarSettings(working_hours={}))
    with pytest.raises(ValueError, match="no working time"):
        closed.add_business_hours(at(3, 10, 10), 1)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_CALENDAR_EXTRA_HOLIDAYS", '["2026-03-12"]')
    monkeypatch.setenv("KEFU_CALENDAR_WORKING_HOURS", '{"mon": "09:00-18:00"}')
    cal = BusinessCalendar(CalendarSettings())
    assert not cal.is_working_time(at(3, 12, 10))
    assert not cal.is_working_time(at(3, 10, 10))  # Tuesday is not in the hours any more
    assert cal.is_working_time(at(3, 9, 17, 30))
