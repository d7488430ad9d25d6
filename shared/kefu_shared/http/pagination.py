"""Keyset (cursor) pagination: stable under inserts, cheap on large tables.

A cursor is an opaque URL-safe token holding the sort-key values of the last row of the
previous page, followed by an HMAC of them: a hand-made or altered cursor is refused (422)
before it reaches a query, and the values of a genuine one are checked against the types
of the columns they continue. Queries are ordered by (sort column, id) so ties never
repeat or skip.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar, TypeVarTuple

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from kefu_shared.errors import InvalidInput
from kefu_shared.settings import DEV_JWT_SECRET, ServiceSettings

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
_MAC_BYTES = 16
_key = hashlib.sha256(b"kefu-cursor:" + DEV_JWT_SECRET.encode()).digest()


def configure_cursor_key(settings: ServiceSettings) -> None:
    """Key the cursor MAC from the settings (every replica of a service shares them, so a
    cursor from one replica is valid on the next)."""
    global _key
    secret = settings.cursor_secret or settings.jwt_secret
    _key = hashlib.sha256(b"kefu-cursor:" + secret.encode()).digest()


def _mac(raw: bytes) -> bytes:
    return hmac.new(_key, raw, hashlib.sha256).digest()[:_MAC_BYTES]


def _invalid_cursor(message: str) -> InvalidInput:
    return InvalidInput("invalid cursor", errors=[{"field": "cursor", "message": message[:200]}])


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    limit: int


def _encode_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"dt": v.isoformat()}
    if isinstance(v, Decimal):
        return {"dec": str(v)}
    return v


def _decode_value(v: Any) -> Any:
    if isinstance(v, dict) and "dt" in v:
        return datetime.fromisoformat(v["dt"])
    if isinstance(v, dict) and "dec" in v:
        return Decimal(v["dec"])
    return v


def encode_cursor(values: Sequence[Any], *, sort: str = "") -> str:
    raw = json.dumps(
        {"s": sort, "v": [_encode_value(v) for v in values]}, separators=(",", ":")
    ).encode()
    return base64.urlsafe_b64encode(raw + _mac(raw)).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort: str = "") -> list[Any]:
    if len(cursor) > 2048:
        raise _invalid_cursor("too long")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        blob = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise _invalid_cursor("not a cursor of this list") from None
    raw, mac = blob[:-_MAC_BYTES], blob[-_MAC_BYTES:]
    if len(blob) <= _MAC_BYTES or not hmac.compare_digest(mac, _mac(raw)):
        raise _invalid_cursor("not a cursor of this list")
    try:
        data = json.loads(raw)
        if data.get("s", "") != sort:
            raise ValueError("cursor was made for another sort order")
        if not isinstance(data["v"], list):
            raise TypeError("cursor values must be a list")
        return [_decode_value(v) for v in data["v"]]
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        raise _invalid_cursor(str(exc)) from None


def _check_types(
    values: list[Any], columns: Sequence[InstrumentedAttribute[Any] | ColumnElement[Any]]
) -> None:
    """A cursor value must have its column's type (a genuine cursor always has)."""
    for value, col in zip(values, columns, strict=True):
        if value is None:
            continue
        try:
            expected = col.type.python_type
        except NotImplementedError:
            continue
        if expected is datetime:
            ok = isinstance(value, datetime)
        elif expected is date:
            ok = isinstance(value, date | str)
        elif expected is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif expected is Decimal or expected is float:
            ok = isinstance(value, Decimal | int | float) and not isinstance(value, bool)
        else:
            ok = isinstance(value, expected)
        if not ok:
            raise _invalid_cursor(f"value for {col.key} has the wrong type")


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}",
            errors=[{"field": "limit", "message": f"between 1 and {MAX_LIMIT}"}],
        )
    return limit


def apply_keyset(
    stmt: Select[*Ts],
    columns: Sequence[InstrumentedAttribute[Any] | ColumnElement[Any]],
    *,
    cursor: str | None,
    limit: int,
    descending: bool = False,
    sort: str = "",
) -> Select[*Ts]:
    """Order by ``columns`` (the last must be unique) and start after ``cursor``."""
    if cursor:
        values = decode_cursor(cursor, sort=sort)
        if len(values) != len(columns):
            raise _invalid_cursor("shape")
        _check_types(values, columns)
        # (a, b) > (x, y)  ==  a > x OR (a = x AND b > y), expanded for any length.
        clauses = []
        for i, col in enumerate(columns):
            eqs = [columns[j] == values[j] for j in range(i)]
            cmp = col < values[i] if descending else col > values[i]
            clauses.append(and_(*eqs, cmp))
        stmt = stmt.where(or_(*clauses))
    order = [c.desc() if descending else c.asc() for c in columns]
    return stmt.order_by(*order).limit(limit + 1)


def page_from_rows(
    rows: Sequence[T],
    *,
    limit: int,
    key: Callable[[T], Sequence[Any]],
    sort: str = "",
) -> tuple[list[T], str | None]:
    """Split the ``limit + 1`` fetched rows into a page and the next cursor."""
    items = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit and items:
        next_cursor = encode_cursor(key(items[-1]), sort=sort)
    return items, next_cursor


async def all_pages(
    fetch: Callable[[str | None], Awaitable[tuple[Sequence[T], str | None]]],
) -> AsyncIterator[T]:
    """Every item of a cursor-paginated query, a page at a time (for exports)."""
    cursor: str | None = None
    while True:
        items, cursor = await fetch(cursor)
        for item in items:
            yield item
        if not cursor:
            return
