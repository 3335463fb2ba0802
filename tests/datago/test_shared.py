"""The in-process shared-state defaults: page cache with single-flight, quota ledger, cache TTLs."""

from __future__ import annotations

import anyio
import httpx
import pytest

from naramarket.datago import Client, QuotaExceeded, RetryPolicy, make_http_client
from naramarket.datago.shared import (
    CacheTtl,
    MemoryLedger,
    MemoryPageCache,
    cache_kind,
    page_cache_key,
    service_key_id,
)
from naramarket.kernel import Settings

from .fakes import ALL, DECODING_KEY, ROWS, PagedServer

pytestmark = pytest.mark.anyio


def client_for(server: PagedServer, http: httpx.AsyncClient, **options: object) -> Client:
    return Client(
        http,
        service_key=DECODING_KEY,
        rate_limit=0,
        retry=RetryPolicy(attempts=1),
        **options,  # type: ignore[arg-type]
    )


def http_for(server: PagedServer) -> httpx.AsyncClient:
    settings = Settings(service_key=DECODING_KEY, api_base="https://fake.test/1230000")
    return make_http_client(settings, transport=httpx.MockTransport(server))


async def test_concurrent_callers_of_one_page_cause_one_upstream_request() -> None:
    server = PagedServer(total=30, latency=lambda page, attempt: 0.05)
    async with http_for(server) as http:
        client = client_for(server, http, cache=MemoryPageCache(), cache_ttl=CacheTtl("list=60"))
        pages = []

        async def ask() -> None:
            pages.append(await client.fetch_page(ROWS, {"q": "x"}, 1, 10))

        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(ask)
        assert server.requests == [1]
        assert len(pages) == 20 and all(p.items == pages[0].items for p in pages)
        # a later call is answered from the cache; another page or query is not
        await client.fetch_page(ROWS, {"q": "x"}, 1, 10)
        await client.fetch_page(ROWS, {"q": "x"}, 2, 10)
        await client.fetch_page(ROWS, {"q": "y"}, 1, 10)
        assert server.requests == [1, 2, 1]


async def test_without_a_ttl_every_call_reaches_the_upstream() -> None:
    server = PagedServer(total=30)
    async with http_for(server) as http:
        client = client_for(server, http, cache=MemoryPageCache(), cache_ttl=CacheTtl("list=0"))
        for _ in range(3):
            await client.fetch_page(ROWS, {}, 1, 10)
    assert server.requests == [1, 1, 1]


async def test_a_failed_page_is_not_cached() -> None:
    server = PagedServer(total=30, failures={1: ["http500"]})
    async with http_for(server) as http:
        client = client_for(server, http, cache=MemoryPageCache(), cache_ttl=CacheTtl())
        with pytest.raises(Exception, match="500"):
            await client.fetch_page(ROWS, {}, 1, 10)
        page = await client.fetch_page(ROWS, {}, 1, 10)
    assert len(page.items) == 10 and server.requests == [1, 1]


async def test_the_quota_reserve_refuses_before_the_last_calls_and_names_the_reset() -> None:
    server = PagedServer(total=30)
    async with http_for(server) as http:
        client = client_for(server, http, quota_daily=5, quota_reserve=2)
        for _ in range(3):
            await client.fetch_page(ROWS, {}, 1, 10)
        with pytest.raises(QuotaExceeded, match="midnight KST") as refused:
            await client.fetch_page(ROWS, {}, 1, 10)
        report = await client.quota_report()
    assert refused.value.code == "quota_exceeded"
    assert len(server.requests) == 3  # the refused call never reached the upstream
    assert report["operations"] == {"getRowList": {"used": 3, "remaining": 2}}
    assert report["daily_limit"] == 5 and report["reserve"] == 2 and report["shared_by"] == "process"


async def test_the_ledger_counts_per_key_and_operation() -> None:
    ledger = MemoryLedger()
    assert [await ledger.take("k1", "op", 2) for _ in range(3)] == [1, 2, None]
    assert await ledger.take("k1", "other", None) == 1
    assert await ledger.take("k2", "op", 2) == 1
    assert await ledger.used("k1") == {"op": 2, "other": 1}


