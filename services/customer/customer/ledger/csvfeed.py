"""The ERP's CSV feed: one file with orders/invoices, refunds and payments.

Columns are documented in ``services/customer/docs/ledger-import.md``. Parsing turns each
data row into the same dictionaries the JSON import takes; row errors found here carry
the CSV column name, the data row (1 = first data row; blank lines are skipped and not
counted) and the physical line the row starts on (1 = the header; a quoted field with a
line break makes a row span several lines).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

COLUMNS = (
    "type", "customer_id", "customer_number", "external_ref", "kind", "date", "currency",
    "amount", "fx_rate", "gross_margin", "product_line", "due_date", "paid_date",
    "order_ref", "method",
)  # fmt: skip
REQUIRED = ("type", "external_ref", "date", "amount")
ORDER_ONLY = ("kind", "gross_margin", "product_line", "due_date", "paid_date")
PAYMENT_ONLY = ("order_ref", "method")
# JSON field -> CSV column, to name the column in errors.
ORDER_FIELD_TO_COLUMN = {"order_date": "date"}
PAYMENT_FIELD_TO_COLUMN = {"paid_on": "date"}


@dataclass
class ParsedRow:
    section: str  # "orders" | "payments"
    row: int  # data row, blank lines not counted
    values: dict[str, Any]
    line: int = 0  # physical line the row starts on


@dataclass
class ParsedFeed:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def decode(body: bytes) -> str:
    """UTF-8 (with or without BOM); GB18030 as Excel in China saves it."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("gb18030")


def _error(row: int, line: int, column: str, message: str) -> dict[str, Any]:
    return {"row": row, "line": line, "field": column, "message": message}


def parse(text: str, *, max_rows: int) -> ParsedFeed:
    """Split the feed into order and payment rows; structural errors are collected."""
    out = ParsedFeed()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        out.errors.append({"row": 0, "line": 1, "field": "header", "message": "empty file"})
        return out
    header = [h.strip().lower() for h in header]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if "customer_id" not in header and "customer_number" not in header:
        missing.append("customer_id or customer_number")
    dupes = sorted({h for h in header if header.count(h) > 1})
    for name, problem in ((unknown, "unknown column"), (missing, "missing column"),
                          (dupes, "duplicate column")):  # fmt: skip
        for col in name:
            out.errors.append({"row": 0, "line": 1, "field": col, "message": problem})
    if out.errors:
        return out
    n = 0  # data rows so far
    line = reader.line_num + 1  # where the next row starts
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # blank line
            n += 1
            if n > max_rows:
                out.errors.append(_error(n, start, "file", f"more than {max_rows} rows"))
                break
            if len(cells) != len(header):
                out.errors.append(
                    _error(n, start, "row", f"{len(cells)} fields, the header has {len(header)}")
                )
                continue
            raw = {h: c.strip() for h, c in zip(header, cells, strict=True) if c.strip()}
            kind = raw.pop("type", "").lower()
            if kind not in ("order", "payment"):
                out.errors.append(_error(n, start, "type", "must be 'order' or 'payment'"))
                continue
            foreign = PAYMENT_ONLY if kind == "order" else ORDER_ONLY
            bad = [c for c in foreign if c in raw]
            for col in bad:
                out.errors.append(
                    _error(n, start, col, f"not a column of a {kind} row; leave empty")
                )
            if bad:
                continue
            day = raw.pop("date", None)
            if day is not None:
                raw["order_date" if kind == "order" else "paid_on"] = day
            section = "orders" if kind == "order" else "payments"
            out.rows.append(ParsedRow(section, n, raw, line=start))
    except csv.Error as exc:
        out.errors.append(_error(n + 1, line, "row", f"malformed CSV: {exc}"))
    return out
