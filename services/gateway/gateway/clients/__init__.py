"""One httpx client per upstream service."""

from gateway.clients.base import ServiceClient, UpstreamError

__all__ = ["ServiceClient", "UpstreamError"]
