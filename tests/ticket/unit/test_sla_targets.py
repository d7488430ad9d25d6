"""SLA targets and deadlines: defaults per region class and tier, key accounts halved, the
configured matrix, the business calendar (evenings, weekends, holidays, make-up days),
24×7 targets and pauses. Hours 08:30-17:30 Mon-Fri, Asia/Shanghai, CN holidays."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ticket.config import SlaSettings
from ticket.rules import Clocks, StandardCell, Target, deadlines, shifted_after_pause, targets_for

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


@pytest.mark.parametrize(
    ("region_class", "key_account", "on_site"),
    [
        ("city", False, 24.0),
        ("town", False, 48.0),
        ("rural", False, 72.0),
        ("city", True, 12.0),
        ("town", True, 24.0),
        ("rural", True, 36.0),
    ],
)
def test_default_targets_per_region_class_with_key_accounts_halved(
    region_class: str, key_account: bool, on_site: float
) -> None:
    t = targets_for(
        region_class=region_class,
        ticket_type="repair",
        tier="medium",
        key_account=key_account,
        cells=[],
        settings=SlaSettings(),
    )
    assert t["first_contact"] == Target(2.0)
    assert t["on_site"] == Target(on_site)
    assert t["resolution"] == Target(120.0)


def test_the_most_specific_matrix_cell_wins_and_tiers_differ() -> None:
    cells = [
        StandardCell("*", "*", "*", 4, 48, 200),
        StandardCell("city", "*", "*", 3, 30, 150),
        StandardCell("city", "repair", "super", 1, 8, 48, ("first_contact",)),
    ]
    settings = SlaSettings()
    super_ = targets_for(
        region_class="city",
        ticket_type="repair",
        tier="super",
        key_account=True,
        cells=cells,
        settings=settings,
    )
    assert super_ == {
        "first_contact": Target(1, True),
        "on_site": Target(8),
        "resolution": Target(48),
    }
    small = targets_for(
        region_class="city",
        ticket_type="repair",
        tier="small",
        key_account=False,
        cells=cells,
        settings=settings,
    )
    assert small["on_site"] == Target(30)
    rural = targets_for(
        region_class="rural",
        ticket_type="install",
        tier=None,
        key_account=False,
        cells=cells,
        settings=settings,
    )
    assert rural["on_site"] == Target(48)


def test_agreement_response_level_tightens_on_site_and_resolution() -> None:
    t = targets_for(
        region_class="town",
        ticket_type="repair",
        tier="medium",
        key_account=False,
        cells=[],
        settings=SlaSettings(),
        response_factor=0.5,
    )
    assert (t["first_contact"].hours, t["on_site"].hours, t["resolution"].hours) == (
        2.0,
        24.0,
        60.0,
    )


def test_deadlines_skip_evenings_and_weekends(clocks: Clocks) -> None:
    targets = {"first_contact": Target(2), "on_site": Target(24), "resolution": Target(72)}
    due = deadlines(at(2026, 11, 13, 17), targets, clocks)  # a Friday, 30 min before closing
    assert due["first_contact"] == at(2026, 11, 16, 10)  # Monday 08:30 + 1 h 30
    due = deadlines(at(2026, 11, 16, 8, 30), targets, clocks)  # Monday at opening
    assert due["on_site"] == at(2026, 11, 18, 14, 30)  # 9 h + 9 h + 6 h
    assert due["resolution"] == at(2026, 11, 25, 17, 30)  # 8 working days exactly


def test_deadlines_skip_public_holidays(clocks: Clocks) -> None:
    due = deadlines(at(2026, 9, 30, 17), {"first_contact": Target(2)}, clocks)
    # National Day 1-7 October: the clock resumes on Thursday the 8th.
    assert due["first_contact"] == at(2026, 10, 8, 10)


def test_make_up_working_days_count(clocks: Clocks) -> None:
    due = deadlines(at(2026, 10, 9, 16, 30), {"first_contact": Target(2)}, clocks)
    # Saturday 10 October is a make-up working day (调休).
    assert due["first_contact"] == at(2026, 10, 10, 9, 30)


def test_around_the_clock_targets_ignore_the_calendar(clocks: Clocks) -> None:
    due = deadlines(
        at(2026, 11, 13, 17), {"first_contact": Target(2, around_the_clock=True)}, clocks
    )
    assert due["first_contact"] == at(2026, 11, 13, 19)


def test_a_pause_moves_the_deadline_by_the_working_time_it_took(clocks: Clocks) -> None:
    due = at(2026, 11, 16, 10, 30)
    # Paused at 09:30 with an hour left; resumed the next day at 14:00.
    assert shifted_after_pause(
        due, at(2026, 11, 16, 9, 30), at(2026, 11, 17, 14), clocks.business
    ) == at(2026, 11, 17, 15)
    # Paused Friday 17:00 with 2.5 h left (Fri 0.5 h + Mon 2 h), resumed Monday 09:00.
    assert shifted_after_pause(
        at(2026, 11, 16, 10, 30), at(2026, 11, 13, 17), at(2026, 11, 16, 9), clocks.business
    ) == at(2026, 11, 16, 11, 30)
    # Around the clock the pause is counted in full.
    assert shifted_after_pause(
        at(2026, 11, 16, 12), at(2026, 11, 16, 10), at(2026, 11, 16, 11), clocks.nonstop
    ) == at(2026, 11, 16, 13)
    # A deadline already passed when the pause began does not move.
    assert (
        shifted_after_pause(due, at(2026, 11, 16, 11), at(2026, 11, 17, 9), clocks.business) == due
    )
