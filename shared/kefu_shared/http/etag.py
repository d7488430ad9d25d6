"""Optimistic concurrency over HTTP: ETag on reads, If-Match required on writes."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from kefu_shared.errors import PreconditionFailed, PreconditionRequired
from kefu_shared.http.openapi import REQUIRED_MARK

# The one If-Match parameter of a route. ``IfMatch``: required (the route calls
# check_if_match, which answers 428 without it; the OpenAPI document says "required").
# ``OptionalIfMatch``: honoured when sent. Both default to None in the signature so that a
# missing header reaches check_if_match (428), not FastAPI's validation (422).
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag you read; a write without it is answered 428",
        json_schema_extra={REQUIRED_MARK: True},
    ),
]
OptionalIfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="The ETag you read; checked when sent"),
]

# One member of an If-Match list: "*" or an entity tag, weak (W/"...") or strong ("...").
_MEMBER = re.compile(r'\s*(\*|(?:W/)?"[^"]*")\s*(?:,|$)')


def _members(if_match: str) -> list[str] | None:
    """The entity tags of an If-Match list, or None when it is not a valid list."""
    members, pos = [], 0
    while pos < len(if_match):
        m = _MEMBER.match(if_match, pos)
        if m is None:
            return None
        members.append(m.group(1))
        pos = m.end()
    return members


def check_if_match(if_match: str | None, current_etag: str) -> None:
    """Raise 428 when If-Match is missing and 412 when it names another version.

    RFC 9110 §13.1.1: If-Match takes ``*`` or a comma-separated list of entity tags and
    uses the strong comparison -- a weak tag (``W/"..."``) never matches.
    """
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "send If-Match with the ETag you read, so a concurrent change is not overwritten",
            errors=[{"field": "If-Match", "message": "required"}],
        )
    members = _members(if_match.strip()) or []
    if "*" in members or current_etag in members:
        return
    raise PreconditionFailed(
        "the resource was changed since you read it; read it again and retry",
        current_etag=current_etag,
    )
