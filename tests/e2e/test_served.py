"""The app as a process serves it: uvicorn on a loopback socket, and MCP over stdio.

The in-process tests (tests/adapters/, tests/plugins/) use a transport written for the tests; here
the same calls go through real sockets and a real subprocess, so a difference between that transport
and uvicorn cannot hide a bug: same records on MCP and REST, and a client that disconnects or
cancels stops the upstream scan.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from tests.conftest import BIN, FIRST_PARTY, MALL_TOOLS, LiveServer, start_server

pytestmark = pytest.mark.anyio

ARGS = {"category": "데스크톱컴퓨터", "page_size": 30, "limit": 60}


async def list_and_call(client: Client) -> dict:
    tools = (await client.list_tools()).tools
    assert sorted(t.name for t in tools) == list(MALL_TOOLS)
    result = await client.call_tool("crawl_list", ARGS)
    assert result.is_error is not True
    assert result.structured_content is not None
    return result.structured_content


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_over_a_socket_in_both_eras_matches_rest(live_server, mode):
    async with Client(live_server.mcp_url, mode=mode) as client:
        structured = await list_and_call(client)
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        rest = (await http.post("/api/v1/tools/crawl_list", json=ARGS)).json()
    assert structured == rest
    assert len(structured["items"]) == 60
    assert all(i["category"] == "데스크톱컴퓨터" for i in structured["items"])


async def test_stdio_lists_and_calls(sandbox_env):
    params = StdioServerParameters(command=str(BIN / "naramarket-mcp"), env=sandbox_env)
    async with Client(params, mode="legacy") as client:
        structured = await list_and_call(client)
        instructions = client.instructions
    assert structured["complete"] is False
    assert len(structured["items"]) == 60
    assert instructions and "SANDBOX" in instructions


LATENCY = 0.1
PAGE_SIZE = 10
ROWS = 5_000
SCAN = {"category": "데스크톱컴퓨터", "page_size": PAGE_SIZE, "limit": 500}  # 50 pages: a long scan


class SlowServer:
    """The real app on a loopback socket over a slow in-process sandbox whose stats we can read."""

    def __init__(self) -> None:
        self.upstream = sandbox.create_app(
            sandbox.SandboxConfig(latency=LATENCY, rows={"getMASCntrctPrdctInfoList": ROWS})
        )
        settings = Settings.from_env(
            {},
            sandbox=True,
            api_base=SANDBOX_API_BASE,
            service_key=sandbox.DEFAULT_SERVICE_KEY,
            rate_limit=0,
            load_plugins=FIRST_PARTY,
        )
        kernel = make_kernel(settings, transport=httpx.ASGITransport(app=self.upstream))
        self.live: LiveServer = start_server(create_app(settings, kernel=kernel))

    def requests(self) -> tuple[int, int]:
        stats = self.upstream.state.stats
        return stats.total, stats.in_flight

    def assert_stopped(self) -> None:
        """Within one page's worth of time (and a socket's delay) the requests stop."""
        time.sleep(2 * LATENCY)
        deadline = time.monotonic() + 2
        while self.requests()[1] and time.monotonic() < deadline:
            time.sleep(0.01)
        first = self.requests()
        time.sleep(5 * LATENCY)
        assert self.requests() == (first[0], 0), "the scan went on after its caller left"
        assert 0 < first[0] < ROWS // PAGE_SIZE


@pytest.fixture
def slow(caplog) -> Iterator[SlowServer]:
    caplog.set_level(logging.WARNING)
    server = SlowServer()
    yield server
    server.live.stop()
    gc.collect()
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or "cancel scope" in r.getMessage()]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


def test_a_client_disconnecting_mid_stream_stops_the_scan(slow):
    with httpx.Client(base_url=slow.live.url, timeout=10) as http:
        with http.stream("POST", "/api/v1/tools/crawl_list/stream", json=SCAN) as r:
            assert r.status_code == 200
            items = 0
            for line in r.iter_lines():
                items += line == "event: item"
                if items == 3 * PAGE_SIZE:
                    break
        http.close()  # the connection, not only the response: the server sees the disconnect
        slow.assert_stopped()
    with httpx.Client(base_url=slow.live.url, timeout=10) as http:
        after = http.post("/api/v1/tools/crawl_list", json={**SCAN, "limit": PAGE_SIZE})
    assert len(after.json()["items"]) == PAGE_SIZE


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_cancelled_mcp_call_stops_the_scan(slow, mode):
    async with Client(slow.live.mcp_url, mode=mode) as client:
        with anyio.move_on_after(5 * LATENCY) as scope:
            await client.call_tool("crawl_list", SCAN)
        assert scope.cancelled_caught
        await anyio.to_thread.run_sync(slow.assert_stopped)
        result = await client.call_tool("crawl_list", {**SCAN, "limit": PAGE_SIZE})
    assert result.structured_content is not None
    assert len(result.structured_content["items"]) == PAGE_SIZE
