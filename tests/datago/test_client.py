"""datago/client.py and scan.py: the data.go.kr client against a fake data.go.kr (``httpx.MockTransport``).

Paging, the concurrency cap, retries, stopping errors, de-duplication and the service key on the
wire, each checked from what a caller gets back and what the fake upstream was asked.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

import anyio
import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naramarket.datago import (
    MONTH,
    InvalidParameter,
    KeyNotRegistered,
    NotConfigured,
    PageFailure,
    QuotaExceeded,
    RangeTooWide,
    Record,
    RetryPolicy,
    UpstreamError,
    UpstreamUnavailable,
    normalise_key,
    wire,
)
from naramarket.datago.g2b import G2bOperation as Operation
from naramarket.kernel import InvalidParams, NaramarketError
from naramarket.kernel.host import problem

from .fakes import (
    DECODING_KEY,
    ENCODING_KEY,
    ROWS,
    ROWS_WITHOUT_KEY,
    Handler,
    PagedServer,
    Row,
    engine,
    failure,
    success_json,
    wire_row,
)

pytestmark = pytest.mark.anyio

ALL = 100_000  # a limit above any total here: the library's own callers may ask for everything


async def drain(client: Any, op: Any, listing: Any, **options: Any) -> list[str]:
    """Follow ``next`` cursors to the end; the ids of every record they give."""
    rest: list[str] = []
    while listing.next is not None:
        listing = await client.collect(op, {}, cursor=listing.next["cursor"], **options)
        rest += ids(listing)
    assert listing.complete
    return rest


TRANSIENT = ["http500", "http502", "http503", "http429", "gw23", "timeout", "connect"]
ASYNC_PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def ids(listing: Any) -> list[str]:
    """The row ids of a listing, in order."""
    return [row.row_id for row in listing.items]


# -- the service key ------------------------------------------------------------------------------


@pytest.mark.parametrize("configured", [DECODING_KEY, ENCODING_KEY, f"  {DECODING_KEY}\n"])
async def test_either_portal_key_is_sent_encoded_exactly_once(configured: str) -> None:
    server = PagedServer(total=1)
    async with engine(server, key=configured) as upstream:
        await upstream.collect(ROWS, {})

    raw = server.queries[0]
    sent = re.search(r"(?:^|&)ServiceKey=([^&]*)", raw)
    assert sent is not None
    assert "%2B" in sent.group(1)
    assert "%25" not in sent.group(1)  # never double-encoded (%252B answers 30)
    assert "+" not in sent.group(1)  # a raw '+' would arrive as a space
    assert parse_qs(raw)["ServiceKey"] == [DECODING_KEY]


@given(secret=st.binary(min_size=12, max_size=64), lower_hex=st.booleans())
def test_normalise_key_turns_the_encoding_key_into_the_decoding_key(secret: bytes, lower_hex: bool) -> None:
    decoding = base64.b64encode(secret).decode()
    encoding = quote(decoding, safe="")
    if lower_hex:
        encoding = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoding)
    assert normalise_key(decoding) == decoding
    assert normalise_key(encoding) == decoding


def key_spellings() -> list[str]:
    """The test key as configured, as sent, double-encoded, and with '+' read as a space."""
    return [DECODING_KEY, ENCODING_KEY, quote(ENCODING_KEY, safe=""), DECODING_KEY.replace("+", " ")]


def assert_no_key(error: BaseException | dict[str, object]) -> None:
    """No spelling of the key in an error's message, repr, detail or problem document."""
    texts = [json.dumps(error, ensure_ascii=False)] if isinstance(error, dict) else [str(error), repr(error)]
    if isinstance(error, NaramarketError):
        texts += [error.detail, json.dumps(problem(error), ensure_ascii=False, default=str)]
    for text in texts:
        for spelling in key_spellings():
            assert spelling not in text


@pytest.mark.parametrize(
    "kind",
    [*TRANSIENT, "gw12", "gw20", "gw22", "gw30", "gw31", "gw32", "provider06", "provider07", "provider08"],
)
@pytest.mark.parametrize("configured", [DECODING_KEY, ENCODING_KEY])
async def test_the_key_never_appears_in_an_error(kind: str, configured: str) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return failure(kind, request)

    async with engine(handler, key=configured, attempts=1) as upstream:
        with pytest.raises(UpstreamError) as caught:
            await upstream.collect(ROWS, {})
    assert_no_key(caught.value)


async def test_without_a_key_nothing_is_sent_and_the_error_says_how_to_set_one() -> None:
    server = PagedServer(total=5)
    async with engine(server, key=None) as upstream:
        with pytest.raises(NotConfigured, match="NARAMARKET_SERVICE_KEY") as caught:
            await upstream.collect(ROWS, {})
    assert server.requests == []
    assert problem(caught.value)["status"] == 503  # the operator's set-up, not an upstream refusal


