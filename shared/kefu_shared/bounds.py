"""Bounded input types: what a request may store, written down once.

Every free-form field of a request schema uses one of these (or a ``Field`` with
``max_length``), so nothing a client sends can grow a row without limit and nothing
outside a sane range reaches date arithmetic. A value out of bounds is a 422
problem+json naming the field, like any other validation error.

- :data:`BoundedDate` / :data:`BoundedDateTime`: 1900-01-01 … 2199-12-31, for every date a
  client sends (body fields and query parameters alike: ``as_of: BoundedDate | None``).
  Windows reach a few years either side of a date, so they stay inside what ``date``
  can hold; ``0001-01-01`` or ``9999-12-31`` is refused instead of overflowing into a 500.
- :func:`text`: a string with a maximum length (``ShortText`` 200, ``Text`` 2,000).
- :func:`json_object`: a free-form JSON object (preferences, bank details, a CSV-less
  import row) bounded by its serialised size, its nesting depth and its number of keys.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import AfterValidator, Field, StringConstraints

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)

BoundedDate = Annotated[date, Interval(ge=MIN_DATE, le=MAX_DATE)]


def _datetime_in_range(value: datetime) -> datetime:
    # Compared by calendar day so that naive and aware values are judged alike (a naive
    # one is refused, where a schema asks for it, by that schema's own rule).
    if not MIN_DATE <= value.date() <= MAX_DATE:
        raise ValueError(f"must be between {MIN_DATE} and {MAX_DATE}")
    return value


BoundedDateTime = Annotated[datetime, AfterValidator(_datetime_in_range)]


def text(max_length: int, *, min_length: int = 0) -> Any:
    """A string of at most ``max_length`` characters (after stripping whitespace)."""
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)
    ]


ShortText = text(200)
Text = text(2000)


def _check_json(
    value: dict[str, Any], *, max_bytes: int, max_depth: int, max_keys: int
) -> dict[str, Any]:
    # Walk without recursion: the depth is what is being checked.
    stack: list[tuple[Any, int]] = [(value, 1)]
    keys = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise ValueError(f"nested deeper than {max_depth} levels")
            children = node.values() if isinstance(node, dict) else node
            if isinstance(node, dict):
                keys += len(node)
                if keys > max_keys:
                    raise ValueError(f"more than {max_keys} keys")
            elif len(node) > max_keys:
                raise ValueError(f"a list of more than {max_keys} items")
            stack.extend((child, depth + 1) for child in children)
    size = len(json.dumps(value, ensure_ascii=False, default=str).encode())
    if size > max_bytes:
        raise ValueError(f"larger than {max_bytes} bytes as JSON ({size})")
    return value


def json_object(
    *, value: Any = Any, max_bytes: int = 8192, max_depth: int = 4, max_keys: int = 200
) -> Any:
    """A free-form JSON object of at most ``max_bytes`` (serialised, UTF-8), ``max_depth``
    levels of objects/arrays (the object itself is level 1) and ``max_keys`` keys in all;
    its values of type ``value`` (``str`` for a flat map of texts)."""
    return Annotated[
        dict[str, value],
        AfterValidator(
            partial(_check_json, max_bytes=max_bytes, max_depth=max_depth, max_keys=max_keys)
        ),
        Field(
            description=(
                f"a JSON object: at most {max_bytes} bytes, {max_depth} levels, {max_keys} keys"
            )
        ),
    ]


JsonObject = json_object()

__all__ = [
    "MAX_DATE",
    "MIN_DATE",
    "BoundedDate",
    "BoundedDateTime",
    "JsonObject",
    "ShortText",
    "Text",
    "json_object",
    "text",
]
