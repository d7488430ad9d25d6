"""Every query of the credit area. Profiles are read and written as rows (set-based), so
that recalculating thousands of customers is a few statements per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from customer.credit.account import CreditAccount, CustomerInfo, LedgerFacts
from customer.credit.config import CreditSettings
from customer.credit.domain import OpenInvoice
from customer.credit.models import CreditHistory, CreditProfile
from customer.ledger.models import Order, Payment
from customer.models import Customer
from kefu_shared.errors import PreconditionFailed
from kefu_shared.http.pagination import apply_keyset, page_from_rows

profiles = cast(Table, CreditProfile.__table__)
history = cast(Table, CreditHistory.__table__)
# UnitOfWork.emit: where saved accounts' events go.
Emit = Callable[..., None]


class CreditRepository:
    def __init__(self, session: AsyncSession, *, emit: Emit) -> None:
        self.session = session
        self._emit = emit

    async def accounts(
        self, ids: Sequence[str], *, policy: CreditSettings, as_of: date
    ) -> list[CreditAccount]:
        """The credit accounts of the customers of ``ids`` that exist, in that order, their
        stored profiles locked until the transaction ends."""
        customers = await self.customers(ids)
        stored = await self.profiles(ids, lock=True)
        return [
            CreditAccount(customers[i], stored.get(i), policy=policy, as_of=as_of)
            for i in ids
            if i in customers
        ]

    async def save(self, accounts: Sequence[CreditAccount]) -> None:
        """Write the accounts (new profiles inserted, the others updated under their
        version), their history entries, and hand their events to the unit of work."""
        await self.insert_profiles([a.profile for a in accounts if a.stored_version is None])
        await self.update_profiles(
            [(a.stored_version, a.profile) for a in accounts if a.stored_version is not None]
        )
        await self.insert_history([h for a in accounts for h in a.history])
        for account in accounts:
            account.history = []
            account.stored_version = account.profile["version"]
            for event in account.collect_events():
                self._emit(event.data, subject=event.subject, dealerid=event.dealerid)

    # --- reads ----------------------------------------------------------------------

    async def customers(self, ids: Sequence[str]) -> dict[str, CustomerInfo]:
        stmt = select(
            Customer.id,
            Customer.dealer_id,
            Customer.kind,
            Customer.size,
            Customer.registered_capital,
            Customer.created_at,
        ).where(Customer.id.in_(ids))
        return {r.id: CustomerInfo(**r._mapping) for r in await self.session.execute(stmt)}

    async def profiles(
        self, ids: Sequence[str], *, lock: bool = False
    ) -> dict[str, dict[str, Any]]:
        stmt = select(profiles).where(profiles.c.customer_id.in_(ids))
        if lock:
            stmt = stmt.with_for_update()
        return {r.customer_id: dict(r._mapping) for r in await self.session.execute(stmt)}

    async def payment_terms(self, ids: Sequence[str]) -> dict[str, int]:
        stmt = select(profiles.c.customer_id, profiles.c.payment_terms_days).where(
            profiles.c.customer_id.in_(ids)
        )
        return {r.customer_id: r.payment_terms_days for r in await self.session.execute(stmt)}

    async def ledger_facts(self, ids: Sequence[str], *, as_of: date) -> dict[str, LedgerFacts]:
        """Open invoices, credits (payments + refunds) and scorecard counts as of a day."""
        facts: dict[str, LedgerFacts] = defaultdict(lambda: LedgerFacts([]))
        # An invoice is open unless the ERP marked it paid on or before as_of.
        open_stmt = select(
            Order.customer_id, Order.due_date, Order.order_date, Order.net_amount
        ).where(
            Order.customer_id.in_(ids),
            Order.kind == "invoice",
            Order.order_date <= as_of,
            (Order.paid_date.is_(None)) | (Order.paid_date > as_of),
        )
        for r in await self.session.execute(open_stmt):
            facts[r.customer_id].open_invoices.append(
                OpenInvoice(r.due_date or r.order_date, Decimal(r.net_amount))
            )
        # A payment naming an invoice the ERP already marked paid is that settlement:
        # it must not be applied a second time.
        settled = (
            select(Order.id)
            .where(
                Order.external_ref == Payment.order_ref,
                Order.paid_date.is_not(None),
                Order.paid_date <= as_of,
            )
            .correlate(Payment)
        )
        pay_stmt = (
            select(Payment.customer_id, func.sum(Payment.net_amount).label("total"))
            .where(Payment.customer_id.in_(ids), Payment.paid_on <= as_of, ~exists(settled))
            .group_by(Payment.customer_id)
        )
        for received in await self.session.execute(pay_stmt):
            facts[received.customer_id].credits += Decimal(received.total or 0)
        since = as_of - timedelta(days=365)
        paid = and_(Order.kind == "invoice", Order.paid_date <= as_of)
        agg = (
            select(
                Order.customer_id,
                func.sum(case((Order.kind == "refund", -Order.net_amount), else_=0)).label(
                    "refunds"
                ),
                func.sum(case((paid, 1), else_=0)).label("settled"),
                func.sum(case((and_(paid, Order.paid_date <= Order.due_date), 1), else_=0)).label(
                    "on_time"
                ),
                func.sum(case((Order.order_date > since, Order.net_amount), else_=0)).label(
                    "revenue"
                ),
                func.min(Order.order_date).label("first_order"),
            )
            .where(Order.customer_id.in_(ids), Order.order_date <= as_of)
            .group_by(Order.customer_id)
        )
        for r in await self.session.execute(agg):
            f = facts[r.customer_id]
            f.credits += Decimal(r.refunds or 0)
            f.invoices_settled = int(r.settled or 0)
            f.invoices_paid_on_time = int(r.on_time or 0)
            f.revenue_12m = Decimal(r.revenue or 0)
            first = r.first_order
            f.first_order = date.fromisoformat(first) if isinstance(first, str) else first
        return dict(facts)

    async def customer_ids_after(self, after: str | None, limit: int) -> list[str]:
        stmt = select(Customer.id).order_by(Customer.id).limit(limit)
        if after is not None:
            stmt = stmt.where(Customer.id > after)
        return list((await self.session.execute(stmt)).scalars())

    async def holds(
        self,
        *,
        dealer_id: str | None,
        hold_code: str | None,
        rating: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Any], str | None]:
        stmt = (
            select(CreditProfile, Customer.number, Customer.name, Customer.dealer_id)
            .join(Customer, Customer.id == CreditProfile.customer_id)
            .where(CreditProfile.on_hold.is_(True))
        )
        if dealer_id is not None:
            stmt = stmt.where(Customer.dealer_id == dealer_id)
        if hold_code:
            stmt = stmt.where(CreditProfile.hold_code == hold_code)
        if rating:
            stmt = stmt.where(CreditProfile.rating == rating)
        cols = [CreditProfile.hold_since, CreditProfile.customer_id]
        stmt = apply_keyset(stmt, cols, cursor=cursor, limit=limit, descending=True, sort="holds")
        rows = (await self.session.execute(stmt)).all()
        return page_from_rows(
            rows, limit=limit, key=lambda r: [r[0].hold_since, r[0].customer_id], sort="holds"
        )

    async def history(
        self, *, customer_id: str, change: str | None, cursor: str | None, limit: int
    ) -> tuple[list[CreditHistory], str | None]:
        stmt = select(CreditHistory).where(CreditHistory.customer_id == customer_id)
        if change:
            stmt = stmt.where(CreditHistory.change == change)
        stmt = apply_keyset(
            stmt, [CreditHistory.id], cursor=cursor, limit=limit, descending=True, sort="history"
        )
        rows = list((await self.session.execute(stmt)).scalars())
        return page_from_rows(rows, limit=limit, key=lambda h: [h.id], sort="history")

    # --- writes ---------------------------------------------------------------------

    async def insert_profiles(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(profiles), rows)

    async def update_profiles(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Version-guarded UPDATEs; ``rows`` are (version read, new values).

        One row (an edit through the API): check that it matched, else someone changed
        the profile since it was read. Many rows (recalculation): one executemany; the
        rows were locked when read (PostgreSQL) and SQLite serialises writers.
        """
        if not rows:
            return
        if len(rows) == 1:
            expected, values = rows[0]
            stmt = (
                update(profiles)
                .where(
                    profiles.c.customer_id == values["customer_id"],
                    profiles.c.version == expected,
                )
                .values(**{k: v for k, v in values.items() if k != "customer_id"})
            )
            result = await self.session.execute(stmt)
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise PreconditionFailed(
                    "the credit profile was changed concurrently; read it again and retry"
                )
            return
        stmt = update(profiles).where(
            profiles.c.customer_id == bindparam("b_customer_id"),
            profiles.c.version == bindparam("b_version"),
        )
        params = [
            {
                **{k: v for k, v in values.items() if k != "customer_id"},
                "b_customer_id": values["customer_id"],
                "b_version": expected,
            }
            for expected, values in rows
        ]
        await self.session.execute(stmt, params)

    async def insert_history(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(history), rows)
