"""OpenTelemetry tracing: the process's global tracer provider, set from the standard ``OTEL_*`` environment.

Everything else (kernel, adapters, the MCP SDK, the httpx instrumentation) only uses the API's
global tracer, so one ``configure_tracing()`` at process start turns all of it on. With no exporter
asked for there is no SDK provider, no exporter thread and no httpx instrumentation: spans come
from the API's no-op tracer (or from whatever provider a host such as ``opentelemetry-instrument``
installed). With ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_TRACES_EXPORTER=otlp|console``) an SDK
provider exports OTLP/HTTP protobuf, e.g. to Jaeger's :4318.

The SDK, the exporter and the httpx instrumentation come with the ``otel`` extra
(``pip install 'naramarket-mcp[otel]'``); without it tracing stays off, with one warning.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry import trace

from naramarket.kernel.host import redact_text, tracing_on

if TYPE_CHECKING:  # the SDK is imported only once tracing starts; httpx with the first upstream request
    import httpx
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

__all__ = [
    "RedactingExporter",
    "configure_tracing",
    "instrument_httpx",
    "scrub_span",
    "tracing_requested",
]

log = logging.getLogger("naramarket.telemetry")
_EXTRA_HINT = "install the 'otel' extra: pip install 'naramarket-mcp[otel]'"
_lock = threading.Lock()
_provider: TracerProvider | None = None  # the provider configure_tracing set, once per process
_warned: set[str] = set()


def _warn_once(key: str, message: str, *args: Any) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(message, *args)


def tracing_requested(env: Mapping[str, str]) -> bool:
    """True when the environment asks for a trace exporter (the spec's default "otlp" alone does not)."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = {e.strip().lower() for e in env.get("OTEL_TRACES_EXPORTER", "").split(",") if e.strip()}
    if exporters:
        return exporters != {"none"}
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_tracing(*, exporters: Sequence[SpanExporter] | None = None) -> bool:
    """Set the global tracer provider from ``OTEL_*`` (once per process); returns whether tracing is on.

    Each exporter is wrapped in ``RedactingExporter``. ``exporters`` replaces the ones ``OTEL_*``
    names (tests, embedding). A provider someone else set globally is kept as it is. Calling it
    again changes nothing; with tracing off it sets nothing, so a later call may still turn it on.
    """
    global _provider
    with _lock:
        if _provider is not None:
            return True
        if tracing_on():
            log.info("a global tracer provider is already set; naramarket's spans go to it")
            return True
        if exporters is None and not tracing_requested(os.environ):
            return False
        try:
            provider = _build_provider(exporters)
        except ImportError as exc:
            _warn_once("sdk", "OTEL_* asks for tracing, but %s (%s); tracing is off", _EXTRA_HINT, exc)
            return False
        trace.set_tracer_provider(provider)
        _provider = provider
        return True


def _build_provider(exporters: Sequence[SpanExporter] | None) -> TracerProvider:
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes: dict[str, Any] = {}
    if "OTEL_SERVICE_NAME" not in os.environ and "service.name" not in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    ):
        attributes[SERVICE_NAME] = "naramarket"
    # shutdown_on_exit (the default): pending spans are flushed when the process exits.
    provider = TracerProvider(resource=Resource.create(attributes))
    for exporter in _exporters(os.environ) if exporters is None else exporters:
        # RedactingExporter duck-types the SDK's SpanExporter ABC (subclassing it would import
        # the SDK whenever this module is imported, tracing on or off).
        provider.add_span_processor(BatchSpanProcessor(RedactingExporter(exporter)))  # type: ignore[arg-type]
    return provider


def _exporters(env: Mapping[str, str]) -> list[SpanExporter]:
    names = {e.strip().lower() for e in env.get("OTEL_TRACES_EXPORTER", "otlp").split(",")}
    exporters: list[SpanExporter] = []
    if "otlp" in names:
        protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", env.get("OTEL_EXPORTER_OTLP_PROTOCOL", ""))
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


def instrument_httpx(client: httpx.AsyncClient) -> None:
    """One CLIENT span per request of ``client``, with the service key scrubbed from URL and name.

    A no-op while tracing is off, or (with one warning) when the instrumentation is not installed.
    """
    if not tracing_on():
        return
    try:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    except ImportError as exc:
        _warn_once("httpx", "upstream requests get no spans: %s (%s)", _EXTRA_HINT, exc)
        return
    HTTPXClientInstrumentor.instrument_client(client, request_hook=_scrub_client_span)


async def _scrub_client_span(span: Any, request: Any) -> None:
    """httpx request hook: no service key in the URL attribute or the name of an upstream span."""
    if not span.is_recording():
        return
    import httpx  # the hook runs for an httpx request: httpx is loaded

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