def test_cache_keys_never_hold_the_service_key_and_ignore_parameter_order() -> None:
    a = page_cache_key("https://x/", "svc/op", {"ServiceKey": "secret1", "b": "2", "a": "1"})
    b = page_cache_key("https://x/", "svc/op", {"a": "1", "b": "2", "serviceKey": "secret2"})
    assert a == b and "secret" not in a
    assert a != page_cache_key("https://y/", "svc/op", {"a": "1", "b": "2"})
    assert service_key_id(DECODING_KEY) != DECODING_KEY and len(service_key_id(DECODING_KEY)) == 16


def test_operation_kinds_and_ttls() -> None:
    assert cache_kind("getBidPblancListInfoServc") == "list"
    assert cache_kind("getThngDetailMetaInfoThng") == "detail"
    assert cache_kind("getTotlPubPrcrmntSttus") == "stats"
    ttl = CacheTtl("list=5, stats=0")
    assert (ttl("getBidPblancListInfoServc"), ttl("getTotlPubPrcrmntSttus")) == (5.0, 0.0)
    assert ttl("getThngDetailMetaInfoThng") == 3600.0  # the default where the setting is silent
    with pytest.raises(ValueError, match="list=SECONDS"):
        CacheTtl("lists=5")
    with pytest.raises(ValueError, match="not a number"):
        CacheTtl("list=soon")


def test_the_memory_cache_stays_within_its_byte_bound() -> None:
    cache = MemoryPageCache(max_bytes=100)
    for i in range(10):
        cache.put(str(i), b"x" * 30, ttl=60)
    assert cache.size <= 100
    assert cache.get("9") is not None and cache.get("0") is None


def test_expired_pages_are_swept_on_later_puts_even_if_never_read_again(monkeypatch) -> None:
    import time

    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    cache = MemoryPageCache(max_bytes=1 << 20)
    for n in range(10):
        cache.put(f"old{n}", b"x" * 1000, ttl=60)
    assert cache.size == 10_000
    clock[0] += 61  # every old page has expired; none was read again
    cache.put("new", b"y" * 10, ttl=60)
    assert cache.size == 10 and cache.get("new") == b"y" * 10


async def test_expired_pages_leave_with_no_further_puts() -> None:
    # After a large call nothing may put again for hours: the cache's own timer sweeps it.
    clock = [1000.0]
    cache = MemoryPageCache(max_bytes=1 << 20, clock=lambda: clock[0], sweep_every=0.01)
    for n in range(10):
        cache.put(f"page{n}", b"x" * 1000, ttl=60)
    await anyio.sleep(0.05)  # a few sweeps run; nothing has expired yet
    assert cache.size == 10_000 and cache.get("page3") == b"x" * 1000
    clock[0] += 61  # every page has expired; no put, no get follows
    for _ in range(500):  # the timer's next ticks (a liveness bound, not a timing assertion)
        if not cache.size:
            break
        await anyio.sleep(0.01)
    assert cache.size == 0
    assert cache._timer is None  # an empty cache keeps no timer: idle costs nothing
    cache.close()


async def test_the_sweep_timer_stops_with_the_cache() -> None:
    cache = MemoryPageCache(sweep_every=0.01)
    cache.put("page", b"x", ttl=60)
    assert cache._timer is not None
    cache.close()
    assert cache._timer is None
    await anyio.sleep(0.05)
    assert cache._timer is None and cache.get("page") == b"x"


