"""What an integrator does with a Kefu OpenAPI document: generate a Python client from it
(openapi-python-client, offline) and import it."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from fastapi import FastAPI

from kefu_shared.registry import BACKEND_NAMES
from tests.support import service_factories

APPS = (*BACKEND_NAMES, "gateway")
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
# What an integrator passes to the generator (README, "Generating a client"): the CSV feed
# upload is bytes sent as text/csv, which the generator handles as a file body.
GENERATOR_CONFIG = {
    "post_hooks": [],
    "content_type_overrides": {"text/csv": "application/octet-stream"},
}


def build_app(name: str) -> FastAPI:
    """The app of a service (or the gateway) as its document is served; not started."""
    if name == "gateway":
        from gateway.main import create_app
        from gateway.settings import GatewaySettings

        return create_app(GatewaySettings(env="development"), configure_logs=False)
    app_factory, settings_cls = service_factories(name)
    return app_factory(settings_cls(env="development"), configure_logs=False)


def document(name: str) -> dict[str, Any]:
    return build_app(name).openapi()


def generate_client(spec: dict[str, Any], package: str, workdir: Path) -> tuple[ModuleType, str]:
    """Generate the client package ``package`` under ``workdir`` and import it; also
    return the generator's output (it names what it could not generate)."""
    spec_path = workdir / f"{package}.json"
    config = workdir / f"{package}.yaml"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    config.write_text(
        yaml.safe_dump({**GENERATOR_CONFIG, "package_name_override": package}), encoding="utf-8"
    )
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(spec_path),
            "--output-path",
            str(workdir / package),
            "--meta",
            "none",
            "--config",
            str(config),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    if str(workdir) not in sys.path:
        sys.path.insert(0, str(workdir))
    for loaded in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[loaded]
    importlib.invalidate_caches()
    return importlib.import_module(package), output
