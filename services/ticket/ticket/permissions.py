"""Who may do what in the ticket service (roles of kefu_shared.auth; admin always may)."""

from __future__ import annotations

OPEN_TICKETS = ("service_manager", "agent", "dispatcher", "dealer")
READ_TICKETS = (
    "service_manager",
    "agent",
    "dispatcher",
    "technician",
    "analyst",
    "dealer",
    "service",
)
CHANGE_TICKETS = ("service_manager", "agent", "dispatcher", "dealer")
DISPATCH = ("service_manager", "dispatcher")
APPROVE = ("service_manager",)
FIELD_WORK = ("service_manager", "dispatcher", "technician")
FOLLOW_UP = ("service_manager", "agent")
COVERAGE_WRITE = ("service_manager", "agent", "dealer")
AGREEMENT_WRITE = ("service_manager",)
STANDARDS_WRITE = ("service_manager",)
STAFF_READ = ("service_manager", "agent", "dispatcher", "technician", "analyst")
TECHNICIANS_WRITE = ("service_manager", "dispatcher")
SCORECARDS = ("service_manager", "dispatcher", "analyst", "technician")

# Workflow actions without input of their own: action -> (path, roles, summary).
SIMPLE_ACTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "contact": (
        "contact",
        ("service_manager", "agent", "dispatcher", "technician", "dealer"),
        "Record the first contact with the customer",
    ),
    "wait_for_customer": (
        "wait-for-customer",
        (*FIELD_WORK, "agent"),
        "Wait for the customer (SLA clocks pause; reason required)",
    ),
    "wait_for_parts": (
        "wait-for-parts",
        FIELD_WORK,
        "Wait for parts (SLA clocks pause; reason required)",
    ),
    "resume": ("resume", (*FIELD_WORK, "agent"), "End the wait (deadlines move by the pause)"),
    "close": ("close", ("service_manager", "agent", "dispatcher"), "Close a completed ticket"),
    "cancel": ("cancel", CHANGE_TICKETS, "Cancel (reason required)"),
    "reopen": (
        "reopen",
        ("service_manager", "agent"),
        "Reopen a completed or closed ticket (reason required)",
    ),
}
