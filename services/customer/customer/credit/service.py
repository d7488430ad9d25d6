"""Use cases of credit analysis and credit control (客户信用分析 / 资信控制).

Each loads the customer's :class:`~customer.credit.account.CreditAccount` from
``uow.credit``, calls its verbs (set terms, override, refuse an order) and
``evaluate`` -- which recomputes receivables, scorecard and hold and records
``customer.credit_changed`` -- then saves it and commits. :func:`refresh_credit` does the
same for many customers inside a caller's transaction (a ledger write, a merge). Unit
tests: ``tests/customer/unit/test_credit_use_cases.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from customer.credit.account import CreditAccount, LedgerFacts, profile_etag
from customer.credit.config import CreditSettings
from customer.credit.domain import Rating
from customer.credit.models import CreditHistory
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import InvalidInput
from kefu_shared.visibility import dealer_scope

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

etag = profile_etag


def today() -> date:
    return utcnow().date()


@dataclass
class RefreshOutcome:
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: int = 0
    held: int = 0
    released: int = 0

    def count(self, account: CreditAccount, changes: list[str], *, was_on_hold: bool) -> None:
        self.profiles[account.id] = account.profile
        if changes:
            self.changed += 1
            self.held += "hold" in changes and not was_on_hold
            self.released += "release" in changes


async def _evaluate(
    uow: CustomerUnitOfWork,
    accounts: Sequence[CreditAccount],
    *,
    as_of: date,
    actor: str,
    reason: str,
    policy: CreditSettings,
    outcome: RefreshOutcome | None = None,
) -> RefreshOutcome:
    """Evaluate ``accounts`` against their ledger as of ``as_of`` and save them."""
    outcome = outcome or RefreshOutcome()
    facts = await uow.credit.ledger_facts([a.id for a in accounts], as_of=as_of)
    for account in accounts:
        was_on_hold = bool(account.profile["on_hold"]) and account.stored_version is not None
        changes = account.evaluate(
            facts.get(account.id) or LedgerFacts([]),
            as_of=as_of,
            policy=policy,
            actor=actor,
            reason=reason,
        )
        outcome.count(account, changes, was_on_hold=was_on_hold)
    await uow.credit.save(accounts)
    return outcome


async def _account(
    uow: CustomerUnitOfWork,
    customer_id: str,
    actor: Principal,
    *,
    policy: CreditSettings,
    as_of: date,
) -> CreditAccount:
    """The credit account of a customer ``actor`` may see (404 otherwise)."""
    await uow.customers.get_visible(customer_id, actor, with_addresses=False)
    (account,) = await uow.credit.accounts([customer_id], policy=policy, as_of=as_of)
    return account


# --- inside a caller's transaction (ledger writes, merges) ---------------------------


async def refresh_credit(
    *,
    uow: CustomerUnitOfWork,
    customer_ids: Sequence[str],
    actor: Principal,
    reason: str,
    policy: CreditSettings,
    as_of: date | None = None,
) -> RefreshOutcome:
    """Recompute the credit of customers whose ledger changed (the caller commits)."""
    as_of = as_of or today()
    outcome = RefreshOutcome()
    ids = list(dict.fromkeys(customer_ids))
    for i in range(0, len(ids), policy.recalc_batch_size):
        accounts = await uow.credit.accounts(
            ids[i : i + policy.recalc_batch_size], policy=policy, as_of=as_of
        )
        await _evaluate(
            uow,
            accounts,
            as_of=as_of,
            actor=actor.user_id,
            reason=reason,
            policy=policy,
            outcome=outcome,
        )
    return outcome


async def payment_terms(
    *, uow: CustomerUnitOfWork, customer_ids: Sequence[str], policy: CreditSettings
) -> dict[str, int]:
    """Payment terms (days) per customer: its profile's, else the default."""
    known = await uow.credit.payment_terms(list(customer_ids))
    return {cid: known.get(cid, policy.default_payment_terms_days) for cid in customer_ids}


