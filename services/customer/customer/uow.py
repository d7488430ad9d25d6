"""The customer service's unit of work: one transaction, and the repositories that work in
it. A use case takes only this (``uow.customers``, ``uow.ledger``, ``uow.credit``...), so
its unit tests run it against ``tests/customer/unit/fakes.FakeCustomerUnitOfWork``."""

from __future__ import annotations

from typing import Self

from customer.analytics.reports import ReportsRepository
from customer.analytics.repository import AnalyticsRepository
from customer.classification.repository import ClassificationRepository
from customer.credit.repository import CreditRepository
from customer.ledger.repository import LedgerRepository
from customer.repository import CustomerRepository
from kefu_shared.service import ServiceRuntime
from kefu_shared.uow import UnitOfWork


class CustomerUnitOfWork(UnitOfWork):
    customers: CustomerRepository
    ledger: LedgerRepository
    credit: CreditRepository
    analytics: AnalyticsRepository
    reports: ReportsRepository
    classification: ClassificationRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        session = self.session
        self.customers = CustomerRepository(session)
        self.ledger = LedgerRepository(session)
        # Credit profiles are written set-based, not as ORM objects: the repository hands
        # the events their aggregates recorded to this unit of work when it saves them.
        self.credit = CreditRepository(session, emit=self.emit)
        self.analytics = AnalyticsRepository(session)
        self.reports = ReportsRepository(session)
        self.classification = ClassificationRepository(session)
        return self


def customer_uow(runtime: ServiceRuntime) -> CustomerUnitOfWork:
    """A unit of work of the runtime, which ``create_app`` sets up to make this class."""
    uow = runtime.uow()
    if not isinstance(uow, CustomerUnitOfWork):
        raise TypeError(f"the runtime makes {type(uow).__name__}, not CustomerUnitOfWork")
    return uow
