"""Adapters from SQL rows to the report models the CSV export streams."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import BaseModel


async def mapped(
    rows: AsyncIterator[Any], convert: Callable[[Any], BaseModel]
) -> AsyncIterator[BaseModel]:
    async for row in rows:
        yield convert(row)
