"""A caller that goes away stops the upstream scan it started (datago's caller-owned scans).

``crawl_list`` scans a slow sandbox upstream (many small pages, each answered after ``LATENCY``)
through the real app, in process. When an SSE client disconnects, or an MCP client cancels its
call, the sandbox must stop receiving requests within one page's worth of time, nothing may be
logged as an error (no cancel scope escaping its task), no task started for the call may outlive
it, and the server must answer the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from tests.conftest import FIRST_PARTY
from tests.inprocess import Served, serve, wait_until

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

LATENCY = 0.05  # seconds per upstream page
PAGE_SIZE = 10
ROWS = 5_000  # 500 pages: at 10 in flight, 2.5 s to scan them all — far longer than any test waits
SCAN = {"category": "데스크톱컴퓨터", "page_size": PAGE_SIZE, "limit": 500}  # 50 pages: a long scan


@dataclass
class Upstream:
    """The sandbox's own view of the requests it got (``GET /_sandbox/stats``)."""

    http: httpx.AsyncClient

    async def stats(self) -> dict[str, Any]:
        return dict((await self.http.get("/_sandbox/stats")).json())

    async def settled(self) -> dict[str, Any]:
        """The stats after one page's worth of time, once no request is in flight."""
        await anyio.sleep(LATENCY)

        async def idle() -> dict[str, Any] | None:
            stats = await self.stats()
            return None if stats["in_flight"] else stats

        return dict(await wait_until(idle, within=1))

    async def assert_stopped(self) -> int:
        """Within one page's worth of time the count of requests stops growing; returns it."""
        first = await self.settled()
        await anyio.sleep(5 * LATENCY)
        later = await self.stats()
        assert later["total_requests"] == first["total_requests"], "the scan went on after its caller left"
        assert later["in_flight"] == 0
        assert 0 < first["total_requests"] < ROWS // PAGE_SIZE  # it ran, and was stopped part-way
        return int(first["total_requests"])


@contextlib.asynccontextmanager
async def slow_app(**serve_options: Any) -> AsyncIterator[tuple[Served, Upstream]]:
    """The real app (g2b_mall only) over a slow in-process sandbox, served in process."""
    upstream_app = sandbox.create_app(
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
    kernel = make_kernel(settings, transport=httpx.ASGITransport(app=upstream_app))
    control = httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream_app), base_url="http://sandbox")
    async with control, serve(create_app(settings, kernel=kernel), **serve_options) as served:
        yield served, Upstream(control)


@pytest.fixture
async def slow() -> AsyncIterator[tuple[Served, Upstream]]:
    async with slow_app() as app:
        yield app


async def settled_tasks() -> set[asyncio.Task[Any]]:
    """The running tasks, once no task has started or ended for a moment."""
    with anyio.fail_after(2):
        previous = asyncio.all_tasks()
        while True:
            await anyio.sleep(0.05)
            current = asyncio.all_tasks()
            if current == previous:
                return current
            previous = current


async def assert_no_task_outlives_the_call(before: set[asyncio.Task[Any]]) -> None:
    """Every task started for the call has ended: the scan was cancelled, not merely paused."""
    try:
        await wait_until(lambda: not (asyncio.all_tasks() - before), within=1)
    except TimeoutError:
        alive = [task.get_name() for task in asyncio.all_tasks() - before]
        raise AssertionError(f"tasks outlived the call: {alive}") from None


def assert_nothing_went_wrong(caplog: pytest.LogCaptureFixture, served: Served) -> None:
    gc.collect()  # an abandoned async generator would be finalised (and complain) now
    assert served.errors == []
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or "cancel scope" in r.getMessage()]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


