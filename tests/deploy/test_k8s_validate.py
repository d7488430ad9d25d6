"""`make k8s-validate`: the overlays render and validate, and a broken manifest fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.deploy.manifests import DEPLOY, k8s_validate, kustomize_lite, of_kind, pod_spec


def _validate(overlays: list[Path], out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = k8s_validate.main(["--out", str(out), *map(str, overlays)])
    return code, capsys.readouterr().out


def test_both_overlays_render_and_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate([], tmp_path, capsys)
    assert code == 0, out
    assert "ok   dev:" in out and "ok   prod:" in out
    assert "kind: Deployment" in (tmp_path / "prod.yaml").read_text()


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "k8s"
    shutil.copytree(DEPLOY, copy)
    return copy


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        # a custom resource with a misspelt field (Strimzi schema)
        ("base/kafka/topics.yaml", "  partitions: 6", "  partitionz: 6", "'partitionz' was unexpected"),
        # a core kind with a wrong type (kubernetes-validate --strict)
        ("base/services/customer.yaml", "revisionHistoryLimit: 5", "revisionHistoryLimit: five",
         "deployment/customer"),
        # a core kind with an unknown field
        ("base/services/gateway.yaml", "automountServiceAccountToken: false\n---",
         "automountServiceAccountToken: false\nsecrets_: []\n---", "secrets_"),
        # a kind nobody has a schema for (kubernetes-validate alone only warns)
        ("base/services/gateway.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets",
         "PodDisruptionBudgets"),
        # a CloudNativePG field with the wrong type
        ("overlays/prod/postgres.yaml", "instances: 3", "instances: three", "Cluster/kefu-pg"),
        # a patch that matches nothing
        ("overlays/prod/route.yaml", "name: kefu", "name: kefu-typo", "patch matches no resource"),
    ],
)
def test_a_broken_manifest_fails_validation(
    broken_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    old: str,
    new: str,
    expected: str,
) -> None:
    _break(broken_copy / file, old, new)
    code, out = _validate([broken_copy / "overlays/prod"], tmp_path / "out", capsys)
    assert code == 1
    assert "FAIL" in out and expected in out, out


def test_unsupported_kustomize_features_are_refused(broken_copy: Path) -> None:
    _break(broken_copy / "overlays/dev/kustomization.yaml", "namespace: kefu-dev",
           "namespace: kefu-dev\nnamePrefix: x-")
    with pytest.raises(kustomize_lite.KustomizeError, match="namePrefix"):
        kustomize_lite.render(broken_copy / "overlays/dev")


def test_overlays_patch_as_kustomize_does() -> None:
    dev, prod = of_kind("dev", "KafkaTopic"), of_kind("prod", "KafkaTopic")
    # a targeted patch reaches every topic; maps merge, the rest of the spec stays
    assert {t["spec"]["replicas"] for t in dev.values()} == {1}
    assert {t["spec"]["config"]["min.insync.replicas"] for t in dev.values()} == {"1"}
    assert {t["spec"]["config"]["retention.ms"] for t in dev.values()} == {
        t["spec"]["config"]["retention.ms"] for t in prod.values()
    }
    deployment = of_kind("prod", "Deployment")["customer"]
    job = of_kind("prod", "Job")["customer-migrate"]
    assert deployment["metadata"]["namespace"] == "kefu"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kustomize"
    # images are rewritten in Deployments and migration Jobs alike
    images = {pod_spec(r)["containers"][0]["image"] for r in (deployment, job)}
    assert images == {"registry.example.com/kefu/customer:0.1.0"}


def test_strategic_merge_merges_containers_by_name_and_replaces_custom_lists() -> None:
    base = {"containers": [{"name": "a", "image": "x", "env": [{"name": "E", "value": "1"}]}]}
    patch = {"containers": [{"name": "a", "env": [{"name": "F", "value": "2"}]}]}
    merged = kustomize_lite.merge(base, patch, core=True)
    assert merged["containers"][0]["image"] == "x"
    assert [e["name"] for e in merged["containers"][0]["env"]] == ["E", "F"]
    assert kustomize_lite.merge(base, patch, core=False) == patch
    assert kustomize_lite.merge({"a": 1, "b": 2}, {"b": None}, core=True) == {"a": 1}
