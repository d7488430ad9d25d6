"""Render every overlay under deploy/k8s/overlays and validate what it renders, offline.

- Core kinds go through ``kubernetes-validate --strict --quiet -k 1.30.0`` (the official
  schemas it ships); a kind it has no schema for fails here (the tool itself only warns).
- Custom resources (Strimzi, CloudNativePG, Prometheus Operator, Gateway API, KEDA) are
  validated with ``jsonschema`` against ``<group>/<kind>_<version>.json`` in the CRD schema
  folder: ``../shared/k8s-crd-schemas`` beside the repository (where CI and every
  developer machine have it; ``../../shared`` for a worktree under ``../wt/``), or
  ``KEFU_CRD_SCHEMAS``. A custom resource without a schema
  fails.
- Every resource needs a name that Kubernetes accepts.

Usage: ``python scripts/k8s_validate.py [--out DIR] [OVERLAY_DIR...]`` (default: every
overlay). Writes each rendered overlay to ``DIR/<overlay>.yaml`` (default build/k8s) and
exits 1 on the first overlay with problems, listing them all.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kustomize_lite import KustomizeError, dump, render, res_group

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES_VERSION = "1.30.0"
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def schema_dir() -> Path:
    if "KEFU_CRD_SCHEMAS" in os.environ:
        return Path(os.environ["KEFU_CRD_SCHEMAS"])
    # A clone has shared/ beside it; a git worktree under <clone's parent>/wt/ one level up.
    # A clone anywhere else uses the copy kept in the repository (deploy/k8s/crd-schemas,
    # the same MIT-licensed catalog), so CI never depends on where it was cloned.
    candidates = [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
    found = [c / "k8s-crd-schemas" for c in candidates if (c / "k8s-crd-schemas").is_dir()]
    return found[0] if found else ROOT / "deploy" / "k8s" / "crd-schemas"


@cache
def crd_schema(group: str, kind: str, version: str) -> dict[str, Any] | None:
    path = schema_dir() / group / f"{kind.lower()}_{version}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def is_custom(res: dict[str, Any]) -> bool:
    group = res_group(res)
    return "." in group and not (group.endswith(".k8s.io") and not group.startswith("gateway."))


def validate_custom(res: dict[str, Any]) -> list[str]:
    group, _, version = res["apiVersion"].rpartition("/")
    schema = crd_schema(group, res["kind"], version)
    where = f"{res['kind']}/{res.get('metadata', {}).get('name')}"
    if schema is None:
        return [f"{where}: no schema for {res['apiVersion']} {res['kind']} in {schema_dir()}"]
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [
        f"{where}: {'.'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.message}"
        for err in sorted(validator.iter_errors(res), key=lambda e: list(e.absolute_path))
    ]


def validate_core(resources: list[dict[str, Any]], workdir: Path) -> list[str]:
    if not resources:
        return []
    path = workdir / "core.yaml"
    path.write_text(dump(resources))
    tool = shutil.which("kubernetes-validate", path=str(Path(sys.executable).parent))
    command = [tool] if tool else [sys.executable, "-m", "kubernetes_validate"]
    proc = subprocess.run(
        [*command, "--strict", "--quiet", "-k", KUBERNETES_VERSION, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    # The tool only warns about kinds it has no schema for: here that is a failure too.
    problems = [line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if line]
    if proc.returncode != 0 and not problems:
        problems = [f"kubernetes-validate exited {proc.returncode}"]
    return problems


def validate(resources: list[dict[str, Any]], workdir: Path) -> list[str]:
    problems: list[str] = []
    for res in resources:
        name = res.get("metadata", {}).get("name", "")
        if not DNS_SUBDOMAIN.match(name):
            problems.append(f"{res['kind']}/{name}: not a valid Kubernetes name")
    problems += [p for res in resources if is_custom(res) for p in validate_custom(res)]
    problems += validate_core([r for r in resources if not is_custom(r)], workdir)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "k8s")
    parser.add_argument("overlays", nargs="*", type=Path)
    args = parser.parse_args(argv)
    overlays = args.overlays or sorted(
        p for p in (ROOT / "deploy/k8s/overlays").iterdir() if p.is_dir()
    )
    if not schema_dir().is_dir():
        print(
            f"error: CRD schemas not found in {schema_dir()} (set KEFU_CRD_SCHEMAS)",
            file=sys.stderr,
        )
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    failed = False
    for overlay in overlays:
        try:
            resources = render(overlay)
        except (KustomizeError, yaml.YAMLError, OSError) as exc:
            print(f"FAIL {overlay}: cannot render: {exc}")
            failed = True
            continue
        (args.out / f"{overlay.name}.yaml").write_text(dump(resources))
        workdir = args.out / f".{overlay.name}"
        workdir.mkdir(exist_ok=True)
        problems = validate(resources, workdir)
        if problems:
            failed = True
            print(f"FAIL {overlay}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  {problem}")
        else:
            custom = sum(map(is_custom, resources))
            print(
                f"ok   {overlay.name}: {len(resources)} resources "
                f"({len(resources) - custom} core, {custom} custom) valid"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
