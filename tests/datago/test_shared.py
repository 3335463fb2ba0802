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

from .fakes import DECODING_KEY, ROWS, PagedServer

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
