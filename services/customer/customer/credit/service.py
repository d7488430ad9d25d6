"""Use cases of credit analysis and credit control (客户信用分析 / 资信控制).

Every path goes through :func:`_refresh`: load the profiles and ledger facts of a set of
customers, apply the edit (limit, terms, override, a refused order), recompute the
receivables, the scorecard and the hold, then write profiles, history and
``customer.credit_changed`` events with set-based statements. Nothing here commits but
``uow.commit()``; :func:`refresh_credit` runs inside a caller's transaction (the ledger).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from customer.credit.config import CreditSettings
from customer.credit.domain import (
    CreditFacts,
    Rating,
    age_receivables,
    hold_state,
    score_credit,
)
from customer.credit.models import CreditHistory
from customer.credit.repository import CreditRepository, CustomerInfo, LedgerFacts
from customer.repository import CustomerRepository
from kefu_shared.auth import Principal
from kefu_shared.contracts.customer import CustomerCreditChanged
from kefu_shared.db import utcnow
from kefu_shared.errors import BusinessRuleViolation, InvalidInput
from kefu_shared.http.etag import check_if_match
from kefu_shared.uow import UnitOfWork
from kefu_shared.visibility import dealer_scope

CENT = Decimal("0.01")
SYSTEM = "system"
# Fields whose change is a new version of the profile (and a new ETag).
_VERSIONED = (
    "score", "computed_rating", "override_rating", "rating", "credit_limit",
    "payment_terms_days", "collateral_amount", "outstanding", "overdue_amount",
    "max_overdue_days", "revenue_12m", "on_hold", "hold_code", "hold_reason",
    "blocked_amount", "override_reason", "override_by",
)  # fmt: skip


def today() -> date:
    return utcnow().date()


def etag(profile: dict[str, Any]) -> str:
    return f'"credit-{profile["customer_id"]}.{profile["version"]}"'


@dataclass
class RefreshOutcome:
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: int = 0
    held: int = 0
    released: int = 0


def _new_profile(customer_id: str, policy: CreditSettings, as_of: date) -> dict[str, Any]:
    now = utcnow()
    return {
        "customer_id": customer_id,
        "version": 0,
        "score": 0,
        "computed_rating": "C",
        "override_rating": None,
        "rating": "C",
        "factors": {},
        "credit_limit": policy.default_credit_limit,
        "payment_terms_days": policy.default_payment_terms_days,
        "collateral_amount": Decimal(0),
        "outstanding": Decimal(0),
        "overdue_amount": Decimal(0),
        "max_overdue_days": 0,
        "revenue_12m": Decimal(0),
        "on_hold": False,
        "hold_code": None,
        "hold_reason": None,
        "hold_since": None,
        "blocked_amount": None,
        "override_reason": None,
        "override_by": None,
        "override_at": None,
        "as_of": as_of,
        "calculated_at": now,
        "updated_at": now,
        "updated_by": None,
    }


def _compute(
    current: dict[str, Any],
    info: CustomerInfo,
    facts: LedgerFacts,
    *,
    as_of: date,
    policy: CreditSettings,
) -> dict[str, Any]:
    """The profile recomputed from the ledger and the customer's profile (pure)."""
    rec = age_receivables(facts.open_invoices, credits=facts.credits, as_of=as_of)
    outstanding = rec.outstanding.quantize(CENT)
    overdue = rec.overdue_amount.quantize(CENT)
    start = info.created_at.date()
    if facts.first_order is not None and facts.first_order < start:
        start = facts.first_order
    limit = current["credit_limit"]
    card = score_credit(
        CreditFacts(
            invoices_settled=facts.invoices_settled,
            invoices_paid_on_time=facts.invoices_paid_on_time,
            overdue_invoices=rec.overdue_invoices,
            outstanding=outstanding,
            overdue_amount=overdue,
            max_overdue_days=rec.max_overdue_days,
            relationship_days=max(0, (as_of - start).days),
            revenue_12m=facts.revenue_12m,
            kind=info.kind,
            size=info.size,
            registered_capital=info.registered_capital,
            collateral=current["collateral_amount"] or Decimal(0),
            credit_limit=limit,
        ),
        policy,
    )
    blocked = current["blocked_amount"]
    if blocked is not None and (limit is None or outstanding + blocked <= limit):
        blocked = None  # the refused order fits now (payment received or limit raised)
    hold = hold_state(
        outstanding=outstanding,
        credit_limit=limit,
        max_overdue_days=rec.max_overdue_days,
        blocked_amount=blocked,
        policy=policy,
    )
    hold_since = current["hold_since"] if current["on_hold"] and hold.on_hold else None
    if hold.on_hold and hold_since is None:
        hold_since = utcnow()
    return {
        **current,
        "score": card.score,
        "computed_rating": card.rating,
        "rating": current["override_rating"] or card.rating,
        "factors": {
            **card.as_dict(),
            "open_invoices": len(facts.open_invoices),
            "overdue_invoices": rec.overdue_invoices,
            "invoices_settled": facts.invoices_settled,
            "invoices_paid_on_time": facts.invoices_paid_on_time,
        },
        "outstanding": outstanding,
        "overdue_amount": overdue,
        "max_overdue_days": rec.max_overdue_days,
        "revenue_12m": facts.revenue_12m.quantize(CENT),
        "on_hold": hold.on_hold,
        "hold_code": hold.code,
        "hold_reason": hold.reason,
        "hold_since": hold_since,
        "blocked_amount": blocked,
        "as_of": as_of,
        "calculated_at": utcnow(),
    }


