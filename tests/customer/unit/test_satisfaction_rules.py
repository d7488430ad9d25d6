"""Satisfaction scores and trends without a database."""

from __future__ import annotations

from customer.analytics.rules import satisfaction_trend, score_of


def test_trend_compares_newest_responses_with_the_ones_before() -> None:
    assert satisfaction_trend([], window=3, min_delta=0.3) == "steady"
    assert satisfaction_trend([4.0], window=3, min_delta=0.3) == "steady"
    assert satisfaction_trend([2.0, 4.0], window=3, min_delta=0.3) == "falling"
    assert satisfaction_trend([5, 5, 5, 3, 3, 3], window=3, min_delta=0.3) == "rising"
    assert satisfaction_trend([4.1, 4.0, 4.0, 4.0], window=3, min_delta=0.3) == "steady"
    assert score_of(None, 10) == 5.0 and score_of(None, 0) == 1.0 and score_of(3.0, 9) == 3.0
