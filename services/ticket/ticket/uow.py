"""The ticket service's unit of work: one transaction and the repositories that work in
it (``uow.tickets``, ``uow.coverage``, ``uow.technicians``, ``uow.plans``); unit tests run
the use cases against ``tests/ticket/unit/fakes.FakeTicketUnitOfWork``."""

from __future__ import annotations

from typing import Self

from kefu_shared.uow import UnitOfWork
from ticket.coverage_repository import CoverageRepository
from ticket.dispatch_repository import PlanRepository, TechnicianRepository
from ticket.repository import TicketRepository


class TicketUnitOfWork(UnitOfWork):
    tickets: TicketRepository
    coverage: CoverageRepository
    technicians: TechnicianRepository
    plans: PlanRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        session = self.session
        self.tickets = TicketRepository(session)
        self.coverage = CoverageRepository(session)
        self.technicians = TechnicianRepository(session)
        self.plans = PlanRepository(session)
        return self
