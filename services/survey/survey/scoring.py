"""Scores (pure rules, no I/O): a response's CSAT, NPS, dimension means and SERVQUAL gaps,
whether it is dissatisfied, and the scores of many responses from their tallies.

- CSAT: the share of CSAT answers of 4 or 5 on the 1-5 scale, in percent.
- NPS: percent promoters (9-10) minus percent detractors (0-6), from -100 to 100.
- Dimension mean: the mean of the 1-5 ratings tagged with the dimension (expectations
  excluded: they say what the customer expects, not what it got).
- SERVQUAL gap: perception - expectation per dimension (negative: service below
  expectation).
- Response rate: responses / invitations sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from survey.config import SurveyRules
from survey.questions import Question


@dataclass(frozen=True)
class ResponseScores:
    csat: float | None
    nps: int | None
    dimension_scores: dict[str, float]
    servqual_gaps: dict[str, float]
    # SERVQUAL means per dimension, kept for the importance-performance view.
    expectations: dict[str, float] = field(default_factory=dict)


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4)


def score_response(questions: Sequence[Question], answers: Mapping[str, Any]) -> ResponseScores:
    csat: float | None = None
    nps: int | None = None
    ratings: dict[str, list[float]] = defaultdict(list)
    expect: dict[str, list[float]] = defaultdict(list)
    perceive: dict[str, list[float]] = defaultdict(list)
    for q in questions:
        value = answers.get(q.id)
        if value is None or q.type not in ("rating_5", "rating_10"):
            continue
        if q.measure == "csat":
            csat = float(value)
        elif q.measure == "nps":
            nps = int(value)
        if q.type != "rating_5" or q.dimension is None:
            continue
        if q.aspect == "expectation":
            expect[q.dimension].append(value)
            continue
        ratings[q.dimension].append(value)
        if q.aspect == "perception":
            perceive[q.dimension].append(value)
    gaps = {d: round(_mean(perceive[d]) - _mean(expect[d]), 4) for d in perceive if d in expect}
    return ResponseScores(
        csat=csat,
        nps=nps,
        dimension_scores={d: _mean(v) for d, v in ratings.items()},
        servqual_gaps=gaps,
        expectations={d: _mean(v) for d, v in expect.items()},
    )


def dissatisfied_reasons(scores: ResponseScores, rules: SurveyRules) -> list[str]:
    """Why a response counts as dissatisfied (empty: it does not), by the configured rules."""
    reasons: list[str] = []
    if rules.dissatisfied_when_detractor and scores.nps is not None and scores.nps <= 6:
        reasons.append("detractor")
    limit = rules.dissatisfied_csat_at_most
    if limit is not None and scores.csat is not None and scores.csat <= limit:
        reasons.append("low_csat")
    floor = rules.dissatisfied_gap_below
    if floor is not None:
        for dimension, gap in sorted(scores.servqual_gaps.items()):
            if gap < floor:
                reasons.append(f"servqual_gap:{dimension}")
    return reasons


@dataclass
class Tally:
    """Counts and sums that scores are computed from; tallies add up (pre-aggregation)."""

    responses: int = 0
    csat_n: int = 0
    csat_satisfied: int = 0  # CSAT answers of 4-5
    csat_sum: float = 0.0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    dissatisfied: int = 0

    def add_response(self, csat: float | None, nps: int | None, dissatisfied: bool) -> None:
        self.responses += 1
        if csat is not None:
            self.csat_n += 1
            self.csat_sum += csat
            self.csat_satisfied += 1 if csat >= 4 else 0
        if nps is not None:
            self.nps_n += 1
            self.promoters += 1 if nps >= 9 else 0
            self.detractors += 1 if nps <= 6 else 0
        self.dissatisfied += 1 if dissatisfied else 0

    def __iadd__(self, other: Tally) -> Tally:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def csat_percent(tally: Tally) -> float | None:
    if not tally.csat_n:
        return None
    return round(100.0 * tally.csat_satisfied / tally.csat_n, 2)


def nps_score(tally: Tally) -> float | None:
    if not tally.nps_n:
        return None
    return round(100.0 * (tally.promoters - tally.detractors) / tally.nps_n, 2)


def response_rate(invited: int, responded: int) -> float | None:
    if not invited:
        return None
    return round(100.0 * responded / invited, 2)


def tally_of(responses: Iterable[tuple[float | None, int | None, bool]]) -> Tally:
    tally = Tally()
    for csat, nps, dissatisfied in responses:
        tally.add_response(csat, nps, dissatisfied)
    return tally


def scores_of(tally: Tally) -> dict[str, Any]:
    """The scores a report shows for a tally."""
    return {
        "responses": tally.responses,
        "csat": csat_percent(tally),
        "csat_mean": round(tally.csat_sum / tally.csat_n, 3) if tally.csat_n else None,
        "nps": nps_score(tally),
        "promoters": tally.promoters,
        "detractors": tally.detractors,
        "dissatisfied": tally.dissatisfied,
    }


@dataclass
class DimensionTally:
    """Sums of one quality dimension: ratings (performance) and SERVQUAL expectations."""

    rating_n: int = 0
    rating_sum: float = 0.0
    expectation_n: int = 0
    expectation_sum: float = 0.0
    gap_n: int = 0
    gap_sum: float = 0.0


def dimension_view(tallies: Mapping[str, DimensionTally]) -> list[dict[str, Any]]:
    """Dimension means, SERVQUAL gaps and the importance-performance quadrant of each
    dimension: importance is the mean expectation (what customers say matters), performance
    the mean rating; the quadrant compares both with their means over the dimensions."""
    rows = []
    for name, t in sorted(tallies.items()):
        rows.append(
            {
                "dimension": name,
                "ratings": t.rating_n,
                "performance": round(t.rating_sum / t.rating_n, 3) if t.rating_n else None,
                "importance": round(t.expectation_sum / t.expectation_n, 3)
                if t.expectation_n
                else None,
                "servqual_gap": round(t.gap_sum / t.gap_n, 3) if t.gap_n else None,
                "quadrant": None,
            }
        )
    rated = [r for r in rows if r["performance"] is not None and r["importance"] is not None]
    if rated:
        imp_mid = sum(cast(float, r["importance"]) for r in rated) / len(rated)
        perf_mid = sum(cast(float, r["performance"]) for r in rated) / len(rated)
        for r in rated:
            high_imp = cast(float, r["importance"]) >= imp_mid
            high_perf = cast(float, r["performance"]) >= perf_mid
            r["quadrant"] = (
                ("keep_up_the_good_work" if high_perf else "concentrate_here")
                if high_imp
                else ("possible_overkill" if high_perf else "low_priority")
            )
    return rows
