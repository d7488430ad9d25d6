"""Rate limits of the endpoints that need no login (the survey answer links), with the
``limits`` package: a moving window per key, kept in memory (one process) or in Redis
(``redis://...``: shared by every replica and the gateway).

    limiter = RateLimiter("memory://")          # built once, from settings
    await limiter.hit("30/minute", "client", "203.0.113.9")   # 429 when over the limit
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import Request

from kefu_shared.errors import TooManyRequests


class RateLimiter:
    def __init__(self, storage_uri: str = "memory://") -> None:
        uri = storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}"
        options = {"implementation": "redispy"} if "redis" in uri.split("://", 1)[0] else {}
        self.storage = storage_from_string(uri, **options)
        self._strategy = MovingWindowRateLimiter(self.storage)  # type: ignore[arg-type]
        self._items: dict[str, RateLimitItem] = {}

    def _item(self, limit: str) -> RateLimitItem:
        item = self._items.get(limit)
        if item is None:
            item = self._items[limit] = parse(limit)
        return item

    async def hit(self, limit: str, *identifiers: str) -> None:
        """Count one request against ``limit`` for ``identifiers``; 429 with Retry-After
        once the window is full."""
        item = self._item(limit)
        if await self._strategy.hit(item, *identifiers):
            return
        stats = await self._strategy.get_window_stats(item, *identifiers)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequests(
            f"too many requests; at most {limit}, retry in {retry_after} s",
            retry_after=retry_after,
        )


def client_address(request: Request, *, trust_forwarded_for: bool) -> str:
    """The caller's address: the first X-Forwarded-For hop when a trusted proxy (the
    gateway) sets it, else the connection's peer."""
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",", 1)[0].strip()
        if first:
            return first
    return request.client.host if request.client else "unknown"
