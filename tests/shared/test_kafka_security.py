"""Kafka client authentication: what a Strimzi KafkaUser (SASL_SSL, SCRAM-SHA-512) needs."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from pydantic import ValidationError

from kefu_shared import relay as relay_module
from kefu_shared.kafka import client_security, make_consumer, make_producer
from kefu_shared.settings import ServiceSettings

SASL = {
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "KAFKA_SASL_USERNAME": "kefu-customer",
    "KAFKA_SASL_PASSWORD": "s3cret",
}


def _settings(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> ServiceSettings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return ServiceSettings(env="test")


def test_sasl_protocol_without_credentials_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME"):
        _settings(monkeypatch, {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"})


def test_plaintext_is_the_default_and_adds_no_credentials() -> None:
    assert client_security(ServiceSettings(env="test")) == {"security_protocol": "PLAINTEXT"}


async def test_producer_and_consumer_authenticate_with_the_kafka_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _settings(monkeypatch, SASL)
    producer = make_producer(settings, client_id="customer-relay")
    consumer = make_consumer(settings, group_id="customer", topics=["ticket.events.v1"])
    for client in (producer.client, consumer._client):
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-512"
        assert client._sasl_plain_username == "kefu-customer"
        assert client._sasl_plain_password == "s3cret"
        assert isinstance(client._ssl_context, ssl.SSLContext)


async def test_relay_leaves_topics_to_the_operator_when_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created: list[Any] = []

    async def fake_ensure_topics(*args: Any, **kw: Any) -> None:
        created.append(args)

    class FakeProducer:
        async def start(self) -> None:
            pass

    monkeypatch.setattr(relay_module, "ensure_topics", fake_ensure_topics)
    for manage, expected in (("false", 0), ("true", 1)):
        monkeypatch.setenv("KAFKA_MANAGE_TOPICS", manage)
        relay = relay_module.OutboxRelay(
            service="customer",
            settings=ServiceSettings(env="test"),
            engine=None,  # type: ignore[arg-type]
            outbox=None,  # type: ignore[arg-type]
            producer_factory=FakeProducer,  # type: ignore[arg-type]
        )
        created.clear()
        await relay._ensure_producer()
        assert len(created) == expected
