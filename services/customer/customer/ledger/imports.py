"""Bulk imports of the sales ledger (the ERP feed): JSON rows or the ERP's CSV file.

Imports are all-or-nothing: every row is checked first and, if any is bad, nothing is
written and the problem lists every bad row (up to ``MAX_REPORTED_ERRORS``). A row whose
``external_ref`` is already stored with identical values is skipped, so re-sending a feed
is a safe no-op; the same ``external_ref`` with other values is refused. The steps:
:func:`_parse_rows` (each row against its schema), :func:`_resolve_customers` (customer id
or number, visible to the caller), :func:`_new_entries` (duplicates within the feed and
against the ledger), then one write and one credit re-evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from customer.ledger import csvfeed
from customer.ledger.repository import ORDER_FIELDS, PAYMENT_FIELDS
from customer.ledger.schemas import ImportResult, OrderImportRow, PaymentImportRow
from customer.ledger.service import CreditFollowUp, order_values, payment_values, same_entry
from kefu_shared.auth import Principal
from kefu_shared.db import new_uuid, utcnow
from kefu_shared.errors import InvalidInput

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

MAX_IMPORT_ROWS = 50_000
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_REPORTED_ERRORS = 1000
SECTIONS = ("orders", "payments")

_adapters: dict[str, TypeAdapter[Any]] = {
    "orders": TypeAdapter(OrderImportRow),
    "payments": TypeAdapter(PaymentImportRow),
}


@dataclass(frozen=True)
class Place:
    """Where a row is in the feed: section and row of a JSON import, or for a CSV file the
    data row (blank lines not counted) and the physical line it starts on."""

    section: str
    row: int
    line: int | None = None

    def error(self, field: str, message: str) -> dict[str, Any]:
        if self.line is None:
            return {"section": self.section, "row": self.row, "field": field, "message": message}
        return {"row": self.row, "line": self.line, "field": field, "message": message}


@dataclass
class _Row:
    place: Place
    data: OrderImportRow | PaymentImportRow
    customer_id: str = ""


@dataclass
class _Entries:
    orders: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    skipped: dict[str, int]


def _column(place: Place, field: str) -> str:
    """The CSV column of a schema field (errors of a CSV feed name the file's columns)."""
    if place.line is None:
        return field
    names = (
        csvfeed.ORDER_FIELD_TO_COLUMN
        if place.section == "orders"
        else csvfeed.PAYMENT_FIELD_TO_COLUMN
    )
    return names.get(field, field)


def _parse_rows(
    raws: list[tuple[Place, dict[str, Any]]], errors: list[dict[str, Any]]
) -> list[_Row]:
    rows: list[_Row] = []
    for place, raw in raws:
        try:
            rows.append(_Row(place, _adapters[place.section].validate_python(raw)))
        except ValidationError as exc:
            for err in exc.errors():
                loc = [str(p) for p in err["loc"]]
                field = ".".join(loc) if loc else "customer_id"
                errors.append(place.error(_column(place, field), err["msg"]))
    return rows


async def _resolve_customers(
    uow: CustomerUnitOfWork, rows: list[_Row], actor: Principal, errors: list[dict[str, Any]]
) -> None:
    """Set each row's customer (by id or number). The lookups see only the customers the
    caller may see, so another dealer's customer is the same error as an unknown one."""
    by_id = await uow.ledger.customers_by_ids(
        sorted({r.data.customer_id for r in rows if r.data.customer_id}), actor
    )
    by_number = await uow.ledger.customers_by_numbers(
        sorted({r.data.customer_number for r in rows if r.data.customer_number}), actor
    )
    for r in rows:
        d = r.data
        cid = d.customer_id if d.customer_id in by_id else None
        field = "customer_id"
        if d.customer_number:
            field = "customer_number" if not d.customer_id else field
            hit = by_number.get(d.customer_number)
            if hit is None:
                cid, field = None, "customer_number"
            elif d.customer_id and cid and hit != cid:
                errors.append(
                    r.place.error("customer_number", "names another customer than customer_id")
                )
                continue
            elif not d.customer_id:
                cid = hit
        if cid is None:
            errors.append(r.place.error(field, "unknown customer"))
            continue
        r.customer_id = cid


async def _new_entries(
    uow: CustomerUnitOfWork,
    rows: list[_Row],
    credit: CreditFollowUp,
    batch: str,
    errors: list[dict[str, Any]],
) -> _Entries:
    """The rows to insert: identical re-sends skipped, duplicates within the feed and
    changed re-sends reported."""
    order_customers = sorted({r.customer_id for r in rows if r.place.section == "orders"})
    terms = await credit.payment_terms(uow, order_customers)
    now = utcnow()
    out = _Entries([], [], {"orders": 0, "payments": 0})
    for section in SECTIONS:
        part = [r for r in rows if r.place.section == section]
        refs = sorted({r.data.external_ref for r in part})
        if section == "orders":
            stored = await uow.ledger.existing_orders(refs)
        else:
            stored = await uow.ledger.existing_payments(refs)
        fields = ORDER_FIELDS if section == "orders" else PAYMENT_FIELDS
        seen: dict[str, int] = {}
        for r in part:
            ref = r.data.external_ref
            if ref in seen:
                errors.append(
                    r.place.error("external_ref", f"duplicate of row {seen[ref]} in this import")
                )
                continue
            seen[ref] = r.place.row
            if isinstance(r.data, OrderImportRow):
                values = order_values(
                    r.data, customer_id=r.customer_id, terms_days=terms[r.customer_id]
                )
                given = {"_due_given": r.data.due_date is not None}
            else:
                values = payment_values(r.data, customer_id=r.customer_id)
                given = {}
            if ref in stored:
                if same_entry(stored[ref], {**values, **given}, fields):
                    out.skipped[section] += 1
                else:
                    errors.append(
                        r.place.error("external_ref", "already in the ledger with other values")
                    )
                continue
            entries = out.orders if section == "orders" else out.payments
            entries.append({**values, "import_batch": batch, "created_at": now})
    return out


def _refuse(errors: list[dict[str, Any]]) -> InvalidInput:
    errors.sort(key=lambda e: (e.get("section", ""), e.get("row", 0)))
    bad_rows = len({(e.get("section"), e.get("row")) for e in errors})
    return InvalidInput(
        f"{bad_rows} bad row(s); nothing was imported",
        errors=errors[:MAX_REPORTED_ERRORS],
        error_count=len(errors),
        errors_truncated=len(errors) > MAX_REPORTED_ERRORS,
    )


async def _import(
    *,
    uow: CustomerUnitOfWork,
    raws: list[tuple[Place, dict[str, Any]]],
    actor: Principal,
    credit: CreditFollowUp,
    errors: list[dict[str, Any]],
) -> ImportResult:
    """Validate every row, then write all of them or none."""
    if len(raws) > MAX_IMPORT_ROWS:
        raise InvalidInput(
            f"an import holds at most {MAX_IMPORT_ROWS} rows; split the feed",
            errors=[{"field": "rows", "message": f"more than {MAX_IMPORT_ROWS}"}],
        )
    rows = _parse_rows(raws, errors)
    if not rows and not errors:
        raise InvalidInput(
            "the import holds no rows", errors=[{"field": "rows", "message": "empty"}]
        )
    batch = new_uuid()
    async with uow:
        await _resolve_customers(uow, rows, actor, errors)
        resolved = [r for r in rows if r.customer_id]
        entries = await _new_entries(uow, resolved, credit, batch, errors)
        if errors:
            raise _refuse(errors)
        await uow.ledger.insert_orders(entries.orders)
        await uow.ledger.insert_payments(entries.payments)
        affected = sorted({e["customer_id"] for e in entries.orders + entries.payments})
        if affected:
            await credit.ledger_changed(uow, affected, actor=actor, reason=f"ledger import {batch}")
        await uow.commit()
    created = bool(entries.orders or entries.payments)
    return ImportResult(
        batch_id=batch if created else None,
        orders_created=len(entries.orders),
        payments_created=len(entries.payments),
        orders_skipped=entries.skipped["orders"],
        payments_skipped=entries.skipped["payments"],
        customers_affected=len(affected),
    )


async def import_ledger(
    *,
    uow: CustomerUnitOfWork,
    orders: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    actor: Principal,
    credit: CreditFollowUp,
) -> ImportResult:
    """The JSON feed: errors name the section and the row (1 = first of the section)."""
    raws = [(Place("orders", i), raw) for i, raw in enumerate(orders, start=1)]
    raws += [(Place("payments", i), raw) for i, raw in enumerate(payments, start=1)]
    return await _import(uow=uow, raws=raws, actor=actor, credit=credit, errors=[])


async def import_csv(
    *, uow: CustomerUnitOfWork, body: bytes, actor: Principal, credit: CreditFollowUp
) -> ImportResult:
    """The ERP's CSV feed (docs/ledger-import.md), all-or-nothing like the JSON import;
    errors name the data row, the physical line and the column."""
    if len(body) > MAX_CSV_BYTES:
        raise InvalidInput(
            f"a CSV feed is at most {MAX_CSV_BYTES // (1024 * 1024)} MiB; split it",
            errors=[{"field": "body", "message": "too large"}],
        )
    feed = csvfeed.parse(csvfeed.decode(body), max_rows=MAX_IMPORT_ROWS)
    if feed.errors and not feed.rows and feed.errors[0]["row"] == 0:
        raise InvalidInput("the CSV header is not usable; nothing was imported", errors=feed.errors)
    # Orders first, then payments, as the JSON import takes them.
    ordered = sorted(feed.rows, key=lambda r: SECTIONS.index(r.section))
    raws = [(Place(r.section, r.row, r.line), r.values) for r in ordered]
    return await _import(uow=uow, raws=raws, actor=actor, credit=credit, errors=feed.errors)
