"""Every query of complaints: lookups (``get_visible``, the dealer scope), the list and
its filters, the escalation sweep's due complaints, corrective actions, the local
customer copy and the survey recoveries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Text, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from complaint.models import Complaint, customer_copies, platform
from complaint.records import CorrectiveAction, SurveyRecovery
from complaint.stats.cells import Contribution, contribution
from kefu_shared.audit import AuditRead, list_audit
from kefu_shared.auth import Principal
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.numbering import next_number
from kefu_shared.visibility import dealer_scope, visible_or_404

SORTS: dict[str, tuple[str, bool]] = {
    "received_at": ("received_at", False),
    "-received_at": ("received_at", True),
    "resolve_due": ("resolve_due", False),
    "-resolve_due": ("resolve_due", True),
    "number": ("number", False),
    "-number": ("number", True),
}


@dataclass
class ComplaintFilter:
    """Filters of the complaint list: every field of intake, workflow and investigation."""

    q: str | None = None
    status: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    department: list[str] = field(default_factory=list)
    root_cause_code: list[str] = field(default_factory=list)
    remedy: list[str] = field(default_factory=list)
    customer_id: str | None = None
    dealer_id: str | None = None
    handler_id: str | None = None  # the handler, or a co-handler
    product_model: str | None = None
    serial_number: str | None = None
    key_account: bool | None = None
    overdue: bool | None = None
    escalation_level_min: int | None = None
    ticket_id: str | None = None
    parent_id: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    purchase_from: date | None = None
    purchase_to: date | None = None

    def apply(self, stmt: Select[Any], actor: Principal) -> Select[Any]:
        """The filters, with the dealer filter forced to a dealer's own complaints."""
        c = Complaint
        multi = {
            c.status: self.status,
            c.channel: self.channel,
            c.category: self.category,
            c.severity: self.severity,
            c.department: self.department,
            c.root_cause_code: self.root_cause_code,
            c.remedy: self.remedy,
        }
        for column, values in multi.items():
            if values:
                stmt = stmt.where(column.in_(values))
        single: dict[Any, Any] = {
            c.customer_id: self.customer_id,
            c.dealer_id: dealer_scope(actor, self.dealer_id),
            c.product_model: self.product_model,
            c.serial_number: self.serial_number,
            c.key_account: self.key_account,
            c.overdue: self.overdue,
            c.ticket_id: self.ticket_id,
            c.parent_id: self.parent_id,
        }
        for column, value in single.items():
            if value is not None:
                stmt = stmt.where(column == value)
        if self.handler_id:
            # co_handlers is a JSON list: match the quoted id inside it, on both dialects.
            stmt = stmt.where(
                or_(
                    c.handler_id == self.handler_id,
                    c.co_handlers.cast(Text()).like(f'%"{_escape_like(self.handler_id)}"%', "\\"),
                )
            )
        if self.escalation_level_min is not None:
            stmt = stmt.where(c.escalation_level >= self.escalation_level_min)
        ranges: tuple[tuple[Any, Any, Any], ...] = (
            (c.received_at, self.received_from, self.received_to),
            (c.purchase_date, self.purchase_from, self.purchase_to),
        )
        for column, lo, hi in ranges:
            if lo is not None:
                stmt = stmt.where(column >= lo)
            if hi is not None:
                stmt = stmt.where(column < hi)
        if self.q:
            pattern = f"%{_escape_like(self.q.strip())}%"
            stmt = stmt.where(
                or_(
                    c.number.ilike(pattern, escape="\\"),
                    c.description.ilike(pattern, escape="\\"),
                    c.product_model.ilike(pattern, escape="\\"),
                    c.serial_number.ilike(pattern, escape="\\"),
                    c.root_cause_text.ilike(pattern, escape="\\"),
                )
            )
        return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ComplaintRepository:
    """Complaints; every complaint handed out for a change is remembered with its
    statistics contribution, so that the unit of work writes what the change moved."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._touched: dict[str, tuple[Complaint, Contribution | None]] = {}

    def _track(self, complaint: Complaint, *, new: bool = False) -> Complaint:
        if complaint.id not in self._touched:
            self._touched[complaint.id] = (complaint, None if new else contribution(complaint))
        return complaint

    def touched(self) -> list[tuple[Complaint, Contribution | None]]:
        """Complaints handed out for a change, with their contribution when handed out."""
        out = list(self._touched.values())
        self._touched.clear()
        return out

    def add(self, complaint: Complaint) -> None:
        self.session.add(complaint)
        self._track(complaint, new=True)

    async def next_number(self) -> int:
        """The next complaint number (``kefu_shared.numbering``)."""
        return await next_number(self.session, platform.sequences, "complaint")

    async def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None:
        stmt = select(Complaint).where(Complaint.id == complaint_id)
        if for_update:
            stmt = stmt.with_for_update()
        complaint = (await self.session.execute(stmt)).scalar_one_or_none()
        return self._track(complaint) if complaint is not None else None

    async def get_visible(
        self, complaint_id: str, actor: Principal, *, for_update: bool = False
    ) -> Complaint:
        """The complaint, or 404 when it is missing or another dealer's: every lookup of a
        complaint by id goes through here (``kefu_shared.visibility``)."""
        complaint = await self.get(complaint_id, for_update=for_update)
        return visible_or_404(complaint, actor, what="complaint", ident=complaint_id)

    async def list_page(
        self, flt: ComplaintFilter, *, actor: Principal, sort: str, limit: int, cursor: str | None
    ) -> tuple[list[Complaint], str | None]:
        column_name, descending = SORTS[sort]
        column = getattr(Complaint, column_name)
        stmt = flt.apply(select(Complaint), actor)
        stmt = apply_keyset(
            stmt,
            [column, Complaint.id],
            cursor=cursor,
            limit=limit,
            descending=descending,
            sort=sort,
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(
            rows, limit=limit, key=lambda c: [getattr(c, column_name), c.id], sort=sort
        )

    async def due_for_escalation(self, now: datetime, *, limit: int) -> list[Complaint]:
        """Complaints whose next escalation step is due, locked (skipping those another
        transaction holds: a second sweep never escalates the same complaint twice)."""
        stmt = (
            select(Complaint)
            .where(Complaint.next_escalation_at.is_not(None), Complaint.next_escalation_at <= now)
            .order_by(Complaint.next_escalation_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return [self._track(c) for c in rows]

    async def by_ticket(self, ticket_id: str, complaint_id: str | None) -> Complaint | None:
        """The complaint a ticket belongs to: by the ticket's complaint id, or by the link."""
        if complaint_id:
            return await self.get(complaint_id, for_update=True)
        stmt = select(Complaint).where(Complaint.ticket_id == ticket_id).with_for_update()
        complaint = (await self.session.execute(stmt)).scalars().first()
        return self._track(complaint) if complaint is not None else None

    async def of_customers(self, customer_ids: Sequence[str]) -> list[Complaint]:
        """Every complaint of these customers (a merge or an erasure), locked."""
        stmt = (
            select(Complaint).where(Complaint.customer_id.in_(list(customer_ids))).with_for_update()
        )
        return [self._track(c) for c in (await self.session.execute(stmt)).scalars().all()]

    async def records_page(
        self, complaint_id: str, *, action: str | None, limit: int, cursor: str | None
    ) -> tuple[list[AuditRead], str | None]:
        """The complaint's record (客户投诉记录表): who did what, when, why, newest first."""
        assert platform.audit is not None  # PlatformTables(..., audit=True) in models.py
        return await list_audit(
            self.session,
            platform.audit,
            aggregate_type="complaint",
            aggregate_id=complaint_id,
            action=action,
            cursor=cursor,
            limit=limit,
        )

    # --- corrective and preventive actions ------------------------------------------------

    def add_action(self, action: CorrectiveAction) -> None:
        self.session.add(action)

    async def get_action(self, complaint_id: str, action_id: str) -> CorrectiveAction | None:
        stmt = select(CorrectiveAction).where(
            CorrectiveAction.id == action_id, CorrectiveAction.complaint_id == complaint_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def actions_page(
        self, complaint_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[CorrectiveAction], str | None]:
        stmt = apply_keyset(
            select(CorrectiveAction).where(CorrectiveAction.complaint_id == complaint_id),
            [CorrectiveAction.created_at, CorrectiveAction.id],
            cursor=cursor,
            limit=limit,
            sort="actions",
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda a: [a.created_at, a.id], sort="actions")

    # --- service recovery ----------------------------------------------------------------

    async def recovery_of(self, response_id: str) -> SurveyRecovery | None:
        return await self.session.get(SurveyRecovery, response_id)

    def add_recovery(self, recovery: SurveyRecovery) -> None:
        self.session.add(recovery)


@dataclass(frozen=True)
class CustomerCopy:
    """What the complaint service knows of a customer (its local copy)."""

    id: str
    dealer_id: str | None
    key_account: bool
    tier: str | None
    region_class: str | None
    status: str
    merged_into: str | None


class CustomerCopies:
    """The local copy of customers, fed by customer events (``kefu_shared.replicas``)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, customer_id: str) -> CustomerCopy | None:
        t = customer_copies
        row = (
            await self.session.execute(
                select(
                    t.c.id,
                    t.c.dealer_id,
                    t.c.key_account,
                    t.c.tier,
                    t.c.region_class,
                    t.c.status,
                    t.c.merged_into,
                ).where(t.c.id == customer_id)
            )
        ).first()
        return CustomerCopy(**row._mapping) if row is not None else None
