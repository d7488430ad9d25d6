"""The complaint service's unit of work: one transaction and the repositories that work
in it (``uow.complaints``, ``uow.customers``, ``uow.stats``). A use case takes only this,
so its unit tests run it against ``tests/complaint/unit/fakes.FakeComplaintUnitOfWork``.

At commit it writes what the changed complaints moved in the statistics (delta rows,
:mod:`complaint.stats.cells`) and, for a new complaint, counts the repeat complaints of
its customer and product unit -- in the same transaction as the change."""

from __future__ import annotations

from typing import Self

from complaint.models import Complaint
from complaint.repository import ComplaintRepository, CustomerCopies
from complaint.stats.cells import contribution, delta_rows
from complaint.stats.repository import StatsRepository
from kefu_shared.uow import UnitOfWork


class ComplaintUnitOfWork(UnitOfWork):
    complaints: ComplaintRepository
    customers: CustomerCopies
    stats: StatsRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.complaints = ComplaintRepository(self.session)
        self.customers = CustomerCopies(self.session)
        self.stats = StatsRepository(self.session)
        return self

    async def commit(self) -> None:
        rows = []
        for complaint, before in self.complaints.touched():
            rows += delta_rows(before, contribution(complaint))
            if before is None:
                await count_repeats(self.stats, complaint)
        await self.stats.add_deltas(rows)
        await super().commit()


async def count_repeats(stats: StatsRepository, complaint: Complaint) -> None:
    """A new complaint counts for its customer and its product unit (repeat complaints)."""
    await stats.count_repeat(kind="customer", key=complaint.customer_id, dealer=complaint.dealer_id)
    if complaint.serial_number:
        await stats.count_repeat(
            kind="unit",
            key=f"{complaint.product_model or ''}|{complaint.serial_number}",
            dealer=complaint.dealer_id,
        )
