"""Issue 15's findings that need a real socket: slowloris (4) and a restart mid-stream (10).

The server is ``naramarket serve``'s own (``naramarket.serving``: guarded h11 protocol, shutdown hook)
on a loopback port, in a thread, over a slow in-process sandbox.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.serving import Server, server_config
from tests.conftest import FIRST_PARTY

pytestmark = pytest.mark.timeout(60)


class Running:
    def __init__(self, settings: Settings, latency: float = 0.0, http: str = "h11") -> None:
        upstream = sandbox.create_app(
            sandbox.SandboxConfig(latency=latency, rows={"getMASCntrctPrdctInfoList": 5_000})
        )
        kernel = make_kernel(settings, transport=httpx.ASGITransport(app=upstream))
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = server_config(create_app(settings, kernel=kernel), settings, http=http, log_level="warning")
        self.server = Server(config, settings)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "sandbox": True,
        "api_base": SANDBOX_API_BASE,
        "service_key": sandbox.DEFAULT_SERVICE_KEY,
        "rate_limit": 0,
        "load_plugins": FIRST_PARTY,
        **overrides,
    }
    return Settings.from_env({}, **values)


@pytest.fixture(params=["h11", "httptools"])
def guarded_server(request: pytest.FixtureRequest) -> Iterator[Running]:
    """The server with each HTTP parser (``naramarket serve`` runs httptools where installed)."""
    running = Running(settings(http_max_connections=50, http_header_timeout=1.0), http=request.param)
    yield running
    running.stop()


def test_a_kept_alive_connection_that_starts_a_head_and_stalls_is_closed(guarded_server):
    """After a whole request, the next head on the same connection gets the header time-out too;
    a head sent whole in pieces within it is answered."""
    with socket.create_connection(("127.0.0.1", guarded_server.port)) as s:
        s.settimeout(5)
        head = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        s.sendall(head[:10])
        time.sleep(0.4)
        s.sendall(head[10:])
        assert s.recv(65536).startswith(b"HTTP/1.1 200")
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        try:
            rest = s.recv(65536)
        except ConnectionResetError:
            rest = b""
        waited = time.monotonic() - started
    assert rest == b"" and 0.8 < waited < 3.0, (rest, waited)


def test_health_answers_through_a_slowloris_flood(guarded_server):
    """300 connections that each send half a request's headers and then nothing, against a server
    that allows 50 connections: health still answers at once, and the idle ones get closed."""
    flood = []
    for _ in range(300):
        s = socket.create_connection(("127.0.0.1", guarded_server.port))
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        flood.append(s)
    try:
        started = time.monotonic()
        for _ in range(5):
            r = httpx.get(f"{guarded_server.url}/api/v1/health", timeout=5)
            assert r.status_code == 200
        answered = time.monotonic() - started
        # Past the header time-out (1 s) every half-open connection was closed by the server.
        time.sleep(1.5)
        closed = 0
        for s in flood:
            s.settimeout(0.5)
            try:
                closed += s.recv(1) == b""
            except ConnectionResetError:  # closed with our half-request unread: a reset
                closed += 1
            except TimeoutError:  # still open
                pass
    finally:
        for s in flood:
            s.close()
    print(f"health x5 through the flood: {answered:.2f} s; {closed}/300 half-open connections closed")
    assert closed == 300
    assert not guarded_server.server.server_state.connections


def test_a_restart_mid_stream_ends_sse_and_mcp_calls_with_shutting_down():
    # One page at a time (50 pages at 0.2 s: 10 s), so both calls are still scanning at the stop
    # however the machine is loaded.
    running = Running(settings(shutdown_grace=0.5, max_concurrency=1), latency=0.2)
    scan = {"category": "데스크톱컴퓨터", "page_size": 10, "limit": 500}
    events: list[str] = []
    mcp_answer: list[Any] = []

    def stream() -> None:
        with httpx.stream(
            "POST", f"{running.url}/api/v1/tools/crawl_list/stream", json=scan, timeout=30
        ) as r:
            for line in r.iter_lines():
                if line.startswith(("event:", "data:")):
                    events.append(line)

    def mcp_call() -> None:
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        init = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        }
        with httpx.Client(base_url=running.url, headers=headers, timeout=30) as http:
            r = http.post("/mcp", json=init)
            session = {"mcp-session-id": r.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
            http.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session)
            call = {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "crawl_list", "arguments": scan},
            }
            r = http.post("/mcp", json=call, headers=session)
            for line in r.text.splitlines():
                if line.startswith("data:") and '"id":2' in line.replace(" ", ""):
                    mcp_answer.append(json.loads(line[5:]))

    threads = [threading.Thread(target=stream), threading.Thread(target=mcp_call)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # both calls are scanning (0.2 s a page, 50 pages, one at a time)
    running.stop()
    for t in threads:
        t.join(timeout=20)
    assert events, "the stream got nothing"
    assert events[-2] == "event: error"
    assert json.loads(events[-1][5:])["code"] == "shutting_down"
    assert mcp_answer, "the MCP call got no answer"
    result = mcp_answer[0]["result"]
    assert result["isError"] is True
    assert json.loads(result["content"][0]["text"])["code"] == "shutting_down"