# -- paging fan-out -------------------------------------------------------------------------------


@ASYNC_PROPERTY
@given(
    total=st.integers(0, 80),
    page_size=st.integers(1, 20),
    latencies=st.lists(st.floats(0, 0.002), min_size=1, max_size=16),
)
async def test_paging_fetches_page_one_then_the_rest_and_keeps_every_record_once_in_order(
    total: int, page_size: int, latencies: list[float]
) -> None:
    server = PagedServer(total=total, latency=lambda page, _: latencies[page % len(latencies)])
    async with engine(server, cap=4) as upstream:
        listing = await upstream.collect(ROWS_WITHOUT_KEY, {}, page_size=page_size, limit=ALL)

    pages = max(1, math.ceil(total / page_size))
    assert server.requests[0] == 1  # page 1 first: it tells how many pages there are
    assert sorted(server.requests) == list(range(1, pages + 1))  # each page once
    assert ids(listing) == server.expected_ids()  # upstream order, nothing lost or doubled
    assert listing.total_count == total
    assert listing.complete is True and listing.next is None
    assert listing.pages_fetched == pages


async def test_pages_are_yielded_in_page_order_even_when_later_pages_answer_first() -> None:
    server = PagedServer(total=60, latency=lambda page, _: 0.001 * (12 - page))
    async with engine(server) as upstream, upstream.scan(ROWS, {}, page_size=5) as pages:
        order = [page.page_no async for page in pages]
    assert order == list(range(1, 13))


async def test_the_limit_stops_early_and_next_continues_exactly() -> None:
    server = PagedServer(total=100)
    async with engine(server, cap=1) as upstream:
        listing = await upstream.collect(ROWS, {}, page_size=10, limit=25)
        assert ids(listing) == server.expected_ids()[:25]
        assert (listing.complete, listing.reason, listing.total_count) == (False, "limit", 100)
        assert sorted(set(server.requests)) == [1, 2, 3]  # the pages the limit needs, no more
        rest = await drain(upstream, ROWS, listing, page_size=10, limit=25)
    assert ids(listing) + rest == server.expected_ids()


async def test_a_limit_covering_everything_is_complete() -> None:
    server = PagedServer(total=25)
    async with engine(server) as upstream:
        listing = await upstream.collect(ROWS, {}, page_size=10, limit=25)
    assert listing.complete is True and listing.reason is None and listing.next is None
    assert len(listing.items) == 25


@pytest.mark.parametrize("cap", [1, 3])
async def test_the_concurrency_cap_holds(cap: int) -> None:
    server = PagedServer(total=300, latency=lambda page, _: 0.003)
    async with engine(server, cap=cap) as upstream:
        listing = await upstream.collect(ROWS, {}, page_size=10, limit=ALL)
    assert listing.complete is True
    assert server.max_in_flight == cap  # reached, never exceeded


# -- retries --------------------------------------------------------------------------------------


# Everything is drawn in @given: drawing inside the event loop (st.data) lets hypothesis's
# StopTest escape from an asyncio task.
@ASYNC_PROPERTY
@given(
    total=st.integers(1, 40),
    page_size=st.integers(5, 15),
    plan=st.lists(st.lists(st.sampled_from(TRANSIENT), max_size=3), min_size=8, max_size=8),
)
async def test_transient_failures_are_retried_without_losing_or_duplicating_a_page(
    total: int, page_size: int, plan: list[list[str]]
) -> None:
    pages = math.ceil(total / page_size)
    failures = {page: plan[page - 1] for page in range(1, pages + 1)}
    server = PagedServer(total=total, failures=failures, latency=lambda page, attempt: 0.0005 * (page % 3))
    async with engine(server, attempts=4) as upstream:
        listing = await upstream.collect(ROWS_WITHOUT_KEY, {}, page_size=page_size, limit=ALL)

    assert ids(listing) == server.expected_ids()
    assert listing.complete is True
    assert len(server.requests) == pages + sum(len(f) for f in failures.values())


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("gw22", QuotaExceeded),
        ("gw30", KeyNotRegistered),
        ("provider07", RangeTooWide),
        ("provider06", InvalidParameter),
    ],
)
async def test_refusals_are_not_retried(kind: str, error: type[UpstreamError]) -> None:
    server = PagedServer(total=5, failures={1: [kind] * 4})
    async with engine(server, attempts=4) as upstream:
        with pytest.raises(error):
            await upstream.collect(ROWS, {})
    assert server.requests == [1]


