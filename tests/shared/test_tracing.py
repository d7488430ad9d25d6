"""Tracing without a database or broker, spans caught by an in-memory exporter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from kefu_shared.context import traceparent_var
from kefu_shared.settings import TracingSettings
from kefu_shared.tracing import (
    context_from,
    continued_span,
    current_traceparent,
    producer_span,
)
from tests.tracing import in_memory_spans

INCOMING = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACE_ID = int("0af7651916cd43dd8448eb211c80319c", 16)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    yield from in_memory_spans()


@pytest.mark.parametrize(
    ("env", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, False),
    ],
)
def test_tracing_is_off_unless_the_otel_variables_ask_for_it(env: dict[str, str], on: bool) -> None:
    fields = {k.removeprefix("OTEL_").lower(): v for k, v in env.items()}
    assert TracingSettings(**fields).requested is on


def test_malformed_or_missing_traceparents_start_no_trace() -> None:
    assert context_from(None) is None
    assert context_from("not-a-traceparent") is None
    assert context_from(INCOMING) is not None


def test_a_consumer_span_continues_the_events_trace(spans: InMemorySpanExporter) -> None:
    with continued_span(
        "process customer.registered",
        traceparent=INCOMING,
        kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "kafka"},
    ) as span:
        inside = traceparent_var.get()
        assert current_traceparent() == inside
    (finished,) = spans.get_finished_spans()
    assert finished.context.trace_id == TRACE_ID
    assert finished.parent is not None and finished.parent.span_id == int("b7ad6b7169203331", 16)
    assert finished.kind is SpanKind.CONSUMER
    # What the handler records carries the consumer span on, not the incoming parent.
    assert inside == f"00-{TRACE_ID:032x}-{span.get_span_context().span_id:016x}-01"
    assert traceparent_var.get() is None


def test_a_producer_span_hands_its_own_traceparent_to_the_record(
    spans: InMemorySpanExporter,
) -> None:
    span, header = producer_span("customer.events.v1", event_id="e1", traceparent=INCOMING)
    span.end()
    (finished,) = spans.get_finished_spans()
    assert finished.kind is SpanKind.PRODUCER and finished.context.trace_id == TRACE_ID
    assert finished.attributes is not None
    assert finished.attributes["messaging.destination.name"] == "customer.events.v1"
    assert header == f"00-{TRACE_ID:032x}-{finished.context.span_id:016x}-01"


def test_an_event_without_a_trace_starts_a_new_one(spans: InMemorySpanExporter) -> None:
    span, header = producer_span("customer.events.v1", event_id="e2", traceparent=None)
    span.end()
    (finished,) = spans.get_finished_spans()
    assert finished.parent is None and header is not None
    assert header.split("-")[1] == f"{finished.context.trace_id:032x}"


def test_with_tracing_off_nothing_is_recorded_but_the_trace_passes_through() -> None:
    # A fresh interpreter: this process may already have a tracer provider installed.
    script = f"""
import os
for k in [k for k in os.environ if k.startswith("OTEL_")]:
    del os.environ[k]
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from kefu_shared.context import traceparent_var
from kefu_shared.settings import TracingSettings
from kefu_shared.settings import TracingSettings
from kefu_shared.tracing import configure_tracing, continued_span, producer_span, tracing_enabled
assert configure_tracing("customer", TracingSettings()) is False and not tracing_enabled()
with continued_span("p", traceparent="{INCOMING}", kind=SpanKind.CONSUMER, attributes={{}}) as span:
    assert not span.is_recording()
    assert traceparent_var.get() == "{INCOMING}", traceparent_var.get()
span, header = producer_span("t", event_id="e", traceparent="{INCOMING}")
assert header == "{INCOMING}" and not span.is_recording()
assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"
print("ok")
"""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_the_otel_variables_turn_tracing_on_with_their_exporter_and_service_name() -> None:
    script = """
from opentelemetry import trace
from kefu_shared.settings import TracingSettings
from kefu_shared.tracing import configure_tracing, tracer
assert configure_tracing("customer", TracingSettings()) is True
provider = trace.get_tracer_provider()
assert provider.resource.attributes["service.name"] == "kefu-test-customer"
with tracer().start_as_current_span("hello-span"):
    pass
provider.force_flush()
"""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env |= {"OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "kefu-test-customer"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert '"name": "hello-span"' in out.stdout
