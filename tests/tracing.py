"""An in-memory span exporter installed once per test process (the global tracer
provider can be set only once): tracing tests read what was exported."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kefu_shared.tracing import use_tracer_provider


class _TestExporter(InMemorySpanExporter):
    """Keeps spans only while a tracing test runs (the provider stays installed for the
    rest of the process, whose other tests need not fill memory with spans)."""

    active = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if not self.active:
            return SpanExportResult.SUCCESS
        return super().export(spans)


_exporter: _TestExporter | None = None


def in_memory_spans() -> Iterator[InMemorySpanExporter]:
    """Turn tracing on in this process (apps created from now on are instrumented) and
    yield the exporter, empty, for one test."""
    global _exporter
    if _exporter is None:
        _exporter = _TestExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_exporter))
        use_tracer_provider(provider)
    _exporter.clear()
    _exporter.active = True
    try:
        yield _exporter
    finally:
        _exporter.active = False
        _exporter.clear()
