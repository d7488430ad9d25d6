"""Every event contract of Kefu, one module per owning service (the single copy)."""

from kefu_shared.contracts import complaint, customer, survey, ticket  # noqa: F401
from kefu_shared.events import REGISTRY

__all__ = ["REGISTRY"]