async def test_a_refused_later_page_stops_the_answer_there_never_past_a_gap() -> None:
    server = PagedServer(total=50, failures={3: ["provider07"] * 4})
    async with engine(server, attempts=4) as upstream:
        listing = await upstream.collect(ROWS, {}, page_size=10, limit=ALL)
    assert server.requests.count(3) == 1  # a refusal is not retried
    assert (listing.complete, listing.reason) == (False, "page_failed")
    assert listing.error is not None and listing.error.code == "range_too_wide"
    assert listing.missing is not None and "page 3" in listing.missing
    assert ids(listing) == server.expected_ids()[:20]  # up to the gap, nothing after it


async def test_a_page_that_keeps_failing_is_tried_attempts_times_then_next_continues_from_it() -> None:
    server = PagedServer(total=30, failures={2: ["http503"] * 3})
    async with engine(server, attempts=3) as upstream:
        listing = await upstream.collect(ROWS, {}, page_size=10, limit=ALL)
        assert server.requests.count(2) == 3
        assert (listing.complete, listing.reason, listing.pages_fetched) == (False, "page_failed", 1)
        rest = await drain(upstream, ROWS, listing, page_size=10, limit=ALL)  # page 2 answers now
    assert ids(listing) + rest == server.expected_ids()


async def test_a_first_page_that_keeps_failing_raises_upstream_unavailable() -> None:
    server = PagedServer(total=30, failures={1: ["timeout"] * 10})
    async with engine(server, attempts=3) as upstream:
        with pytest.raises(UpstreamUnavailable):
            await upstream.collect(ROWS, {}, page_size=10)
    assert server.requests == [1, 1, 1]


async def test_an_exhausted_retry_budget_stops_retrying() -> None:
    server = PagedServer(total=5, failures={1: ["http502"]})
    async with engine(server, retry=RetryPolicy(attempts=4, base=0.001, budget=0)) as upstream:
        with pytest.raises(UpstreamUnavailable):
            await upstream.collect(ROWS, {})
    assert server.requests == [1]


async def test_a_corrupt_compressed_body_is_upstream_unavailable() -> None:
    requests: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        requests.append(1)
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip at all")

    async with engine(handler, attempts=2) as upstream:
        with pytest.raises(UpstreamUnavailable):
            await upstream.collect(ROWS, {})
    assert len(requests) == 2


# -- stopping errors: what was fetched is kept ----------------------------------------------------


async def test_a_stopping_error_on_the_first_page_is_raised() -> None:
    server = PagedServer(total=50, failures={1: ["gw22"]})
    async with engine(server) as upstream:
        with pytest.raises(QuotaExceeded):
            await upstream.collect(ROWS, {}, page_size=10)


async def test_quota_exceeded_after_some_pages_returns_a_partial_listing_that_next_continues() -> None:
    server = PagedServer(total=50, failures={3: ["gw22"]})
    async with engine(server) as upstream:
        listing = await upstream.collect(ROWS, {}, page_size=10, limit=ALL)
        assert ids(listing) == server.expected_ids()[:20]
        assert (listing.complete, listing.reason) == (False, "upstream_stopped")
        assert listing.error is not None
        assert (listing.error.code, listing.error.upstream_code) == ("quota_exceeded", "22")
        assert server.requests.count(3) == 1
        rest = await drain(upstream, ROWS, listing, page_size=10, limit=ALL)  # the next day's quota
    assert ids(listing) + rest == server.expected_ids()


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


# -- events ---------------------------------------------------------------------------------------


async def test_items_and_progress_are_reported_as_pages_arrive() -> None:
    server = PagedServer(total=25)
    batches: list[list[str]] = []
    progress: list[tuple[int, int | None]] = []

    async def on_items(records: list[Any]) -> None:
        batches.append([r.row_id for r in records])

    async def on_progress(done: int, total: int | None, message: str | None) -> None:
        progress.append((done, total))

    async with engine(server) as upstream:
        await upstream.collect(ROWS, {}, page_size=10, on_items=on_items, on_progress=on_progress)
    assert [len(b) for b in batches] == [10, 10, 5]
    assert progress == [(10, 25), (20, 25), (25, 25)]


async def test_failed_pages_surface_as_page_failures_from_pages() -> None:
    server = PagedServer(total=30, failures={2: ["http500"] * 9})
    async with engine(server, attempts=1) as upstream, upstream.scan(ROWS, {}, page_size=10) as pages:
        outcomes = [o async for o in pages]
    assert isinstance(outcomes[1], PageFailure)
    assert outcomes[1].page_no == 2
    assert isinstance(outcomes[1].error, UpstreamUnavailable)


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
