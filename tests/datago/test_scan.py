"""datago/scan.py: a scan is owned by the caller's block — cancelling, timing out or raising there
stops it where it is, and nothing of it outlives the block.

These are the situations of a real server: SSE's bounded send and MCP progress await inside the
consumer, so a client that goes away cancels the scan exactly while it waits there.
"""

from __future__ import annotations

import gc
from typing import Any

import anyio
import pytest

from naramarket.datago import Page, PageFailure, QuotaExceeded

from .fakes import ROWS, PagedServer, engine

pytestmark = pytest.mark.anyio

ALL = 100_000  # more than any scan here holds: only the time-out, the error or the exit ends it


def slow_server(total: int = 2000) -> PagedServer:
    return PagedServer(total=total, latency=lambda page, attempt: 0.002)


async def settle() -> None:
    """Let cancelled tasks finish unwinding, then collect what they left behind."""
    await anyio.sleep(0.05)
    gc.collect()


async def test_a_time_out_around_a_scan_with_a_slow_consumer_is_contained() -> None:
    server = slow_server()

    async def slow_consumer(items: list[Any]) -> None:
        await anyio.sleep(0.01)  # where an SSE send waits for a slow client

    async with engine(server, cap=4) as client:
        with anyio.move_on_after(0.1) as scope:
            await client.collect(ROWS, {}, page_size=10, limit=ALL, on_items=slow_consumer)
        assert scope.cancelled_caught  # the time-out ended the scan, and nothing else
        sent = len(server.requests)
        await settle()
        # The caller's next awaits are not cancelled by a leftover scope...
        await anyio.sleep(0.01)
        # ...and no request of the cancelled scan was sent after it ended.
        assert len(server.requests) == sent
        assert server.in_flight == 0
    # Only what the bounded read-ahead allows had been fetched, not the 200 pages.
    assert sent <= 1 + 4 * 4 + 10


async def test_a_raising_items_callback_reaches_the_caller_as_itself_and_cancels_nothing_else() -> None:
    server = slow_server()

    class Gone(Exception):
        pass

    async def on_items(items: list[Any]) -> None:
        raise Gone("the client disconnected")

    async with engine(server, cap=4) as client:
        with pytest.raises(Gone):
            await client.collect(ROWS, {}, page_size=10, limit=ALL, on_items=on_items)
        sent = len(server.requests)
        await settle()
        await anyio.sleep(0.01)  # would raise Cancelled if a scope had leaked into this task
        assert len(server.requests) == sent
        assert server.in_flight == 0


async def test_leaving_a_scan_early_stops_its_requests_within_one_page() -> None:
    server = slow_server()
    async with engine(server, cap=4) as client:
        async with client.scan(ROWS, {}, page_size=10) as pages:
            async for page in pages:
                assert isinstance(page, Page)
                if page.page_no == 3:
                    break
        sent = len(server.requests)
        await settle()
        assert len(server.requests) == sent and server.in_flight == 0
    assert sent <= 3 + 4 * 4  # the pages read ahead of the consumer, never the whole scan


async def test_a_cancelled_task_running_a_scan_leaks_no_task_and_no_scope() -> None:
    server = slow_server()
    async with engine(server, cap=4) as client:
        async with anyio.create_task_group() as tg:

            async def scan_forever() -> None:
                await client.collect(ROWS, {}, page_size=10, limit=ALL)

            tg.start_soon(scan_forever)
            await anyio.sleep(0.05)
            tg.cancel_scope.cancel()  # what an MCP cancellation or a closed SSE response does
        sent = len(server.requests)
        await settle()
        assert len(server.requests) == sent and server.in_flight == 0
        # The client still works for the next caller.
        listing = await client.collect(ROWS, {}, page_size=500, limit=500)
        assert len(listing.items) == 500


async def test_a_stopping_error_is_raised_from_the_iteration_typed_with_its_page() -> None:
    server = PagedServer(total=50, failures={3: ["gw22"]})
    async with engine(server) as client:
        seen: list[int] = []
        with pytest.raises(QuotaExceeded) as caught:
            async with client.scan(ROWS, {}, page_size=10) as pages:
                async for outcome in pages:
                    assert not isinstance(outcome, PageFailure)
                    seen.append(outcome.page_no)
    assert seen == [1, 2]
    assert caught.value.page_no == 3


@pytest.mark.parametrize("pages", [[9, 8, 7, 6, 5, 4, 3, 2], [2, 3, 4, 5, 6, 7, 8, 9]])
async def test_pages_are_requested_in_the_order_the_scan_hands_them_over(pages: list[int]) -> None:
    # With one slot, a newest-first scan (last page first) must not be served oldest page first:
    # a time budget would then end with nothing to show.
    server = PagedServer(total=90, latency=lambda page, attempt: 0.001)
    async with (
        engine(server, cap=1) as client,
        client.scan(ROWS, {}, page_size=10, page_numbers=pages) as fetched,
    ):
        got = [page.page_no async for page in fetched if isinstance(page, Page)]
    assert got == pages
    assert server.requests == pages