async def leave_mid_stream(served: Served, upstream: Upstream, stall: float) -> None:
    """Read a few records of a long ``crawl_list`` stream, optionally stop reading, then go away;
    the scan must stop and the server answer the next call."""
    async with served.http() as http:
        before = asyncio.all_tasks()
        async with http.stream("POST", "/api/v1/tools/crawl_list/stream", json=SCAN) as r:
            assert r.status_code == 200
            items = 0
            async for line in r.aiter_lines():
                items += line == "event: item"
                if items == 3 * PAGE_SIZE:
                    break
            await anyio.sleep(stall)
        # Leaving the block closed the response: the client is gone.
        await upstream.assert_stopped()
        await assert_no_task_outlives_the_call(before)
        after = await http.post("/api/v1/tools/crawl_list", json={**SCAN, "limit": PAGE_SIZE})
    assert after.status_code == 200
    assert len(after.json()["items"]) == PAGE_SIZE


@pytest.mark.parametrize("stall", [0, 5 * LATENCY], ids=["reading", "stalled"])
async def test_a_client_disconnecting_mid_stream_stops_the_scan(slow, caplog, stall):
    """``stalled``: the client stops reading first, so the server's writes wait when it leaves."""
    served, upstream = slow
    caplog.set_level(logging.WARNING)
    await leave_mid_stream(served, upstream, stall)
    assert_nothing_went_wrong(caplog, served)


def test_a_client_disconnecting_stops_the_scan_when_writes_to_it_fail(caplog):
    """Under ASGI 2.4 a server's ``send()`` raises ``OSError`` once the client is gone (uvicorn's
    HTTP/1.1 speaks 2.3 and drops such writes). Its own event loop: a leaked cancel scope must not
    reach the other tests."""
    caplog.set_level(logging.WARNING)

    async def scenario() -> None:
        async with slow_app(asgi_spec="2.4") as (served, upstream):
            await leave_mid_stream(served, upstream, 0)
            assert_nothing_went_wrong(caplog, served)

    anyio.run(scenario)


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_cancelled_mcp_call_stops_the_scan_and_the_server_answers_the_next(slow, caplog, mode):
    served, upstream = slow
    caplog.set_level(logging.WARNING)
    async with served.mcp(mode=mode) as client:
        await client.list_tools()
        before = await settled_tasks()  # the session's own tasks (its GET event stream) are up
        with anyio.move_on_after(5 * LATENCY) as scope:  # at 2025 the client sends notifications/cancelled
            await client.call_tool("crawl_list", SCAN)
        assert scope.cancelled_caught
        await upstream.assert_stopped()
        await assert_no_task_outlives_the_call(before)
        result = await client.call_tool("crawl_list", {**SCAN, "limit": PAGE_SIZE})
    assert result.is_error is not True
    assert result.structured_content is not None
    assert len(result.structured_content["items"]) == PAGE_SIZE
    assert_nothing_went_wrong(caplog, served)


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_client_that_times_out_stops_the_scan(slow, caplog, mode):
    """The client gives up on its own clock (no cancel of ours): the server stops fetching too."""
    served, upstream = slow
    caplog.set_level(logging.WARNING)
    async with served.mcp(mode=mode) as client:
        await client.list_tools()
        with pytest.raises(Exception, match=r"(?i)time"):
            await client.call_tool("crawl_list", SCAN, read_timeout_seconds=5 * LATENCY)
        await upstream.assert_stopped()
        result = await client.call_tool("crawl_list", {**SCAN, "limit": PAGE_SIZE})
    assert result.is_error is not True


async def test_a_rest_client_that_hangs_up_stops_the_scan(slow, caplog):
    """Issue 15, finding 1: REST went on scanning after its client left (hundreds of upstream calls
    per abandoned request); now the call stops within one page, as SSE and MCP do."""
    served, upstream = slow
    caplog.set_level(logging.WARNING)
    async with served.http() as http:
        before = asyncio.all_tasks()
        with anyio.move_on_after(5 * LATENCY) as scope:  # 500 one-row pages: ~2.5 s of scanning
            await http.post("/api/v1/tools/crawl_list", json={**SCAN, "page_size": 1})
        assert scope.cancelled_caught  # the client hung up before the answer
        assert await upstream.assert_stopped() < 150
        await assert_no_task_outlives_the_call(before)
        after = await http.post("/api/v1/tools/crawl_list", json={**SCAN, "limit": PAGE_SIZE})
    assert after.status_code == 200
    assert len(after.json()["items"]) == PAGE_SIZE
    assert_nothing_went_wrong(caplog, served)
