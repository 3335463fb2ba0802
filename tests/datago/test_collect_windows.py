"""datago/collect.py over date windows: month windows, halving on 07, newest or oldest first, keyset
cursors that continue exactly, de-duplication, filters the gateway lacks and time budgets."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import anyio
import httpx
import msgspec
import pytest

from naramarket.datago import (
    MONTH,
    Record,
    wire,
)
from naramarket.datago.g2b import G2bOperation as Operation
from naramarket.kernel import InvalidParams

from .fakes import (
    ALL,
    ROWS,
    ROWS_WITHOUT_KEY,
    Handler,
    Row,
    assert_no_key,
    engine,
    failure,
    ids,
    success_json,
    wire_row,
)

pytestmark = pytest.mark.anyio


# -- date windows ---------------------------------------------------------------------------------

MONTHLY = Operation(
    "ao/FakeService",
    "getRowList",
    record=Row,
    range_limit=MONTH,
    dedupe_on=("row_id",),
    date_params=("inqryBgnDt", "inqryEndDt"),
)


class DayRow(Record):
    """A row with the date it was registered on (what a keyed scan orders by)."""

    row_id: Annotated[str, wire("rowId")] = ""
    day: Annotated[dt.date | None, wire("rowDt")] = None


DAILY_ROWS = Operation(
    "ao/FakeService",
    "getRowList",
    record=DayRow,
    range_limit=MONTH,
    dedupe_on=("row_id",),
    order_by="day",
    date_params=("inqryBgnDt", "inqryEndDt"),
)


@dataclass
class DatedServer:
    """One row per day of the requested range; ``refuse(begin, end, page)`` names a failure kind."""

    refuse: Callable[[dt.date, dt.date, int], str | None] = lambda begin, end, page: None
    windows: list[tuple[dt.date, dt.date, int]] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)  # inqryEndDt as sent

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        begin = dt.datetime.strptime(params["inqryBgnDt"], "%Y%m%d%H%M").date()
        end = dt.datetime.strptime(params["inqryEndDt"], "%Y%m%d%H%M").date()
        page, size = int(params["pageNo"]), int(params["numOfRows"])
        self.windows.append((begin, end, page))
        self.ends.append(params["inqryEndDt"])
        kind = self.refuse(begin, end, page)
        if kind is not None:
            return failure(kind, request)
        days = [begin + dt.timedelta(days=n) for n in range((end - begin).days + 1)]
        rows = [
            {"rowId": d.isoformat(), "rowNm": "", "rowDt": d.strftime("%Y%m%d")}
            for d in days[(page - 1) * size : page * size]
        ]
        return httpx.Response(200, content=success_json(rows, total=len(days), page_no=page))


def every_day(start: dt.date, end: dt.date) -> list[str]:
    return [(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


async def test_a_long_range_is_fetched_one_calendar_month_at_a_time() -> None:
    server = DatedServer()
    start, end = dt.date(2025, 1, 15), dt.date(2025, 3, 10)
    async with engine(server) as upstream:
        listing = await upstream.collect(MONTHLY, {}, window=(start, end), page_size=100, limit=ALL)
    assert [(b, e) for b, e, _ in server.windows] == [
        (dt.date(2025, 1, 15), dt.date(2025, 1, 31)),
        (dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        (dt.date(2025, 3, 1), dt.date(2025, 3, 10)),
    ]
    assert ids(listing) == every_day(start, end)
    assert listing.complete is True


async def test_a_window_refused_with_07_is_halved_until_accepted() -> None:
    server = DatedServer(refuse=lambda begin, end, page: "provider07" if (end - begin).days >= 8 else None)
    start, end = dt.date(2025, 1, 1), dt.date(2025, 1, 31)
    async with engine(server) as upstream:
        listing = await upstream.collect(MONTHLY, {}, window=(start, end), page_size=100, limit=ALL)
    accepted = [(b, e) for b, e, _ in server.windows if (e - b).days < 8]
    assert accepted[0][0] == start and accepted[-1][1] == end
    assert all(nxt[0] == prev[1] + dt.timedelta(days=1) for prev, nxt in itertools.pairwise(accepted))
    assert ids(listing) == every_day(start, end)
    assert listing.complete is True


async def test_the_latest_records_cost_only_the_pages_that_hold_them() -> None:
    server = DatedServer()
    async with engine(server) as upstream:
        listing = await upstream.collect(
            DAILY_ROWS, {}, window=(dt.date(2025, 1, 1), dt.date(2025, 3, 31)), page_size=10, limit=10
        )
    assert ids(listing) == every_day(dt.date(2025, 3, 22), dt.date(2025, 3, 31))[::-1]  # newest first
    # March only: page 1 tells the total and that the gateway sorts oldest first, then the last
    # pages hold the newest days. January and February are never asked for.
    assert {(b.month, e.month) for b, e, _ in server.windows} == {(3, 3)}
    assert [page for _, _, page in server.windows] == [1, 4, 3]
    assert (listing.complete, listing.reason) == (False, "limit")


@pytest.mark.parametrize("order", ["newest", "oldest"])
@pytest.mark.parametrize("limit", [1, 7, 31, 45])
async def test_next_walks_every_window_in_order_without_gaps_or_repeats(order: str, limit: int) -> None:
    start, end = dt.date(2024, 12, 20), dt.date(2025, 3, 5)
    server = DatedServer()
    got: list[str] = []
    cursor = None
    async with engine(server) as upstream:
        for _ in range(200):
            listing = await upstream.collect(
                DAILY_ROWS, {}, window=(start, end), page_size=10, limit=limit, order=order, cursor=cursor
            )
            got += ids(listing)
            if listing.complete:
                break
            assert listing.next is not None and len(listing.items) == limit
            cursor = listing.next["cursor"]
    want = every_day(start, end)
    assert got == (want[::-1] if order == "newest" else want)


async def test_a_cursor_is_refused_for_another_query() -> None:
    async with engine(DatedServer()) as upstream:
        window = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
        listing = await upstream.collect(DAILY_ROWS, {}, window=window, page_size=10, limit=5)
        assert listing.next is not None
        with pytest.raises(InvalidParams, match="another query"):
            await upstream.collect(
                DAILY_ROWS,
                {},
                window=(dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
                cursor=listing.next["cursor"],
            )
        with pytest.raises(InvalidParams, match="cursor"):
            await upstream.collect(DAILY_ROWS, {}, window=window, cursor="not-a-cursor")


async def test_a_stopping_error_in_a_later_window_keeps_earlier_windows_and_next_resumes_there() -> None:
    refusing = True
    server = DatedServer(refuse=lambda begin, end, page: "gw22" if refusing and begin.month == 2 else None)
    window = (dt.date(2025, 1, 1), dt.date(2025, 2, 28))
    async with engine(server) as upstream:
        listing = await upstream.collect(DAILY_ROWS, {}, window=window, page_size=100, order="oldest")
        assert ids(listing) == every_day(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
        assert (listing.complete, listing.reason) == (False, "upstream_stopped")
        assert listing.error is not None and listing.error.code == "quota_exceeded"
        assert_no_key(msgspec.to_builtins(listing.error))
        refusing = False  # the next day
        assert listing.next is not None
        rest = await upstream.collect(
            DAILY_ROWS, {}, window=window, page_size=100, order="oldest", cursor=listing.next["cursor"]
        )
    assert ids(listing) + ids(rest) == every_day(*window)
    assert rest.complete


async def test_a_time_budget_returns_what_arrived_and_next_continues() -> None:
    slow = DatedServer()

    async def handler(request: httpx.Request) -> httpx.Response:
        if int(request.url.params["pageNo"]) > 1:
            await anyio.sleep(0.05)
        return await slow(request)

    window = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    async with engine(handler, cap=1) as upstream:
        listing = await upstream.collect(DAILY_ROWS, {}, window=window, page_size=5, limit=ALL, budget=0.12)
        assert (listing.complete, listing.reason) == (False, "time_budget")
        assert 0 < len(listing.items) < 31
        rest = await upstream.collect(
            DAILY_ROWS, {}, window=window, page_size=5, limit=ALL, cursor=listing.next["cursor"]
        )
    assert ids(listing) + ids(rest) == every_day(*window)[::-1]


async def test_only_one_end_of_a_range_is_refused() -> None:
    async with engine(DatedServer()) as upstream:
        with pytest.raises(InvalidParams, match="both"):
            await upstream.collect(MONTHLY, {}, window=(dt.date(2025, 1, 1), None))


# -- de-duplication -------------------------------------------------------------------------------


def shifting_server(total: int, page_size: int) -> Handler:
    """Upstream whose rows shift by one between page reads (a row was added meanwhile)."""

    async def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["pageNo"])
        first = (page - 1) * page_size - (page - 1)  # each later page starts one row earlier
        rows = [wire_row(i) for i in range(first, min(first + page_size, total))]
        return httpx.Response(200, content=success_json(rows, total=total, page_no=page))

    return handler


@pytest.mark.parametrize(("op", "unique"), [(ROWS, True), (ROWS_WITHOUT_KEY, False)])
async def test_records_are_deduplicated_by_the_operation_key(op: Operation, unique: bool) -> None:
    async with engine(shifting_server(30, 10)) as upstream:
        listing = await upstream.collect(op, {}, page_size=10, limit=ALL)
    got = ids(listing)
    assert (len(got) == len(set(got))) is unique
    assert set(got) == {wire_row(i)["rowId"] for i in range(28)}


async def test_records_seen_in_an_earlier_window_are_not_repeated() -> None:
    overlap = Operation(
        "ao/FakeService", "getRowList", record=Row, range_limit=MONTH, dedupe_on=("row_id",),
        date_params=("inqryBgnDt", "inqryEndDt"),
    )  # fmt: skip

    async def handler(request: httpx.Request) -> httpx.Response:
        # The same three rows in every window (e.g. a record changed in both months).
        return httpx.Response(200, content=success_json([wire_row(i) for i in range(3)], total=3))

    async with engine(handler) as upstream:
        listing = await upstream.collect(overlap, {}, window=(dt.date(2025, 1, 1), dt.date(2025, 2, 28)))
    assert ids(listing) == [wire_row(i)["rowId"] for i in range(3)]


async def test_a_time_budget_spent_on_empty_windows_answers_in_time_and_next_skips_them() -> None:
    asked: list[tuple[int, int]] = []
    slow_february = True

    async def handler(request: httpx.Request) -> httpx.Response:
        begin = dt.datetime.strptime(request.url.params["inqryBgnDt"], "%Y%m%d%H%M")
        asked.append((begin.month, int(request.url.params["pageNo"])))
        if begin.month == 3:  # nothing registered in March
            return httpx.Response(200, content=success_json("", total=0))
        if begin.month == 2 and slow_february:
            await anyio.sleep(1)
        return await DatedServer()(request)

    window = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    async with engine(handler) as upstream:
        first = await upstream.collect(DAILY_ROWS, {}, window=window, page_size=100, budget=0.2)
        assert (first.items, first.complete, first.reason) == ([], False, "time_budget")
        assert first.next is not None
        slow_february = False
        asked.clear()
        rest = await upstream.collect(
            DAILY_ROWS, {}, window=window, page_size=100, cursor=first.next["cursor"]
        )
    assert 3 not in {month for month, _ in asked}  # the empty March is not asked again
    assert (
        ids(rest)
        == every_day(dt.date(2025, 2, 1), dt.date(2025, 2, 28))[::-1]
        + every_day(dt.date(2025, 1, 1), dt.date(2025, 1, 31))[::-1][: 50 - 28]
    )


async def test_a_cursor_on_a_day_precision_date_asks_for_that_whole_day_again() -> None:
    server = DatedServer()
    window = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    async with engine(server) as upstream:
        first = await upstream.collect(DAILY_ROWS, {}, window=window, page_size=100, limit=3)
        assert ids(first) == ["2025-01-31", "2025-01-30", "2025-01-29"]
        server.ends.clear()
        await upstream.collect(
            DAILY_ROWS, {}, window=window, page_size=100, limit=3, cursor=first.next["cursor"]
        )
    assert server.ends[0] == "202501292359"  # the boundary day to its last minute, not its first


@pytest.mark.parametrize("limit", [1, 4, 9])
async def test_a_filter_the_gateway_lacks_keeps_the_limit_and_next_exact(limit: int) -> None:
    start, end = dt.date(2025, 1, 1), dt.date(2025, 2, 28)

    def even_days(row: DayRow) -> bool:
        return row.day is not None and row.day.day % 2 == 0

    got: list[str] = []
    cursor = None
    async with engine(DatedServer()) as upstream:
        for _ in range(100):
            listing = await upstream.collect(
                DAILY_ROWS, {}, window=(start, end), page_size=10, limit=limit, cursor=cursor, keep=even_days
            )
            assert len(listing.items) <= limit and all(even_days(r) for r in listing.items)
            got += ids(listing)
            if listing.complete:
                break
            cursor = listing.next["cursor"]
    assert got == [d for d in every_day(start, end)[::-1] if int(d[-2:]) % 2 == 0]


@pytest.mark.parametrize("order", ["newest", "oldest"])
async def test_a_default_window_does_not_move_under_a_cursor_at_midnight(order: str) -> None:
    # "The last 30 days" resolved on the first call; the next call, after midnight, resolves a
    # range one day later. Continued without dates, it scans the first call's range: every record
    # once, nothing refused as "another query".
    first_day = (dt.date(2025, 1, 1), dt.date(2025, 1, 30))
    next_day = (dt.date(2025, 1, 2), dt.date(2025, 1, 31))
    async with engine(DatedServer()) as upstream:
        listing = await upstream.collect(DAILY_ROWS, {}, window=first_day, page_size=10, limit=7, order=order)
        got = ids(listing)
        while listing.next is not None:
            listing = await upstream.collect(
                DAILY_ROWS,
                {},
                window=next_day,
                page_size=10,
                limit=7,
                order=order,
                cursor=listing.next["cursor"],
                window_from_cursor=True,
            )
            got += ids(listing)
        whole = await upstream.collect(DAILY_ROWS, {}, window=first_day, page_size=10, limit=ALL, order=order)
        assert got == ids(whole)
        # Dates the caller gave are the caller's: a cursor from another range is still refused.
        first = await upstream.collect(DAILY_ROWS, {}, window=first_day, page_size=10, limit=7, order=order)
        with pytest.raises(InvalidParams, match="another query"):
            await upstream.collect(DAILY_ROWS, {}, window=next_day, cursor=first.next["cursor"], order=order)
