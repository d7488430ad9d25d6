"""CSV exports of the analytics reports, streamed row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def wants_csv(request: Request, fmt: str | None) -> bool:
    """``?format=csv`` or an Accept header preferring text/csv."""
    if fmt is not None:
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def _line(values: Iterable[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([_cell(v) for v in values])
    return buf.getvalue()


async def _lines(columns: Sequence[str], rows: AsyncIterator[BaseModel]) -> AsyncIterator[str]:
    # A BOM lets spreadsheet software read the Chinese names as UTF-8.
    yield "\ufeff" + _line(columns)
    async for model in rows:
        data = model.model_dump(by_alias=True)
        yield _line(data.get(c) for c in columns)


def csv_response(
    columns: Sequence[str], rows: AsyncIterator[BaseModel], *, filename: str
) -> StreamingResponse:
    return StreamingResponse(
        _lines(columns, rows),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def mapped(
    rows: AsyncIterator[Any], convert: Callable[[Any], BaseModel]
) -> AsyncIterator[BaseModel]:
    async for row in rows:
        yield convert(row)


async def from_list(models: Sequence[BaseModel]) -> AsyncIterator[BaseModel]:
    for m in models:
        yield m
