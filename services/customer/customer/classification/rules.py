"""Pure rules of revenue classification (no I/O); the run's SQL applies the same numbers.

Ranking (seed 000 ch.1 一、(一)): customers with revenue in the window are ranked by revenue,
highest first, with SQL ``RANK()``: tied customers share the better rank, so a tie at a cut
point goes to the higher class. Class boundaries are cumulative and rounded up::

    last super rank  = ceil(N * super%)
    last large rank  = ceil(N * (super% + large%))
    last medium rank = ceil(N * (super% + large% + medium%))
    everything after = small

With very few customers this still follows the percentages by rank: N = 1 gives one super
customer, N = 3 gives one super and two small (ceil(0.15) = ceil(0.6) = 1 leave large and
medium empty).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

RANKED_TIERS = ("super", "large", "medium", "small")
TIERS = (*RANKED_TIERS, "inactive", "potential")
PATTERNS = ("loyal", "fast_growing", "dormant", "worth_cultivating", "occasional")


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months, clamped to the month's last day."""
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


@dataclass(frozen=True)
class Window:
    """The trailing window ``[start, end]`` (inclusive) and the one before it."""

    start: date
    end: date
    previous_start: date

    @classmethod
    def trailing(cls, as_of: date, months: int) -> Window:
        start = add_months(as_of, -months) + timedelta(days=1)
        previous_start = add_months(as_of, -2 * months) + timedelta(days=1)
        return cls(start=start, end=as_of, previous_start=previous_start)


def basis_points(pct: Decimal) -> int:
    """A percentage with at most two decimals as an integer number of 1/100 %."""
    bp = pct * 100
    if bp != bp.to_integral_value():
        raise ValueError("at most two decimals")
    return int(bp)


@dataclass(frozen=True)
class Boundaries:
    """The last rank of each class (cumulative); ranks beyond ``medium`` are small."""

    super: int
    large: int
    medium: int

    def tier_of(self, rank: int) -> str:
        if rank <= self.super:
            return "super"
        if rank <= self.large:
            return "large"
        if rank <= self.medium:
            return "medium"
        return "small"

    def as_dict(self) -> dict[str, int]:
        return {"super": self.super, "large": self.large, "medium": self.medium}


def boundaries(
    n: int, *, super_pct: Decimal, large_pct: Decimal, medium_pct: Decimal
) -> Boundaries:
    """Cumulative ceil(N x pct) boundaries for ``n`` ranked customers (integer arithmetic)."""
    if n < 0:
        raise ValueError("n must not be negative")
    cum = 0
    out = []
    for pct in (super_pct, large_pct, medium_pct):
        cum += basis_points(pct)
        out.append(-(-n * cum // 10000))
    return Boundaries(*out)


def classify_revenues(
    revenues: dict[str, Decimal],
    *,
    super_pct: Decimal = Decimal(1),
    large_pct: Decimal = Decimal(4),
    medium_pct: Decimal = Decimal(15),
) -> dict[str, str]:
    """Reference implementation of the ranking in Python (tests check the SQL against it)."""
    positive = sorted((r for r in revenues.values() if r > 0), reverse=True)
    first_rank: dict[Decimal, int] = {}
    for i, r in enumerate(positive, start=1):
        first_rank.setdefault(r, i)
    b = boundaries(len(positive), super_pct=super_pct, large_pct=large_pct, medium_pct=medium_pct)
    return {cid: b.tier_of(first_rank[r]) for cid, r in revenues.items() if r > 0}


def parameter_errors(
    *, super_pct: Decimal, large_pct: Decimal, medium_pct: Decimal
) -> list[dict[str, str]]:
    """Field errors of a set of cut points (empty when valid)."""
    errors = []
    for name, pct in (("super", super_pct), ("large", large_pct), ("medium", medium_pct)):
        field = f"cut_points.{name}"
        if pct <= 0:
            errors.append({"field": field, "message": "must be greater than 0"})
            continue
        try:
            basis_points(pct)
        except ValueError:
            errors.append({"field": field, "message": "at most two decimals"})
    if not errors and super_pct + large_pct + medium_pct >= 100:
        errors.append(
            {
                "field": "cut_points",
                "message": "super + large + medium must be below 100 (small takes the rest)",
            }
        )
    return errors
