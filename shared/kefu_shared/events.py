"""The CloudEvents 1.0 envelope and the ONE registry of event contracts.

Producers build envelopes with :func:`make_event` from a contract instance; consumers
parse record values with :func:`parse_event`, which validates ``data`` against the same
contract class. Contracts live in :mod:`kefu_shared.contracts`, one module per owning
service, and register themselves with :func:`contract`.

Why not the CNCF ``cloudevents`` SDK: we need the envelope as a typed pydantic model whose
``data`` is validated against our own registry; the SDK's value is in HTTP/Kafka bindings
we would not use (we use structured mode only), so ~60 lines here keep one dependency fewer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kefu_shared import registry

SPECVERSION = "1.0"


class EventData(BaseModel):
    """Base class of every event contract (the ``data`` of a CloudEvent)."""

    # Consumers ignore fields they don't know: schemas evolve by adding optional fields.
    model_config = ConfigDict(extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def dataschema(cls) -> str:
        return f"urn:kefu:schema:{cls.event_type}:v{cls.version}"


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 structured-mode envelope with Kefu's extensions."""

    model_config = ConfigDict(extra="allow")

    specversion: str = SPECVERSION
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    data: dict[str, Any]
    correlationid: str | None = None
    traceparent: str | None = None
    dealerid: str | None = None

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


class UnknownEventType(LookupError):
    pass


class InvalidEvent(ValueError):
    """A record that cannot be an event of its declared type (poison)."""


REGISTRY: dict[str, type[EventData]] = {}
C = TypeVar("C", bound=type[EventData])


def contract(event_type: str, *, topic: str, version: int = 1) -> Callable[[C], C]:
    """Class decorator: register an :class:`EventData` subclass under ``event_type``."""

    def register(cls: C) -> C:
        if event_type in REGISTRY and REGISTRY[event_type] is not cls:
            raise RuntimeError(f"event type {event_type} registered twice")
        cls.event_type = event_type
        cls.topic = topic
        cls.version = version
        REGISTRY[event_type] = cls
        return cls

    return register


def contract_for(event_type: str) -> type[EventData]:
    try:
        return REGISTRY[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def make_event(
    data: EventData,
    *,
    source: str,
    subject: str,
    correlationid: str | None = None,
    traceparent: str | None = None,
    dealerid: str | None = None,
) -> CloudEvent:
    """Wrap a contract instance in a CloudEvent envelope."""
    return CloudEvent(
        source=source,
        type=data.event_type,
        subject=subject,
        dataschema=data.dataschema(),
        data=data.model_dump(mode="json"),
        correlationid=correlationid,
        traceparent=traceparent,
        dealerid=dealerid,
    )


def parse_event(raw: bytes | str) -> CloudEvent:
    """Parse a record value into an envelope; raise :class:`InvalidEvent` if it is not one."""
    try:
        event = CloudEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidEvent(f"not a CloudEvent: {exc.errors()[:3]}") from exc
    if event.specversion != SPECVERSION:
        raise InvalidEvent(f"unsupported specversion {event.specversion}")
    return event


def parse_data(event: CloudEvent) -> EventData:
    """Validate an envelope's ``data`` against its registered contract."""
    cls = contract_for(event.type)
    try:
        return cls.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidEvent(f"{event.type} data invalid: {exc.errors()[:3]}") from exc


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema of every registered contract's ``data``, keyed by dataschema URI."""
    return {cls.dataschema(): cls.model_json_schema() for cls in REGISTRY.values()}


def topic_of(service: str) -> str:
    return registry.service(service).events_topic


def dlq_topic_of(consumer: str) -> str:
    return registry.dlq_topic(consumer)