def _changes(old: dict[str, Any] | None, new: dict[str, Any], edits: dict[str, Any]) -> list[str]:
    out: list[str] = []
    if "override_rating" in edits:
        out.append("override" if edits["override_rating"] else "override_cleared")
    elif old is None or old["rating"] != new["rating"]:
        out.append("rating")
    for key, name in (("credit_limit", "limit"), ("payment_terms_days", "terms")):
        if (old is not None and old[key] != new[key]) or (old is None and key in edits):
            out.append(name)
    was_on_hold = bool(old and old["on_hold"])
    if new["on_hold"] and (not was_on_hold or old is None or old["hold_code"] != new["hold_code"]):
        out.append("hold")
    elif was_on_hold and not new["on_hold"]:
        out.append("release")
    return out


async def _refresh(
    uow: UnitOfWork,
    ids: Sequence[str],
    *,
    as_of: date,
    actor: str,
    reason: str,
    policy: CreditSettings,
    edits: dict[str, Any] | None = None,
    if_match: str | None = None,
    require_if_match: bool = False,
) -> RefreshOutcome:
    """Recompute, then write what changed: profiles, history and events (no commit)."""
    repo = CreditRepository(uow.session)
    ids = list(dict.fromkeys(ids))
    customers = await repo.customers(ids)
    existing = await repo.profiles(ids, lock=True)
    facts = await repo.ledger_facts(ids, as_of=as_of)
    edits = edits or {}
    now = utcnow()
    outcome = RefreshOutcome()
    inserts: list[dict[str, Any]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    history: list[dict[str, Any]] = []
    for cid in ids:
        info = customers.get(cid)
        if info is None:
            continue
        old = existing.get(cid)
        current = dict(old) if old else _new_profile(cid, policy, as_of)
        if require_if_match or if_match:
            check_if_match(if_match, etag(current))
        current.update(edits)
        new = _compute(current, info, facts.get(cid) or LedgerFacts([]), as_of=as_of, policy=policy)
        changes = _changes(old, new, edits)
        if old is None or any(old[k] != new[k] for k in _VERSIONED):
            new["version"] = (old["version"] if old else 0) + 1
            new["updated_at"] = now
            new["updated_by"] = actor
        if old is None:
            inserts.append(new)
        else:
            updates.append((old["version"], new))
        outcome.profiles[cid] = new
        if not changes:
            continue
        outcome.changed += 1
        outcome.held += "hold" in changes and not (old and old["on_hold"])
        outcome.released += "release" in changes
        for change in changes:
            text = reason
            if change == "hold":
                text = f"{new['hold_reason']} ({reason})"
            history.append(
                {
                    "customer_id": cid,
                    "at": now,
                    "actor": actor,
                    "change": change,
                    "previous_rating": old["rating"] if old else None,
                    "rating": new["rating"],
                    "score": new["score"],
                    "previous_limit": old["credit_limit"] if old else None,
                    "credit_limit": new["credit_limit"],
                    "payment_terms_days": new["payment_terms_days"],
                    "on_hold": new["on_hold"],
                    "reason": text,
                }
            )
        uow.emit(
            CustomerCreditChanged(
                id=cid,
                rating=new["rating"],
                previous_rating=old["rating"] if old else None,
                limit=new["credit_limit"],
                outstanding=new["outstanding"],
                overdue_days=new["max_overdue_days"],
                overdue_amount=new["overdue_amount"],
                on_hold=new["on_hold"],
                hold_code=new["hold_code"],
                hold_reason=new["hold_reason"],
                reason=reason,
                dealer_id=info.dealer_id,
                changes=changes,
                score=new["score"],
                payment_terms_days=new["payment_terms_days"],
            ),
            subject=cid,
            dealerid=info.dealer_id,
        )
    await repo.insert_profiles(inserts)
    await repo.update_profiles(updates)
    await repo.insert_history(history)
    return outcome


async def _visible(repo: CreditRepository, customer_id: str, actor: Principal) -> CustomerInfo:
    await CustomerRepository(repo.session).get_visible(customer_id, actor, with_addresses=False)
    return (await repo.customers([customer_id]))[customer_id]


# --- used by the ledger, inside its transaction -------------------------------------


async def refresh_credit(
    *,
    uow: UnitOfWork,
    customer_ids: Sequence[str],
    actor: Principal,
    reason: str,
    policy: CreditSettings,
    as_of: date | None = None,
) -> RefreshOutcome:
    """Recompute the credit of customers whose ledger changed (caller commits)."""
    as_of = as_of or today()
    outcome = RefreshOutcome()
    ids = list(dict.fromkeys(customer_ids))
    for i in range(0, len(ids), policy.recalc_batch_size):
        part = await _refresh(
            uow,
            ids[i : i + policy.recalc_batch_size],
            as_of=as_of,
            actor=actor.user_id,
            reason=reason,
            policy=policy,
        )
        outcome.changed += part.changed
        outcome.held += part.held
        outcome.released += part.released
        outcome.profiles.update(part.profiles)
    return outcome


async def payment_terms(
    *, uow: UnitOfWork, customer_ids: Sequence[str], policy: CreditSettings
) -> dict[str, int]:
    """Payment terms (days) per customer: its profile's, else the default."""
    known = await CreditRepository(uow.session).payment_terms(list(customer_ids))
    return {cid: known.get(cid, policy.default_payment_terms_days) for cid in customer_ids}


# --- use cases ----------------------------------------------------------------------


async def get_profile(
    *, uow: UnitOfWork, customer_id: str, actor: Principal, policy: CreditSettings
) -> dict[str, Any]:
    """The stored profile; for a customer never assessed, a computed one (version 0)."""
    async with uow:
        repo = CreditRepository(uow.session)
        info = await _visible(repo, customer_id, actor)
        stored = (await repo.profiles([customer_id])).get(customer_id)
        if stored is not None:
            return stored
        as_of = today()
        facts = (await repo.ledger_facts([customer_id], as_of=as_of)).get(customer_id)
        return _compute(
            _new_profile(customer_id, policy, as_of),
            info,
            facts or LedgerFacts([]),
            as_of=as_of,
            policy=policy,
        )


async def set_terms(
    *,
    uow: UnitOfWork,
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
        await _visible(CreditRepository(uow.session), customer_id, actor)
        out = await _refresh(
            uow,
            [customer_id],
            as_of=today(),
            actor=actor.user_id,
            reason=reason,
            policy=policy,
            edits=changes,
            if_match=if_match,
            require_if_match=True,
        )
        await uow.commit()
        return out.profiles[customer_id]


async def override_rating(
    *,
    uow: UnitOfWork,
    customer_id: str,
    rating: Rating,
    reason: str,
    if_match: str | None,
    actor: Principal,
    policy: CreditSettings,
) -> dict[str, Any]:
    """A credit manager's rating in place of the scorecard's, with a reason."""
    async with uow:
        await _visible(CreditRepository(uow.session), customer_id, actor)
        out = await _refresh(
            uow,
            [customer_id],
            as_of=today(),
            actor=actor.user_id,
            reason=reason,
            policy=policy,
            edits={
                "override_rating": rating,
                "override_reason": reason,
                "override_by": actor.user_id,
                "override_at": utcnow(),
            },
            if_match=if_match,
        )
        await uow.commit()
        return out.profiles[customer_id]


async def clear_override(
    *,
    uow: UnitOfWork,
    customer_id: str,
    reason: str,
    if_match: str | None,
    actor: Principal,
    policy: CreditSettings,
) -> dict[str, Any]:
    """Back to the scorecard's rating."""
    async with uow:
        repo = CreditRepository(uow.session)
        await _visible(repo, customer_id, actor)
        stored = (await repo.profiles([customer_id])).get(customer_id)
        if stored is None or stored["override_rating"] is None:
            raise BusinessRuleViolation("the rating of this customer is not overridden")
        out = await _refresh(
            uow,
            [customer_id],
            as_of=today(),
            actor=actor.user_id,
            reason=reason,
            policy=policy,
            edits={
                "override_rating": None,
                "override_reason": None,
                "override_by": None,
                "override_at": None,
            },
            if_match=if_match,
        )
        await uow.commit()
        return out.profiles[customer_id]


async def recalculate_customer(
    *,
    uow: UnitOfWork,
    customer_id: str,
    as_of: date | None,
    actor: Principal,
    policy: CreditSettings,
) -> dict[str, Any]:
    async with uow:
        await _visible(CreditRepository(uow.session), customer_id, actor)
        out = await _refresh(
            uow,
            [customer_id],
            as_of=as_of or today(),
            actor=actor.user_id,
            reason="recalculation",
            policy=policy,
        )
        await uow.commit()
        return out.profiles[customer_id]


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
    *, uow: UnitOfWork, as_of: date | None, actor: Principal, policy: CreditSettings
) -> RecalculationSummary:
    """Every customer, in batches of ``policy.recalc_batch_size``, one commit per batch
    (idempotent: a run that stops half way is completed by the next one)."""
    as_of = as_of or today()
    started = utcnow()
    total = changed = held = released = 0
    async with uow:
        repo = CreditRepository(uow.session)
        after: str | None = None
        while True:
            ids = await repo.customer_ids_after(after, policy.recalc_batch_size)
            if not ids:
                break
            out = await _refresh(
                uow, ids, as_of=as_of, actor=actor.user_id, reason="recalculation", policy=policy
            )
            await uow.commit()
            total += len(ids)
            changed += out.changed
            held += out.held
            released += out.released
            after = ids[-1]
    return RecalculationSummary(as_of, total, changed, held, released, started, utcnow())


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
    uow: UnitOfWork,
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
        await _visible(CreditRepository(uow.session), customer_id, actor)
        out = await _refresh(
            uow, [customer_id], as_of=as_of, actor=actor.user_id, reason="credit check",
            policy=policy,
        )  # fmt: skip
        profile = out.profiles[customer_id]
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
            out = await _refresh(
                uow,
                [customer_id],
                as_of=as_of,
                actor=actor.user_id,
                reason=f"credit check refused {purpose} of {amount:.2f}",
                policy=policy,
                edits={"blocked_amount": amount},
            )
            profile = out.profiles[customer_id]
        elif limit is None:
            allowed, why = True, "no credit limit assigned; only the overdue rule applies"
        else:
            allowed, why = True, f"within the limit ({available:.2f} available)"
        await uow.commit()
        return CreditDecision(allowed, why, amount, outstanding, limit, available, profile)


async def rating_history(
    *,
    uow: UnitOfWork,
    customer_id: str,
    change: str | None,
    cursor: str | None,
    limit: int,
    actor: Principal,
) -> tuple[list[CreditHistory], str | None]:
    async with uow:
        repo = CreditRepository(uow.session)
        await _visible(repo, customer_id, actor)
        return await repo.history(
            customer_id=customer_id, change=change, cursor=cursor, limit=limit
        )


async def list_holds(
    *,
    uow: UnitOfWork,
    dealer_id: str | None,
    hold_code: str | None,
    rating: str | None,
    cursor: str | None,
    limit: int,
    actor: Principal,
) -> tuple[list[Any], str | None]:
    """Customers on credit hold, longest held... newest first; a dealer sees its own."""
    async with uow:
        return await CreditRepository(uow.session).holds(
            dealer_id=dealer_scope(actor, dealer_id),
            hold_code=hold_code,
            rating=rating,
            cursor=cursor,
            limit=limit,
        )
