"""Pure credit rules (no I/O): receivables ageing, the scorecard and the hold rules.

The scorecard is documented in ``services/customer/docs/credit-scorecard.md``; keep the
two in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from typing_extensions import TypeAliasType

from customer.credit.config import CreditSettings

Rating = TypeAliasType("Rating", Literal["AAA", "AA", "A", "B", "C"])
RATINGS: tuple[Rating, ...] = ("AAA", "AA", "A", "B", "C")
# Lowest score of each band, best first.
BANDS: tuple[tuple[int, Rating], ...] = ((85, "AAA"), (75, "AA"), (60, "A"), (45, "B"), (0, "C"))
ZERO = Decimal(0)


# --- receivables ------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenInvoice:
    due_date: date
    amount: Decimal  # base currency, positive


@dataclass(frozen=True)
class Receivables:
    outstanding: Decimal
    overdue_amount: Decimal
    max_overdue_days: int
    overdue_invoices: int


def age_receivables(
    invoices: Iterable[OpenInvoice], *, credits: Decimal, as_of: date
) -> Receivables:
    """Apply payments and refunds (``credits``) to the open invoices, oldest due first.

    What is left of each invoice is outstanding; what is left of an invoice due before
    ``as_of`` is overdue, and the oldest such invoice gives the overdue days.
    """
    remaining_credit = max(credits, ZERO)
    outstanding = overdue = ZERO
    max_days = count = 0
    for inv in sorted(invoices, key=lambda i: i.due_date):
        applied = min(remaining_credit, inv.amount)
        remaining_credit -= applied
        left = inv.amount - applied
        if left <= 0:
            continue
        outstanding += left
        if inv.due_date < as_of:
            overdue += left
            count += 1
            max_days = max(max_days, (as_of - inv.due_date).days)
    return Receivables(outstanding, overdue, max_days, count)


# --- scorecard --------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditFacts:
    """What the scorecard looks at, as of one day."""

    invoices_settled: int = 0  # invoices with a paid_date
    invoices_paid_on_time: int = 0  # ... paid on or before their due date
    overdue_invoices: int = 0  # open invoices past due
    outstanding: Decimal = ZERO
    overdue_amount: Decimal = ZERO
    max_overdue_days: int = 0
    relationship_days: int = 0  # since the first order (or registration if earlier)
    revenue_12m: Decimal = ZERO  # net, base currency, trailing 365 days
    kind: str = "company"
    size: str | None = None  # extra_large | large | medium | small
    registered_capital: Decimal | None = None
    collateral: Decimal = ZERO
    credit_limit: Decimal | None = None


@dataclass(frozen=True)
class Criterion:
    key: str
    frame: str  # which of the 5C it measures
    points: int
    max_points: int
    value: str


@dataclass(frozen=True)
class Scorecard:
    score: int
    rating: Rating
    criteria: list[Criterion] = field(default_factory=list)
    cap: str | None = None  # why the rating was capped below its band, if it was

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "rating": self.rating,
            "cap": self.cap,
            "criteria": [c.__dict__ for c in self.criteria],
        }


def _steps(value: Decimal, steps: tuple[tuple[Decimal, int], ...], default: int) -> int:
    """Points of the first step whose threshold ``value`` reaches (steps best first)."""
    for threshold, points in steps:
        if value >= threshold:
            return points
    return default


def _punctuality(f: CreditFacts) -> Criterion:
    judged = f.invoices_settled + f.overdue_invoices
    if judged == 0:
        return Criterion("payment_punctuality", "character", 12, 25, "no history")
    share = Decimal(f.invoices_paid_on_time) / Decimal(judged)
    pts = _steps(
        share,
        ((Decimal("0.95"), 25), (Decimal("0.85"), 20), (Decimal("0.70"), 13), (Decimal("0.50"), 6)),
        0,
    )
    return Criterion("payment_punctuality", "character", pts, 25, f"{share:.0%} on time")


def _overdue(f: CreditFacts, policy: CreditSettings) -> Criterion:
    if f.outstanding <= 0 or f.overdue_amount <= 0:
        return Criterion("overdue_ratio", "capacity", 25, 25, "0%")
    ratio = f.overdue_amount / f.outstanding
    if f.max_overdue_days > policy.hold_overdue_days:
        pts = 0
    elif ratio <= Decimal("0.10"):
        pts = 18
    elif ratio <= Decimal("0.25"):
        pts = 10
    elif ratio <= Decimal("0.50"):
        pts = 4
    else:
        pts = 0
    return Criterion(
        "overdue_ratio", "capacity", pts, 25, f"{ratio:.0%}, oldest {f.max_overdue_days} days"
    )


def _relationship(f: CreditFacts) -> Criterion:
    years = Decimal(f.relationship_days) / Decimal("365.25")
    pts = _steps(
        years,
        ((Decimal(10), 15), (Decimal(5), 12), (Decimal(3), 9), (Decimal(1), 5)),
        2,
    )
    return Criterion("relationship_years", "character", pts, 15, f"{years:.1f} years")


def _revenue(f: CreditFacts) -> Criterion:
    if f.revenue_12m <= 0:
        return Criterion("revenue_12m", "capacity", 0, 15, "0")
    pts = _steps(
        f.revenue_12m,
        (
            (Decimal(10_000_000), 15),
            (Decimal(2_000_000), 12),
            (Decimal(500_000), 9),
            (Decimal(100_000), 6),
        ),
        3,
    )
    return Criterion("revenue_12m", "capacity", pts, 15, f"{f.revenue_12m:.2f}")


_SIZE_POINTS = {"extra_large": 15, "large": 12, "medium": 9, "small": 6}


def _capital(f: CreditFacts) -> Criterion:
    by_size = _SIZE_POINTS.get(f.size or "", 0)
    by_capital = 0
    if f.registered_capital is not None and f.registered_capital > 0:
        by_capital = _steps(
            f.registered_capital,
            ((Decimal(50_000_000), 15), (Decimal(10_000_000), 12), (Decimal(1_000_000), 9)),
            6,
        )
    pts = max(by_size, by_capital)
    if pts == 0:
        pts = 5 if f.kind == "individual" else 3
    value = f"size {f.size or '-'}, capital {f.registered_capital or '-'}"
    return Criterion("size_and_capital", "capital", pts, 15, value)


def _collateral(f: CreditFacts) -> Criterion:
    if f.collateral <= 0:
        return Criterion("collateral", "collateral", 0, 5, "none")
    if f.credit_limit is None or f.credit_limit <= 0:
        return Criterion("collateral", "collateral", 5, 5, f"{f.collateral:.2f}")
    cover = f.collateral / f.credit_limit
    pts = 5 if cover >= Decimal("0.5") else 3
    return Criterion("collateral", "collateral", pts, 5, f"{cover:.0%} of the limit")


def band(score: int) -> Rating:
    for floor, rating in BANDS:
        if score >= floor:
            return rating
    return "C"


def score_credit(facts: CreditFacts, policy: CreditSettings) -> Scorecard:
    """The scorecard: 100 points over the 5C, banded AAA..C, capped by long overdue."""
    criteria = [
        _punctuality(facts),
        _overdue(facts, policy),
        _relationship(facts),
        _revenue(facts),
        _capital(facts),
        _collateral(facts),
    ]
    total = sum(c.points for c in criteria)
    rating = band(total)
    cap = None
    if facts.max_overdue_days > policy.severe_overdue_days:
        cap_to: Rating = "C"
    elif facts.max_overdue_days > policy.hold_overdue_days:
        cap_to = "B"
    else:
        cap_to = rating
    if RATINGS.index(cap_to) > RATINGS.index(rating):
        cap = f"overdue {facts.max_overdue_days} days caps the rating at {cap_to}"
        rating = cap_to
    return Scorecard(total, rating, criteria, cap)


# --- credit hold ------------------------------------------------------------------------

HoldCode = TypeAliasType("HoldCode", Literal["over_limit", "overdue", "limit_exceeded"])


@dataclass(frozen=True)
class HoldState:
    on_hold: bool
    code: HoldCode | None = None
    reason: str | None = None


def hold_state(
    *,
    outstanding: Decimal,
    credit_limit: Decimal | None,
    max_overdue_days: int,
    blocked_amount: Decimal | None,
    policy: CreditSettings,
) -> HoldState:
    """Credit hold (资信控制): overdue beyond the threshold, over the limit, or an order
    or paid work refused by a credit check that still does not fit within the limit."""
    if max_overdue_days > policy.hold_overdue_days:
        return HoldState(
            True,
            "overdue",
            f"an invoice is {max_overdue_days} days overdue (more than {policy.hold_overdue_days})",
        )
    if credit_limit is not None and outstanding > credit_limit:
        return HoldState(
            True,
            "over_limit",
            f"outstanding {outstanding:.2f} exceeds the limit {credit_limit:.2f}",
        )
    if (
        blocked_amount is not None
        and credit_limit is not None
        and outstanding + blocked_amount > credit_limit
    ):
        return HoldState(
            True,
            "limit_exceeded",
            f"an order of {blocked_amount:.2f} on top of outstanding {outstanding:.2f} "
            f"would exceed the limit {credit_limit:.2f}",
        )
    return HoldState(False)
