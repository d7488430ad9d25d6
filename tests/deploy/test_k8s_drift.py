"""No drift between the code and deploy/k8s: every service, topic, dead-letter topic,
setting and secret the code needs is in the manifests, and the manifests point at nothing
the code does not have (services, settings, metrics, event types, routes)."""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic_settings import BaseSettings
from starlette.routing import Match

from kefu_shared import registry
from kefu_shared.events import REGISTRY
from kefu_shared.kafka import ALL_TOPICS
from kefu_shared.settings import ServiceSettings
from tests.deploy.manifests import DEPLOY, OVERLAYS, ROOT, of_kind, pod_spec, rendered

ALL_SERVICES = tuple(s.name for s in registry.ALL_SERVICES)
# Backends own a database, an event topic and a consumer group; the gateway none of them.
SERVICES = registry.BACKEND_NAMES
# Metrics that are not the services' own, and who exports them (configured in kafka.yaml).
EXTERNAL_METRICS = {"kafka_consumergroup_lag": "Strimzi Kafka Exporter"}
# The gateway inherits these settings from ServiceSettings but opens no database and no
# Kafka client (gateway/main.py), so their development defaults do not matter there.
UNUSED_BY_GATEWAY = ("database_", "kafka_", "relay_", "consumer")
README = (DEPLOY / "README.md").read_text()

params = pytest.mark.parametrize("overlay", OVERLAYS)


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}.settings")
    return getattr(module, f"{service.capitalize()}Settings")  # type: ignore[no-any-return]


def env_names(cls: type[BaseSettings]) -> set[str]:
    """Every environment variable a settings class reads (nested settings included)."""
    prefix = cls.model_config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in cls.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings):
            names |= env_names(field.annotation)
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        if choices:
            names.update(str(c).upper() for c in choices)
        else:
            names.add(f"{prefix}{name}".upper())
    return names


def has_migrations(service: str) -> bool:
    migrations = (ROOT / "services" / service / "alembic.ini").is_file()
    assert migrations == registry.service(service).backend, service
    return migrations


@cache
def consumption(service: str) -> tuple[list[str], frozenset[str]]:
    """(topics, event types) the service's consumer reads, as its runtime builds them."""
    main = importlib.import_module(f"{service}.main")
    settings = settings_class(service)(env="test", database_url="sqlite+aiosqlite:///:memory:")
    runtime = main.create_runtime(settings)
    return list(runtime.consumer.topics), frozenset(runtime.handlers)


def container_env(overlay: str, container: dict[str, Any], *, optional_secrets: bool) -> dict[str, str]:
    """The environment Kubernetes would give the container (Secrets as strong dummies)."""
    config_maps = of_kind(overlay, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in config_maps, f"{container['name']}: ConfigMap {name} is not in {overlay}"
        env.update(config_maps[name]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], item["value"])
            continue
        ref = item["valueFrom"]["secretKeyRef"]
        if ref.get("optional") and not optional_secrets:
            continue
        env[item["name"]] = "0123456789abcdef" * 3  # stands for any generated secret
    return env


def intermediates(container: dict[str, Any]) -> set[str]:
    """Variables only there to build another one with $(NAME)."""
    values = " ".join(e.get("value", "") for e in container.get("env", []))
    return set(re.findall(r"\$\((\w+)\)", values))


