"""Domain errors and their RFC 9457 problem types.

Services raise these from the domain and service layers; the HTTP layer maps every one
of them (and validation and unexpected errors) to ``application/problem+json``.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://kefu.dev/problems/"


class DomainError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Gone(DomainError):
    """The thing existed and is no longer usable (an expired survey link)."""

    status = 410
    slug = "gone"
    title = "Gone"


class TooManyRequests(DomainError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "Precondition required"


class InvalidInput(DomainError):
    """Semantically invalid input; ``errors`` names each offending field or row."""

    status = 422
    slug = "validation-error"
    title = "Validation error"

    def __init__(
        self, detail: str, *, errors: list[dict[str, Any]] | None = None, **ext: Any
    ) -> None:
        super().__init__(detail, errors=errors or [], **ext)


class BusinessRuleViolation(DomainError):
    status = 422
    slug = "business-rule"
    title = "Business rule violated"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"


class ServiceUnavailable(DomainError):
    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"
