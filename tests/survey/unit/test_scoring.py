"""Every score against hand-computed examples, and the dissatisfied rules."""

from __future__ import annotations

import pytest

from survey.builtins import POST_SERVICE, RELATIONSHIP
from survey.config import SurveyRules
from survey.scoring import (
    DimensionTally,
    csat_percent,
    dimension_view,
    dissatisfied_reasons,
    nps_score,
    response_rate,
    score_response,
    tally_of,
)


def test_csat_is_the_share_of_four_and_five() -> None:
    # 5, 4, 4, 3, 1 -> 3 of 5 satisfied = 60 %
    tally = tally_of(
        [(5, None, False), (4, None, False), (4, None, False), (3, None, False), (1, None, True)]
    )
    assert csat_percent(tally) == 60.0
    assert tally.csat_sum / tally.csat_n == pytest.approx(3.4)


def test_nps_is_promoters_minus_detractors() -> None:
    # 10, 9, 9, 8, 7, 6, 0, 3 -> promoters 3, detractors 3 of 8 ... 0; then drop one detractor
    scores = [10, 9, 9, 8, 7, 6, 0, 3]
    assert nps_score(tally_of([(None, n, False) for n in scores])) == 0.0
    # 10, 10, 9, 7, 2 -> (3 - 1) / 5 = 40
    assert nps_score(tally_of([(None, n, False) for n in (10, 10, 9, 7, 2)])) == 40.0
    assert nps_score(tally_of([])) is None


def test_response_rate() -> None:
    assert response_rate(8, 3) == 37.5
    assert response_rate(0, 0) is None


def test_post_service_response_scores() -> None:
    questions = POST_SERVICE.parsed()
    answers = {
        "overall": 4,
        "timeliness": 2,
        "skill": 5,
        "attitude": 4,
        "fixed": "yes",
        "recommend": 9,
    }
    s = score_response(questions, answers)
    assert s.csat == 4.0 and s.nps == 9
    assert s.dimension_scores == {
        "overall": 4.0,
        "responsiveness": 2.0,
        "assurance": 5.0,
        "empathy": 4.0,
    }
    assert s.servqual_gaps == {}


def test_servqual_gap_is_perception_minus_expectation_per_dimension() -> None:
    questions = RELATIONSHIP.parsed()
    answers = {
        "tangibles_expectation": 4,
        "tangibles_perception": 5,
        "reliability_expectation": 5,
        "reliability_perception": 2,
        "responsiveness_expectation": 5,
        "responsiveness_perception": 4,
        "assurance_expectation": 3,
        "assurance_perception": 3,
        "empathy_expectation": 4,
        "empathy_perception": 2,
        "overall": 3,
        "recommend": 7,
    }
    s = score_response(questions, answers)
    assert s.servqual_gaps == {
        "tangibles": 1.0,
        "reliability": -3.0,
        "responsiveness": -1.0,
        "assurance": 0.0,
        "empathy": -2.0,
    }
    # dimension scores are perceptions (and plain ratings), never expectations
    assert s.dimension_scores["reliability"] == 2.0
    assert s.expectations["reliability"] == 5.0


def test_dissatisfied_rules() -> None:
    rules = SurveyRules()
    questions = RELATIONSHIP.parsed()
    base = {
        f"{d}_{a}": 4
        for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
        for a in ("expectation", "perception")
    }
    happy = score_response(questions, {**base, "overall": 5, "recommend": 9})
    assert dissatisfied_reasons(happy, rules) == []
    detractor = score_response(questions, {**base, "overall": 4, "recommend": 6})
    assert dissatisfied_reasons(detractor, rules) == ["detractor"]
    low = score_response(questions, {**base, "overall": 2, "recommend": 8})
    assert dissatisfied_reasons(low, rules) == ["low_csat"]
    gap = score_response(
        questions, {**base, "reliability_perception": 2, "overall": 4, "recommend": 8}
    )
    assert dissatisfied_reasons(gap, rules) == ["servqual_gap:reliability"]  # -2 < -1.5
    # each rule is configurable
    lenient = SurveyRules(
        dissatisfied_when_detractor=False, dissatisfied_csat_at_most=1, dissatisfied_gap_below=-2.5
    )
    assert dissatisfied_reasons(detractor, lenient) == []
    assert dissatisfied_reasons(low, lenient) == []
    assert dissatisfied_reasons(gap, lenient) == []


def test_importance_performance_quadrants() -> None:
    view = dimension_view(
        {
            "reliability": DimensionTally(2, 5.0, 2, 10.0, 2, -5.0),  # imp 5, perf 2.5
            "tangibles": DimensionTally(2, 9.0, 2, 6.0, 2, 3.0),  # imp 3, perf 4.5
            "empathy": DimensionTally(2, 9.0, 2, 9.0, 2, 0.0),  # imp 4.5, perf 4.5
            "assurance": DimensionTally(2, 5.0, 2, 5.0, 2, 0.0),  # imp 2.5, perf 2.5
        }
    )
    by = {r["dimension"]: r for r in view}
    assert by["reliability"]["quadrant"] == "concentrate_here"
    assert by["empathy"]["quadrant"] == "keep_up_the_good_work"
    assert by["tangibles"]["quadrant"] == "possible_overkill"
    assert by["assurance"]["quadrant"] == "low_priority"
    assert by["reliability"]["servqual_gap"] == -2.5
