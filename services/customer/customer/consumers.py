"""Event handlers of the customer service, by event type."""

from __future__ import annotations

from kefu_shared.consumer import Handler

HANDLERS: dict[str, Handler] = {}
