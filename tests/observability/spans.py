"""The test session's tracer provider: one in-memory exporter on OpenTelemetry's global provider.

The provider is process-global and set once, as in production: ``session_spans()`` installs it
through ``configure_tracing`` (so every span passes the same ``RedactingExporter``) the first time
a test asks for spans, and later calls return the same recorder. Tests that need tracing off, or
the ``OTEL_*`` environment, run a subprocess.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from naramarket.observability import configure_tracing

__all__ = ["Spans", "session_spans"]


class Spans:
    """The spans exported so far in this process (after the batch processor has flushed them)."""

    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.exporter = exporter

    def finished(self) -> list[ReadableSpan]:
        provider = trace.get_tracer_provider()
        assert isinstance(provider, TracerProvider)
        provider.force_flush()
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.finished() if s.name == name]

    def clear(self) -> None:
        self.finished()  # flush first: spans still queued would otherwise land after the clear
        self.exporter.clear()


_spans: Spans | None = None


def session_spans() -> Spans:
    """The session's span recorder; installs the global provider on the first call."""
    global _spans
    if _spans is None:
        exporter = InMemorySpanExporter()
        assert configure_tracing(exporters=[exporter]), "tracing could not be configured"
        recorder = Spans(exporter)
        probe = "session-spans-probe"
        with trace.get_tracer("tests").start_as_current_span(probe):
            pass
        assert [s.name for s in recorder.finished()] == [probe], "another provider was set first"
        exporter.clear()
        _spans = recorder
    return _spans