def test_the_heap_is_trimmed_only_after_much_was_dropped_and_at_most_so_often() -> None:
    clock = [1000.0]
    trims: list[float] = []

    def release() -> bool:
        trims.append(clock[0])
        return True

    cache = MemoryPageCache(
        max_bytes=1 << 20, clock=lambda: clock[0], trim_after=4000, trim_every=30.0, release=release
    )
    for n in range(3):
        cache.put(f"small{n}", b"x" * 1000, ttl=5)
    clock[0] += 10
    cache.housekeep()  # 3,000 bytes expired: below the threshold, the heap is left alone
    assert cache.size == 0 and trims == []
    for n in range(5):
        cache.put(f"big{n}", b"x" * 1000, ttl=5)
    clock[0] += 10
    cache.put("scan", b"x", ttl=60)  # 8,000 bytes expired, but a page was put just now: a scan runs
    wait = cache.housekeep()
    assert trims == [] and wait is not None and wait < cache.sweep_every  # back once it is quiet
    clock[0] += wait
    cache.housekeep()  # quiet since: trimmed once
    assert trims == [clock[0]] and cache.trims == 1 and cache.dropped == 0
    cache._drop("scan")
    for n in range(5):
        cache.put(f"again{n}", b"x" * 1000, ttl=5)
    clock[0] += 10
    wait = cache.housekeep()  # enough again, but the last trim was 10 s ago (at most every 30 s)
    assert trims == [clock[0] - 10] and wait is not None and 19 < wait < 21
    clock[0] += 20
    cache.housekeep()
    assert len(trims) == 2 and cache.housekeep() is None  # nothing left to do: the timer stops


def test_release_heap_is_glibc_malloc_trim_and_a_no_op_elsewhere(monkeypatch) -> None:
    import os
    import sys

    from naramarket.datago import shared

    monkeypatch.setattr(shared, "_trim_loaded", False)
    monkeypatch.setattr(os, "confstr", lambda name: None)  # musl answers no glibc version
    assert shared.release_heap() is False
    monkeypatch.setattr(shared, "_trim_loaded", False)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert shared.release_heap() is False
    monkeypatch.undo()
    monkeypatch.setattr(shared, "_trim_loaded", False)
    if shared._load_malloc_trim() is None:
        pytest.skip("glibc only: this C library has no malloc_trim")
    # Freed heap held below a live allocation stays resident until trimmed; trimming returns it.
    blocks = [b"x" * (64 * 1024) for _ in range(800)]  # 50 MiB from malloc (not pymalloc, not mmap)
    pin = b"y" * (64 * 1024)  # noqa: F841 (keeps the top of the heap in use)
    del blocks
    freed = _rss()  # glibc keeps the 50 MiB resident for later allocations
    assert shared.release_heap() is True
    assert _rss() < freed - 30 * 2**20


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_a_cache_outliving_its_event_loop_sweeps_on_the_next_one() -> None:
    import asyncio

    clock = [1000.0]
    cache = MemoryPageCache(clock=lambda: clock[0], sweep_every=0.01)

    async def put_then_wait_for_sweep(key: str) -> int:
        cache.put(key, b"x" * 100, ttl=60)
        clock[0] += 61
        for _ in range(500):
            if not cache.size:
                break
            await asyncio.sleep(0.01)
        return cache.size

    async def put_only() -> None:
        cache.put("first", b"x" * 100, ttl=60)

    asyncio.run(put_only())  # its loop ends with the sweep timer still pending
    assert asyncio.run(put_then_wait_for_sweep("second")) == 0  # both pages swept on the new loop
    cache.close()


# -- what the cache keeps: a long scan does not push out what repeats (the "2Q" policy) -----------


async def test_a_long_scan_leaves_the_pages_of_repeated_queries_and_little_else() -> None:
    server = PagedServer(total=2000)
    cache = MemoryPageCache(max_bytes=16_000)  # ~25 pages of 10 rows: the scan below is 200
    async with http_for(server) as http:
        client = client_for(server, http, cache=cache, cache_ttl=CacheTtl("list=60"), max_concurrency=1)
        for _ in range(2):  # a small query, asked twice: the second is answered from the cache
            first = await client.collect(ROWS, {"q": "latest"}, page_size=10, limit=5)
        assert server.requests == [1]
        await client.collect(ROWS, {"q": "everything"}, page_size=10, limit=ALL)  # 200 pages
        assert len(server.requests) == 201
        again = await client.collect(ROWS, {"q": "latest"}, page_size=10, limit=5)
        assert len(server.requests) == 201 and again.items == first.items  # still a hit
        # What stays of the scan is its last pages, within probation's share of the bound.
        kept = cache.size - cache.probation_size
        assert 0 < cache.probation_size <= cache.probation_bytes and kept < 1000
        await client.fetch_page(ROWS, {"q": "everything"}, 200, 10)
        await client.fetch_page(ROWS, {"q": "everything"}, 100, 10)
        assert server.requests[201:] == [100]  # the last page was still there; a middle one not


