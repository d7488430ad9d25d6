"""CSV exports: any list endpoint can answer ``?format=csv`` with a streamed file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.responses import StreamingResponse
from pydantic import BaseModel

# Characters with which a spreadsheet starts a formula (or, for tab and CR, with which
# some of them shift a cell so that the next character starts one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """One CSV cell, safe to open in a spreadsheet: every text that would start a formula
    gets a leading apostrophe — in a list, each item before the items are joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple | set | frozenset):
        return _neutralise(";".join(_cell(v) for v in value))
    if isinstance(value, dict):
        return _neutralise(json.dumps(value, ensure_ascii=False, default=str))
    return _neutralise(str(value))


def _neutralise(text: str) -> str:
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except ArithmeticError:
        return False
    except ValueError:
        return False


def wants_csv(format_: str | None, accept: str | None) -> bool:
    """``?format=csv`` wins; without it, an Accept header asking for text/csv (not JSON)."""
    if format_ is not None:
        return format_ == "csv"
    accept = accept or ""
    return "text/csv" in accept and "application/json" not in accept


def _as_mapping(row: Any) -> Mapping[str, Any]:
    if isinstance(row, BaseModel):
        return row.model_dump(by_alias=True)
    return row  # type: ignore[no-any-return]


def csv_response(
    rows: AsyncIterable[Any] | Iterable[Any],
    columns: Sequence[str],
    *,
    filename: str,
) -> StreamingResponse:
    """Stream ``rows`` (mappings or pydantic models) as CSV with a header line, UTF-8 with
    a BOM so spreadsheet software shows Chinese text."""

    def line(values: Sequence[Any]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(values)
        return buf.getvalue()

    async def body() -> Any:
        yield "\ufeff" + line(columns)
        if isinstance(rows, AsyncIterable):
            async for row in rows:
                data = _as_mapping(row)
                yield line([_cell(data.get(c)) for c in columns])
        else:
            for row in rows:
                data = _as_mapping(row)
                yield line([_cell(data.get(c)) for c in columns])

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
