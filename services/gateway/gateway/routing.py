"""Which upstream service owns which public path prefix."""

from __future__ import annotations

from kefu_shared.registry import route_table

# Longest prefix wins. Every prefix is under /api/v1; the service registry owns the table.
ROUTES: dict[str, str] = route_table()


def upstream_for(path: str) -> str | None:
    best: tuple[int, str] | None = None
    for prefix, service in ROUTES.items():
        matches = path == prefix or path.startswith(prefix + "/")
        if matches and (best is None or len(prefix) > best[0]):
            best = (len(prefix), service)
    return best[1] if best else None