@dataclass(frozen=True)
class CreditControl:
    """What the ledger asks of credit control (``customer.ledger.service.CreditFollowUp``):
    the payment terms that set due dates, and a new evaluation after every ledger write."""

    policy: CreditSettings

    async def payment_terms(
        self, uow: CustomerUnitOfWork, customer_ids: Sequence[str]
    ) -> dict[str, int]:
        return await payment_terms(uow=uow, customer_ids=customer_ids, policy=self.policy)

    async def ledger_changed(
        self, uow: CustomerUnitOfWork, customer_ids: Sequence[str], *, actor: Principal, reason: str
    ) -> None:
        await refresh_credit(
            uow=uow, customer_ids=customer_ids, actor=actor, reason=reason, policy=self.policy
        )


# --- use cases ----------------------------------------------------------------------


async def get_profile(
    *, uow: CustomerUnitOfWork, customer_id: str, actor: Principal, policy: CreditSettings
) -> dict[str, Any]:
    """The stored profile; for a customer never assessed, a computed one (version 0,
    nothing written)."""
    async with uow:
        as_of = today()
        account = await _account(uow, customer_id, actor, policy=policy, as_of=as_of)
        if account.stored_version is not None:
            return account.profile
        facts = (await uow.credit.ledger_facts([customer_id], as_of=as_of)).get(customer_id)
        return account.preview(facts or LedgerFacts([]), as_of=as_of, policy=policy)


async def set_terms(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    changes: dict[str, Any],
    reason: str,
    if_match: str | None,
    actor: Principal,
    policy: CreditSettings,
) -> dict[str, Any]:
    """Set the credit limit, payment terms and/or collateral (If-Match required)."""
    if not changes:
        raise InvalidInput(
            "nothing to change",
            errors=[
                {
                    "field": "credit_limit",
                    "message": "give credit_limit, payment_terms_days or collateral_amount",
                }
            ],
        )
    async with uow:
        account = await _account(uow, customer_id, actor, policy=policy, as_of=today())
        account.check_version(if_match, required=True)
        account.set_terms(changes)
        await _evaluate(
            uow, [account], as_of=today(), actor=actor.user_id, reason=reason, policy=policy
        )
        await uow.commit()
        return account.profile


async def override_rating(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    rating: Rating,
    reason: str,
    if_match: str | None,
    actor: Principal,
    policy: CreditSettings,
) -> dict[str, Any]:
    """A credit manager's rating in place of the scorecard's, with a reason."""
    async with uow:
        account = await _account(uow, customer_id, actor, policy=policy, as_of=today())
        account.check_version(if_match, required=False)
        account.override(rating, reason=reason, by=actor.user_id)
        await _evaluate(
            uow, [account], as_of=today(), actor=actor.user_id, reason=reason, policy=policy
        )
        await uow.commit()
        return account.profile


async def clear_override(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    reason: str,
    if_match: str | None,
    actor: Principal,
    policy: CreditSettings,
) -> dict[str, Any]:
    """Back to the scorecard's rating."""
    async with uow:
        account = await _account(uow, customer_id, actor, policy=policy, as_of=today())
        account.clear_override()
        account.check_version(if_match, required=False)
        await _evaluate(
            uow, [account], as_of=today(), actor=actor.user_id, reason=reason, policy=policy
        )
        await uow.commit()
        return account.profile


async def recalculate_customer(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    as_of: date | None,
    actor: Principal,
    policy: CreditSettings,
) -> dict[str, Any]:
    as_of = as_of or today()
    async with uow:
        account = await _account(uow, customer_id, actor, policy=policy, as_of=as_of)
        await _evaluate(
            uow, [account], as_of=as_of, actor=actor.user_id, reason="recalculation", policy=policy
        )
        await uow.commit()
        return account.profile


@dataclass(frozen=True)
class RecalculationSummary:
    as_of: date
    customers: int
    changed: int
    held: int
    released: int
    started_at: datetime
    finished_at: datetime


