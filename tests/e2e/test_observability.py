"""Observability end to end: traces, /metrics, readiness and logs of the whole app — never the service key.

In process, the app runs on a small fake data.go.kr (``httpx.MockTransport``, it can refuse and
fail on demand) and its spans land in the session's in-memory exporter. In subprocesses,
``naramarket serve`` and ``naramarket-mcp`` set up tracing from ``OTEL_*`` themselves and export
OTLP/HTTP to a tiny receiver on 127.0.0.1 inside the test.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, quote_plus

import anyio
import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client.parser import text_string_to_metric_families

from naramarket import sandbox
from naramarket.app import create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.observability import configure_logging
from tests.conftest import BIN, free_port, start_server
from tests.observability.spans import Spans, session_spans

# A unique marker holding '+', '/' and '=' so that its percent-encoded spellings differ.
SERVICE_KEY = "obs+MARKER/9f3c2a=="


def spellings(key: str) -> set[str]:
    return {key, quote(key, safe=""), quote(quote(key, safe=""), safe=""), quote_plus(key)}


KEY_SPELLINGS = spellings(SERVICE_KEY)
SANDBOX_KEY_SPELLINGS = spellings(sandbox.DEFAULT_SERVICE_KEY)
OPERATION = "getMASCntrctPrdctInfoList"
PAGE_SPAN = f"GET ShoppingMallPrdctInfoService/{OPERATION}"
ROWS = 25  # three pages of 10
CALL = "/api/v1/tools/crawl_list"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class FakeGateway:
    """data.go.kr for ``crawl_list``: category 거부 gets gateway code 30, 불안정 a 503 on page 2
    once, 없음 the no-data answer (result code 03)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.params["ServiceKey"] == SERVICE_KEY
        category = request.url.params["prdctClsfcNoNm"]
        page, size = int(request.url.params["pageNo"]), int(request.url.params["numOfRows"])
        self.seen.append((category, page))
        if category == "거부":
            body = (
                "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>"
                "SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg><returnReasonCode>30"
                "</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>"
            )
            return httpx.Response(200, text=body)
        if category == "불안정" and page == 2 and self.seen.count((category, 2)) == 1:
            return httpx.Response(503, content=b"")
        if category == "없음":  # data.go.kr's "no data" answer
            header = {"resultCode": "03", "resultMsg": "NODATA_ERROR"}
            body = {"items": "", "numOfRows": size, "pageNo": 1, "totalCount": 0}
            return httpx.Response(200, json={"response": {"header": header, "body": body}})
        rows = [
            {
                "prdctIdntNo": f"P{i:04d}",
                "shopngCntrctNo": "C1",
                "shopngCntrctSno": str(i),
                "prdctClsfcNoNm": category,
            }
            for i in range((page - 1) * size, min(page * size, ROWS))
        ]
        header = {"resultCode": "00", "resultMsg": "NORMAL SERVICE."}
        body = {"items": rows, "numOfRows": size, "pageNo": page, "totalCount": ROWS}
        return httpx.Response(200, json={"response": {"header": header, "body": body}})


def observed_app(**settings: Any) -> Any:
    """The real app on the fake gateway, with ``SERVICE_KEY``, auth off and the process's instruments."""
    base = {
        "service_key": SERVICE_KEY,
        "api_base": "http://gateway.test/1230000",
        "rate_limit": 0,
        "auth": "off",
        "load_plugins": frozenset({"g2b_mall"}),  # installed third-party plugins stay out
    }
    kernel = make_kernel(Settings(**{**base, **settings}), transport=httpx.MockTransport(FakeGateway()))
    return create_app(kernel=kernel)


