"""An httpx client for one upstream service, forwarding identity and request ids."""

from __future__ import annotations

from typing import Any

import httpx

from kefu_shared.context import correlation_id_var, request_id_var

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


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
    ) -> None:
        self.name = name
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
    ) -> httpx.Response:
        merged = {**(headers or {}), **self.context_headers()}
        try:
            return await self._client.request(
                method, path, headers=merged, params=params, content=content, json=json
            )
        except httpx.TimeoutException as exc:
            raise UpstreamError(self.name, "timeout", repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamError(self.name, "unavailable", repr(exc)) from exc

    async def healthy(self) -> bool:
        try:
            resp = await self.request("GET", "/healthz")
        except UpstreamError:
            return False
        return resp.status_code == 200
