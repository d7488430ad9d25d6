"""Optimistic concurrency over HTTP: ETag on reads, If-Match required on writes."""

from __future__ import annotations

from kefu_shared.errors import PreconditionFailed, PreconditionRequired


def _normalise(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def check_if_match(if_match: str | None, current_etag: str) -> None:
    """Raise 428 when If-Match is missing and 412 when it names another version."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "send If-Match with the ETag you read, so a concurrent change is not overwritten",
            errors=[{"field": "If-Match", "message": "required"}],
        )
    candidates = [_normalise(t) for t in if_match.split(",")]
    if "*" in candidates or _normalise(current_etag) in candidates:
        return
    raise PreconditionFailed(
        "the resource was changed since you read it; read it again and retry",
        current_etag=current_etag,
    )
