"""The complaint service's unit of work: one transaction and the repositories that work
in it (``uow.complaints``, ``uow.customers``, ``uow.stats``). A use case takes only this,
so its unit tests run it against ``tests/complaint/unit/fakes.FakeComplaintUnitOfWork``.

At commit it writes what the changed complaints moved in the statistics (delta rows,
:mod:`complaint.stats.cells`) and, for a new complaint, counts the repeat complaints of
its customer and product unit -- in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, Self

from complaint.models import Complaint
from complaint.repository import ComplaintRepository, CustomerCopies
from complaint.stats.cells import Contribution, contribution, delta_rows
from complaint.stats.repository import StatsRepository
from kefu_shared.uow import UnitOfWork


class ComplaintUnitOfWork(UnitOfWork):
    complaints: ComplaintRepository
    customers: CustomerCopies
    stats: StatsRepository
    _committing: list[tuple[Complaint, Contribution | None]]

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.complaints = ComplaintRepository(self.session)
        self.customers = CustomerCopies(self.session)
        self.stats = StatsRepository(self.session)
        return self

    async def before_commit(self) -> None:
        # Held until the unit of work ends: a complaint flushed early (an autoflush) is
        # only weakly referenced by the session, and its pending events would go with it
        # if nothing else kept it (a consumer's handler has returned by now).
        self._committing = self.complaints.touched()
        await record_statistics(self._committing, self.stats)

    async def __aexit__(self, *exc: Any) -> None:
        self._committing = []
        await super().__aexit__(*exc)


class _Stats(Protocol):
    async def add_deltas(self, rows: Sequence[dict[str, Any]]) -> None: ...

    async def count_repeat(
        self, *, kind: str, key: str, dealer: str | None, by: int = 1
    ) -> None: ...


async def record_statistics(
    touched: Sequence[tuple[Complaint, Contribution | None]], stats: _Stats
) -> None:
    """What the complaints changed in this unit of work moved in the statistics (also
    called by the unit tests' fake unit of work)."""
    rows = []
    for complaint, before in touched:
        rows += delta_rows(before, contribution(complaint))
        if before is None:
            await count_repeats(stats, complaint)
    await stats.add_deltas(rows)


async def count_repeats(stats: _Stats, complaint: Complaint) -> None:
    """A new complaint counts for its customer and its product unit (repeat complaints)."""
    await stats.count_repeat(kind="customer", key=complaint.customer_id, dealer=complaint.dealer_id)
    if complaint.serial_number:
        await stats.count_repeat(
            kind="unit",
            key=f"{complaint.product_model or ''}|{complaint.serial_number}",
            dealer=complaint.dealer_id,
        )
