"""Credit evaluation and the hold rules as use cases, against the in-memory unit of work:
what is held and released, what a credit check answers, the events and history written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from customer.credit import service as credit
from customer.credit.account import LedgerFacts
from customer.credit.config import CreditSettings
from customer.credit.domain import OpenInvoice
from customer.models import Customer
from kefu_shared.errors import BusinessRuleViolation, NotFound, PreconditionRequired
from tests.customer.unit.conftest import person
from tests.customer.unit.fakes import FakeCustomerUnitOfWork

TODAY = date.today()
POLICY = CreditSettings()
D = Decimal
MANAGER = person("credit_manager")


def customer(uow: FakeCustomerUnitOfWork, *, dealer: str | None = None) -> Customer:
    c = Customer(kind="company", name="Pumps Ltd", number="C1", dealer_id=dealer)
    uow.customers.add(c)
    return c


def owes(
    uow: FakeCustomerUnitOfWork, c: Customer, *invoices: tuple[int, str], paid: str = "0"
) -> None:
    """Open invoices (days overdue, amount) and payments received, as the ledger says."""
    uow.credit.facts[c.id] = LedgerFacts(
        [OpenInvoice(TODAY - timedelta(days=days), D(amount)) for days, amount in invoices],
        credits=D(paid),
    )


def changes(uow: FakeCustomerUnitOfWork) -> list[list[str]]:
    return [e.changes for e in uow.events("customer.credit_changed")]  # type: ignore[attr-defined]


async def recalculate(uow: FakeCustomerUnitOfWork, c: Customer) -> dict:  # type: ignore[type-arg]
    return await credit.recalculate_customer(
        uow=uow, customer_id=c.id, as_of=None, actor=MANAGER, policy=POLICY
    )


async def test_more_than_90_days_overdue_holds_and_payment_releases(
    uow: FakeCustomerUnitOfWork,
) -> None:
    c = customer(uow)
    owes(uow, c, (91, "800.00"))
    held = await recalculate(uow, c)
    assert (held["on_hold"], held["hold_code"]) == (True, "overdue")
    assert held["rating"] == "C"
    owes(uow, c, (91, "800.00"), paid="800.00")
    released = await recalculate(uow, c)
    assert (released["on_hold"], released["hold_since"]) == (False, None)
    # The first assessment always reports the rating; the release leaves it at C.
    assert changes(uow) == [["rating", "hold"], ["release"]]
    assert [h["change"] for h in uow.credit.history] == ["rating", "hold", "release"]


async def test_90_days_overdue_is_not_yet_a_hold(uow: FakeCustomerUnitOfWork) -> None:
    c = customer(uow)
    owes(uow, c, (90, "800.00"))
    assert (await recalculate(uow, c))["on_hold"] is False


async def test_a_hold_threshold_comes_from_the_policy_it_is_given(
    uow: FakeCustomerUnitOfWork,
) -> None:
    c = customer(uow)
    owes(uow, c, (61, "800.00"))
    profile = await credit.recalculate_customer(
        uow=uow,
        customer_id=c.id,
        as_of=None,
        actor=MANAGER,
        policy=CreditSettings(hold_overdue_days=60),
    )
    assert profile["hold_code"] == "overdue"


async def test_credit_check_over_the_limit_refuses_and_holds_until_it_fits(
    uow: FakeCustomerUnitOfWork,
) -> None:
    c = customer(uow)
    owes(uow, c, (-10, "600.00"))  # due in ten days
    profile = await credit.set_terms(
        uow=uow,
        customer_id=c.id,
        changes={"credit_limit": D(1000)},
        reason="new limit",
        if_match=f'"credit-{c.id}.0"',
        actor=MANAGER,
        policy=POLICY,
    )
    assert profile["on_hold"] is False
    decision = await credit.check_credit(
        uow=uow,
        customer_id=c.id,
        amount=D(500),
        purpose="order",
        as_of=None,
        actor=person("agent"),
        policy=POLICY,
    )
    assert not decision.allowed and decision.available == D(400)
    assert (decision.profile["hold_code"], decision.profile["blocked_amount"]) == (
        "limit_exceeded",
        D(500),
    )
    assert uow.credit.profiles[c.id]["on_hold"] is True  # saved, not only answered
    owes(uow, c, (-10, "600.00"), paid="200.00")  # 400 outstanding: 900 fits the limit
    assert (await recalculate(uow, c))["on_hold"] is False
    assert changes(uow)[-1] == ["release"]


async def test_terms_need_if_match_and_an_override_records_its_reason(
    uow: FakeCustomerUnitOfWork,
) -> None:
    c = customer(uow)
    with pytest.raises(PreconditionRequired):
        await credit.set_terms(
            uow=uow,
            customer_id=c.id,
            changes={"credit_limit": D(1)},
            reason="x",
            if_match=None,
            actor=MANAGER,
            policy=POLICY,
        )
    with pytest.raises(BusinessRuleViolation):
        await credit.clear_override(
            uow=uow, customer_id=c.id, reason="x", if_match=None, actor=MANAGER, policy=POLICY
        )
    profile = await credit.override_rating(
        uow=uow,
        customer_id=c.id,
        rating="AA",
        reason="guaranteed by the parent company",
        if_match=None,
        actor=MANAGER,
        policy=POLICY,
    )
    assert (profile["rating"], profile["computed_rating"]) == ("AA", "C")
    assert profile["override_by"] == MANAGER.user_id
    (event,) = uow.events("customer.credit_changed")
    assert event.changes == ["override"]  # type: ignore[attr-defined]
    assert event.reason == "guaranteed by the parent company"  # type: ignore[attr-defined]


async def test_a_never_assessed_customer_is_computed_without_writing(
    uow: FakeCustomerUnitOfWork,
) -> None:
    c = customer(uow)
    owes(uow, c, (100, "50.00"))
    profile = await credit.get_profile(uow=uow, customer_id=c.id, actor=MANAGER, policy=POLICY)
    assert (profile["version"], profile["on_hold"]) == (0, True)
    assert uow.credit.profiles == {} and uow.committed == []


async def test_another_dealers_credit_is_not_found(uow: FakeCustomerUnitOfWork) -> None:
    c = customer(uow, dealer="D2")
    with pytest.raises(NotFound):
        await credit.get_profile(
            uow=uow, customer_id=c.id, actor=person("dealer", dealer_id="D1"), policy=POLICY
        )


async def test_recalculate_all_visits_every_customer_in_batches(
    uow: FakeCustomerUnitOfWork,
) -> None:
    customers = [customer(uow) for _ in range(5)]
    for i, c in enumerate(customers):
        owes(uow, c, (95 if i < 3 else 5, "100.00"))
    summary = await credit.recalculate_all(
        uow=uow, as_of=None, actor=MANAGER, policy=CreditSettings(recalc_batch_size=2)
    )
    assert (summary.customers, summary.held, summary.released) == (5, 3, 0)
    assert uow.commits == 3  # one per batch
