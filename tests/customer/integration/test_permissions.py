"""The permission matrix (kefu_shared.permissions) is what the customer service enforces:
every business route asks for a permission, and each role reaches exactly the route
classes its permissions name -- read routes included (a technician or a role-less token
does not read credit, holds, ledger, exports or key accounts)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from kefu_shared.auth import issue_token
from kefu_shared.permissions import ROLE_PERMISSIONS
from tests.customer.integration.conftest import CustomerHarness, api_routes

# Routes that are not business routes: probes and documents of the service itself.
_OPERATIONAL = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc")


def _permission_of(route: APIRoute) -> list[str]:
    found = []
    for dep in route.dependant.dependencies:
        call = dep.call
        if call is not None and call.__qualname__.startswith("require_permission."):
            cell = dict(zip(call.__code__.co_freevars, call.__closure__ or (), strict=True))
            found.append(cell["permission"].cell_contents)
    return found


def test_every_business_route_asks_for_one_permission(customer_svc: CustomerHarness) -> None:
    routes = [
        (path, route)
        for path, route in api_routes(customer_svc.stack.apps["customer"])
        if not path.startswith(_OPERATIONAL)
    ]
    assert len(routes) > 40
    missing = [
        f"{sorted(route.methods)} {path}"
        for path, route in routes
        if len(_permission_of(route)) != 1
    ]
    assert missing == []


# One representative request per route class and the permission it needs.
ROUTE_CLASSES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("customer:read", "GET", "/api/v1/customers/{id}", None),
    ("customer:read", "GET", "/api/v1/customers", None),
    ("customer:write", "POST", "/api/v1/customers/{id}/interactions", {"kind": "inquiry"}),
    ("customer:archive", "POST", "/api/v1/customers/{id}/archive", {"reason": "closed"}),
    ("customer:manage", "POST", "/api/v1/customers/{id}/merge", {"merge_ids": []}),
    ("customer:erase", "POST", "/api/v1/customers/{id}/erase", None),
    ("credit:read", "GET", "/api/v1/customers/{id}/credit", None),
    ("credit:read", "GET", "/api/v1/credit/holds", None),
    ("credit:check", "POST", "/api/v1/customers/{id}/credit/check", {"amount": "1"}),
    ("credit:write", "POST", "/api/v1/credit/recalculate", {}),
    ("ledger:read", "GET", "/api/v1/customers/{id}/orders", None),
    ("ledger:write", "POST", "/api/v1/ledger/imports", {"orders": []}),
    ("classification:run", "GET", "/api/v1/classification-runs", None),
    ("analytics:read", "GET", "/api/v1/customer-analytics/pareto", None),
    ("key_accounts:read", "GET", "/api/v1/key-accounts", None),
    ("key_accounts:read", "GET", "/api/v1/key-accounts/watch-list", None),
    ("key_accounts:write", "DELETE", "/api/v1/key-accounts/{id}", None),
    ("export", "GET", "/api/v1/customers?format=csv", None),
]


@pytest.mark.parametrize("role", [*sorted(ROLE_PERMISSIONS), "<none>"])
async def test_each_role_reaches_exactly_the_route_classes_of_its_permissions(
    customer_svc: CustomerHarness, role: str
) -> None:
    c = await customer_svc.create_customer(kind="company", name="Matrix Ltd")
    granted = ROLE_PERMISSIONS.get(role, frozenset())
    roles = [] if role == "<none>" else [role]
    token = issue_token(
        customer_svc.settings,
        subject="matrix",
        roles=roles,
        dealer_id="D-1" if role == "dealer" else None,
    )
    headers = {"Authorization": f"Bearer {token}"}
    wrong = []
    for permission, method, path, body in ROUTE_CLASSES:
        r = await customer_svc.http.request(
            method, path.format(id=c["id"]), json=body, headers=headers
        )
        # A dealer may be allowed and still not see another dealer's customer (404).
        allowed = permission in granted and (permission != "export" or "customer:read" in granted)
        if allowed and r.status_code in (401, 403):
            wrong.append((permission, method, path, r.status_code, "refused"))
        if not allowed and r.status_code not in (401, 403):
            wrong.append((permission, method, path, r.status_code, "let through"))
        assert r.status_code < 500, (permission, path, r.text)
    assert wrong == []
