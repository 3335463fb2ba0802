"""Tracing is off (no SDK, no exporter, no instrumented client) unless OTEL_* asks for it."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry import trace

from naramarket.kernel import Kernel, Settings
from naramarket.kernel.errors import InvalidParams, problem
from naramarket.kernel.telemetry import Telemetry, tracing_requested


@pytest.mark.parametrize(
    ("env", "on"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "naramarket"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}, False),
    ],
)
def test_tracing_follows_the_standard_environment(env, on):
    assert tracing_requested(env) is on


@pytest.mark.anyio
async def test_without_otel_env_nothing_is_exported_or_instrumented(monkeypatch):
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(name, raising=False)
    kernel = Kernel(Settings(rate_limit=0), transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    async with kernel:
        assert kernel.telemetry.enabled is False and kernel.telemetry.provider is None
        assert not getattr(kernel._client, "_is_instrumented_by_opentelemetry", False)
        span = kernel.telemetry.tracer.start_span("x")
        assert not span.is_recording()
        assert "trace_id" not in problem(InvalidParams("bad"))


def test_a_recording_span_puts_its_trace_id_into_problems(monkeypatch):
    telemetry = Telemetry({"OTEL_TRACES_EXPORTER": "console"})
    telemetry.start()
    try:
        with telemetry.tracer.start_as_current_span("call") as span:
            doc = problem(InvalidParams("bad"))
        assert doc["trace_id"] == format(span.get_span_context().trace_id, "032x")
        assert trace.get_current_span() is trace.INVALID_SPAN
    finally:
        telemetry.shutdown()


def test_exported_spans_never_carry_a_secret_even_in_recorded_exceptions():
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from naramarket.kernel.logs import register_secret
    from naramarket.kernel.telemetry import RedactingExporter

    secret = "tele+KEY/7d1e=="
    register_secret(secret)
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingExporter(memory)))
    tracer = provider.get_tracer("test")
    url = f"http://gateway.test/x?ServiceKey={secret}&pageNo=1"
    with pytest.raises(RuntimeError), tracer.start_as_current_span(f"GET {secret}") as span:
        span.set_attribute("url.full", url)
        span.set_attribute("naramarket.tool", "crawl_list")
        raise RuntimeError(f"failed: {url}")
    with tracer.start_as_current_span("clean", attributes={"n": 3}):
        pass
    provider.shutdown()
    leaky, clean = memory.get_finished_spans()
    text = repr(
        [(s.name, dict(s.attributes), [dict(e.attributes) for e in s.events]) for s in (leaky, clean)]
    )
    assert secret not in text and "RuntimeError" in text and "ServiceKey=***" in text
    assert (
        leaky.status.status_code == trace.StatusCode.ERROR
        and dict(leaky.attributes)["naramarket.tool"] == "crawl_list"
    )
    assert dict(clean.attributes) == {"n": 3}
