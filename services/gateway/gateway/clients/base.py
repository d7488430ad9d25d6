"""An httpx client for one upstream service, forwarding identity and request ids.

Forwarding (:meth:`ServiceClient.forward`) passes the raw query string and header bytes
through and streams the answer back: nothing is decoded, re-encoded or copied per request
beyond what HTTP needs. The connection pool is kept per upstream (HTTP/1.1 keep-alive)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from kefu_shared.context import correlation_id_var, request_id_var
from kefu_shared.logging import get_logger

log = get_logger(__name__)

HOP_BY_HOP_BYTES = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
    }
)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The pooled connection was closed or reset by the upstream before it answered: nothing
# was processed for a safe method, so sending it again is harmless.
RESET_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class UpstreamError(Exception):
    def __init__(self, service: str, kind: str, detail: str) -> None:
        super().__init__(f"{service}: {kind}: {detail}")
        self.service = service
        self.kind = kind  # "unavailable" | "timeout"
        self.detail = detail


class ServiceClient:
    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout_s: float,
        connect_timeout_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
        safe_retries: int = 1,
    ) -> None:
        self.name = name
        self.safe_retries = safe_retries
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            transport=transport,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    @staticmethod
    def context_headers() -> dict[str, str]:
        headers = {}
        rid = request_id_var.get()
        cid = correlation_id_var.get()
        if rid:
            headers["X-Request-ID"] = rid
        if cid:
            headers["X-Correlation-ID"] = cid
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        params: Any = None,
        content: bytes | None = None,
        json: Any = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        merged = {**(headers or {}), **self.context_headers()}
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        retries = self.safe_retries if method.upper() in SAFE_METHODS else 0
        for attempt in range(retries + 1):
            try:
                return await self._client.request(
                    method,
                    path,
                    headers=merged,
                    params=params,
                    content=content,
                    json=json,
                    **extra,
                )
            except httpx.TimeoutException as exc:
                raise UpstreamError(self.name, "timeout", repr(exc)) from exc
            except RESET_ERRORS as exc:
                if attempt < retries:
                    log.info("upstream.retry_reset", service=self.name, method=method, path=path)
                    continue
                raise UpstreamError(self.name, "unavailable", repr(exc)) from exc
            except httpx.TransportError as exc:
                raise UpstreamError(self.name, "unavailable", repr(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def forward(
        self,
        method: str,
        path: str,
        *,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        content: bytes | None,
    ) -> httpx.Response:
        """Send a forwarded request as it came (raw query string and header bytes); the
        answer's body is left unread for streaming (the caller must ``aclose()`` it).
        Safe methods are retried like :meth:`request` when a pooled connection was reset."""
        rid = request_id_var.get()
        cid = correlation_id_var.get()
        if rid:
            headers.append((b"x-request-id", rid.encode("latin-1")))
        if cid:
            headers.append((b"x-correlation-id", cid.encode("latin-1")))
        url = httpx.URL(path, query=query) if query else path
        retries = self.safe_retries if method.upper() in SAFE_METHODS else 0
        for attempt in range(retries + 1):
            request = self._client.build_request(method, url, headers=headers, content=content)
            try:
                return await self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise UpstreamError(self.name, "timeout", repr(exc)) from exc
            except RESET_ERRORS as exc:
                if attempt < retries:
                    log.info("upstream.retry_reset", service=self.name, method=method, path=path)
                    continue
                raise UpstreamError(self.name, "unavailable", repr(exc)) from exc
            except httpx.TransportError as exc:
                raise UpstreamError(self.name, "unavailable", repr(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def healthy(self, *, timeout_s: float | None = None) -> bool:
        """Whether /healthz answers 200 within ``timeout_s`` (the whole exchange, retries
        included, not only each network read)."""
        try:
            async with asyncio.timeout(timeout_s):
                resp = await self.request("GET", "/healthz", timeout=timeout_s)
        except (UpstreamError, TimeoutError):
            return False
        return resp.status_code == 200
