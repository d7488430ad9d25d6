"""Credit rules without a database: ageing of receivables, the scorecard, the hold rules
and their thresholds (``CreditSettings``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from customer.credit.config import CreditSettings
from customer.credit.domain import (
    CreditFacts,
    OpenInvoice,
    age_receivables,
    band,
    hold_state,
    score_credit,
)

POLICY = CreditSettings()
D = Decimal


def test_payments_settle_the_oldest_invoices_first() -> None:
    invoices = [
        OpenInvoice(date(2026, 3, 1), D(300)),
        OpenInvoice(date(2026, 1, 1), D(100)),
        OpenInvoice(date(2026, 2, 1), D(200)),
    ]
    r = age_receivables(invoices, credits=D(150), as_of=date(2026, 2, 15))
    # 150 pays the January invoice and 50 of February's: 150 of it stays overdue.
    assert r.outstanding == D(450)
    assert r.overdue_amount == D(150)
    assert r.max_overdue_days == 14
    assert r.overdue_invoices == 1
    paid_up = age_receivables(invoices, credits=D(1000), as_of=date(2026, 6, 1))
    assert (paid_up.outstanding, paid_up.max_overdue_days) == (D(0), 0)


def test_scorecard_bands_and_points() -> None:
    assert [band(s) for s in (100, 85, 84, 75, 60, 59, 45, 44, 0)] == [
        "AAA",
        "AAA",
        "AA",
        "AA",
        "A",
        "B",
        "B",
        "C",
        "C",
    ]
    strong = CreditFacts(
        invoices_settled=40,
        invoices_paid_on_time=39,
        relationship_days=12 * 365,
        revenue_12m=D(12_000_000),
        kind="company",
        size="large",
        registered_capital=D(80_000_000),
        collateral=D(600_000),
        credit_limit=D(1_000_000),
    )
    card = score_credit(strong, POLICY)
    assert card.score == 100 and card.rating == "AAA"
    assert {c.frame for c in card.criteria} == {"character", "capacity", "capital", "collateral"}
    assert sum(c.max_points for c in card.criteria) == 100
    newcomer = score_credit(CreditFacts(kind="individual"), POLICY)
    assert newcomer.score == 12 + 25 + 2 + 0 + 5 + 0
    assert newcomer.rating == "C"


def test_long_overdue_caps_the_rating() -> None:
    base = dict(
        invoices_settled=40,
        invoices_paid_on_time=40,
        relationship_days=12 * 365,
        revenue_12m=D(12_000_000),
        size="extra_large",
        outstanding=D(1000),
        overdue_amount=D(50),
        collateral=D(1),
        credit_limit=D(1),
    )
    assert score_credit(CreditFacts(**base, max_overdue_days=10), POLICY).rating == "AAA"
    capped = score_credit(CreditFacts(**base, max_overdue_days=95), POLICY)
    assert capped.rating == "B" and capped.cap
    assert score_credit(CreditFacts(**base, max_overdue_days=200), POLICY).rating == "C"


def test_hold_rules() -> None:
    def hold(**kw: Any) -> Any:
        args = dict(
            outstanding=D(0),
            credit_limit=D(1000),
            max_overdue_days=0,
            blocked_amount=None,
            policy=POLICY,
        )
        return hold_state(**{**args, **kw})

    assert not hold(outstanding=D(1000)).on_hold  # at the limit is still within it
    assert hold(outstanding=D("1000.01")).code == "over_limit"
    assert not hold(max_overdue_days=90).on_hold
    assert hold(max_overdue_days=91).code == "overdue"
    assert hold(outstanding=D(500), blocked_amount=D(600)).code == "limit_exceeded"
    assert not hold(outstanding=D(10**9), credit_limit=None).on_hold  # no limit assigned


def test_hold_threshold_is_a_setting_of_the_credit_policy() -> None:
    policy = CreditSettings(hold_overdue_days=60, default_credit_limit=D(5000))
    assert policy.default_credit_limit == D(5000)
    assert not hold_state(
        outstanding=D(0), credit_limit=None, max_overdue_days=60, blocked_amount=None, policy=policy
    ).on_hold
    assert hold_state(
        outstanding=D(0), credit_limit=None, max_overdue_days=61, blocked_amount=None, policy=policy
    ).on_hold
