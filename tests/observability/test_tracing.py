"""Tracing: off unless ``OTEL_*`` asks for it; then one global provider whose exporters never see a secret.

The global provider is set once per process, so everything about ``configure_tracing`` and the
``OTEL_*`` environment runs in a subprocess; the session's in-memory provider (``tests/observability/
spans.py``) covers what any configured provider does with spans.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from urllib.parse import quote, quote_plus

import pytest
from opentelemetry import trace

from naramarket.kernel import InvalidParams
from naramarket.kernel.host import problem, register_secret

KEY = "tele+KEY/7d1e=="
SPELLINGS = (KEY, quote(KEY, safe=""), quote(quote(KEY, safe=""), safe=""), quote_plus(KEY))
OTEL_ENV = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER")

# Imported first by every script: what the scripts share.
PRELUDE = """
import asyncio, json, sys
import httpx
from opentelemetry import trace
from naramarket.kernel.host import register_secret
from naramarket.observability import configure_logging, configure_tracing, instrument_httpx

KEY = "tele+KEY/7d1e=="
register_secret(KEY)
configure_logging("info", "json")

def upstream_request():
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    instrument_httpx(client)
    url = "http://gateway.test/1230000/ShopSvc/getList"
    asyncio.run(client.get(url, params={"ServiceKey": KEY, "pageNo": "2"}))
    return getattr(client, "_is_instrumented_by_opentelemetry", False)
"""


def run(script: str, *, block: tuple[str, ...] = (), **env: str) -> tuple[dict, str]:
    """Run ``script`` after the prelude in a fresh interpreter; its last stdout line is JSON.

    ``block`` makes those modules unimportable, as if the ``otel`` extra were not installed.
    """
    blocked = "".join(f"sys.modules[{name!r}] = None\n" for name in block)
    source = "import sys\n" + blocked + PRELUDE + textwrap.dedent(script)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", source], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


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
    script = """
    on = configure_tracing()
    print(json.dumps({"on": on, "provider": type(trace.get_tracer_provider()).__name__}))
    """
    result, _ = run(script, **env, OTEL_EXPORTER_OTLP_TIMEOUT="1")
    assert result["on"] is on
    assert result["provider"] == ("TracerProvider" if on else "ProxyTracerProvider")


def test_without_otel_env_there_is_no_sdk_no_provider_and_no_instrumented_client():
    script = """
    on = configure_tracing()
    instrumented = upstream_request()
    with trace.get_tracer("naramarket").start_as_current_span("call") as span:
        recording = span.is_recording()
    extra = ("opentelemetry.sdk", "opentelemetry.instrumentation")
    sdk = sorted(m for m in sys.modules if m.startswith(extra))
    print(json.dumps({"on": on, "instrumented": instrumented, "recording": recording, "sdk": sdk}))
    """
    result, _ = run(script)
    assert result == {"on": False, "instrumented": False, "recording": False, "sdk": []}


def test_the_provider_is_set_once_and_exports_upstream_spans_without_the_key():
    script = """
    first = configure_tracing()
    provider = trace.get_tracer_provider()
    again = configure_tracing()
    instrumented = upstream_request()
    with trace.get_tracer("naramarket").start_as_current_span("GET " + KEY):
        pass
    same = trace.get_tracer_provider() is provider
    provider.force_flush()
    print(json.dumps({"on": [first, again], "same": same, "instrumented": instrumented}))
    """
    result, stderr = run(script, OTEL_TRACES_EXPORTER="console", OTEL_SERVICE_NAME="obs-test")
    assert result == {"on": [True, True], "same": True, "instrumented": True}
    assert '"name": "GET ShopSvc/getList"' in stderr  # the console exporter writes to stderr
    assert "ServiceKey=***" in stderr and '"naramarket.upstream.page": "2"' in stderr
    assert '"name": "GET ***"' in stderr and '"service.name": "obs-test"' in stderr
    assert all(spelling not in stderr for spelling in SPELLINGS)


def test_without_the_otel_extra_otel_env_logs_one_warning_and_tracing_stays_off():
    script = """
    on = [configure_tracing(), configure_tracing()]
    instrumented = upstream_request()
    print(json.dumps({"on": on, "instrumented": instrumented}))
    """
    result, stderr = run(
        script, block=("opentelemetry.sdk",), OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9"
    )
    assert result == {"on": [False, False], "instrumented": False}
    (warning,) = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert warning["level"] == "warning" and "naramarket-mcp[otel]" in warning["event"]


def test_without_the_httpx_instrumentation_upstream_requests_go_unspanned_with_one_warning():
    script = """
    on = configure_tracing()
    instrumented = [upstream_request(), upstream_request()]
    print(json.dumps({"on": on, "instrumented": instrumented}))
    """
    blocked = ("opentelemetry.instrumentation.httpx",)
    result, stderr = run(script, block=blocked, OTEL_TRACES_EXPORTER="console")
    assert result == {"on": True, "instrumented": [False, False]}
    warnings = [json.loads(line) for line in stderr.splitlines() if line.startswith('{"')]
    assert [w["level"] for w in warnings if "naramarket-mcp[otel]" in w["event"]] == ["warning"]


def test_exported_spans_never_carry_a_secret_even_in_recorded_exceptions(spans):
    register_secret(KEY)
    tracer = trace.get_tracer("tests")
    url = f"http://gateway.test/x?ServiceKey={quote(KEY, safe='')}&pageNo=1"
    with pytest.raises(RuntimeError), tracer.start_as_current_span(f"GET {KEY}") as span:
        span.set_attribute("url.full", url)
        span.set_attribute("naramarket.tool", "crawl_list")
        span.set_status(trace.StatusCode.ERROR, f"failed: {url}")
        raise RuntimeError(f"failed: {url}")
    with tracer.start_as_current_span("clean", attributes={"n": 3}):
        pass
    leaky, clean = spans.finished()
    text = repr(
        [
            (s.name, dict(s.attributes), s.status.description, [dict(e.attributes) for e in s.events])
            for s in (leaky, clean)
        ]
    )
    assert all(spelling not in text for spelling in SPELLINGS)
    assert "RuntimeError" in text and "ServiceKey=***" in text
    assert leaky.status.status_code == trace.StatusCode.ERROR
    assert dict(leaky.attributes)["naramarket.tool"] == "crawl_list"
    assert dict(clean.attributes) == {"n": 3}


def test_problem_documents_name_the_trace_of_a_recording_span(spans):
    assert "trace_id" not in problem(InvalidParams("bad"))
    with trace.get_tracer("tests").start_as_current_span("call") as span:
        doc = problem(InvalidParams("bad"))
    assert doc["trace_id"] == format(span.get_span_context().trace_id, "032x")