def workloads(overlay: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(service, pod spec, container) of every Deployment and Job."""
    out = []
    for kind in ("Deployment", "Job"):
        for res in of_kind(overlay, kind).values():
            service = res["metadata"]["labels"]["app.kubernetes.io/name"]
            for container in pod_spec(res)["containers"]:
                out.append((service, pod_spec(res), container))
    return out


# -- services ---------------------------------------------------------------------------
@params
def test_every_service_has_its_workload_objects_and_nothing_else(overlay: str) -> None:
    for kind in ("Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler",
                 "PodDisruptionBudget"):
        assert set(of_kind(overlay, kind)) - {"kefu-kafka-exporter-metrics"} == set(ALL_SERVICES), kind
    assert set(of_kind(overlay, "Job")) == {f"{s}-migrate" for s in ALL_SERVICES if has_migrations(s)}
    for name, job in of_kind(overlay, "Job").items():
        service = name.removesuffix("-migrate")
        assert pod_spec(job)["containers"][0]["command"] == ["python", "-m", service]
        assert pod_spec(job)["containers"][0]["args"] == ["migrate"]


def test_every_command_line_the_manifests_run_exists(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m <service> <command> --flags` as the containers run it parses (both
    overlays run the same commands)."""
    for service, _, container in workloads("prod"):
        assert container["command"] == ["python", "-m", service]
        monkeypatch.setattr("sys.argv", [service, container["args"][0], "--help"])
        with pytest.raises(SystemExit) as exit_:
            importlib.import_module(f"{service}.__main__").run()
        assert exit_.value.code == 0
        usage = capsys.readouterr().out
        for flag in (a for a in container["args"] if a.startswith("--")):
            assert flag in usage, (service, flag)


@params
def test_deployments_start_the_service_its_way_and_probe_routes_it_has(overlay: str) -> None:
    for service, deployment in of_kind(overlay, "Deployment").items():
        main = importlib.import_module(f"{service}.main")
        app = main.create_app(settings_class(service)(env="test"))

        def serves(path: str, app: Any = app) -> bool:
            scope = {"type": "http", "path": path, "method": "GET", "root_path": "",
                     "headers": [], "query_string": b""}
            return any(r.matches(scope)[0] == Match.FULL for r in app.routes)

        (container,) = pod_spec(deployment)["containers"]
        assert container["command"] == ["python", "-m", service]
        assert container["args"][0] == "serve"
        port = int(container["args"][container["args"].index("--port") + 1])
        assert container["ports"][0]["containerPort"] == port
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert serves(container[probe]["httpGet"]["path"]), (service, probe)
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert serves("/metrics") and not serves("/no-such-route")
    for monitor in of_kind(overlay, "ServiceMonitor").values():
        for endpoint in monitor["spec"]["endpoints"]:
            if monitor["metadata"]["name"] == "kefu-services":
                assert endpoint["path"] == "/metrics"


@params
def test_pods_are_locked_down_and_drain_before_they_are_killed(overlay: str) -> None:
    for service, pod, container in workloads(overlay):
        sec = container["securityContext"]
        assert pod["securityContext"]["runAsNonRoot"] is True, service
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert sec["readOnlyRootFilesystem"] is True and sec["allowPrivilegeEscalation"] is False
        assert sec["capabilities"]["drop"] == ["ALL"]
        assert "memory" in container["resources"]["limits"]
        assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/tmp"}
    for deployment in of_kind(overlay, "Deployment").values():
        pod = pod_spec(deployment)
        (container,) = pod["containers"]
        pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
        # uvicorn drains HTTP for 10 s (kefu_shared.cli), then ServiceRuntime.stop() waits up
        # to 10 s each for the relay and the consumer and 5 s for the DLQ producer.
        assert pod["terminationGracePeriodSeconds"] >= pre_stop + 10 + 10 + 10 + 5
        spread = {c["topologyKey"] for c in pod["topologySpreadConstraints"]}
        assert spread == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}


# -- settings ---------------------------------------------------------------------------
@params
def test_every_variable_set_is_one_the_service_reads(overlay: str) -> None:
    for service, _, container in workloads(overlay):
        readable = env_names(settings_class(service))
        env = container_env(overlay, container, optional_secrets=True)
        unknown = set(env) - readable - intermediates(container)
        assert not unknown, f"{overlay}/{service} sets variables the code never reads: {unknown}"