@pytest.fixture
def spans() -> Iterator[Spans]:
    """The session's in-memory span recorder (it also makes this process's MCP client trace)."""
    recorded = session_spans()
    recorded.clear()
    yield recorded
    recorded.clear()


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line (httpx's per-request INFO lines included) as JSON, in a buffer."""
    root, httpx_logger = logging.getLogger(), logging.getLogger("httpx")
    saved = (root.handlers[:], root.level, httpx_logger.level)
    buffer = io.StringIO()
    configure_logging("debug", "json", stream=buffer, quiet=())
    httpx_logger.setLevel(logging.INFO)  # whatever earlier tests left: httpx must log its URLs here
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    httpx_logger.setLevel(saved[2])


def exported_text(spans: list[Any]) -> str:
    """Everything an exporter was handed, as text (names, attributes, events, statuses)."""
    return repr(
        [
            (s.name, dict(s.attributes), s.status.description, [dict(e.attributes) for e in s.events])
            for s in spans
        ]
    )


# --- in process: the session's in-memory exporter ---------------------------------------------------


def test_one_trace_from_request_to_upstream_pages_without_the_key(spans, captured_logs):
    live = start_server(observed_app())
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            ok = client.post(
                CALL,
                json={"category": "데스크톱컴퓨터", "page_size": 10},
                headers={"traceparent": TRACEPARENT},
            )
            refused = client.post(CALL, json={"category": "거부", "page_size": 10})
    finally:
        live.stop()
    assert ok.status_code == 200 and len(ok.json()["items"]) == ROWS
    assert refused.status_code == 502
    problem = refused.json()
    assert problem["code"] == "key_not_registered" and len(problem["trace_id"]) == 32

    finished = spans.finished()
    trace_id = 0x0AF7651916CD43DD8448EB211C80319C  # the caller's traceparent is honoured
    trace = [s for s in finished if s.context.trace_id == trace_id]
    (server,) = [s for s in trace if s.kind is SpanKind.SERVER]
    assert server.name == "POST /api/v1/tools/{name}"
    assert server.attributes["http.response.status_code"] == 200
    (tool,) = [s for s in trace if s.parent.span_id == server.context.span_id]
    assert tool.name == "execute_tool crawl_list"
    assert tool.attributes["naramarket.tool"] == "crawl_list"
    assert tool.attributes["naramarket.plugin"] == "g2b_mall"
    assert tool.attributes["naramarket.result.count"] == ROWS
    assert tool.attributes["naramarket.result.complete"] is True
    pages = [s for s in trace if s.kind is SpanKind.CLIENT]
    assert len(pages) == 3 and all(p.parent.span_id == tool.context.span_id for p in pages)
    assert sorted(p.attributes["naramarket.upstream.page"] for p in pages) == ["1", "2", "3"]
    for page in pages:
        url = page.attributes.get("url.full") or page.attributes["http.url"]
        assert "ServiceKey=***" in url and OPERATION in url
        assert page.name == PAGE_SPAN

    failed = [s for s in finished if format(s.context.trace_id, "032x") == problem["trace_id"]]
    (failed_tool,) = [s for s in failed if s.name == "execute_tool crawl_list"]
    assert failed_tool.attributes["naramarket.error.code"] == "key_not_registered"
    assert failed_tool.status.status_code is StatusCode.ERROR

    exported, logs = exported_text(finished), captured_logs.getvalue()
    assert "HTTP Request: GET" in logs, "httpx's request lines went through the redacting handler"
    for spelling in KEY_SPELLINGS:
        assert spelling not in exported and spelling not in logs
    lines = [json.loads(line) for line in logs.splitlines()]
    (call_line,) = [x for x in lines if x["event"] == "tool call" and x.get("outcome") == "ok"]
    assert call_line["trace_id"] == format(trace_id, "032x") and call_line["request_id"]
    assert call_line["tool"] == "crawl_list" and call_line["count"] == ROWS


@pytest.mark.anyio
async def test_an_mcp_call_continues_the_clients_trace_down_to_the_upstream_pages(spans, captured_logs):
    from mcp import Client

    live = start_server(observed_app())
    try:
        async with Client(f"{live.url}/mcp", mode="legacy") as client:
            ok = await client.call_tool("crawl_list", {"category": "데스크톱컴퓨터", "page_size": 10})
            refused = await client.call_tool("crawl_list", {"category": "거부", "page_size": 10})
    finally:
        live.stop()
    assert ok.is_error is False and len(ok.structured_content["items"]) == ROWS
    assert refused.is_error is True
    problem = json.loads(refused.content[0].text)
    assert problem["code"] == "key_not_registered" and len(problem["trace_id"]) == 32

    finished = spans.finished()
    by_id = {s.context.span_id: s for s in finished}
    messages = sorted((s for s in finished if s.name == "tools/call crawl_list"), key=lambda s: s.start_time)
    assert len(messages) == 2
    for message in messages:  # client span -> MCP message span -> tool span -> one CLIENT span per page
        assert message.kind is SpanKind.SERVER
        assert message.attributes["mcp.method.name"] == "tools/call"
        assert message.attributes["gen_ai.tool.name"] == "crawl_list"
        caller = by_id[message.parent.span_id]  # the traceparent the client put into params._meta
        assert caller.name == "MCP send tools/call crawl_list" and caller.kind is SpanKind.CLIENT
        assert caller.parent is None and caller.context.trace_id == message.context.trace_id
    ok_message, refused_message = messages
    trace = [s for s in finished if s.context.trace_id == ok_message.context.trace_id]
    (tool,) = [s for s in trace if s.parent is not None and s.parent.span_id == ok_message.context.span_id]
    assert tool.name == "execute_tool crawl_list" and tool.attributes["naramarket.result.count"] == ROWS
    pages = [s for s in trace if s.name == PAGE_SPAN]
    assert len(pages) == 3 and all(p.parent.span_id == tool.context.span_id for p in pages)
    assert {s.context.span_id for s in trace} == {
        ok_message.parent.span_id,
        ok_message.context.span_id,
        tool.context.span_id,
        *(p.context.span_id for p in pages),
    }
    posts = [s for s in finished if s.name == "POST /mcp"]
    assert posts and all(p.kind is SpanKind.SERVER for p in posts)

    assert format(refused_message.context.trace_id, "032x") == problem["trace_id"]
    assert refused_message.status.status_code is StatusCode.ERROR
    assert refused_message.attributes["error.type"] == "tool_error"
    (failed_tool,) = [
        s for s in finished if s.parent is not None and s.parent.span_id == refused_message.context.span_id
    ]
    assert failed_tool.attributes["naramarket.error.code"] == "key_not_registered"
    assert {"initialize", "notifications/initialized"} <= {s.name for s in finished}

    exported, logs = exported_text(finished), captured_logs.getvalue()
    for spelling in KEY_SPELLINGS:
        assert spelling not in exported and spelling not in logs


def sample(text: str, name: str, **labels: str) -> float:
    """The value of sample ``name`` with exactly ``labels`` in a scrape (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return 0.0


def test_metrics_move_with_calls_errors_and_retries():
    live = start_server(observed_app(rate_limit=4))  # a burst of 4: later pages wait for tokens
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            before = client.get("/metrics").text
            assert client.post(CALL, json={"category": "데스크톱컴퓨터", "page_size": 10}).status_code == 200
            assert client.post(CALL, json={"category": "불안정", "page_size": 10}).status_code == 200
            assert client.post(CALL, json={"category": "거부"}).status_code == 502
            assert client.post("/api/v1/tools/no_such_tool", json={}).status_code == 404
            after = client.get("/metrics")
    finally:
        live.stop()
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text

    def moved(name: str, **labels: str) -> float:
        return sample(text, name, **labels) - sample(before, name, **labels)

    assert moved("naramarket_tool_calls_total", tool="crawl_list", outcome="ok") == 2
    assert moved("naramarket_tool_calls_total", tool="crawl_list", outcome="key_not_registered") == 1
    assert moved("naramarket_tool_calls_total", tool="unknown", outcome="tool_not_found") == 1
    route = {"route": "/api/v1/tools/{name}", "method": "POST"}
    assert moved("naramarket_http_request_duration_seconds_count", **route, status="200") == 2
    assert moved("naramarket_http_request_duration_seconds_count", **route, status="502") == 1
    assert moved("naramarket_http_request_duration_seconds_count", **route, status="404") == 1
    scrapes = {"route": "/metrics", "method": "GET", "status": "200"}
    assert moved("naramarket_http_request_duration_seconds_count", **scrapes) == 1
    assert moved("naramarket_upstream_requests_total", operation=OPERATION, result_code="00") == 6
    unavailable = {"operation": OPERATION, "result_code": "upstream_unavailable"}
    assert moved("naramarket_upstream_requests_total", **unavailable) == 1
    assert moved("naramarket_upstream_requests_total", operation=OPERATION, result_code="30") == 1
    assert moved("naramarket_upstream_retries_total", **unavailable) == 1
    assert moved("naramarket_upstream_rate_limit_waits_total") >= 1
    assert moved("naramarket_upstream_rate_limit_wait_seconds_total") > 0
    assert sample(text, "naramarket_upstream_requests_in_flight") == 0
    assert sample(text, "naramarket_http_requests_in_flight") >= 1  # the scrape itself
    assert sample(text, "process_resident_memory_bytes") > 0
    for spelling in KEY_SPELLINGS:
        assert spelling not in text


def test_a_no_data_answer_counts_as_result_code_03():
    live = start_server(observed_app())
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            before = client.get("/metrics").text
            empty = client.post(CALL, json={"category": "없음", "page_size": 10})
            full = client.post(CALL, json={"category": "데스크톱컴퓨터", "page_size": 10})
            after = client.get("/metrics").text
    finally:
        live.stop()
    assert empty.status_code == 200 and empty.json()["items"] == []
    assert full.status_code == 200

    def moved(code: str) -> float:
        labels = {"operation": OPERATION, "result_code": code}
        return sample(after, "naramarket_upstream_requests_total", **labels) - sample(
            before, "naramarket_upstream_requests_total", **labels
        )

    assert moved("03") == 1 and moved("00") == 3


def test_metrics_token_and_readiness():
    live = start_server(observed_app(metrics_token="scrape-secret-42"))
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            refused = client.get("/metrics")
            allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-42"})
            ready = client.get("/api/v1/health/ready")
            live_probe = client.get("/api/v1/health")
    finally:
        live.stop()
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    assert allowed.status_code == 200 and "naramarket_tool_calls" in allowed.text
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["checks"]["plugins"]["tools"] >= 1
    assert live_probe.json()["status"] == "ok"
    assert ready.headers["x-request-id"]


def test_with_auth_on_metrics_take_their_own_token_not_oauth(captured_logs):
    """OAuth guards the tools, not /metrics or the probes; NARAMARKET_METRICS_TOKEN guards /metrics."""
    guarded = start_server(observed_app(auth="on", metrics_token="scrape-secret-42"))
    try:
        with httpx.Client(base_url=guarded.url, timeout=30) as client:
            tool = client.post(CALL, json={"category": "데스크톱컴퓨터"})
            anonymous = client.get("/metrics")
            other_bearer = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
            scraped = client.get("/metrics", headers={"Authorization": "bearer scrape-secret-42"})
            probes = [client.get(p).status_code for p in ("/api/v1/health", "/api/v1/health/ready")]
    finally:
        guarded.stop()
    assert tool.status_code == 401 and "resource_metadata" in tool.headers["www-authenticate"]
    assert anonymous.status_code == other_bearer.status_code == 401
    assert "resource_metadata" not in anonymous.headers["www-authenticate"]  # not an OAuth resource
    assert scraped.status_code == 200 and "naramarket_tool_calls_total" in scraped.text
    assert probes == [200, 200]

    open_metrics = start_server(observed_app(auth="on"))
    try:
        scrape = httpx.get(f"{open_metrics.url}/metrics", timeout=30)
    finally:
        open_metrics.stop()
    assert scrape.status_code == 200  # no token configured: open, with a warning in the log
    assert "/metrics is open while auth is on" in captured_logs.getvalue()
    assert "scrape-secret-42" not in captured_logs.getvalue()


def test_metrics_on_their_own_port_leave_the_app():
    port = free_port()
    live = start_server(observed_app(metrics_port=port))
    try:
        assert httpx.get(f"{live.url}/metrics").status_code == 404
        scrape = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert scrape.status_code == 200 and "naramarket_http_requests_in_flight" in scrape.text
    finally:
        live.stop()
    with pytest.raises(httpx.ConnectError):  # the lifespan ended: so did the metrics listener
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


# --- subprocesses: OTEL_* in the environment, OTLP/HTTP to a receiver --------------------------------


class Collector:
    """An OTLP/HTTP trace receiver on 127.0.0.1: keeps every request body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                assert self.path == "/v1/traces"
                bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def spans(self) -> list[Span]:
        out: list[Span] = []
        for body in self.bodies:
            request = ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    out.extend(scope_spans.spans)
        return out


@pytest.fixture
def collector() -> Iterator[Collector]:
    receiver = Collector()
    yield receiver
    receiver.server.shutdown()


def otel_env(sandbox_env: dict[str, str], collector: Collector) -> dict[str, str]:
    """The sandbox's environment plus the standard OTEL_* variables pointing at ``collector``."""
    env = {k: v for k, v in sandbox_env.items() if not k.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_BSP_SCHEDULE_DELAY="50",
        NARAMARKET_LOG_LEVEL="debug",  # httpx logs every upstream URL: it must arrive redacted
        NARAMARKET_LOG_FORMAT="json",
    )
    return env


def attrs(span: Span) -> dict[str, Any]:
    values = {}
    for kv in span.attributes:
        kind = kv.value.WhichOneof("value")
        values[kv.key] = getattr(kv.value, kind) if kind else None
    return values


def test_a_served_process_exports_one_trace_per_call_without_the_key(spans, collector, sandbox_env, tmp_path):
    """``naramarket serve`` sets the global provider from OTEL_* itself; REST and MCP calls are traced."""
    from mcp import Client

    async def call_over_mcp(url: str, arguments: dict[str, Any]) -> Any:
        async with Client(url, mode="legacy") as client:
            return await client.call_tool("crawl_list", arguments)

    port = free_port()
    log_file = tmp_path / "serve.log"
    with log_file.open("w") as stderr:  # a file, not a pipe: debug logs would fill a pipe and stall it
        proc = subprocess.Popen(
            [str(BIN / "naramarket"), "serve", "--sandbox", "--port", str(port)],
            # REST and MCP ask the same pages: with the page cache the second call would send none
            env={**otel_env(sandbox_env, collector), "NARAMARKET_CACHE_TTL": "list=0,detail=0,stats=0"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        body = {"category": "데스크톱컴퓨터", "page_size": 10, "limit": 30}
        rest = httpx.post(f"{base}{CALL}", json=body, headers={"traceparent": TRACEPARENT}, timeout=30)
        mcp = anyio.run(call_over_mcp, f"{base}/mcp", {**body, "limit": 20})
    finally:
        proc.terminate()  # uvicorn shuts down; the provider flushes its spans as the process exits
        proc.wait(timeout=20)
    logs = log_file.read_text()
    assert rest.status_code == 200 and mcp.is_error is False
    exported = collector.spans()

    rest_trace = [s for s in exported if s.trace_id == bytes.fromhex(TRACEPARENT[3:35])]
    (server,) = [s for s in rest_trace if s.kind == Span.SPAN_KIND_SERVER]
    assert server.name == "POST /api/v1/tools/{name}"
    (tool,) = [s for s in rest_trace if s.parent_span_id == server.span_id]
    assert tool.name == "execute_tool crawl_list"
    pages = [s for s in rest_trace if s.kind == Span.SPAN_KIND_CLIENT]
    # One CLIENT span per upstream page the answer says it fetched (newest first: page 1, then the last).
    assert len(pages) == rest.json()["pages_fetched"] >= 3
    assert all(p.parent_span_id == tool.span_id for p in pages)
    assert all("ServiceKey=***" in attrs(p).get("url.full", attrs(p).get("http.url", "")) for p in pages)

    (caller,) = spans.named("MCP send tools/call crawl_list")  # this process's MCP client
    (message,) = [s for s in exported if s.name == "tools/call crawl_list"]
    assert message.parent_span_id == caller.context.span_id.to_bytes(8, "big")
    (mcp_tool,) = [s for s in exported if s.parent_span_id == message.span_id]
    assert mcp_tool.name == "execute_tool crawl_list"
    mcp_pages = [s for s in exported if s.parent_span_id == mcp_tool.span_id]
    assert mcp.structured_content is not None
    assert len(mcp_pages) == mcp.structured_content["pages_fetched"] >= 2
    assert all(p.kind == Span.SPAN_KIND_CLIENT for p in mcp_pages)

    raw = b"".join(collector.bodies)
    assert "HTTP Request: GET" in logs  # httpx's lines, with their URLs, went through redaction
    for spelling in SANDBOX_KEY_SPELLINGS:
        assert spelling.encode() not in raw and spelling not in logs


@pytest.mark.anyio
async def test_stdio_mcp_traces_when_otel_env_is_set(spans, collector, sandbox_env):
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(command=str(BIN / "naramarket-mcp"), env=otel_env(sandbox_env, collector))
    async with Client(params, mode="legacy") as client:
        result = await client.call_tool(
            "crawl_list", {"category": "데스크톱컴퓨터", "page_size": 10, "limit": 20}
        )
    assert result.is_error is False
    for _ in range(100):  # the server flushes its spans as it exits
        if any(s.kind == Span.SPAN_KIND_CLIENT for s in collector.spans()):
            break
        await anyio.sleep(0.05)
    exported = collector.spans()
    (caller,) = spans.named("MCP send tools/call crawl_list")
    (message,) = [s for s in exported if s.name == "tools/call crawl_list"]
    assert message.kind == Span.SPAN_KIND_SERVER
    assert message.parent_span_id == caller.context.span_id.to_bytes(8, "big")  # via params._meta
    (tool,) = [s for s in exported if s.parent_span_id == message.span_id]
    assert tool.name == "execute_tool crawl_list" and tool.trace_id == message.trace_id
    pages = [s for s in exported if s.kind == Span.SPAN_KIND_CLIENT]
    assert result.structured_content is not None
    assert len(pages) == result.structured_content["pages_fetched"] >= 2
    assert all(p.parent_span_id == tool.span_id for p in pages)
    raw = b"".join(collector.bodies)
    for spelling in SANDBOX_KEY_SPELLINGS:
        assert spelling.encode() not in raw
    assert os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") is None  # the test process itself stays untouched
