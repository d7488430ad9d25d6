"""The credit account of one customer (客户资信): the aggregate behind a credit profile.

Its methods are the credit manager's and the system's verbs -- :meth:`CreditAccount.set_terms`,
:meth:`~CreditAccount.override`, :meth:`~CreditAccount.clear_override`,
:meth:`~CreditAccount.refuse` (a credit check said no) -- and :meth:`~CreditAccount.evaluate`,
which recomputes receivables, scorecard and the hold (putting the customer on hold or
releasing it), writes the history entries and records ``customer.credit_changed``. No I/O:
the credit repository loads accounts and saves them set-based (many customers a statement),
handing their recorded events to the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from customer.credit.config import CreditSettings
from customer.credit.domain import (
    CreditFacts,
    HoldState,
    OpenInvoice,
    Rating,
    age_receivables,
    hold_state,
    score_credit,
)
from kefu_shared.contracts.customer import CustomerCreditChanged
from kefu_shared.db import utcnow
from kefu_shared.errors import BusinessRuleViolation
from kefu_shared.http.etag import check_if_match
from kefu_shared.uow import EventRecorder

CENT = Decimal("0.01")
ZERO = Decimal(0)
# Fields whose change is a new version of the profile (and a new ETag).
VERSIONED = (
    "score", "computed_rating", "override_rating", "rating", "credit_limit",
    "payment_terms_days", "collateral_amount", "outstanding", "overdue_amount",
    "max_overdue_days", "revenue_12m", "on_hold", "hold_code", "hold_reason",
    "blocked_amount", "override_reason", "override_by",
)  # fmt: skip


@dataclass
class CustomerInfo:
    """What the scorecard needs to know of the customer itself."""

    id: str
    dealer_id: str | None
    kind: str
    size: str | None
    registered_capital: Decimal | None
    created_at: datetime


@dataclass
class LedgerFacts:
    """The customer's ledger as of a day, as the credit rules read it."""

    open_invoices: list[OpenInvoice]
    credits: Decimal = ZERO
    invoices_settled: int = 0
    invoices_paid_on_time: int = 0
    revenue_12m: Decimal = ZERO
    first_order: date | None = None


def new_profile(customer_id: str, policy: CreditSettings, as_of: date) -> dict[str, Any]:
    """The profile of a customer never assessed (version 0, nothing stored yet)."""
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
        "collateral_amount": ZERO,
        "outstanding": ZERO,
        "overdue_amount": ZERO,
        "max_overdue_days": 0,
        "revenue_12m": ZERO,
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


def profile_etag(profile: dict[str, Any]) -> str:
    return f'"credit-{profile["customer_id"]}.{profile["version"]}"'


