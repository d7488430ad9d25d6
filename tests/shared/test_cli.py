"""``python -m <service> serve --workers N``: N uvicorn worker processes, each building
the app itself from the factory."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from customer.main import create_app
from customer.settings import CustomerSettings
from kefu_shared.cli import main


def _serve(monkeypatch: pytest.MonkeyPatch, *argv: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kw: Any) -> None:
        seen.update(kw, app=app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    main(
        name="customer",
        settings_factory=lambda: CustomerSettings(env="development"),
        app_factory=create_app,
        service_dir=None,
        default_port=8001,
        argv=["serve", *argv],
    )
    return seen


def test_serve_with_workers_hands_uvicorn_the_app_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _serve(monkeypatch, "--workers", "3", "--port", "9")
    assert seen["app"] == "customer.main:create_app"
    assert seen["factory"] is True
    assert seen["workers"] == 3
    assert seen["port"] == 9


def test_serve_without_workers_runs_one_process_with_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _serve(monkeypatch)
    assert not isinstance(seen["app"], str)
    assert seen["workers"] == 1


def test_serve_refuses_zero_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit):
        _serve(monkeypatch, "--workers", "0")
