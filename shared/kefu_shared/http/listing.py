"""Every list endpoint answers the same way: one page of the shared :class:`Page` as JSON,
or -- with ``?format=csv`` (or ``Accept: text/csv``) -- the same query streamed as CSV.

A route gives one ``fetch(cursor, limit)`` that returns ``(items, next_cursor)`` (the use
case it calls, items already shaped as the route's read model) and lets
:func:`page_or_csv` do the rest::

    async def fetch(cursor: str | None, limit: int) -> tuple[list[ThingRead], str | None]:
        rows, next_cursor = await service.list_things(uow=uow, ..., cursor=cursor, limit=limit)
        return [ThingRead.model_validate(r) for r in rows], next_cursor

    return await page_or_csv(request, fetch, cursor=cursor, limit=limit, format_=format_,
                             columns=list(ThingRead.model_fields), filename="things.csv")

The export walks the same keyset pages (``MAX_LIMIT`` rows a query), so nothing loads a
whole table; its first page is read before the response starts, so a missing parent (404)
or a bad filter (422) is still answered as a problem document, not a broken stream. A
report whose every page re-aggregates a large table passes ``export`` instead: the same
query run once and streamed (a server-side cursor), shaped like the page items.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import StreamingResponse

from kefu_shared.http.csvexport import csv_response, wants_csv
from kefu_shared.http.pagination import MAX_LIMIT, Page, clamp_limit

T = TypeVar("T")
Fetch = Callable[[str | None, int], Awaitable[tuple[Sequence[T], str | None]]]


async def page_or_csv(
    request: Request,
    fetch: Fetch[T],
    *,
    cursor: str | None,
    limit: int | None,
    format_: str | None,
    columns: Sequence[str],
    filename: str,
    export: Callable[[], AsyncIterator[T]] | None = None,
) -> Page[T] | StreamingResponse:
    """A page of ``fetch`` (JSON), or every item it yields, page by page, as CSV."""
    if wants_csv(format_, request.headers.get("accept")):
        if export is not None:
            return csv_response(export(), columns, filename=filename)
        first, after = await fetch(None, MAX_LIMIT)

        async def items() -> AsyncIterator[T]:
            for item in first:
                yield item
            next_cursor = after
            while next_cursor:
                more, next_cursor = await fetch(next_cursor, MAX_LIMIT)
                for item in more:
                    yield item

        return csv_response(items(), columns, filename=filename)
    size = clamp_limit(limit)
    page, next_cursor = await fetch(cursor, size)
    return Page[Any](items=list(page), next_cursor=next_cursor, limit=size)


def document_or_csv(
    request: Request,
    document: Any,
    rows: Sequence[Any],
    *,
    format_: str | None,
    columns: Sequence[str],
    filename: str,
) -> Any:
    """A report of bounded size (counts per class, a curve): the JSON ``document``, or its
    ``rows`` as CSV. Lists that can grow with the data use :func:`page_or_csv`."""
    if wants_csv(format_, request.headers.get("accept")):
        return csv_response(rows, columns, filename=filename)
    return document
