"""Scorecard arithmetic against hand-computed months, and the ranking."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kefu_shared.errors import InvalidInput
from ticket.config import ScorecardSettings
from ticket.scorecards import month_bounds, rank, score


def test_a_month_by_hand() -> None:
    # 10 arrivals, 8 on time; 6 completed, 4 first-time fixes; 1 repeat repair;
    # 3 responses with CSAT 5, 4, 2 (sum 11); 1 complaint.
    facts = {
        "arrivals": 10,
        "on_time": 8,
        "completed": 6,
        "first_time_fixes": 4,
        "repeat_repairs": 1,
        "responses": 3,
        "csat_sum": 11.0,
        "complaints": 1,
    }
    card = score("t1", "2026-11", facts, ScorecardSettings())
    assert card.on_time_rate == 0.8 and card.first_time_fix_rate == pytest.approx(0.6667)
    assert card.satisfaction == pytest.approx(3.67)
    # 8×1 + 2×(−2) + 4×2 + 1×(−5) + 1×(−10) + (11 − 3×3)×1 = 8 − 4 + 8 − 5 − 10 + 2 = −1
    assert card.points == Decimal("-1.00")


def test_configured_rules_change_the_points() -> None:
    rules = ScorecardSettings(
        on_time_arrival=Decimal("2"),
        late_arrival=Decimal("0"),
        complaint=Decimal("-3"),
        satisfaction_baseline=Decimal("4"),
        satisfaction_per_point=Decimal("0.5"),
    )
    card = score(
        "t1",
        "2026-11",
        {"arrivals": 3, "on_time": 3, "responses": 2, "csat_sum": 9.5, "complaints": 2},
        rules,
    )
    # 3×2 + 0 + 2×(−3) + (9.5 − 8)×0.5 = 6 − 6 + 0.75
    assert card.points == Decimal("0.75")


def test_an_empty_month_has_no_rates_and_no_points() -> None:
    card = score("t1", "2026-11", {}, ScorecardSettings())
    assert (card.on_time_rate, card.first_time_fix_rate, card.satisfaction, card.points) == (
        None,
        None,
        None,
        Decimal("0.00"),
    )


def test_ranking_orders_by_points_with_shared_ranks() -> None:
    rules = ScorecardSettings()
    cards = [
        score("b", "m", {"arrivals": 2, "on_time": 2}, rules),
        score("a", "m", {"arrivals": 2, "on_time": 2}, rules),
        score("c", "m", {"arrivals": 5, "on_time": 5}, rules),
        score("d", "m", {}, rules),
    ]
    ranked = rank(cards)
    assert [(c.technician_id, c.rank) for c in ranked] == [("c", 1), ("a", 2), ("b", 2), ("d", 4)]


def test_months_are_the_installations_calendar_months() -> None:
    start, end = month_bounds("2026-12", "Asia/Shanghai")
    assert start.astimezone(UTC) == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 16, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        month_bounds("2026-13", "Asia/Shanghai")
