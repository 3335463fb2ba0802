"""Export jobs (``datago.background()``) share the cap and the rate limit, and interactive calls go first."""

from __future__ import annotations

import anyio
import httpx
import pytest

from naramarket import datago
from naramarket.datago.limits import TokenBucket
from tests.datago.fakes import ROWS, engine, success_json, wire_row

pytestmark = pytest.mark.anyio


async def test_background_requests_leave_a_slot_for_an_interactive_call() -> None:
    gate = anyio.Event()
    in_flight: list[int] = []
    served: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["pageNo"])
        in_flight.append(page)
        if page >= 100:  # the export's pages hang until the gate opens
            await gate.wait()
        served.append(page)
        in_flight.remove(page)
        return httpx.Response(200, content=success_json([wire_row(page)], total=1000, page_no=page))

    async with engine(handler, cap=4) as client, anyio.create_task_group() as tg:
        with datago.background():
            for page in range(100, 110):
                tg.start_soon(client.fetch_page, ROWS, {}, page, 1)
        await anyio.sleep(0.05)
        # The export holds at most 3 pages in flight (and never the whole cap)...
        assert sorted(in_flight) == [100, 101, 102]
        # ...so an interactive call is served at once, while every export page still waits.
        page = await client.fetch_page(ROWS, {}, 1, 1)
        assert page.items[0].row_id == "R000001"
        assert served == [1]
        gate.set()
    assert sorted(served[1:]) == list(range(100, 110))


async def test_the_rate_limit_serves_an_interactive_caller_before_a_waiting_export() -> None:
    bucket = TokenBucket(rate=20, burst=1)
    await bucket.acquire()  # the bucket is empty now
    finished: list[str] = []

    async def take(who: str, background: bool) -> None:
        await bucket.acquire(background=background)
        finished.append(who)

    async with anyio.create_task_group() as tg:
        tg.start_soon(take, "export", True)
        await anyio.sleep(0.01)
        tg.start_soon(take, "interactive", False)  # arrives later, reserves the next token
    assert finished == ["interactive", "export"]