@params
def test_the_configuration_loads_and_leaves_no_development_default(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code's own settings classes accept what the manifests give, and nothing that
    only works on a developer's machine (SQLite file, 127.0.0.1) is left unset."""
    import os

    databases = {d["spec"]["name"]: d["spec"] for d in of_kind(overlay, "Database").values()}
    (cluster,) = of_kind(overlay, "Cluster").values()
    roles = {r["name"]: r["passwordSecret"]["name"] for r in cluster["spec"]["managed"]["roles"]}
    (kafka,) = of_kind(overlay, "Kafka").values()
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    users = of_kind(overlay, "KafkaUser")
    services = of_kind(overlay, "Service")
    needs_jwt_secret = "KEFU_JWT_JWKS_URL" not in of_kind(overlay, "ConfigMap")["kefu-common"]["data"]
    for service, _, container in workloads(overlay):
        for name in list(os.environ):
            if name.startswith(("KEFU_", "KAFKA_", f"{service.upper()}_", "DB_")):
                monkeypatch.delenv(name)
        env = container_env(overlay, container, optional_secrets=needs_jwt_secret)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = settings_class(service)()
        assert settings.env in ("staging", "production")
        for field, value in settings.model_dump().items():
            if service == "gateway" and field.startswith(UNUSED_BY_GATEWAY):
                continue
            if container["args"][0] == "migrate" and not field.startswith("database_"):
                continue  # `migrate` opens only the database
            assert "127.0.0.1" not in str(value) and "sqlite" not in str(value), (service, field)
        secrets = {
            e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
            for e in container["env"] if "valueFrom" in e
        }
        if has_migrations(service):
            url = urlsplit(settings.database_url)
            assert url.scheme == "postgresql+asyncpg"
            assert url.hostname == f"{cluster['metadata']['name']}-rw" and url.port == 5432
            database = databases[url.path.lstrip("/")]
            assert database["cluster"]["name"] == cluster["metadata"]["name"]
            # the role owning the database logs in with the Secret the service reads
            assert roles[database["owner"]] == secrets["DB_USERNAME"] == secrets["DB_PASSWORD"]
        if container["args"][0] == "migrate":
            continue
        if service in SERVICES:
            assert settings.kafka_bootstrap_servers == f"{kafka['metadata']['name']}-kafka-bootstrap:{listener['port']}"
            assert listener["tls"] and settings.kafka_security_protocol == "SASL_SSL"
            assert listener["authentication"]["type"] == settings.kafka_sasl_mechanism.lower()
            assert settings.kafka_sasl_username in users
            assert secrets["KAFKA_SASL_PASSWORD"] == settings.kafka_sasl_username
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert str(Path(settings.kafka_ssl_cafile).parent) in mounts
            assert settings.kafka_manage_topics is False
            assert settings.kafka_enable_idempotence is True
        else:
            for upstream in SERVICES:
                url = urlsplit(getattr(settings, f"{upstream}_url"))
                assert url.hostname in services and (url.port or 80) == 80


# -- Kafka ------------------------------------------------------------------------------
@params
def test_every_topic_and_dead_letter_topic_exists_and_nothing_else(overlay: str) -> None:
    topics = of_kind(overlay, "KafkaTopic")
    assert set(topics) == set(ALL_TOPICS)
    assert {registry.service(s).dlq_topic for s in SERVICES} <= set(topics)
    for topic in topics.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] in of_kind(overlay, "Kafka")
    if overlay == "prod":
        assert {t["spec"]["replicas"] for t in topics.values()} == {3}
        assert {t["spec"]["config"]["min.insync.replicas"] for t in topics.values()} == {"2"}


@params
def test_each_service_writes_its_own_topics_and_reads_what_it_consumes(overlay: str) -> None:
    users = of_kind(overlay, "KafkaUser")
    assert set(users) == {f"kefu-{s}" for s in SERVICES}
    for service in SERVICES:
        acls = users[f"kefu-{service}"]["spec"]["authorization"]["acls"]
        by_op: dict[str, set[str]] = {}
        for acl in acls:
            for op in acl["operations"]:
                by_op.setdefault(op, set()).add(f"{acl['resource']['type']}:{acl['resource'].get('name', '')}")
        info = registry.service(service)
        published = {cls.topic for t, cls in REGISTRY.items() if t.startswith(f"{service}.")}
        assert published <= {info.events_topic}
        assert by_op["Write"] == {f"topic:{info.events_topic}", f"topic:{info.dlq_topic}"}
        consumed, _ = consumption(service)
        assert by_op.get("Read", set()) == (
            {f"topic:{t}" for t in consumed} | ({f"group:{service}"} if consumed else set())
        )


@params
def test_consumers_scale_no_further_than_their_partitions(overlay: str) -> None:
    topics = of_kind(overlay, "KafkaTopic")
    for service in SERVICES:
        consumed, _ = consumption(service)
        hpa = of_kind(overlay, "HorizontalPodAutoscaler")[service]
        if consumed:
            ceiling = min(topics[t]["spec"]["partitions"] for t in consumed)
            assert hpa["spec"]["maxReplicas"] <= ceiling, service