async def test_a_continued_next_re_reads_the_page_it_stopped_in_from_the_cache() -> None:
    # Without a date to resume at, `next` resumes by count: in the page the previous answer ended in.
    server = PagedServer(total=300)
    cache = MemoryPageCache(max_bytes=4000)  # probation holds about one page of 10 rows
    async with http_for(server) as http:
        client = client_for(server, http, cache=cache, cache_ttl=CacheTtl("list=60"), max_concurrency=1)
        listing = await client.collect(ROWS, {}, page_size=10, limit=95)  # pages 1-10, half of 10
        assert server.requests == list(range(1, 11))
        rest = await client.collect(ROWS, {}, page_size=10, limit=95, cursor=listing.next["cursor"])
        assert server.requests[10:] == list(range(11, 20))  # page 10 came from the cache
        assert cache.hits == 1
    ids = [r.row_id for r in listing.items + rest.items]
    assert ids == server.expected_ids()[:190]


def test_a_page_let_go_by_probation_is_kept_when_it_is_fetched_again() -> None:
    cache = MemoryPageCache(max_bytes=4000)  # probation: 1,000 bytes
    cache.put("report", b"r" * 400, ttl=60)
    for n in range(10):  # a scan pushes it out of probation before anyone asked again
        cache.put(f"scan{n}", b"s" * 400, ttl=60)
    assert cache.get("report") is None
    cache.put("report", b"r" * 400, ttl=60)  # fetched again: seen before, so kept this time
    for n in range(10, 40):
        cache.put(f"scan{n}", b"s" * 400, ttl=60)
    assert cache.get("report") == b"r" * 400
    assert cache.get("scan0") is None and cache.get("scan39") == b"s" * 400
    assert cache.size <= cache.max_bytes


def test_probation_keeps_its_newest_page_even_beyond_its_share_and_the_bound_holds() -> None:
    cache = MemoryPageCache(max_bytes=4000)
    for n in range(3):
        cache.put(f"kept{n}", b"k" * 900, ttl=60)
        assert cache.get(f"kept{n}") is not None  # asked again: kept (2,700 of 3,000 bytes)
    cache.put("big", b"b" * 2000, ttl=60)  # more than probation's 1,000: still kept, alone there
    assert cache.probation_size == 2000 and cache.size <= cache.max_bytes
    assert cache.get("kept0") is None  # the least recently used kept page made room
    assert cache.get("big") == b"b" * 2000 and cache.get("kept2") == b"k" * 900


def test_the_heap_is_trimmed_when_the_last_pages_of_a_scan_expire() -> None:
    # After a scan, probation holds its last pages: less than trim_after, but once they expire the
    # cache is empty and the heap they used is worth giving back; a few small pages are not.
    clock = [1000.0]
    trims: list[float] = []

    def release() -> bool:
        trims.append(clock[0])
        return True

    cache = MemoryPageCache(max_bytes=16 << 20, clock=lambda: clock[0], release=release)
    assert cache.trim_emptied < cache.trim_after
    cache.put("small", b"x" * 500, ttl=5)
    clock[0] += 10
    assert cache.housekeep() is None and trims == []  # 500 bytes: not worth a trim
    cache.put("last", b"x" * cache.trim_emptied, ttl=5)  # under trim_after, with the small page
    cache.put("other", b"x" * 100, ttl=60)
    clock[0] += 10
    assert cache.housekeep() is not None and trims == []  # a page is left: not empty yet
    clock[0] += 60
    assert cache.housekeep() is None and trims == [clock[0]]  # emptied: trimmed once
