"""The AsyncAPI 3.0 document of every Kefu topic and message, generated from the service
registry (topics) and the contract registry (messages).

``make asyncapi`` writes it to ``shared/asyncapi.yaml``; a unit test fails when the
committed file differs from what the registries generate, so it cannot go stale.
``python -m kefu_shared.asyncapi --check`` does the same comparison from a shell.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from kefu_shared.contracts import REGISTRY
from kefu_shared.events import SPECVERSION, EventData
from kefu_shared.registry import BACKENDS, ServiceInfo

DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "asyncapi.yaml"
SCHEMAS = "#/components/schemas/"

# Record headers the relay sets (ce_type, ce_id) and those a consumer adds on the DLQ.
_EVENT_HEADERS = {
    "type": "object",
    "properties": {
        "ce_type": {"type": "string", "description": "the CloudEvent type, to skip unparsed"},
        "ce_id": {"type": "string", "description": "the CloudEvent id (de-duplication key)"},
    },
    "required": ["ce_type", "ce_id"],
}
_DLQ_HEADERS = {
    "type": "object",
    "properties": {
        **_EVENT_HEADERS["properties"],  # type: ignore[dict-item]
        "dlq_consumer": {"type": "string"},
        "dlq_error": {"type": "string", "description": "the last error, at most 4000 chars"},
        "dlq_attempts": {"type": "string"},
        "dlq_source_topic": {"type": "string"},
        "dlq_source_partition": {"type": "string"},
        "dlq_source_offset": {"type": "string"},
    },
}
_KAFKA_KEY = {
    "kafka": {
        "key": {"type": "string", "description": "the aggregate id: its events stay in order"},
        "bindingVersion": "0.5.0",
    }
}

_ENVELOPE = {
    "type": "object",
    "description": "CloudEvents 1.0, structured mode, with Kefu's extensions.",
    "properties": {
        "specversion": {"const": SPECVERSION},
        "id": {"type": "string", "format": "uuid"},
        "source": {"type": "string", "examples": ["/services/complaint"]},
        "type": {"type": "string"},
        "subject": {"type": "string", "description": "the aggregate id"},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "dataschema": {"type": "string"},
        "data": {"type": "object"},
        "correlationid": {"type": "string"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
        "dealerid": {"type": "string"},
    },
    "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
}


def _message_name(cls: type[EventData]) -> str:
    return cls.__name__


def _summary(cls: type[EventData]) -> str:
    doc = (cls.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else cls.event_type


def _contracts_of(svc: ServiceInfo) -> list[type[EventData]]:
    return [REGISTRY[t] for t in sorted(REGISTRY) if REGISTRY[t].topic == svc.events_topic]


def _channel_id(svc: ServiceInfo, kind: str) -> str:
    return f"{svc.name}{kind}"


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a dict (stable order: registry order, types sorted)."""
    contracts = [REGISTRY[t] for t in sorted(REGISTRY)]
    _, defs = models_json_schema(
        [(cls, "validation") for cls in contracts], ref_template=SCHEMAS + "{model}"
    )
    schemas: dict[str, Any] = {"CloudEvent": _ENVELOPE, **defs.get("$defs", {})}
    messages: dict[str, Any] = {}
    for cls in contracts:
        messages[_message_name(cls)] = {
            "name": cls.event_type,
            "title": cls.event_type,
            "summary": _summary(cls),
            "contentType": "application/json",
            "headers": _EVENT_HEADERS,
            "payload": {
                "allOf": [
                    {"$ref": SCHEMAS + "CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": cls.event_type},
                            "dataschema": {"const": cls.dataschema()},
                            "data": {"$ref": SCHEMAS + cls.__name__},
                        },
                    },
                ]
            },
            "bindings": _KAFKA_KEY,
        }
    messages["DeadLetter"] = {
        "name": "dead_letter",
        "title": "dead letter",
        "summary": "An event a consumer could not process after its retries, unchanged.",
        "contentType": "application/json",
        "headers": _DLQ_HEADERS,
        "payload": {"$ref": SCHEMAS + "CloudEvent"},
        "bindings": _KAFKA_KEY,
    }

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for svc in BACKENDS:
        events_id, dlq_id = _channel_id(svc, "Events"), _channel_id(svc, "DeadLetters")
        names = [_message_name(cls) for cls in _contracts_of(svc)]
        channels[events_id] = {
            "address": svc.events_topic,
            "title": f"{svc.name} events",
            "description": f"Domain events of the {svc.name} service, from its outbox.",
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
        }
        channels[dlq_id] = {
            "address": svc.dlq_topic,
            "title": f"{svc.name} dead letters",
            "description": f"Events the {svc.name} service's consumer could not process.",
            "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        }
        if names:
            operations[f"{svc.name}Publishes"] = {
                "action": "send",
                "title": f"The {svc.name} service publishes its events",
                "channel": {"$ref": f"#/channels/{events_id}"},
                "messages": [{"$ref": f"#/channels/{events_id}/messages/{n}"} for n in names],
            }
        operations[f"{svc.name}DeadLetters"] = {
            "action": "send",
            "title": f"The {svc.name} consumer parks what it cannot process",
            "channel": {"$ref": f"#/channels/{dlq_id}"},
            "messages": [{"$ref": f"#/channels/{dlq_id}/messages/DeadLetter"}],
        }

    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Kefu domain events",
            "version": "1.0.0",
            "description": (
                "Every topic and message of Kefu. Generated from kefu_shared.registry and "
                "the contracts in kefu_shared.contracts by `make asyncapi`; do not edit."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "dev": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "the local Tansu broker of `make run`",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


class _Dumper(yaml.SafeDumper):
    """Writes shared sub-documents out in full: readers should not chase YAML anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render() -> str:
    text: str = yaml.dump(
        document(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DOCUMENT_PATH)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file is not what would be written"
    )
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run `make asyncapi`", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
