"""datago/client.py and scan.py: the data.go.kr client against a fake data.go.kr (``httpx.MockTransport``).

Paging, the concurrency cap, retries, stopping errors, de-duplication and the service key on the
wire, each checked from what a caller gets back and what the fake upstream was asked.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any
from urllib.parse import parse_qs, quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naramarket.datago import (
    InvalidParameter,
    KeyNotRegistered,
    NotConfigured,
    PageFailure,
    QuotaExceeded,
    RangeTooWide,
    RetryPolicy,
    UpstreamError,
    UpstreamUnavailable,
    normalise_key,
)
from naramarket.kernel.host import problem

from .fakes import (
    ALL,
    DECODING_KEY,
    ENCODING_KEY,
    ROWS,
    ROWS_WITHOUT_KEY,
    PagedServer,
    assert_no_key,
    drain,
    engine,
    failure,
    ids,
)

pytestmark = pytest.mark.anyio


TRANSIENT = ["http500", "http502", "http503", "http429", "gw23", "timeout", "connect"]
ASYNC_PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


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
