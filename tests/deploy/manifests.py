"""Rendered Kubernetes manifests for the deploy tests (scripts/ is not a package)."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")

sys.path.insert(0, str(ROOT / "scripts"))
import k8s_validate  # noqa: E402
import kustomize_lite  # noqa: E402

Resource = dict[str, Any]


@cache
def rendered(overlay: str) -> tuple[Resource, ...]:
    return tuple(kustomize_lite.render(DEPLOY / "overlays" / overlay))


def of_kind(overlay: str, kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in rendered(overlay) if r["kind"] == kind}


def pod_spec(res: Resource) -> dict[str, Any]:
    return res["spec"]["template"]["spec"]  # type: ignore[no-any-return]


__all__ = ["DEPLOY", "OVERLAYS", "ROOT", "k8s_validate", "kustomize_lite", "of_kind", "pod_spec"]
