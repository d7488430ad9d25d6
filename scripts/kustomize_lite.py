"""Render a kustomize overlay in Python: the subset of kustomize that deploy/k8s uses.

No kustomize binary can be installed on the CI machines, so `make k8s-validate` renders the
overlays with this module. It implements exactly the features the manifests use and
refuses every other kustomization key, so a manifest that needs more fails here instead of
rendering differently from `kubectl kustomize`:

- ``resources``: YAML files and directories holding a kustomization.yaml;
- ``configMapGenerator`` with ``files`` and ``options.disableNameSuffixHash: true``
  (optionally ``options.labels``);
- ``patches`` with ``path`` (a strategic-merge patch), optionally ``target.kind`` /
  ``target.name`` to apply one patch to every matching resource. Merging follows
  kustomize: maps merge, ``null`` deletes a key, lists of core kinds merge by their patch
  merge key (containers, env, volumes by ``name``, volumeMounts by ``mountPath``), every
  other list (and every list of a custom resource) is replaced;
- ``namespace`` (set on every resource; all Kefu resources are namespaced);
- ``labels`` with ``pairs`` (metadata labels only: no selectors, no templates);
- ``images`` with ``name``, ``newName``, ``newTag``.

Usage: ``python scripts/kustomize_lite.py deploy/k8s/overlays/prod > prod.yaml``.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "configMapGenerator",
    "patches",
    "namespace",
    "labels",
    "images",
}
# Strategic-merge keys of the core lists the overlays may patch (as in the Kubernetes API).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}


class KustomizeError(Exception):
    """The kustomization uses something this renderer does not implement, or is wrong."""


def render(directory: Path | str) -> list[Resource]:
    """All resources of the kustomization in ``directory``, transformed, in order."""
    directory = Path(directory)
    path = directory / "kustomization.yaml"
    if not path.is_file():
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    spec = yaml.safe_load(path.read_text()) or {}
    unknown = set(spec) - SUPPORTED_KEYS
    if unknown:
        raise KustomizeError(f"{path}: unsupported kustomization keys {sorted(unknown)}")

    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        target = directory / entry
        if target.is_dir():
            resources.extend(render(target))
        elif target.is_file():
            resources.extend(load_documents(target))
        else:
            raise KustomizeError(f"{path}: resource {entry} does not exist")
    for generator in spec.get("configMapGenerator", []):
        resources.append(_config_map(directory, generator))
    _check_unique(resources, path)

    for patch_entry in spec.get("patches", []):
        _apply_patch(resources, directory, patch_entry, path)
    if "namespace" in spec:
        for res in resources:
            res.setdefault("metadata", {})["namespace"] = spec["namespace"]
    for label_set in spec.get("labels", []):
        if label_set.get("includeSelectors") or label_set.get("includeTemplates"):
            raise KustomizeError(f"{path}: labels only on metadata are supported")
        for res in resources:
            res.setdefault("metadata", {}).setdefault("labels", {}).update(label_set["pairs"])
    for image in spec.get("images", []):
        if not [res for res in resources if _set_image(res, image)]:
            raise KustomizeError(f"{path}: image {image['name']} is used by no container")
    return resources


def load_documents(path: Path) -> list[Resource]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
            raise KustomizeError(f"{path}: a document without apiVersion and kind")
    return docs


def dump(resources: list[Resource]) -> str:
    return "".join(
        "---\n" + yaml.safe_dump(r, sort_keys=False, allow_unicode=True, width=100)
        for r in resources
    )


def _key(res: Resource) -> tuple[str, str]:
    return res["kind"], res.get("metadata", {}).get("name", "")


def _check_unique(resources: list[Resource], path: Path) -> None:
    seen: set[tuple[str, str]] = set()
    for res in resources:
        if _key(res) in seen:
            raise KustomizeError(f"{path}: {_key(res)} defined twice")
        seen.add(_key(res))


def _config_map(directory: Path, generator: dict[str, Any]) -> Resource:
    options = generator.get("options", {})
    if set(generator) - {"name", "files", "options"} or not options.get("disableNameSuffixHash"):
        raise KustomizeError(
            f"{directory}: configMapGenerator supports only files with disableNameSuffixHash"
        )
    data = {Path(f).name: (directory / f).read_text() for f in generator.get("files", [])}
    metadata: dict[str, Any] = {"name": generator["name"]}
    if options.get("labels"):
        metadata["labels"] = dict(options["labels"])
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def _apply_patch(
    resources: list[Resource], directory: Path, entry: dict[str, Any], path: Path
) -> None:
    if set(entry) - {"path", "target"} or set(entry.get("target", {})) - {"kind", "name"}:
        raise KustomizeError(f"{path}: patches support only path and target.kind/target.name")
    patch_file = directory / entry["path"]
    for patch in load_documents(patch_file):
        target = entry.get("target") or {
            "kind": patch["kind"],
            "name": patch.get("metadata", {}).get("name"),
        }
        matched = [
            res
            for res in resources
            if res["kind"] == target["kind"]
            and (target.get("name") is None or _key(res)[1] == target["name"])
        ]
        if not matched:
            raise KustomizeError(f"{patch_file}: patch matches no resource ({target})")
        body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")}
        extra_meta = {k: v for k, v in patch.get("metadata", {}).items() if k != "name"}
        core = "." not in res_group(patch) or res_group(patch).endswith(".k8s.io")
        for res in matched:
            merged = merge(res, body, core=core)
            if extra_meta:
                merged["metadata"] = merge(res.get("metadata", {}), extra_meta, core=core)
            res.clear()
            res.update(merged)


def res_group(res: Resource) -> str:
    api_version: str = res["apiVersion"]
    return api_version.rpartition("/")[0]


def merge(base: Any, patch: Any, *, core: bool, field: str = "") -> Any:
    """Strategic merge of ``patch`` into a copy of ``base`` (see the module docstring)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge(out[key], value, core=core, field=key)
            else:
                out[key] = copy.deepcopy(value)
        return out
    merge_key = MERGE_KEYS.get(field) if core else None
    if isinstance(base, list) and isinstance(patch, list) and merge_key:
        out_list = copy.deepcopy(base)
        for item in patch:
            index = next(
                (i for i, b in enumerate(out_list) if b.get(merge_key) == item.get(merge_key)),
                None,
            )
            if index is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[index] = merge(out_list[index], item, core=core)
        return out_list
    return copy.deepcopy(patch)


def _set_image(res: Resource, image: dict[str, Any]) -> bool:
    if set(image) - {"name", "newName", "newTag"}:
        raise KustomizeError(f"images support only name, newName, newTag: {image}")
    pod = res.get("spec", {}).get("template", {}).get("spec", {})
    changed = False
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        name, tag = _split_image(container["image"])
        if name != image["name"]:
            continue
        name = image.get("newName", name)
        tag = image.get("newTag", tag)
        container["image"] = f"{name}:{tag}" if tag else name
        changed = True
    return changed


def _split_image(ref: str) -> tuple[str, str | None]:
    name, sep, tag = ref.rpartition(":")
    if sep and "/" not in tag:
        return name, tag
    return ref, None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        sys.stdout.write(dump(render(argv[0])))
    except KustomizeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
