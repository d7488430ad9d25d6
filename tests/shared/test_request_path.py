"""The request path never hops to the thread pool: every route and every dependency of
every service is ``async def`` (a plain ``def`` runs in a worker thread per request --
measured at about a tenth of a worker's CPU on the customer service)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

APPS = ("customer", "complaint", "ticket", "survey", "gateway")


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)  # an included router
        if inner is not None:
            yield from _routes(inner.routes)


def _is_async(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 - callable instances (security classes)
    )


@pytest.mark.parametrize("service", APPS)
def test_every_route_and_dependency_is_async(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEFU_ENV", "development")
    app = importlib.import_module(f"{service}.main").create_app(configure_logs=False)
    sync = set()
    routes = list(_routes(app.routes))
    assert len(routes) > 3
    for route in routes:
        if not _is_async(route.endpoint):
            sync.add(f"route {route.path} -> {route.endpoint.__qualname__}")
        for call in _calls(route.dependant):
            if not _is_async(call):
                sync.add(f"dependency {getattr(call, '__qualname__', call)} of {route.path}")
    assert not sync, "\n".join(sorted(sync))
