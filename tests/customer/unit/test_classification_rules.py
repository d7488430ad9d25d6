"""Revenue classification arithmetic without a database: cumulative cut points, ties,
parameter errors and the trailing window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from customer.classification.rules import (
    Boundaries,
    Window,
    add_months,
    boundaries,
    classify_revenues,
    parameter_errors,
)

AS_OF = date(2026, 6, 30)  # window: 2025-07-01 .. 2026-06-30
D = Decimal


def std(n: int) -> Boundaries:
    return boundaries(n, super_pct=D(1), large_pct=D(4), medium_pct=D(15))


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, (0, 0, 0)),
        (1, (1, 1, 1)),
        (3, (1, 1, 1)),
        (99, (1, 5, 20)),
        (100, (1, 5, 20)),
        (101, (2, 6, 21)),
        (1000, (10, 50, 200)),
    ],
)
def test_boundaries_are_cumulative_ceilings(n: int, expected: tuple[int, int, int]) -> None:
    b = std(n)
    assert (b.super, b.large, b.medium) == expected


def test_one_customer_is_super_three_customers_are_one_super_and_two_small() -> None:
    assert classify_revenues({"a": D(5)}) == {"a": "super"}
    assert classify_revenues({"a": D(30), "b": D(20), "c": D(10)}) == {
        "a": "super",
        "b": "small",
        "c": "small",
    }


def test_hundred_customers_follow_the_percentages() -> None:
    tiers = classify_revenues({f"c{i}": D(1000 - i) for i in range(100)})
    counts = {t: list(tiers.values()).count(t) for t in ("super", "large", "medium", "small")}
    assert counts == {"super": 1, "large": 4, "medium": 15, "small": 80}


def test_tie_at_a_cut_point_goes_to_the_higher_class() -> None:
    revenues = {f"c{i}": D(1000 - i) for i in range(100)}
    revenues["c1"] = revenues["c0"]  # ranks 1 and 2 tie across the super cut (1)
    revenues["c5"] = revenues["c4"]  # ranks 5 and 6 tie across the large cut (5)
    tiers = classify_revenues(revenues)
    assert tiers["c0"] == tiers["c1"] == "super"
    assert tiers["c2"] == "large"
    assert tiers["c4"] == tiers["c5"] == "large"
    assert tiers["c6"] == "medium"


def test_non_positive_revenue_is_not_ranked() -> None:
    assert classify_revenues({"a": D(0), "b": D(-5), "c": D(1)}) == {"c": "super"}


def test_cut_points_with_two_decimals_and_custom_shares() -> None:
    b = boundaries(1000, super_pct=D("0.5"), large_pct=D("2.25"), medium_pct=D(10))
    assert (b.super, b.large, b.medium) == (5, 28, 128)
    with pytest.raises(ValueError):
        boundaries(10, super_pct=D("0.125"), large_pct=D(4), medium_pct=D(15))


def test_parameter_errors_name_the_field() -> None:
    assert parameter_errors(super_pct=D(1), large_pct=D(4), medium_pct=D(15)) == []
    assert parameter_errors(super_pct=D(0), large_pct=D(4), medium_pct=D(15))[0]["field"] == (
        "cut_points.super"
    )
    assert parameter_errors(super_pct=D(50), large_pct=D(30), medium_pct=D(20))[0]["field"] == (
        "cut_points"
    )


def test_window_is_trailing_and_month_arithmetic_clamps() -> None:
    w = Window.trailing(AS_OF, 12)
    assert (w.start, w.end, w.previous_start) == (date(2025, 7, 1), AS_OF, date(2024, 7, 1))
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
