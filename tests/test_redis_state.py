"""naramarket.redis_state against a real redis-server: what two replicas share, and Redis failing."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from naramarket.datago import Client, QuotaExceeded, RetryPolicy, make_http_client
from naramarket.datago.shared import CacheTtl
from naramarket.kernel import Settings
from naramarket.redis_state import RedisLedger, RedisPacer, RedisPageCache, RedisSlots, RedisState
from tests.datago.fakes import DECODING_KEY, ROWS, PagedServer
from tests.services import RedisServer

pytestmark = pytest.mark.anyio

# Redis answers in microseconds, but a loaded CI machine can stall a call past the 0.5 s default,
# which (by design) falls back to per-process state: tests of the shared behaviour allow more.
LOADED = 5.0


def replica(state: RedisState, http: httpx.AsyncClient, **options: object) -> Client:
    """A client as one replica builds it: its own process state, the shared Redis parts."""
    return Client(
        http,
        service_key=DECODING_KEY,
        rate_limit=0,
        retry=RetryPolicy(attempts=1),
        cache=RedisPageCache(state),
        cache_ttl=CacheTtl(),
        ledger=RedisLedger(state),
        shared_by="redis",
        **options,  # type: ignore[arg-type]
    )


def upstream(server: PagedServer) -> httpx.AsyncClient:
    settings = Settings(service_key=DECODING_KEY, api_base="https://fake.test/1230000")
    return make_http_client(settings, transport=httpx.MockTransport(server))


async def test_two_replicas_asking_one_page_at_once_cause_one_upstream_request(
    redis_server: RedisServer,
) -> None:
    server = PagedServer(total=50, latency=lambda page, attempt: 0.1)
    states = [RedisState(redis_server.url, timeout=LOADED), RedisState(redis_server.url, timeout=LOADED)]
    async with upstream(server) as http:
        replicas = [replica(state, http) for state in states]
        async with anyio.create_task_group() as group:
            for i in range(20):
                group.start_soon(replicas[i % 2].fetch_page, ROWS, {"q": "desk"}, 1, 10)
        assert server.requests == [1]
        page = await replicas[1].fetch_page(ROWS, {"q": "desk"}, 1, 10)
        assert len(page.items) == 10 and server.requests == [1]
    for state in states:
        await state.aclose()


async def test_the_ledger_counts_every_replicas_calls_exactly_and_keeps_the_reserve(
    redis_server: RedisServer,
) -> None:
    server = PagedServer(total=500)
    states = [RedisState(redis_server.url, timeout=LOADED), RedisState(redis_server.url, timeout=LOADED)]
    async with upstream(server) as http:
        replicas = [replica(state, http, quota_daily=30, quota_reserve=5) for state in states]
        refused = 0

        async def call(i: int) -> None:
            nonlocal refused
            try:
                await replicas[i % 2].fetch_page(ROWS, {}, i + 1, 1)  # distinct pages: no cache hits
            except QuotaExceeded:
                refused += 1

        async with anyio.create_task_group() as group:
            for i in range(40):
                group.start_soon(call, i)
        report = await replicas[0].quota_report()
    assert len(server.requests) == 25 and refused == 15
    assert report["operations"] == {"getRowList": {"used": 25, "remaining": 5}}
    assert report["shared_by"] == "redis"
    for state in states:
        await state.aclose()


async def test_the_pacer_holds_the_rate_across_replicas(redis_server: RedisServer) -> None:
    states = [RedisState(redis_server.url, timeout=LOADED), RedisState(redis_server.url, timeout=LOADED)]
    pacers = [RedisPacer(state, "key", rate=50) for state in states]
    stamps: list[float] = []

    async def take(pacer: RedisPacer) -> None:
        await pacer.acquire()
        stamps.append(time.monotonic())

    async with anyio.create_task_group() as group:
        for i in range(30):
            group.start_soon(take, pacers[i % 2])
    stamps.sort()
    # 30 requests at 50/s: spaced 20 ms apart, so the last starts no earlier than 29 intervals in
    assert stamps[-1] - stamps[0] >= 29 * 0.02 * 0.9
    for state in states:
        await state.aclose()


async def test_the_slot_pool_caps_concurrency_across_replicas(redis_server: RedisServer) -> None:
    states = [RedisState(redis_server.url, timeout=LOADED), RedisState(redis_server.url, timeout=LOADED)]
    pools = [RedisSlots(state, "key", total=3) for state in states]
    running = peak = 0

    async def work(pool: RedisSlots) -> None:
        nonlocal running, peak
        async with pool.slot():
            running += 1
            peak = max(peak, running)
            await anyio.sleep(0.02)
            running -= 1

    async with anyio.create_task_group() as group:
        for i in range(12):
            group.start_soon(work, pools[i % 2])
    assert peak == 3
    for state in states:
        await state.aclose()


async def test_redis_down_degrades_to_the_process_and_recovers(redis_server: RedisServer) -> None:
    server = PagedServer(total=50)
    fallbacks: list[str] = []
    state = RedisState(redis_server.url, retry_after=0.2, on_fallback=fallbacks.append)
    async with upstream(server) as http:
        client = replica(state, http, slots=RedisSlots(state, "k", 2), pacer=RedisPacer(state, "k", 1000))
        await client.fetch_page(ROWS, {}, 1, 10)
        redis_server.stop()
        # every call still succeeds, from the upstream and then the in-process cache
        for _ in range(3):
            page = await client.fetch_page(ROWS, {}, 2, 10)
            assert len(page.items) == 10
        assert server.requests == [1, 2]
        assert {"cache", "quota"} <= set(fallbacks)
        assert (await client.quota_report())["operations"]["getRowList"]["used"] >= 1
        redis_server.start()
        await anyio.sleep(0.25)
        await client.fetch_page(ROWS, {}, 3, 10)
        assert await state.ping()
        # the calls counted while Redis was away are added to the shared ledger
        used = await RedisLedger(RedisState(redis_server.url)).used(client.key_id)
        assert used == {"getRowList": 2}
    await state.aclose()
