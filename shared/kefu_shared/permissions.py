"""The permission matrix: what each role may do, written down once.

Routes ask for a permission (``dependencies=[require_permission("credit:read")]``), never
for a list of roles, so who may do what is read and changed here only. The roles are the
identities of domain.md §5; ``service`` is another Kefu service calling over HTTP.
A dealer's permissions apply to its own data only: lookups still check
``principal.can_see_dealer`` and lists force the dealer's filter.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from kefu_shared.auth import ROLES, CurrentPrincipal, Principal
from kefu_shared.errors import Forbidden

PERMISSIONS: dict[str, str] = {
    "customer:read": "read customer profiles, contacts, interactions and copies",
    "customer:write": "register and change customers, record interactions",
    "customer:archive": "archive and restore customers",
    "customer:manage": "merge customers",
    "customer:erase": "erase a customer's personal data",
    "credit:read": "read credit profiles, ratings and holds",
    "credit:check": "ask whether an order passes the credit check",
    "credit:write": "set limits, terms and ratings; place and release holds",
    "ledger:read": "read orders and payments",
    "ledger:write": "record orders and payments",
    "classification:run": "run and read customer classification",
    "analytics:read": "read customer analytics (contribution, Pareto, composition, history)",
    "key_accounts:read": "read key accounts and the watch list",
    "key_accounts:write": "designate and withdraw key accounts",
    "complaint:read": "read complaints, their record and corrective actions",
    "complaint:file": "take in a complaint",
    "complaint:handle": "move a complaint through its workflow, plan corrective actions",
    "complaint:note": "add a note to a complaint",
    "complaint:approve": "approve a compensation above the threshold",
    "complaint:stats": "read complaint statistics",
    "tickets:read": "read tickets, their visits and record, warranties, agreements, plans",
    "tickets:open": "open service tickets",
    "tickets:write": "change tickets; contact, close, cancel, reopen them",
    "tickets:dispatch": "assign and schedule tickets, read the dispatch board",
    "tickets:approve": "approve paid work for a customer on credit hold",
    "tickets:field_work": "record visits; wait for the customer or parts, resume",
    "tickets:follow_up": "record the follow-up call after closing",
    "warranties:write": "register warranties, plan maintenance",
    "agreements:write": "conclude and change service agreements",
    "standards:read": "read the response-time standards",
    "standards:write": "change the response-time standards",
    "technicians:read": "read technicians and their day lists",
    "technicians:write": "register and change technicians",
    "scorecards:read": "read technician scorecards and the ranking",
    "export": "download lists as CSV",
    "events:read": "read the event catalog",
    "operations:read": "read the health of upstream services",
    "survey_templates:read": "read survey questionnaires and their versions",
    "survey:manage": "write questionnaires; plan, launch and cancel survey campaigns",
    "survey_campaigns:read": "read survey campaigns, their results and skips",
    "survey_results:read": "read survey invitations, responses, skips and survey analytics",
}

_STAFF_READ = {"customer:read", "events:read", "operations:read", "survey_templates:read"}
_SURVEY_READ = {"survey_campaigns:read", "survey_results:read"}
_TICKETS_ALL = {
    "tickets:read",
    "tickets:open",
    "tickets:write",
    "tickets:dispatch",
    "tickets:approve",
    "tickets:field_work",
    "tickets:follow_up",
    "warranties:write",
    "agreements:write",
    "standards:read",
    "standards:write",
    "technicians:read",
    "technicians:write",
    "scorecards:read",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "service_manager": frozenset(
        _STAFF_READ
        | {
            "customer:write",
            "customer:archive",
            "customer:manage",
            "credit:read",
            "credit:check",
            "ledger:read",
            "ledger:write",
            "classification:run",
            "analytics:read",
            "key_accounts:read",
            "key_accounts:write",
            "export",
            "complaint:read",
            "complaint:file",
            "complaint:handle",
            "complaint:note",
            "complaint:stats",
            "complaint:approve",
            "survey:manage",
        }
        | _TICKETS_ALL
        | _SURVEY_READ
    ),
    "agent": frozenset(
        _STAFF_READ
        | _SURVEY_READ
        | {
            "tickets:read",
            "tickets:open",
            "tickets:write",
            "tickets:follow_up",
            "warranties:write",
            "standards:read",
            "technicians:read",
            "customer:write",
            "credit:read",
            "credit:check",
            "ledger:read",
            "analytics:read",
            "key_accounts:read",
            "export",
            "complaint:read",
            "complaint:file",
            "complaint:handle",
            "complaint:note",
            "complaint:stats",
        }
    ),
    "dispatcher": frozenset(
        _STAFF_READ
        | {
            "credit:check",
            "complaint:read",
            "tickets:read",
            "tickets:open",
            "tickets:write",
            "tickets:dispatch",
            "tickets:field_work",
            "standards:read",
            "technicians:read",
            "technicians:write",
            "scorecards:read",
            "export",
        }
    ),
    # A technician's field work and scorecard are their own tickets' (checked by the service).
    "technician": frozenset(
        _STAFF_READ | {"tickets:read", "tickets:field_work", "technicians:read", "scorecards:read"}
    ),
    "credit_manager": frozenset(
        _STAFF_READ
        | {
            "customer:write",
            "credit:read",
            "credit:check",
            "credit:write",
            "ledger:read",
            "ledger:write",
            "analytics:read",
            "key_accounts:read",
            "export",
        }
    ),
    "analyst": frozenset(
        _STAFF_READ
        | _SURVEY_READ
        | {
            "tickets:read",
            "standards:read",
            "technicians:read",
            "scorecards:read",
            "credit:read",
            "ledger:read",
            "classification:run",
            "analytics:read",
            "key_accounts:read",
            "export",
            "complaint:read",
            "complaint:stats",
        }
    ),
    # Partner dealers: their own customers only (enforced by the dealer filter).
    "dealer": frozenset(
        {
            "tickets:read",
            "tickets:open",
            "tickets:write",
            "warranties:write",
            "customer:read",
            "customer:write",
            "customer:archive",
            "credit:read",
            "credit:check",
            "ledger:read",
            "analytics:read",
            "key_accounts:read",
            "export",
            "events:read",
            "complaint:read",
            "complaint:file",
            "complaint:note",
            "complaint:stats",
            "survey_templates:read",
            "survey_results:read",
        }
    ),
    "service": frozenset(
        {"customer:read", "credit:check", "ledger:write", "events:read", "tickets:read"}
    ),
}

if set(ROLE_PERMISSIONS) != ROLES:  # pragma: no cover - caught by any import in tests
    raise RuntimeError("every role needs a row in the permission matrix")
if not all(p <= set(PERMISSIONS) for p in ROLE_PERMISSIONS.values()):  # pragma: no cover
    raise RuntimeError("the permission matrix names an unknown permission")


def permissions_of(principal: Principal) -> frozenset[str]:
    granted: set[str] = set()
    for role in principal.roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def has_permission(principal: Principal, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return any(permission in ROLE_PERMISSIONS.get(r, frozenset()) for r in principal.roles)


def require_permission(permission: str) -> Any:
    """Dependency: the caller's roles must grant ``permission`` (403 problem+json if not)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def check(principal: CurrentPrincipal) -> Principal:
        if not has_permission(principal, permission):
            raise Forbidden(f"requires the permission {permission}", permission=permission)
        return principal

    return Depends(check)
