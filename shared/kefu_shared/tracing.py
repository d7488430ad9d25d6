"""Distributed tracing with OpenTelemetry: off unless configured.

``configure_tracing(service, settings.tracing)`` (called by every app factory) installs
the SDK when the standard variables ask for it (:class:`~kefu_shared.settings.TracingSettings`:
``OTEL_TRACES_EXPORTER`` = ``otlp``/``console``, or an ``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT``;
``OTEL_SDK_DISABLED=true`` wins); the rest (endpoint, headers, sampler, resource
attributes) the SDK reads from the same ``OTEL_*`` variables. With tracing on, FastAPI, httpx and
SQLAlchemy are instrumented by the OpenTelemetry instrumentation packages.

Across Kafka the trace travels in the event: the unit of work stamps the current
``traceparent`` on the outbox row and the CloudEvent; the relay sends it as the
``traceparent`` header from a PRODUCER span that continues it; the consumer runner
continues it in a CONSUMER span around the handler, so events the handler records carry
the same trace on. With tracing off no span is recorded, but an incoming ``traceparent``
still passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from kefu_shared.context import traceparent_var
from kefu_shared.logging import get_logger
from kefu_shared.settings import TracingSettings

log = get_logger(__name__)
_propagator = TraceContextTextMapPropagator()
_state: dict[str, Any] = {"enabled": False, "httpx": False}
TRACER_NAME = "kefu"


def configure_tracing(service: str, settings: TracingSettings) -> bool:
    """Install the SDK's tracer provider if ``settings`` (the OTEL_* variables) ask for
    it, once per process; return whether tracing is on."""
    if _state["enabled"]:
        return True
    if not settings.requested:
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    resource = Resource.create({SERVICE_NAME: settings.service_name or f"kefu-{service}"})
    provider = TracerProvider(resource=resource)
    for name in settings.exporters:
        exporter: SpanExporter
        if name == "console":
            exporter = ConsoleSpanExporter()
        elif name == "otlp":
            # Reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself.
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()
        else:
            log.warning("tracing.unknown_exporter", exporter=name)
            continue
        provider.add_span_processor(BatchSpanProcessor(exporter))
    use_tracer_provider(provider)
    log.info("tracing.enabled", service=service, exporters=settings.exporters)
    return True


def use_tracer_provider(provider: trace.TracerProvider) -> None:
    """Make ``provider`` the process's tracer provider and turn instrumentation on
    (``configure_tracing`` does this; tests pass one with an in-memory exporter)."""
    trace.set_tracer_provider(provider)
    _state["enabled"] = True
    if not _state["httpx"]:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor().instrument()
        _state["httpx"] = True


def tracing_enabled() -> bool:
    return bool(_state["enabled"])


def instrument_app(app: Any, *, service: str, settings: TracingSettings) -> None:
    """Trace a FastAPI app's requests (call at app creation: middleware cannot be added
    once the app runs)."""
    if configure_tracing(service, settings):
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def instrument_engine(engine: Any) -> None:
    """Trace an async engine's statements."""
    if tracing_enabled():
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

        # The package declares "sqlalchemy < 2.1"; its engine hooks work on 2.1 (the
        # tracing tests check that statements are traced), so skip that check.
        SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, skip_dep_check=True)


@contextmanager
def untraced() -> Iterator[None]:
    """Instrumentation off inside (and in tasks created inside): background polling --
    relay sweeps, job claims, leadership checks -- would otherwise make a trace of its own
    several times a second."""
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    with suppress_instrumentation():
        yield


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, else the one the request brought."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent") or traceparent_var.get()


def context_from(traceparent: str | None) -> Context | None:
    """The trace context a ``traceparent`` names (None if absent or malformed)."""
    if not traceparent:
        return None
    ctx = _propagator.extract({"traceparent": traceparent})
    return ctx if trace.get_current_span(ctx).get_span_context().is_valid else None


@contextmanager
def continued_span(
    name: str, *, traceparent: str | None, kind: SpanKind, attributes: dict[str, Any]
) -> Iterator[Span]:
    """A span that continues the trace of ``traceparent``; inside it ``traceparent_var``
    holds the span's own traceparent, so what is recorded there carries the trace on."""
    with tracer().start_as_current_span(
        name, context=context_from(traceparent), kind=kind, attributes=attributes
    ) as span:
        token = traceparent_var.set(current_traceparent() or traceparent)
        try:
            yield span
        finally:
            traceparent_var.reset(token)


def producer_span(topic: str, *, event_id: str, traceparent: str | None) -> tuple[Span, str | None]:
    """Start the PRODUCER span of sending one event (the caller ends it once the broker
    answered); return it with the traceparent the record's header should carry."""
    span = tracer().start_span(
        f"send {topic}",
        context=context_from(traceparent),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": topic,
            "messaging.message.id": event_id,
        },
    )
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return span, carrier.get("traceparent") or traceparent


def end_span(span: Span, error: BaseException | None = None) -> None:
    if error is not None:
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.end()
