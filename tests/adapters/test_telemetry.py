"""Per-request telemetry: request ids, a SERVER span per request, HTTP metrics by route, an access log."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import anyio
import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from naramarket.adapters.telemetry import RequestTelemetry
from naramarket.observability import Metrics
from tests.observability.spans import Spans, session_spans

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def spans() -> Iterator[Spans]:
    recorded = session_spans()
    recorded.clear()
    yield recorded
    recorded.clear()


async def item(request: Request) -> PlainTextResponse:
    trace_id = trace.get_current_span().get_span_context().trace_id
    return PlainTextResponse(
        format(trace_id, "032x"), status_code=int(request.query_params.get("status", 200))
    )


async def broken(request: Request) -> PlainTextResponse:
    raise RuntimeError("bug")


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def client(metrics: Metrics) -> Iterator[TestClient]:
    app = Starlette(routes=[Route("/items/{id}", item), Route("/broken", broken)])
    with TestClient(RequestTelemetry(app, metrics=metrics), raise_server_exceptions=False) as c:
        yield c


def count(metrics: Metrics, route: str, method: str, status: str) -> float:
    labels = {"route": route, "method": method, "status": status}
    return metrics.registry.get_sample_value("naramarket_http_request_duration_seconds_count", labels) or 0.0


def test_a_sane_request_id_is_kept_and_any_other_is_replaced(client):
    assert (
        client.get("/items/1", headers={"X-Request-ID": "req-42.a:b"}).headers["x-request-id"] == "req-42.a:b"
    )
    replaced = client.get("/items/1", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    fresh = client.get("/items/1").headers["x-request-id"]
    assert len(replaced) == len(fresh) == 32 and replaced != fresh


def test_latency_is_counted_by_route_template_method_and_status(client, metrics):
    client.get("/items/1")
    client.get("/items/2")
    client.post("/items/3")  # 405
    client.get("/items/4?status=503")
    client.get("/no/such/path")
    client.request("BREW", "/items/5")
    assert count(metrics, "/items/{id}", "GET", "200") == 2
    assert count(metrics, "/items/{id}", "POST", "405") == 1
    assert count(metrics, "/items/{id}", "GET", "503") == 1
    assert count(metrics, "unmatched", "GET", "404") == 1  # one series for every unknown path
    assert count(metrics, "/items/{id}", "OTHER", "405") == 1  # methods stay a fixed set
    assert metrics.registry.get_sample_value("naramarket_http_requests_in_flight") == 0


def test_a_crashing_app_is_counted_as_500(client, metrics, spans):
    assert client.get("/broken").status_code == 500
    assert count(metrics, "/broken", "GET", "500") == 1
    (span,) = spans.named("GET /broken")
    assert span.status.status_code is trace.StatusCode.ERROR


def test_each_request_is_a_server_span_that_continues_the_callers_trace(client, spans):
    answered = client.get("/items/7", headers={"traceparent": TRACEPARENT, "X-Request-ID": "r-1"})
    assert answered.text == "0af7651916cd43dd8448eb211c80319c"  # the app ran inside the caller's trace
    client.get("/items/8?status=503")
    ok, failed = spans.named("GET /items/{id}")
    assert ok.kind is SpanKind.SERVER
    assert format(ok.context.trace_id, "032x") == answered.text
    assert ok.parent.span_id == 0xB7AD6B7169203331 and ok.parent.is_remote
    assert dict(ok.attributes) == {
        "http.request.method": "GET",
        "url.path": "/items/7",
        "url.scheme": "http",
        "naramarket.request_id": "r-1",
        "http.route": "/items/{id}",
        "http.response.status_code": 200,
    }
    assert ok.status.status_code is trace.StatusCode.UNSET
    assert failed.parent is None and failed.status.status_code is trace.StatusCode.ERROR


def test_one_access_log_line_per_request_with_the_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="naramarket.http")
    client.get("/items/9", headers={"X-Request-ID": "r-9"})
    (line,) = [r for r in caplog.records if r.getMessage() == "http request"]
    assert (line.method, line.route, line.path, line.status) == ("GET", "/items/{id}", "/items/9", 200)
    assert line.duration_ms >= 0


def test_lifespan_and_other_scopes_pass_through_untouched(metrics):
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    anyio.run(RequestTelemetry(app, metrics=metrics), {"type": "lifespan"}, None, None)
    assert seen == ["lifespan"]
    assert metrics.registry.get_sample_value("naramarket_http_requests_in_flight") == 0


def test_without_a_tracer_provider_the_callers_trace_is_not_made_current():
    """No provider: no span, so no trace id of a trace nobody records reaches problems or log lines."""
    script = textwrap.dedent(
        """
        import sys

        from opentelemetry import trace
        from starlette.applications import Starlette
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
        from starlette.testclient import TestClient

        from naramarket.adapters.telemetry import RequestTelemetry
        from naramarket.observability import Metrics

        async def item(request):
            return PlainTextResponse(str(trace.get_current_span().get_span_context().is_valid))

        app = RequestTelemetry(Starlette(routes=[Route("/items/{id}", item)]), metrics=Metrics())
        print(TestClient(app).get("/items/1", headers={"traceparent": sys.argv[1]}).text)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    command = [sys.executable, "-c", script, TRACEPARENT]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_requests_in_flight_are_counted_while_they_run_by_every_app_on_the_registry(metrics):
    """Two apps moving one registry's gauge (replicas of the app in one process, as in tests)."""
    seen: list[float | None] = []

    async def look(request: Request) -> PlainTextResponse:
        seen.append(metrics.registry.get_sample_value("naramarket_http_requests_in_flight"))
        return PlainTextResponse("ok")

    inner = Starlette(routes=[Route("/look", look)])
    outer = RequestTelemetry(RequestTelemetry(inner, metrics=metrics), metrics=metrics)
    with TestClient(outer) as client:
        client.get("/look")
    assert seen == [2.0]  # the request is in flight in both layers while it runs
    assert metrics.registry.get_sample_value("naramarket_http_requests_in_flight") == 0
