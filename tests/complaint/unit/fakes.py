"""In-memory repositories and unit of work of the complaint service, for unit tests of
its use cases: no database, no broker. They keep the methods the use cases call on
``uow.complaints``, ``uow.customers`` and ``uow.stats`` and behave the same where a use
case can tell (404 for another dealer's complaint, the record kept per complaint, the
statistics' delta rows written at commit). Copied from ``tests/customer/unit/fakes.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from complaint.models import Complaint
from complaint.records import CorrectiveAction, SurveyRecovery
from complaint.repository import CustomerCopy
from complaint.stats.cells import COUNTERS, Contribution, contribution
from complaint.uow import record_statistics
from kefu_shared.audit import AuditRead, audit_rows
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.testing import FakeUnitOfWork
from kefu_shared.visibility import visible_or_404


class FakeComplaints:
    def __init__(self, uow: FakeComplaintUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[str, Complaint] = {}
        self.actions: dict[str, CorrectiveAction] = {}
        self.recoveries: dict[str, SurveyRecovery] = {}
        self._numbers = 0
        self._touched: dict[str, tuple[Complaint, Contribution | None]] = {}

    def _track(self, complaint: Complaint, *, new: bool = False) -> Complaint:
        self._uow.track(complaint)
        if complaint.id not in self._touched:
            self._touched[complaint.id] = (complaint, None if new else contribution(complaint))
        return complaint

    def touched(self) -> list[tuple[Complaint, Contribution | None]]:
        out = list(self._touched.values())
        self._touched.clear()
        return out

    def add(self, complaint: Complaint) -> None:
        complaint.created_at = complaint.updated_at = utcnow()
        self.rows[complaint.id] = complaint
        self._track(complaint, new=True)

    async def next_number(self) -> int:
        self._numbers += 1
        return self._numbers

    async def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None:
        complaint = self.rows.get(complaint_id)
        return self._track(complaint) if complaint is not None else None

    async def get_visible(
        self, complaint_id: str, actor: Principal, *, for_update: bool = False
    ) -> Complaint:
        complaint = visible_or_404(
            self.rows.get(complaint_id), actor, what="complaint", ident=complaint_id
        )
        return self._track(complaint)

    async def due_for_escalation(self, now: datetime, *, limit: int) -> list[Complaint]:
        due = sorted(
            (c for c in self.rows.values() if c.next_escalation_at and c.next_escalation_at <= now),
            key=lambda c: c.next_escalation_at or now,
        )
        return [self._track(c) for c in due[:limit]]

    async def by_ticket(self, ticket_id: str, complaint_id: str | None) -> Complaint | None:
        if complaint_id:
            return await self.get(complaint_id)
        found = next((c for c in self.rows.values() if c.ticket_id == ticket_id), None)
        return self._track(found) if found else None

    async def of_customers(self, customer_ids: Sequence[str]) -> list[Complaint]:
        return [self._track(c) for c in self.rows.values() if c.customer_id in customer_ids]

    async def records_page(
        self, complaint_id: str, *, action: str | None, limit: int, cursor: str | None
    ) -> tuple[list[AuditRead], str | None]:
        rows = [r for r in self._uow.records(complaint_id) if action in (None, r.action)]
        return list(reversed(rows))[:limit], None

    def add_action(self, action: CorrectiveAction) -> None:
        self.actions[action.id] = action

    async def get_action(self, complaint_id: str, action_id: str) -> CorrectiveAction | None:
        item = self.actions.get(action_id)
        return item if item is not None and item.complaint_id == complaint_id else None

    async def recovery_of(self, response_id: str) -> SurveyRecovery | None:
        return self.recoveries.get(response_id)

    def add_recovery(self, recovery: SurveyRecovery) -> None:
        self.recoveries[recovery.response_id] = recovery


class FakeCustomerCopies:
    def __init__(self) -> None:
        self.rows: dict[str, CustomerCopy] = {}

    def put(self, cid: str, **kw: Any) -> str:
        values: dict[str, Any] = {
            "id": cid,
            "dealer_id": None,
            "key_account": False,
            "tier": "normal",
            "region_class": "local",
            "status": "active",
            "merged_into": None,
            **kw,
        }
        self.rows[cid] = CustomerCopy(**values)
        return cid

    async def get(self, customer_id: str) -> CustomerCopy | None:
        return self.rows.get(customer_id)


class FakeStats:
    def __init__(self) -> None:
        self.deltas: list[dict[str, Any]] = []
        self.repeats: dict[tuple[str, str], int] = {}

    async def add_deltas(self, rows: Sequence[dict[str, Any]]) -> None:
        self.deltas.extend(rows)

    async def count_repeat(self, *, kind: str, key: str, dealer: str | None, by: int = 1) -> None:
        self.repeats[(kind, key)] = self.repeats.get((kind, key), 0) + by

    async def move_customer_repeats(self, from_ids: Sequence[str], to_id: str) -> None:
        moved = sum(self.repeats.pop(("customer", i), 0) for i in from_ids)
        if moved:
            await self.count_repeat(kind="customer", key=to_id, dealer=None, by=moved)

    def totals(self, **cell: str) -> dict[str, int]:
        """The counters summed over the delta rows matching ``cell`` (test helper)."""
        out = dict.fromkeys(COUNTERS, 0)
        for row in self.deltas:
            if all(row.get(k) == v for k, v in cell.items()):
                for n in COUNTERS:
                    out[n] += row.get(n, 0)
        return out


class FakeComplaintUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.complaints = FakeComplaints(self)
        self.customers = FakeCustomerCopies()
        self.stats = FakeStats()

    def records(self, complaint_id: str) -> list[AuditRead]:
        """The committed record of one complaint, oldest first (test helper), as the
        records route reads it."""
        rows = audit_rows(
            [e for e in self.audited if e.aggregate_id == complaint_id], correlation_id=None
        )
        return [AuditRead(id=i + 1, **row) for i, row in enumerate(rows)]

    def actions_of(self, complaint_id: str) -> list[str]:
        return [r.action for r in self.records(complaint_id)]

    async def before_commit(self) -> None:
        await record_statistics(self.complaints.touched(), self.stats)

    async def rollback(self) -> None:
        self.complaints.touched()
        await super().rollback()