class CreditAccount(EventRecorder):
    def __init__(
        self,
        info: CustomerInfo,
        stored: dict[str, Any] | None,
        *,
        policy: CreditSettings,
        as_of: date,
    ) -> None:
        self.info = info
        # The version of the stored row (None: no row yet); saving is guarded by it.
        self.stored_version: int | None = stored["version"] if stored else None
        self.profile: dict[str, Any] = (
            dict(stored) if stored else new_profile(info.id, policy, as_of)
        )
        # What the last evaluation left (None: never evaluated); changes compare with it.
        self._previous: dict[str, Any] | None = dict(stored) if stored else None
        self._edits: dict[str, Any] = {}
        self.history: list[dict[str, Any]] = []  # entries to write with the profile

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def dealer_id(self) -> str | None:
        return self.info.dealer_id

    @property
    def etag(self) -> str:
        return profile_etag(self.profile)

    def check_version(self, if_match: str | None, *, required: bool) -> None:
        """412 when ``If-Match`` names another version; 428 without it when ``required``."""
        if required or if_match:
            check_if_match(if_match, self.etag)

    # --- the verbs; each takes effect with the next evaluate() --------------------------

    def set_terms(self, changes: dict[str, Any]) -> None:
        """Credit limit, payment terms and/or collateral, as the credit manager sets them."""
        self._edit(changes)

    def override(self, rating: Rating, *, reason: str, by: str) -> None:
        """A credit manager's rating in place of the scorecard's (the fifth C)."""
        self._edit(
            {
                "override_rating": rating,
                "override_reason": reason,
                "override_by": by,
                "override_at": utcnow(),
            }
        )

    def clear_override(self) -> None:
        if self.profile["override_rating"] is None:
            raise BusinessRuleViolation("the rating of this customer is not overridden")
        self._edit(
            {
                "override_rating": None,
                "override_reason": None,
                "override_by": None,
                "override_at": None,
            }
        )

    def refuse(self, amount: Decimal) -> None:
        """A credit check refused an order of ``amount``: hold until it fits the limit."""
        self._edit({"blocked_amount": amount})

    def _edit(self, values: dict[str, Any]) -> None:
        self._edits.update(values)
        self.profile.update(values)

    # --- evaluation ---------------------------------------------------------------------

    def evaluate(
        self,
        facts: LedgerFacts,
        *,
        as_of: date,
        policy: CreditSettings,
        actor: str,
        reason: str,
    ) -> list[str]:
        """Recompute the profile from the ledger and the customer; record what changed
        (history and ``customer.credit_changed``); return the changes."""
        old = self._previous
        new = self._compute(facts, as_of=as_of, policy=policy)
        changes = self._changes(old, new)
        now = utcnow()
        if old is None or any(old[k] != new[k] for k in VERSIONED):
            new["version"] = (old["version"] if old else 0) + 1
            new["updated_at"] = now
            new["updated_by"] = actor
        self.profile = new
        self._previous = dict(new)
        self._edits = {}
        if changes:
            self._record(old, changes, reason=reason, actor=actor, at=now)
        return changes

    def preview(self, facts: LedgerFacts, *, as_of: date, policy: CreditSettings) -> dict[str, Any]:
        """The profile an evaluation would give, changing and recording nothing."""
        return self._compute(facts, as_of=as_of, policy=policy)

    def _compute(
        self, facts: LedgerFacts, *, as_of: date, policy: CreditSettings
    ) -> dict[str, Any]:
        current, info = self.profile, self.info
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
                collateral=current["collateral_amount"] or ZERO,
                credit_limit=limit,
            ),
            policy,
        )
        blocked = current["blocked_amount"]
        if blocked is not None and (limit is None or outstanding + blocked <= limit):
            blocked = None  # the refused order fits now (payment received or limit raised)
        new = {
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
            "blocked_amount": blocked,
            "as_of": as_of,
            "calculated_at": utcnow(),
        }
        state = hold_state(
            outstanding=outstanding,
            credit_limit=limit,
            max_overdue_days=rec.max_overdue_days,
            blocked_amount=blocked,
            policy=policy,
        )
        if state.on_hold:
            _hold(new, state, held_before=bool(current["on_hold"]))
        else:
            _release(new)
        return new

    def _changes(self, old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
        edits = self._edits
        out: list[str] = []
        if "override_rating" in edits:
            out.append("override" if edits["override_rating"] else "override_cleared")
        elif old is None or old["rating"] != new["rating"]:
            out.append("rating")
        for key, name in (("credit_limit", "limit"), ("payment_terms_days", "terms")):
            if (old is not None and old[key] != new[key]) or (old is None and key in edits):
                out.append(name)
        was_on_hold = bool(old and old["on_hold"])
        if new["on_hold"] and (
            not was_on_hold or old is None or old["hold_code"] != new["hold_code"]
        ):
            out.append("hold")
        elif was_on_hold and not new["on_hold"]:
            out.append("release")
        return out

    def _record(
        self,
        old: dict[str, Any] | None,
        changes: list[str],
        *,
        reason: str,
        actor: str,
        at: datetime,
    ) -> None:
        new = self.profile
        for change in changes:
            text = f"{new['hold_reason']} ({reason})" if change == "hold" else reason
            self.history.append(
                {
                    "customer_id": self.id,
                    "at": at,
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
        self.record(
            CustomerCreditChanged(
                id=self.id,
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
                dealer_id=self.dealer_id,
                changes=changes,
                score=new["score"],
                payment_terms_days=new["payment_terms_days"],
            )
        )


def _hold(profile: dict[str, Any], state: HoldState, *, held_before: bool) -> None:
    """Credit hold (资信控制): keeps the day it started while the customer stays held."""
    profile["on_hold"] = True
    profile["hold_code"] = state.code
    profile["hold_reason"] = state.reason
    if not held_before or profile["hold_since"] is None:
        profile["hold_since"] = utcnow()


def _release(profile: dict[str, Any]) -> None:
    profile["on_hold"] = False
    profile["hold_code"] = None
    profile["hold_reason"] = None
    profile["hold_since"] = None
