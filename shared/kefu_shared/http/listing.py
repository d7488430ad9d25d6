"""Every list endpoint answers the same way: one page of the shared :class:`Page` as JSON,
or -- with ``?format=csv`` (or ``Accept: text/csv``) -- the same query streamed as CSV.

A route takes :data:`ListRequestDep` (the ``cursor``, ``limit`` and ``format`` parameters)
and hands it the use case that reads one page, its arguments bound::

    async def list_things(uow: UowDep, principal: CurrentPrincipal, listing: ListRequestDep):
        return await listing.answer(
            partial(service.list_things, uow=uow, actor=principal),  # (cursor=, limit=)
            read=ThingRead,
            filename="things.csv",
        )

The use case returns ``(rows, next_cursor)``; each row is shaped with ``read`` (a model
read from attributes, or a function). The export walks the same keyset pages
(``MAX_LIMIT`` rows a query), so nothing loads a whole table; its first page is read
before the response starts, so a missing parent (404) or a bad filter (422) is still
answered as a problem document, not a broken stream. A report whose every page
re-aggregates a large table passes ``export`` instead: the same query run once and
streamed (a server-side cursor), yielding rows shaped like the page's.

Downloading CSV needs the ``export`` permission (:data:`FormatDep`, which every list takes
through :data:`ListRequestDep`; a bounded report takes ``FormatDep`` itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from typing_extensions import TypeAliasType

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.errors import Forbidden
from kefu_shared.http.csvexport import csv_response, wants_csv
from kefu_shared.http.pagination import MAX_LIMIT, Page, clamp_limit
from kefu_shared.permissions import has_permission

T = TypeVar("T")
ExportFormat = TypeAliasType("ExportFormat", Literal["json", "csv"])
# ``?format=csv``: a route taking it answers CSV too (the OpenAPI document says text/csv).
FormatParam = Annotated[ExportFormat | None, Query(alias="format")]
Fetch = Callable[[str | None, int], Awaitable[tuple[Sequence[T], str | None]]]
# A use case reading one page: called with cursor= and limit=.
PageQuery = Callable[..., Awaitable[tuple[Sequence[Any], str | None]]]


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


@dataclass(frozen=True)
class ListRequest:
    """The list parameters of a request: ``?cursor=&limit=&format=``."""

    request: Request
    cursor: str | None
    limit: int | None
    format_: str | None

    async def answer(
        self,
        query: PageQuery,
        *,
        read: type[BaseModel] | Callable[[Any], Any],
        filename: str,
        columns: Sequence[str] | None = None,
        export: Callable[[], AsyncIterator[Any]] | None = None,
    ) -> Any:
        """:func:`page_or_csv` over ``query(cursor=, limit=)``, rows shaped by ``read``; the
        CSV columns are ``read``'s fields unless given."""
        model = read if isinstance(read, type) and issubclass(read, BaseModel) else None
        shape: Callable[[Any], Any] = model.model_validate if model is not None else read

        async def fetch(cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
            rows, next_cursor = await query(cursor=cursor, limit=limit)
            return [shape(r) for r in rows], next_cursor

        if columns is None:
            if model is None:
                raise TypeError("give the CSV columns when read is not a model")
            columns = list(model.model_fields)
        return await page_or_csv(
            self.request,
            fetch,
            cursor=self.cursor,
            limit=self.limit,
            format_=self.format_,
            columns=columns,
            filename=filename,
            export=export,
        )


async def export_format(
    request: Request,
    principal: CurrentPrincipal,
    format_: FormatParam = None,
) -> str | None:
    """The ``format`` parameter; asking for CSV (or ``Accept: text/csv``) needs ``export``."""
    if wants_csv(format_, request.headers.get("accept")) and not has_permission(
        principal, "export"
    ):
        raise Forbidden("requires the permission export", permission="export")
    return format_


FormatDep = Annotated[str | None, Depends(export_format)]


async def list_request(
    request: Request,
    format_: FormatDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(description="page size, 1-200")] = None,
) -> ListRequest:
    return ListRequest(request, cursor, limit, format_)


ListRequestDep = Annotated[ListRequest, Depends(list_request)]
