"""In-memory repositories and unit of work of the customer service, for unit tests of its
use cases: no database, no broker. They keep the methods the use cases call on
``uow.customers``, ``uow.ledger``, ``uow.credit``, ``uow.analytics`` and
``uow.classification`` and behave the same
where a use case can tell (404 for another dealer's customer, version-guarded saves, the
events of saved credit accounts handed to the unit of work). The pattern to copy for
another service: ``FakeUnitOfWork`` (kefu_shared.testing) plus one fake per repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from customer.analytics.config import AnalyticsSettings
from customer.analytics.models import KeyAccountPlan
from customer.classification.models import ACTIVE_LOCK, ClassificationRun
from customer.credit.account import CreditAccount, CustomerInfo, LedgerFacts
from customer.credit.config import CreditSettings
from customer.models import Customer
from customer.records import CustomerHistory, CustomerInteraction
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import NotFound, PreconditionFailed
from kefu_shared.testing import FakeUnitOfWork
from kefu_shared.visibility import visible_or_404


class FakeCustomers:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[str, Customer] = {}
        self.tags: dict[str, list[str]] = {}
        self.history: list[CustomerHistory] = []
        self.interactions: list[CustomerInteraction] = []
        self._numbers = 0

    def add(self, customer: Customer) -> None:
        customer.created_at = customer.created_at or utcnow()  # the column default
        customer.updated_at = customer.updated_at or customer.created_at
        self.rows[customer.id] = customer
        self._uow.track(customer)

    async def next_number(self) -> int:
        self._numbers += 1
        return self._numbers

    async def get_visible(
        self,
        customer_id: str,
        actor: Principal,
        *,
        with_addresses: bool = True,
        for_update: bool = False,
    ) -> Customer:
        customer = visible_or_404(
            self.rows.get(customer_id), actor, what="customer", ident=customer_id
        )
        self._uow.track(customer)
        return customer

    async def get_many_visible(self, ids: Sequence[str], actor: Principal) -> list[Customer]:
        missing = [
            i for i in ids if i not in self.rows or not actor.can_see_dealer(self.rows[i].dealer_id)
        ]
        if missing:
            raise NotFound(f"customers not found: {', '.join(missing)}", missing=missing)
        for i in ids:
            self._uow.track(self.rows[i])
        return [self.rows[i] for i in ids]

    async def by_credit_code(self, code: str) -> Customer | None:
        return next((c for c in self.rows.values() if c.credit_code == code), None)

    async def release_credit_codes(self, customers: Sequence[Customer]) -> None:
        for customer in customers:
            customer.credit_code = None

    async def set_tags(self, customer_id: str, tags: Sequence[str]) -> None:
        self.tags[customer_id] = list(tags)

    def add_history(self, entry: CustomerHistory) -> None:
        self.history.append(entry)

    def add_interaction(self, interaction: CustomerInteraction) -> None:
        self.interactions.append(interaction)

    def actions(self, customer_id: str) -> list[str]:
        """The lifecycle history of a customer, oldest first (test helper)."""
        return [h.action for h in self.history if h.customer_id == customer_id]


class FakeLedger:
    def __init__(self) -> None:
        self.moves: list[tuple[list[str], str]] = []

    async def move_customers(self, from_ids: Sequence[str], to_id: str) -> None:
        self.moves.append((list(from_ids), to_id))


class FakeCredit:
    """Credit profiles as stored rows; the customers come from ``FakeCustomers``."""

    def __init__(self, uow: FakeUnitOfWork, customers: FakeCustomers) -> None:
        self._uow = uow
        self._customers = customers
        self.profiles: dict[str, dict[str, Any]] = {}
        self.facts: dict[str, LedgerFacts] = {}
        self.history: list[dict[str, Any]] = []

    def _info(self, customer: Customer) -> CustomerInfo:
        return CustomerInfo(
            id=customer.id,
            dealer_id=customer.dealer_id,
            kind=customer.kind,
            size=customer.size,
            registered_capital=customer.registered_capital,
            created_at=customer.created_at,
        )

    async def accounts(
        self, ids: Sequence[str], *, policy: CreditSettings, as_of: date
    ) -> list[CreditAccount]:
        rows = self._customers.rows
        return [
            CreditAccount(self._info(rows[i]), self.profiles.get(i), policy=policy, as_of=as_of)
            for i in ids
            if i in rows
        ]

    async def ledger_facts(self, ids: Sequence[str], *, as_of: date) -> dict[str, LedgerFacts]:
        return {i: self.facts[i] for i in ids if i in self.facts}

    async def payment_terms(self, ids: Sequence[str]) -> dict[str, int]:
        return {i: self.profiles[i]["payment_terms_days"] for i in ids if i in self.profiles}

    async def customer_ids_after(self, after: str | None, limit: int) -> list[str]:
        return sorted(i for i in self._customers.rows if after is None or i > after)[:limit]

    async def save(self, accounts: Sequence[CreditAccount]) -> None:
        for account in accounts:
            stored = self.profiles.get(account.id)
            if (stored["version"] if stored else None) != account.stored_version:
                raise PreconditionFailed("the credit profile was changed concurrently")
            self.profiles[account.id] = dict(account.profile)
            self.history.extend(account.history)
            account.history = []
            account.stored_version = account.profile["version"]
            for event in account.collect_events():
                self._uow.emit(event.data, subject=event.subject, dealerid=event.dealerid)


class FakeAnalytics:
    def __init__(self) -> None:
        self.plans: dict[str, KeyAccountPlan] = {}
        self.merges: list[tuple[str, list[str]]] = []

    async def plan(self, customer_id: str) -> KeyAccountPlan | None:
        return self.plans.get(customer_id)

    def add(self, plan: KeyAccountPlan) -> None:
        self.plans[plan.customer_id] = plan

    async def merge_service_history(
        self, *, survivor_id: str, merged_ids: Sequence[str], settings: AnalyticsSettings
    ) -> None:
        self.merges.append((survivor_id, list(merged_ids)))


class FakeClassification:
    """The runs of ``uow.classification`` that the request/job use cases touch."""

    def __init__(self) -> None:
        self.runs: dict[str, ClassificationRun] = {}

    async def active(self) -> ClassificationRun | None:
        return next((r for r in self.runs.values() if r.active_lock == ACTIVE_LOCK), None)

    def add(self, run: ClassificationRun) -> None:
        self.runs[run.id] = run

    async def get(self, run_id: str) -> ClassificationRun | None:
        return self.runs.get(run_id)

    async def flush(self) -> None:
        pass


class FakeCustomerUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.customers = FakeCustomers(self)
        self.ledger = FakeLedger()
        self.credit = FakeCredit(self, self.customers)
        self.analytics = FakeAnalytics()
        self.classification = FakeClassification()