# -- secrets ----------------------------------------------------------------------------
def _secret_names(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("secretKeyRef", "passwordSecret", "accessKeyId", "secretAccessKey") and "name" in value:
                found.add(value["name"])
            elif key == "secret" and isinstance(value, dict) and "secretName" in value:
                found.add(value["secretName"])
            found |= _secret_names(value)
    elif isinstance(node, list):
        for item in node:
            found |= _secret_names(item)
    return found


@params
def test_every_secret_is_made_by_an_operator_or_documented(overlay: str) -> None:
    referenced = _secret_names(list(rendered(overlay)))
    made_by_operators = set(of_kind(overlay, "KafkaUser")) | {
        f"{name}-cluster-ca-cert" for name in of_kind(overlay, "Kafka")
    }
    section = README.split("### Secrets", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`(kefu-[a-z0-9-]+)`", section)) - made_by_operators
    assert referenced - made_by_operators <= documented
    if overlay == "prod":
        assert documented <= referenced, "README documents Secrets the manifests do not use"
    assert not of_kind(overlay, "Secret"), "Secrets are referenced, never shipped"


# -- observability ----------------------------------------------------------------------
def _exported_metrics() -> set[str]:
    from prometheus_client import REGISTRY as METRICS

    import kefu_shared.metrics  # noqa: F401  (registers the metrics)

    return {n for names in METRICS._collector_to_names.values() for n in names}


def _expressions(overlay: str) -> list[str]:
    import json

    exprs = [
        rule["expr"]
        for rule_set in of_kind(overlay, "PrometheusRule").values()
        for group in rule_set["spec"]["groups"]
        for rule in group["rules"]
    ]
    for config_map in of_kind(overlay, "ConfigMap").values():
        for key, value in config_map.get("data", {}).items():
            if key.endswith(".json"):
                exprs += [t["expr"] for p in json.loads(value)["panels"] for t in p["targets"]]
    return exprs


@params
def test_alerts_and_dashboard_use_only_metrics_and_events_that_exist(overlay: str) -> None:
    exported = _exported_metrics()
    exprs = _expressions(overlay)
    assert exprs
    for expr in exprs:
        for metric in re.findall(r"\b((?:kefu|kafka)_[a-z_]+)\b", expr):
            assert metric in exported or metric in EXTERNAL_METRICS, metric
        for event_type in re.findall(r'type="([^"]+)"', expr):
            assert event_type in REGISTRY, event_type
            assert any(event_type in consumption(s)[1] for s in SERVICES), f"nobody consumes {event_type}"
    (kafka,) = of_kind(overlay, "Kafka").values()
    assert "kafkaExporter" in kafka["spec"]  # exports kafka_consumergroup_lag
    for name in of_kind(overlay, "ServiceMonitor"):
        assert name in ("kefu-services", "kefu-kafka-exporter")


@params
def test_every_alert_has_a_runbook(overlay: str) -> None:
    for rule_set in of_kind(overlay, "PrometheusRule").values():
        for group in rule_set["spec"]["groups"]:
            for rule in group["rules"]:
                assert f"### {rule['alert']}" in README, rule["alert"]
                anchor = rule["annotations"]["runbook"].split("#")[1]
                assert anchor == rule["alert"].lower()


# -- network ----------------------------------------------------------------------------
@params
def test_network_policies_let_in_only_the_gateway_and_prometheus(overlay: str) -> None:
    policies = of_kind(overlay, "NetworkPolicy")
    (kafka,) = of_kind(overlay, "Kafka").values()
    kafka_port = kafka["spec"]["kafka"]["listeners"][0]["port"]
    for service in ALL_SERVICES:
        policy = policies[service]["spec"]
        assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == service
        assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
        sources = [peer for rule in policy["ingress"] for peer in rule["from"]]
        namespaces = {
            p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for p in sources if "namespaceSelector" in p
        }
        pods = {
            p["podSelector"]["matchLabels"].get("app.kubernetes.io/name")
            for p in sources if "namespaceSelector" not in p
        }
        if service == "gateway":
            assert namespaces == {"gateway-system", "monitoring"} and not pods
        else:
            assert namespaces == {"monitoring"} and pods == {"gateway"}
            ports = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
            assert ports == {53, 5432, kafka_port}
    (route,) = of_kind(overlay, "HTTPRoute").values()
    backends = {b["name"] for rule in route["spec"]["rules"] for b in rule["backendRefs"]}
    assert backends == {"gateway"}
    published = [m["path"]["value"] for rule in route["spec"]["rules"] for m in rule["matches"]]
    for prefix in (p for s in registry.BACKENDS for p in s.path_prefixes):
        assert any(prefix.startswith(p) for p in published), prefix
