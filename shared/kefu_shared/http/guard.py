"""The request guard: what every service and the gateway refuse before routing, and the
security headers every answer carries.

- A request target with a control character, an encoded separator (``%2F``, ``%5C``), an
  encoded percent sign or a dot segment is refused (400): the gateway would otherwise
  hand ``/api/v1/tickets/..%2F..%2Fopenapi.json`` to its HTTP client, which removes the
  dot segments and reaches any path of an upstream.
- NUL characters in the query string or in a text body (JSON ``\\u0000`` or a raw NUL
  byte) are refused (400): PostgreSQL text cannot hold them.
- A body larger than ``max_body_bytes`` is refused with 413, from ``Content-Length`` when
  announced and while it streams otherwise.
- Every answer gets ``X-Content-Type-Options: nosniff``; HTML answers also get a
  Content-Security-Policy and ``Referrer-Policy: no-referrer``.
- An unhandled error is answered here with 500 problem+json (and logged with the request
  id) instead of being re-raised: an exception that reaches uvicorn after a response
  makes it close the keep-alive connection, failing the next request the client (the
  gateway) sends on it. Once a response has started nothing valid can be sent any more;
  then the exception goes on and the connection is dropped, as it must be.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kefu_shared.http.problems import problem
from kefu_shared.logging import get_logger

log = get_logger(__name__)

# HTML pages Kefu renders itself (the customer card): inline styles, nothing else.
HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# The interactive API docs load Swagger UI / ReDoc from their CDN with an inline bootstrap.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
REFERRER_POLICY = "no-referrer"

_ENCODED_FORBIDDEN = (b"%2f", b"%5c", b"%25", b"%00")
# A JSON \u0000 escape that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_TEXT_TYPES = (b"application/json", b"text/", b"application/x-www-form-urlencoded", b"+json")


class GuardRefusal(HTTPException):
    """Raised while the body streams; rendered as problem+json by whoever catches it
    first (the app's handler for HTTPException, or the guard itself)."""

    def __init__(self, status: int, detail: str, slug: str) -> None:
        super().__init__(status_code=status, detail=detail)
        self.slug = slug


def unsafe_target(scope: Scope) -> str | None:
    """Why this request's path or query must not be routed, or None when it is fine."""
    path: str = scope.get("path", "")
    raw: bytes = (scope.get("raw_path") or path.encode("utf-8", "surrogateescape")).lower()
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return "the path contains a control character"
    if any(token in raw for token in _ENCODED_FORBIDDEN) or "\\" in path:
        return "the path contains an encoded separator or percent sign"
    if any(segment in (".", "..") for segment in path.split("/")):
        return "the path contains a dot segment"
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query.lower():
        return "the query string contains a NUL character"
    return None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        started = False

        async def send_marked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _security_headers(path, list(message.get("headers", [])))
            await send(message)

        reason = unsafe_target(scope)
        if reason is not None:
            await _refuse(400, reason, "invalid-request-target", scope, receive, send_marked)
            return
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await _refuse(413, self._too_large(), "body-too-large", scope, receive, send_marked)
            return
        content_type = (_header(scope, b"content-type") or b"").lower()
        check_nul = any(t in content_type for t in _TEXT_TYPES)
        received = 0
        carry = b""

        async def guarded_receive() -> Message:
            nonlocal received, carry
            message = await receive()
            if message["type"] == "http.request":
                chunk: bytes = message.get("body", b"")
                received += len(chunk)
                if received > self.max_body_bytes:
                    raise GuardRefusal(413, self._too_large(), "body-too-large")
                if check_nul and chunk:
                    window = carry + chunk
                    if b"\x00" in chunk or _JSON_NUL.search(window):
                        raise GuardRefusal(
                            400, "the body contains a NUL character", "nul-character"
                        )
                    carry = window[-16:]
            return message

        try:
            await self.app(scope, guarded_receive, send_marked)
        except GuardRefusal as exc:
            if started:
                raise
            await _refuse(exc.status_code, str(exc.detail), exc.slug, scope, receive, send_marked)
        except Exception:
            if started:
                raise
            log.exception("http.unhandled_error", method=scope.get("method"), path=path)
            await problem(
                500,
                title="Internal server error",
                detail="An unexpected error occurred; quote the request id when reporting it.",
                slug="internal",
                instance=path,
            )(scope, receive, send_marked)

    def _too_large(self) -> str:
        return f"the request body exceeds {self.max_body_bytes} bytes"


async def _refuse(
    status: int, detail: str, slug: str, scope: Scope, receive: Receive, send: Send
) -> None:
    titles = {400: "Bad request", 413: "Request body too large"}
    response = problem(status, title=titles.get(status), detail=detail, slug=slug)
    if status == 413:
        # The rest of an oversize body is not read: the connection cannot be reused.
        response.headers["Connection"] = "close"
    await response(scope, receive, send)


def _security_headers(path: str, headers: list[Any]) -> list[Any]:
    names = {bytes(k).lower() for k, _ in headers}
    if b"x-content-type-options" not in names:
        headers.append((b"x-content-type-options", b"nosniff"))
    content_type = next((bytes(v) for k, v in headers if bytes(k).lower() == b"content-type"), b"")
    if content_type.lower().startswith(b"text/html"):
        if b"content-security-policy" not in names:
            csp = DOCS_CSP if path in DOCS_PATHS else HTML_CSP
            headers.append((b"content-security-policy", csp.encode()))
        if b"referrer-policy" not in names:
            headers.append((b"referrer-policy", REFERRER_POLICY.encode()))
    return headers