async def recalculate_all(
    *, uow: CustomerUnitOfWork, as_of: date | None, actor: Principal, policy: CreditSettings
) -> RecalculationSummary:
    """Every customer, in batches of ``policy.recalc_batch_size``, one commit per batch
    (idempotent: a run that stops half way is completed by the next one)."""
    as_of = as_of or today()
    started = utcnow()
    total = 0
    outcome = RefreshOutcome()
    async with uow:
        after: str | None = None
        while True:
            ids = await uow.credit.customer_ids_after(after, policy.recalc_batch_size)
            if not ids:
                break
            accounts = await uow.credit.accounts(ids, policy=policy, as_of=as_of)
            await _evaluate(
                uow,
                accounts,
                as_of=as_of,
                actor=actor.user_id,
                reason="recalculation",
                policy=policy,
                outcome=outcome,
            )
            outcome.profiles.clear()  # only the counts are kept across batches
            await uow.commit()
            total += len(ids)
            after = ids[-1]
    return RecalculationSummary(
        as_of, total, outcome.changed, outcome.held, outcome.released, started, utcnow()
    )


@dataclass(frozen=True)
class CreditDecision:
    allowed: bool
    reason: str
    amount: Decimal
    outstanding: Decimal
    credit_limit: Decimal | None
    available: Decimal | None
    profile: dict[str, Any]


async def check_credit(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    amount: Decimal,
    purpose: str,
    as_of: date | None,
    actor: Principal,
    policy: CreditSettings,
) -> CreditDecision:
    """May the customer take an order / paid work of ``amount``? If it would exceed the
    limit, the answer is no and the customer goes on credit hold (资信控制)."""
    as_of = as_of or today()
    async with uow:
        account = await _account(uow, customer_id, actor, policy=policy, as_of=as_of)
        facts = (await uow.credit.ledger_facts([customer_id], as_of=as_of)).get(customer_id)
        facts = facts or LedgerFacts([])
        account.evaluate(
            facts, as_of=as_of, policy=policy, actor=actor.user_id, reason="credit check"
        )
        profile = account.profile
        limit: Decimal | None = profile["credit_limit"]
        outstanding: Decimal = profile["outstanding"]
        available = None if limit is None else max(limit - outstanding, Decimal(0))
        if profile["on_hold"]:
            allowed, why = False, f"customer is on credit hold: {profile['hold_reason']}"
        elif limit is not None and outstanding + amount > limit:
            allowed = False
            why = (
                f"{purpose} of {amount:.2f} on top of outstanding {outstanding:.2f} "
                f"exceeds the limit {limit:.2f}"
            )
            account.refuse(amount)
            account.evaluate(
                facts,
                as_of=as_of,
                policy=policy,
                actor=actor.user_id,
                reason=f"credit check refused {purpose} of {amount:.2f}",
            )
        elif limit is None:
            allowed, why = True, "no credit limit assigned; only the overdue rule applies"
        else:
            allowed, why = True, f"within the limit ({available:.2f} available)"
        await uow.credit.save([account])
        await uow.commit()
        return CreditDecision(allowed, why, amount, outstanding, limit, available, account.profile)


async def rating_history(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    change: str | None,
    cursor: str | None,
    limit: int,
    actor: Principal,
) -> tuple[list[CreditHistory], str | None]:
    async with uow:
        await uow.customers.get_visible(customer_id, actor, with_addresses=False)
        return await uow.credit.history(
            customer_id=customer_id, change=change, cursor=cursor, limit=limit
        )


async def list_holds(
    *,
    uow: CustomerUnitOfWork,
    dealer_id: str | None,
    hold_code: str | None,
    rating: str | None,
    cursor: str | None,
    limit: int,
    actor: Principal,
) -> tuple[list[Any], str | None]:
    """Customers on credit hold, newest hold first; a dealer sees its own."""
    async with uow:
        return await uow.credit.holds(
            dealer_id=dealer_scope(actor, dealer_id),
            hold_code=hold_code,
            rating=rating,
            cursor=cursor,
            limit=limit,
        )
