"""OpenTelemetry tracing, configured from the standard ``OTEL_*`` environment; off when none is set.

With no exporter configured there is no SDK provider, no exporter thread and no httpx
instrumentation: spans come from the API's no-op tracer (or from whatever global provider a host
such as ``opentelemetry-instrument`` installed). With ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_TRACES_EXPORTER=otlp|console``) the kernel owns a provider that exports OTLP/HTTP protobuf,
e.g. to Jaeger's :4318.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx
from opentelemetry import trace

from .logs import redact_text

if TYPE_CHECKING:  # the SDK is imported only once tracing starts
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

__all__ = [
    "TRACER_NAME",
    "RedactingExporter",
    "Telemetry",
    "current_trace_id",
    "scrub_span",
    "tracing_requested",
]

TRACER_NAME = "naramarket"
log = logging.getLogger("naramarket.telemetry")


def tracing_requested(env: Mapping[str, str]) -> bool:
    """True when the environment asks for a trace exporter (the spec's default "otlp" alone does not)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = {e.strip().lower() for e in env.get("OTEL_TRACES_EXPORTER", "").split(",") if e.strip()}
    if exporters:
        return exporters != {"none"}
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def current_trace_id() -> str | None:
    """The id of the trace being recorded in this context (32 hex digits), or None."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


async def _scrub_client_span(span: Any, request: Any) -> None:
    """httpx request hook: no service key in the URL attribute or the name of an upstream span."""
    if not span.is_recording():
        return
    url = httpx.URL(str(request.url))
    clean = redact_text(str(url))
    attributes = getattr(span, "attributes", None) or {}
    for name in ("url.full", "http.url"):
        if name in attributes:
            span.set_attribute(name, clean)
    operation = "/".join(url.path.rstrip("/").split("/")[-2:])
    method = request.method.decode() if isinstance(request.method, bytes) else str(request.method)
    span.update_name(redact_text(f"{method} {operation}"))
    span.set_attribute("naramarket.upstream.operation", redact_text(operation))
    if "pageNo" in url.params:
        span.set_attribute("naramarket.upstream.page", url.params["pageNo"])


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, tuple | list):
        return tuple(_clean(v) for v in value)
    return value


def _clean_attributes(attributes: Any) -> dict[str, Any]:
    return {k: _clean(v) for k, v in (attributes or {}).items()}


def scrub_span(span: ReadableSpan) -> ReadableSpan:
    """``span`` (an SDK ``ReadableSpan``) with secrets masked in its name, attributes, events
    (exception messages and stack traces included) and status; the span itself when it has none."""
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.trace import Status

    name = redact_text(span.name)
    attributes = _clean_attributes(span.attributes)
    events = [Event(e.name, _clean_attributes(e.attributes), e.timestamp) for e in span.events]
    description = span.status.description
    clean_description = redact_text(description) if description else description
    if (
        name == span.name
        and attributes == dict(span.attributes or {})
        and all(
            dict(e.attributes or {}) == dict(o.attributes or {})
            for e, o in zip(events, span.events, strict=True)
        )
        and clean_description == description
    ):
        return span
    return ReadableSpan(
        name=name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code, clean_description),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingExporter:
    """Wraps a span exporter: nothing leaves the process with a secret in it (the log redaction's
    counterpart for traces; exception events recorded by instrumentations can quote URLs)."""

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.exporter.export([scrub_span(s) for s in spans])

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return bool(self.exporter.force_flush(timeout_millis))


class Telemetry:
    """The kernel's tracer: an SDK provider when ``OTEL_*`` asks for export, the no-op API otherwise."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = os.environ if env is None else env
        self.enabled = tracing_requested(self.env)
        self.provider: TracerProvider | None = None  # once started

    @property
    def tracer(self) -> trace.Tracer:
        """The tracer for naramarket's own spans."""
        if self.provider is not None:
            return self.provider.get_tracer(TRACER_NAME)
        return trace.get_tracer(TRACER_NAME)

    def start(self) -> None:
        """Build the provider and its exporters (once); a no-op when tracing is off."""
        if not self.enabled or self.provider is not None:
            return
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        attributes: dict[str, Any] = {}
        if "OTEL_SERVICE_NAME" not in self.env and "service.name" not in self.env.get(
            "OTEL_RESOURCE_ATTRIBUTES", ""
        ):
            attributes[SERVICE_NAME] = "naramarket"
        provider = TracerProvider(resource=Resource.create(attributes))
        for exporter in self._exporters():
            # RedactingExporter duck-types the SDK's SpanExporter ABC (subclassing it would import
            # the SDK whenever the kernel is imported, tracing on or off).
            redacting = RedactingExporter(exporter)
            provider.add_span_processor(BatchSpanProcessor(redacting))  # type: ignore[arg-type]
        self.provider = provider

    def _exporters(self) -> list[SpanExporter]:
        names = {e.strip().lower() for e in self.env.get("OTEL_TRACES_EXPORTER", "otlp").split(",")}
        exporters: list[SpanExporter] = []
        if "otlp" in names:
            protocol = self.env.get(
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", self.env.get("OTEL_EXPORTER_OTLP_PROTOCOL", "")
            )
            if protocol and protocol != "http/protobuf":
                log.warning("OTLP protocol %r is not supported; exporting http/protobuf instead", protocol)
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())  # endpoint, headers, timeout: from OTEL_EXPORTER_OTLP_*
        if "console" in names:  # stderr: stdout carries stdio MCP
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            exporters.append(ConsoleSpanExporter(out=sys.stderr))
        for unknown in names - {"otlp", "console", "none", ""}:
            log.warning("unsupported OTEL_TRACES_EXPORTER %r ignored", unknown)
        return exporters

    def instrument(self, client: httpx.AsyncClient) -> None:
        """One CLIENT span per upstream request, with the key scrubbed (only when tracing is on)."""
        if self.provider is None:
            return
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(
            client, tracer_provider=self.provider, request_hook=_scrub_client_span
        )

    def shutdown(self) -> None:
        """Flush pending spans and stop the exporters."""
        if self.provider is not None:
            self.provider.shutdown()
            self.provider = None
