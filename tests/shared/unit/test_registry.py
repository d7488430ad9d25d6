"""The service registry is the one list of services: everything that needs names, ports,
topics, env prefixes or routes reads it, so none of them can drift apart."""

from __future__ import annotations

import importlib

import pytest

from kefu_shared.contracts import REGISTRY
from kefu_shared.kafka import ALL_TOPICS
from kefu_shared.registry import (
    ALL_SERVICES,
    BACKEND_NAMES,
    BACKENDS,
    GATEWAY,
    all_topics,
    route_table,
    service,
)


def test_each_backend_has_an_events_topic_and_a_dlq_in_the_topic_list() -> None:
    assert all_topics() == ALL_TOPICS
    for svc in BACKENDS:
        assert f"{svc.name}.events.v1" in ALL_TOPICS
        assert f"{svc.name}.dlq.v1" in ALL_TOPICS
    assert not any(t.startswith("gateway.") for t in ALL_TOPICS)


def test_ports_are_distinct_and_shift_with_the_base() -> None:
    ports = [s.port() for s in ALL_SERVICES]
    assert len(set(ports)) == len(ports)
    assert GATEWAY.port() == 8000 and service("customer").port() == 8001
    assert service("survey").port(8200) == 8204
    assert service("ticket").local_url(8200) == "http://127.0.0.1:8203"


def test_unknown_service_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="customer"):
        service("billing")


def test_every_contract_is_published_on_its_owners_registered_topic() -> None:
    for event_type, cls in REGISTRY.items():
        owner = event_type.split(".")[0]
        assert cls.topic == service(owner).events_topic, event_type


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_service_settings_use_the_registry_prefix(name: str) -> None:
    module = importlib.import_module(f"{name}.settings")
    settings_cls = getattr(module, f"{name.capitalize()}Settings")
    assert settings_cls.model_config["env_prefix"] == service(name).env_prefix
    assert settings_cls(env="development").service_name == name


def test_gateway_routes_every_public_prefix_to_its_owner() -> None:
    from gateway.main import UPSTREAMS
    from gateway.routing import ROUTES, upstream_for
    from gateway.settings import GatewaySettings

    assert route_table() == ROUTES
    assert set(UPSTREAMS) == set(BACKEND_NAMES)
    assert upstream_for("/api/v1/customers/c1/card") == "customer"
    assert upstream_for("/api/v1/customer-analytics/pareto") == "customer"
    assert upstream_for("/api/v1/technicians") == "ticket"
    assert upstream_for("/api/v1/customersx") is None
    settings = GatewaySettings(env="development")
    for svc in BACKENDS:
        assert getattr(settings, f"{svc.name}_url") == svc.local_url()
        assert all(upstream_for(p) == svc.name for p in svc.path_prefixes)
