"""Which upstream service owns which public path prefix."""

from __future__ import annotations

# Longest prefix wins. Every prefix is under /api/v1.
ROUTES: dict[str, str] = {
    "/api/v1/customers": "customer",
    "/api/v1/classification-runs": "customer",
    "/api/v1/credit": "customer",
    "/api/v1/ledger": "customer",
    "/api/v1/key-accounts": "customer",
    "/api/v1/customer-analytics": "customer",
    "/api/v1/complaints": "complaint",
    "/api/v1/tickets": "ticket",
    "/api/v1/technicians": "ticket",
    "/api/v1/surveys": "survey",
}


def upstream_for(path: str) -> str | None:
    best: tuple[int, str] | None = None
    for prefix, service in ROUTES.items():
        matches = path == prefix or path.startswith(prefix + "/")
        if matches and (best is None or len(prefix) > best[0]):
            best = (len(prefix), service)
    return best[1] if best else None
