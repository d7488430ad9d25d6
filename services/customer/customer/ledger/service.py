"""Use cases of the sales ledger: record orders/invoices, refunds and payments one by
one or in bulk (JSON or the ERP's CSV), list them. Every write recomputes the credit of
the customers it touched, in the same transaction.

Imports are all-or-nothing: every row is checked first and, if any is bad, nothing is
written and the problem lists every bad row (up to ``MAX_REPORTED_ERRORS``). A row whose
``external_ref`` is already stored with identical values is skipped, so re-sending a feed
is a safe no-op; the same ``external_ref`` with other values is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError

from customer.credit import service as credit
from customer.credit.config import CreditSettings
from customer.ledger import csvfeed
from customer.ledger.models import Order, Payment
from customer.ledger.repository import ORDER_FIELDS, PAYMENT_FIELDS, LedgerRepository
from customer.ledger.schemas import (
    ImportResult,
    OrderCreate,
    OrderImportRow,
    PaymentCreate,
    PaymentImportRow,
)
from customer.repository import CustomerRepository
from kefu_shared.auth import Principal
from kefu_shared.db import new_uuid, utcnow
from kefu_shared.errors import Conflict, InvalidInput
from kefu_shared.uow import UnitOfWork

CENT = Decimal("0.01")
MAX_IMPORT_ROWS = 50_000
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_REPORTED_ERRORS = 1000

_order_rows = TypeAdapter(OrderImportRow)
_payment_rows = TypeAdapter(PaymentImportRow)


def _net(amount: Decimal, rate: Decimal, sign: int) -> Decimal:
    return (amount * rate).quantize(CENT) * sign


def order_values(data: OrderCreate, *, customer_id: str, terms_days: int) -> dict[str, Any]:
    """The stored row: base-currency net values signed (refunds negative), due date set."""
    sign = -1 if data.kind == "refund" else 1
    rate = data.rate
    due = data.due_date
    if due is None and data.kind == "invoice":
        due = data.order_date + timedelta(days=terms_days)
    return {
        "customer_id": customer_id,
        "external_ref": data.external_ref,
        "kind": data.kind,
        "order_date": data.order_date,
        "currency": data.currency,
        "amount": data.amount,
        "fx_rate": rate,
        "gross_margin": data.gross_margin,
        "net_amount": _net(data.amount, rate, sign),
        "net_margin": None if data.gross_margin is None else _net(data.gross_margin, rate, sign),
        "product_line": data.product_line,
        "due_date": due,
        "paid_date": data.paid_date,
    }


def payment_values(data: PaymentCreate, *, customer_id: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "external_ref": data.external_ref,
        "order_ref": data.order_ref,
        "paid_on": data.paid_on,
        "currency": data.currency,
        "amount": data.amount,
        "fx_rate": data.rate,
        "net_amount": _net(data.amount, data.rate, 1),
        "method": data.method,
    }


def _same(stored: dict[str, Any], values: dict[str, Any], fields: tuple[str, ...]) -> bool:
    """Is an incoming row the one already stored? (a due date left out matches any)"""
    for f in fields:
        if f == "due_date" and values.get("_due_given") is False:
            continue
        a, b = stored.get(f), values.get(f)
        if isinstance(a, str) and isinstance(b, date):
            a = date.fromisoformat(a)
        if a != b:
            return False
    return True


async def _customer(repo: LedgerRepository, customer_id: str, actor: Principal) -> None:
    await CustomerRepository(repo.session).get_visible(customer_id, actor, with_addresses=False)


# --- one entry ----------------------------------------------------------------------


async def record_order(
    *,
    uow: UnitOfWork,
    customer_id: str,
    data: OrderCreate,
    actor: Principal,
    policy: CreditSettings,
) -> tuple[Order, bool]:
    """Record an order/invoice or refund; returns (order, created). An identical retry
    returns the stored order; the same external_ref with other values is a conflict."""
    async with uow:
        repo = LedgerRepository(uow.session)
        await _customer(repo, customer_id, actor)
        terms = await credit.payment_terms(uow=uow, customer_ids=[customer_id], policy=policy)
        values = order_values(data, customer_id=customer_id, terms_days=terms[customer_id])
        stored = await repo.order_by_ref(data.external_ref)
        if stored is not None:
            same = _same(
                {f: getattr(stored, f) for f in ORDER_FIELDS},
                {**values, "_due_given": data.due_date is not None},
                ORDER_FIELDS,
            )
            if same:
                return stored, False
            raise Conflict(
                f"external_ref {data.external_ref} is already in the ledger with other values",
                errors=[{"field": "external_ref", "message": "already exists"}],
            )
        order = Order(**values, created_at=utcnow())
        uow.session.add(order)
        await uow.session.flush()
        await credit.refresh_credit(
            uow=uow,
            customer_ids=[customer_id],
            actor=actor,
            reason=f"{data.kind} {data.external_ref} recorded",
            policy=policy,
        )
        await uow.commit()
        return order, True


async def record_payment(
    *,
    uow: UnitOfWork,
    customer_id: str,
    data: PaymentCreate,
    actor: Principal,
    policy: CreditSettings,
) -> tuple[Payment, bool]:
    async with uow:
        repo = LedgerRepository(uow.session)
        await _customer(repo, customer_id, actor)
        values = payment_values(data, customer_id=customer_id)
        stored = await repo.payment_by_ref(data.external_ref)
        if stored is not None:
            if _same({f: getattr(stored, f) for f in PAYMENT_FIELDS}, values, PAYMENT_FIELDS):
                return stored, False
            raise Conflict(
                f"external_ref {data.external_ref} is already in the ledger with other values",
                errors=[{"field": "external_ref", "message": "already exists"}],
            )
        payment = Payment(**values, created_at=utcnow())
        uow.session.add(payment)
        await uow.session.flush()
        await credit.refresh_credit(
            uow=uow,
            customer_ids=[customer_id],
            actor=actor,
            reason=f"payment {data.external_ref} recorded",
            policy=policy,
        )
        await uow.commit()
        return payment, True


# --- lists --------------------------------------------------------------------------


async def list_orders(
    *, uow: UnitOfWork, customer_id: str, actor: Principal, **filters: Any
) -> tuple[list[Order], str | None]:
    async with uow:
        repo = LedgerRepository(uow.session)
        await _customer(repo, customer_id, actor)
        return await repo.list_orders(customer_id=customer_id, **filters)


async def list_payments(
    *, uow: UnitOfWork, customer_id: str, actor: Principal, **filters: Any
) -> tuple[list[Payment], str | None]:
    async with uow:
        repo = LedgerRepository(uow.session)
        await _customer(repo, customer_id, actor)
        return await repo.list_payments(customer_id=customer_id, **filters)


# --- bulk import --------------------------------------------------------------------


@dataclass
class _Row:
    section: str
    row: int
    data: OrderImportRow | PaymentImportRow
    customer_id: str = ""


def _locate(section: str, row: int, csv_rows: bool) -> dict[str, Any]:
    return {"row": row, "line": row + 1} if csv_rows else {"section": section, "row": row}


def _column(section: str, field: str, csv_rows: bool) -> str:
    if not csv_rows:
        return field
    names = (
        csvfeed.ORDER_FIELD_TO_COLUMN if section == "orders" else csvfeed.PAYMENT_FIELD_TO_COLUMN
    )
    return names.get(field, field)


async def import_ledger(
    *,
    uow: UnitOfWork,
    orders: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    actor: Principal,
    policy: CreditSettings,
    csv_rows: list[tuple[str, int]] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> ImportResult:
    """Validate every row, then write all of them or none (see the module docstring).

    ``csv_rows`` gives, for a CSV feed, each dict's (section, data row number) so errors
    point at the file's rows; ``errors`` are structural errors the CSV parser found.
    """
    errors = list(errors or [])
    if len(orders) + len(payments) > MAX_IMPORT_ROWS:
        raise InvalidInput(
            f"an import holds at most {MAX_IMPORT_ROWS} rows; split the feed",
            errors=[{"field": "rows", "message": f"more than {MAX_IMPORT_ROWS}"}],
        )
    is_csv = csv_rows is not None
    numbering = iter(csv_rows or [])
    rows: list[_Row] = []
    for section, raws, adapter in (
        ("orders", orders, _order_rows),
        ("payments", payments, _payment_rows),
    ):
        for i, raw in enumerate(raws, start=1):
            n = next(numbering)[1] if is_csv else i
            try:
                rows.append(_Row(section, n, adapter.validate_python(raw)))
            except ValidationError as exc:
                for err in exc.errors():
                    loc = [str(p) for p in err["loc"]]
                    field = ".".join(loc) if loc else "customer_id"
                    errors.append(
                        {
                            **_locate(section, n, is_csv),
                            "field": _column(section, field, is_csv),
                            "message": err["msg"],
                        }
                    )
    if not rows and not errors:
        raise InvalidInput(
            "the import holds no rows", errors=[{"field": "rows", "message": "empty"}]
        )

    async with uow:
        repo = LedgerRepository(uow.session)
        by_id = await repo.customers_by_ids(
            sorted({r.data.customer_id for r in rows if r.data.customer_id})
        )
        by_number = await repo.customers_by_numbers(
            sorted({r.data.customer_number for r in rows if r.data.customer_number})
        )
        for r in rows:
            d = r.data
            cid, dealer, field = None, None, "customer_id"
            if d.customer_id:
                cid, dealer = d.customer_id, by_id.get(d.customer_id)
                if cid not in by_id:
                    cid = None
            if d.customer_number:
                field = "customer_number" if not d.customer_id else field
                hit = by_number.get(d.customer_number)
                if hit is None:
                    cid, field = None, "customer_number"
                elif d.customer_id and cid and hit[0] != cid:
                    errors.append(
                        {
                            **_locate(r.section, r.row, is_csv),
                            "field": "customer_number",
                            "message": "names another customer than customer_id",
                        }
                    )
                    continue
                elif not d.customer_id:
                    cid, dealer = hit
            if cid is None or not actor.can_see_dealer(dealer):
                errors.append(
                    {
                        **_locate(r.section, r.row, is_csv),
                        "field": field,
                        "message": "unknown customer",
                    }
                )
                continue
            r.customer_id = cid

        resolved = [r for r in rows if r.customer_id]
        terms = await credit.payment_terms(
            uow=uow,
            customer_ids=sorted({r.customer_id for r in resolved if r.section == "orders"}),
            policy=policy,
        )
        batch = new_uuid()
        now = utcnow()
        new_orders: list[dict[str, Any]] = []
        new_payments: list[dict[str, Any]] = []
        skipped = {"orders": 0, "payments": 0}
        for section in ("orders", "payments"):
            part = [r for r in resolved if r.section == section]
            refs = sorted({r.data.external_ref for r in part})
            stored = await (
                repo.existing_orders(refs) if section == "orders" else repo.existing_payments(refs)
            )
            fields = ORDER_FIELDS if section == "orders" else PAYMENT_FIELDS
            seen: dict[str, int] = {}
            for r in part:
                ref = r.data.external_ref
                if ref in seen:
                    errors.append(
                        {
                            **_locate(section, r.row, is_csv),
                            "field": "external_ref",
                            "message": f"duplicate of row {seen[ref]} in this import",
                        }
                    )
                    continue
                seen[ref] = r.row
                if section == "orders":
                    assert isinstance(r.data, OrderImportRow)
                    values = order_values(
                        r.data, customer_id=r.customer_id, terms_days=terms[r.customer_id]
                    )
                    given = {"_due_given": r.data.due_date is not None}
                else:
                    assert isinstance(r.data, PaymentImportRow)
                    values = payment_values(r.data, customer_id=r.customer_id)
                    given = {}
                if ref in stored:
                    if _same(stored[ref], {**values, **given}, fields):
                        skipped[section] += 1
                        continue
                    errors.append(
                        {
                            **_locate(section, r.row, is_csv),
                            "field": "external_ref",
                            "message": "already in the ledger with other values",
                        }
                    )
                    continue
                row = {**values, "import_batch": batch, "created_at": now}
                (new_orders if section == "orders" else new_payments).append(row)

        if errors:
            errors.sort(key=lambda e: (e.get("section", ""), e.get("row", 0)))
            bad_rows = len({(e.get("section"), e.get("row")) for e in errors})
            raise InvalidInput(
                f"{bad_rows} bad row(s); nothing was imported",
                errors=errors[:MAX_REPORTED_ERRORS],
                error_count=len(errors),
                errors_truncated=len(errors) > MAX_REPORTED_ERRORS,
            )
        await repo.insert_orders(new_orders)
        await repo.insert_payments(new_payments)
        affected = sorted({r["customer_id"] for r in new_orders + new_payments})
        if affected:
            await credit.refresh_credit(
                uow=uow,
                customer_ids=affected,
                actor=actor,
                reason=f"ledger import {batch}",
                policy=policy,
            )
        await uow.commit()
    created = bool(new_orders or new_payments)
    return ImportResult(
        batch_id=batch if created else None,
        orders_created=len(new_orders),
        payments_created=len(new_payments),
        orders_skipped=skipped["orders"],
        payments_skipped=skipped["payments"],
        customers_affected=len(affected),
    )


async def import_csv(
    *, uow: UnitOfWork, body: bytes, actor: Principal, policy: CreditSettings
) -> ImportResult:
    """The ERP's CSV feed (docs/ledger-import.md), all-or-nothing like the JSON import."""
    if len(body) > MAX_CSV_BYTES:
        raise InvalidInput(
            f"a CSV feed is at most {MAX_CSV_BYTES // (1024 * 1024)} MiB; split it",
            errors=[{"field": "body", "message": "too large"}],
        )
    feed = csvfeed.parse(csvfeed.decode(body), max_rows=MAX_IMPORT_ROWS)
    if feed.errors and not feed.rows and feed.errors[0]["row"] == 0:
        raise InvalidInput("the CSV header is not usable; nothing was imported", errors=feed.errors)
    orders = [r for r in feed.rows if r.section == "orders"]
    payments = [r for r in feed.rows if r.section == "payments"]
    return await import_ledger(
        uow=uow,
        orders=[r.values for r in orders],
        payments=[r.values for r in payments],
        actor=actor,
        policy=policy,
        csv_rows=[(r.section, r.row) for r in orders + payments],
        errors=feed.errors,
    )
