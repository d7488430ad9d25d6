"""CSV exports: any list endpoint can answer ``?format=csv`` with a streamed file."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.responses import StreamingResponse


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    text = str(value)
    # Spreadsheet formula injection: a cell must not start a formula.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
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
    return format_ == "csv" or (format_ is None and bool(accept) and "text/csv" in (accept or ""))


def csv_response(
    rows: AsyncIterable[Mapping[str, Any]] | Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    filename: str,
) -> StreamingResponse:
    """Stream ``rows`` as CSV with a header line (UTF-8 with BOM so Excel shows Chinese)."""

    def line(values: Sequence[Any]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(values)
        return buf.getvalue()

    async def body() -> Any:
        yield "\ufeff" + line(columns)
        if isinstance(rows, AsyncIterable):
            async for row in rows:
                yield line([_cell(row.get(c)) for c in columns])
        else:
            for row in rows:
                yield line([_cell(row.get(c)) for c in columns])

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
