"""Pure rules of the analytics area (no I/O): satisfaction scores and their trend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from typing_extensions import TypeAliasType

Trend = TypeAliasType("Trend", Literal["rising", "falling", "steady"])


def score_of(csat: float | None, nps: int | None) -> float | None:
    """One 1-5 score per response: CSAT as is, else NPS 0-10 mapped linearly onto 1-5."""
    if csat is not None:
        return float(csat)
    if nps is not None:
        return 1 + 0.4 * nps
    return None


def satisfaction_trend(
    scores_newest_first: Sequence[float], *, window: int, min_delta: float
) -> Trend:
    """Compare the mean of the newest k scores with the mean of the k before them,
    k = min(window, half the scores available); fewer than two scores is steady."""
    k = min(window, len(scores_newest_first) // 2)
    if k < 1:
        return "steady"
    recent = scores_newest_first[:k]
    previous = scores_newest_first[k : 2 * k]
    change = sum(recent) / k - sum(previous) / k
    if change >= min_delta:
        return "rising"
    if change <= -min_delta:
        return "falling"
    return "steady"
