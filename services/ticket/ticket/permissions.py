"""The permission each ticket route asks for (the matrix is ``kefu_shared.permissions``)."""

from __future__ import annotations

# Workflow actions without input of their own: action -> (path, permission, summary).
SIMPLE_ACTIONS: dict[str, tuple[str, str, str]] = {
    "contact": ("contact", "tickets:write", "Record the first contact with the customer"),
    "wait_for_customer": (
        "wait-for-customer",
        "tickets:field_work",
        "Wait for the customer (SLA clocks pause; reason required)",
    ),
    "wait_for_parts": (
        "wait-for-parts",
        "tickets:field_work",
        "Wait for parts (SLA clocks pause; reason required)",
    ),
    "resume": ("resume", "tickets:field_work", "End the wait (deadlines move by the pause)"),
    "close": ("close", "tickets:write", "Close a completed ticket"),
    "cancel": ("cancel", "tickets:write", "Cancel (reason required)"),
    "reopen": ("reopen", "tickets:write", "Reopen a completed or closed ticket (reason required)"),
}
