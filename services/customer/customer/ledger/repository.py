"""Every query of the sales ledger."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVarTuple, cast

from sqlalchemy import Select, Table, and_, case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from customer.ledger.models import Order, Payment
from customer.models import Customer
from kefu_shared.auth import Principal
from kefu_shared.errors import InvalidInput
from kefu_shared.http.pagination import decode_cursor, encode_cursor
from kefu_shared.visibility import dealer_scope

# Bound parameters per IN (...) list: well under SQLite's 32766 and asyncpg's 32767.
CHUNK = 1000

ORDER_FIELDS = (
    "customer_id", "external_ref", "kind", "order_date", "currency", "amount", "fx_rate",
    "gross_margin", "net_amount", "net_margin", "product_line", "due_date", "paid_date",
)  # fmt: skip
PAYMENT_FIELDS = (
    "customer_id", "external_ref", "order_ref", "paid_on", "currency", "amount", "fx_rate",
    "net_amount", "method",
)  # fmt: skip


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def date_cursor(cursor: str | None, *, sort: str) -> tuple[date, int] | None:
    """Decode a (date, id) cursor; dates travel as ISO strings."""
    if not cursor:
        return None
    values = decode_cursor(cursor, sort=sort)
    try:
        day, ident = values
        return date.fromisoformat(day), int(ident)
    except (ValueError, TypeError):
        raise InvalidInput(
            "invalid cursor", errors=[{"field": "cursor", "message": "shape"}]
        ) from None


Ts = TypeVarTuple("Ts")


def _visible(stmt: Select[*Ts], actor: Principal) -> Select[*Ts]:
    """Only the customers ``actor`` may see (``kefu_shared.visibility.dealer_scope``)."""
    dealer = dealer_scope(actor)
    return stmt if dealer is None else stmt.where(Customer.dealer_id == dealer)


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customers_by_ids(self, ids: Sequence[str], actor: Principal) -> set[str]:
        """The ids of ``ids`` that are customers ``actor`` may see."""
        out: set[str] = set()
        for part in _chunks(list(ids)):
            stmt = _visible(select(Customer.id).where(Customer.id.in_(part)), actor)
            out.update((await self.session.execute(stmt)).scalars())
        return out

    async def customers_by_numbers(
        self, numbers: Sequence[str], actor: Principal
    ) -> dict[str, str]:
        """number -> id of the customers ``actor`` may see."""
        out: dict[str, str] = {}
        for part in _chunks(list(numbers)):
            stmt = _visible(
                select(Customer.number, Customer.id).where(Customer.number.in_(part)), actor
            )
            out.update({row.number: row.id for row in await self.session.execute(stmt)})
        return out

    async def existing_orders(self, refs: Sequence[str]) -> dict[str, dict[str, Any]]:
        """external_ref -> stored values, for the refs that are already in the ledger."""
        return await self._existing(Order, ORDER_FIELDS, refs)

    async def existing_payments(self, refs: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await self._existing(Payment, PAYMENT_FIELDS, refs)

    async def _existing(
        self, model: type[Order] | type[Payment], fields: Sequence[str], refs: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        cols = [getattr(model, f) for f in fields]
        for part in _chunks(list(refs)):
            stmt = select(*cols).where(model.external_ref.in_(part))
            for row in await self.session.execute(stmt):
                values = dict(row._mapping)
                out[values["external_ref"]] = values
        return out

    async def summary(self, customer_id: str, *, today: date) -> dict[str, Any]:
        """Orders, revenue (all time and the last 365 days), margin, first and last order."""
        since = today - timedelta(days=365)
        in_window = Order.order_date >= since
        row = (
            await self.session.execute(
                select(
                    func.count(Order.id),
                    func.coalesce(func.sum(Order.net_amount), 0),
                    func.coalesce(func.sum(case((in_window, Order.net_amount), else_=0)), 0),
                    func.coalesce(func.sum(case((in_window, Order.net_margin), else_=0)), 0),
                    func.min(Order.order_date),
                    func.max(Order.order_date),
                ).where(Order.customer_id == customer_id)
            )
        ).one()
        return {
            "orders": int(row[0]),
            "revenue_total": Decimal(row[1]),
            "revenue_12m": Decimal(row[2]),
            "margin_12m": Decimal(row[3]),
            "first_order": row[4],
            "last_order": row[5],
        }

    async def move_customers(self, from_ids: Sequence[str], to_id: str) -> None:
        """Every order and payment of ``from_ids`` now belongs to ``to_id`` (a merge)."""
        for model in (Order, Payment):
            await self.session.execute(
                update(model).where(model.customer_id.in_(list(from_ids))).values(customer_id=to_id)
            )

    async def insert_orders(self, rows: list[dict[str, Any]]) -> None:
        # Core executemany ("insertmanyvalues"): no ORM objects, one round trip per batch.
        if rows:
            await self.session.execute(insert(cast(Table, Order.__table__)), rows)

    async def insert_payments(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(cast(Table, Payment.__table__)), rows)

    async def add(self, entry: Order | Payment) -> None:
        """Store one entry now (its id is known afterwards)."""
        self.session.add(entry)
        await self.session.flush()

    async def order_by_ref(self, external_ref: str) -> Order | None:
        stmt = select(Order).where(Order.external_ref == external_ref)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def payment_by_ref(self, external_ref: str) -> Payment | None:
        stmt = select(Payment).where(Payment.external_ref == external_ref)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_orders(
        self,
        *,
        customer_id: str,
        date_from: date | None,
        date_to: date | None,
        kind: str | None,
        product_line: str | None,
        unpaid: bool,
        overdue_on: date | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Order], str | None]:
        """Newest first; ``overdue_on`` keeps unpaid invoices due before that day."""
        stmt: Select[Any] = select(Order).where(Order.customer_id == customer_id)
        if date_from:
            stmt = stmt.where(Order.order_date >= date_from)
        if date_to:
            stmt = stmt.where(Order.order_date <= date_to)
        if kind:
            stmt = stmt.where(Order.kind == kind)
        if product_line:
            stmt = stmt.where(Order.product_line == product_line)
        if unpaid or overdue_on:
            stmt = stmt.where(Order.kind == "invoice", Order.paid_date.is_(None))
        if overdue_on:
            stmt = stmt.where(Order.due_date < overdue_on)
        return await self._page(stmt, Order.order_date, Order.id, cursor, limit, "orders")

    async def list_payments(
        self,
        *,
        customer_id: str,
        date_from: date | None,
        date_to: date | None,
        method: str | None,
        order_ref: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[Payment], str | None]:
        stmt: Select[Any] = select(Payment).where(Payment.customer_id == customer_id)
        if date_from:
            stmt = stmt.where(Payment.paid_on >= date_from)
        if date_to:
            stmt = stmt.where(Payment.paid_on <= date_to)
        if method:
            stmt = stmt.where(Payment.method == method)
        if order_ref:
            stmt = stmt.where(Payment.order_ref == order_ref)
        return await self._page(stmt, Payment.paid_on, Payment.id, cursor, limit, "payments")

    async def _page(
        self,
        stmt: Select[Any],
        day_col: Any,
        id_col: Any,
        cursor: str | None,
        limit: int,
        sort: str,
    ) -> tuple[list[Any], str | None]:
        after = date_cursor(cursor, sort=sort)
        if after is not None:
            day, ident = after
            stmt = stmt.where(or_(day_col < day, and_(day_col == day, id_col < ident)))
        stmt = stmt.order_by(day_col.desc(), id_col.desc()).limit(limit + 1)
        rows = list((await self.session.execute(stmt)).scalars())
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            key = last.order_date if sort == "orders" else last.paid_on
            next_cursor = encode_cursor([key.isoformat(), last.id], sort=sort)
        return items, next_cursor
