"""Shared state on Redis (``NARAMARKET_REDIS_URL``): what replicas share, with in-process fallback.

Implements ``naramarket.datago.shared``'s protocols (page cache with cross-replica single-flight,
upstream pacing, the concurrency cap, the daily quota ledger). Redis down or slow never fails a
request: each part falls back to its in-process version with a warning and a metric
(``naramarket_shared_state_fallbacks_total``), and tries Redis again after a short pause.
Needs the ``redis`` extra (``pip install 'naramarket-mcp[redis]'``).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar

import anyio
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from naramarket.datago import normalise_key
from naramarket.datago.limits import TokenBucket
from naramarket.datago.shared import Fetch, Flights, MemoryLedger, MemoryPageCache, kst_day, service_key_id
from naramarket.kernel import Settings

__all__ = [
    "RedisState",
    "SharedStateCollector",
    "collector_for",
    "shared_state",
]

T = TypeVar("T")


def _log() -> Any:
    """This module's structlog logger (structlog loads when a line is first written, not at import)."""
    from naramarket.observability.logging import structlog_logger

    return structlog_logger("naramarket.redis")


PREFIX = "naramarket:"
TIMEOUT = 0.5  # seconds a Redis call may take before this replica falls back to its own state

# Pacing: each request takes the next free instant of the key's schedule, 1/rate apart, using
# Redis's clock so replicas' clocks never matter. Returns the wait in microseconds.
_PACE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, nxt)
redis.call('SET', KEYS[1], at + tonumber(ARGV[1]), 'PX', math.ceil((at - now) / 1000) + 2000)
return at - now
"""
# A counting semaphore whose holders expire (a replica that dies frees its slots after the lease).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
"""
# One call counted unless the allowance is used up (ARGV[1] < 0: no allowance).
_TAKE = """
local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local allowance = tonumber(ARGV[2])
if allowance >= 0 and used >= allowance then return -1 end
used = redis.call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[1], 172800)
return used
"""
# Delete a lock only if it is still ours.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SharedDown(Exception):
    """Redis did not answer (in time): the caller uses its in-process fallback."""


class RedisState:
    """One Redis connection pool and the health of the link, shared by every part."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float | None = None,
        retry_after: float = 2.0,
        on_fallback: Callable[[str], None] | None = None,
    ) -> None:
        import redis.asyncio as aioredis  # the optional extra; imported only when configured

        timeout = TIMEOUT if timeout is None else timeout
        self.redis: Any = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=False
        )
        self.timeout = timeout
        self.retry_after = retry_after
        self.on_fallback = on_fallback or (lambda part: None)
        self.fallbacks = 0
        self._down_until = 0.0
        self._down = False

    @property
    def available(self) -> bool:
        """False while Redis is considered down (between a failure and the next try)."""
        return time.monotonic() >= self._down_until

    async def run(self, part: str, call: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """``call(*args, **kwargs)`` against Redis within the time-out; ``SharedDown`` when it fails."""
        from redis.exceptions import RedisError

        if not self.available:
            self._fell_back(part)
            raise SharedDown(part)
        try:
            with anyio.fail_after(self.timeout):
                result = await call(*args, **kwargs)
        except (RedisError, OSError, TimeoutError) as exc:
            self._down_until = time.monotonic() + self.retry_after
            if not self._down:
                _log().warning("redis unavailable: per-process fallback", part=part, error=type(exc).__name__)
            self._down = True
            self._fell_back(part)
            raise SharedDown(part) from None
        if self._down:
            self._down = False
            _log().info("redis available again: shared state resumed", part=part)
        return result

    def _fell_back(self, part: str) -> None:
        self.fallbacks += 1
        self.on_fallback(part)

    async def ping(self) -> bool:
        """True when Redis answers now."""
        try:
            return bool(await self.run("ping", self.redis.ping))
        except SharedDown:
            return False

    async def aclose(self) -> None:
        """Close the connection pool."""
        with contextlib.suppress(Exception):
            await self.redis.aclose()


class RedisPageCache:
    """Pages in Redis for every replica; N concurrent callers anywhere cause one upstream fetch."""

    def __init__(self, state: RedisState, *, lease: float = 60.0, poll: float = 0.02) -> None:
        self.state = state
        self.lease = lease
        self.poll = poll
        self.local = MemoryPageCache()  # used while Redis is down
        self.hits = 0
        self.misses = 0
        self._flights = Flights()

    async def get_or_fetch(self, key: str, ttl: float, fetch: Fetch) -> tuple[bytes, bool]:
        """See ``datago.shared.PageCache``."""
        fetched: list[bytes] = []

        async def fetch_once() -> bytes:
            if not fetched:
                fetched.append(await fetch())
            return fetched[0]

        try:
            while True:
                async with self._flights.lead(key) as leader:  # one Redis round per process
                    if leader:
                        body, hit = await self._shared(key, ttl, fetch_once)
                        self.hits, self.misses = self.hits + hit, self.misses + (not hit)
                        return body, hit
                # a caller in this process just finished: its page is in Redis now (or it failed)
        except SharedDown:
            if fetched:
                self.local.put(key, fetched[0], ttl)
                return fetched[0], False
            body, hit = await self.local.get_or_fetch(key, ttl, fetch_once)
            self.hits, self.misses = self.hits + hit, self.misses + (not hit)
            return body, hit

    async def _shared(self, key: str, ttl: float, fetch: Fetch) -> tuple[bytes, bool]:
        redis, run = self.state.redis, self.state.run
        page_key, lock_key = f"{PREFIX}page:{key}", f"{PREFIX}page-lock:{key}"
        give_up = time.monotonic() + self.lease
        while True:
            body = await run("cache", redis.get, page_key)
            if body is not None:
                return bytes(body), True
            token = secrets.token_hex(8)
            locked = await run("cache", redis.set, lock_key, token, nx=True, px=int(self.lease * 1000))
            if locked or time.monotonic() > give_up:
                try:
                    # the page may have landed between our miss and our lock (its fetcher unlocked)
                    if locked and (body := await run("cache", redis.get, page_key)) is not None:
                        return bytes(body), True
                    body = await fetch()
                    await run("cache", redis.set, page_key, body, px=max(1, int(ttl * 1000)))
                finally:
                    if locked:
                        with contextlib.suppress(SharedDown):
                            await run("cache", redis.eval, _UNLOCK, 1, lock_key, token)
                return body, False
            await anyio.sleep(self.poll)  # another replica is fetching this page


class RedisPacer:
    """The upstream rate limit for all replicas together: requests spaced 1/rate apart per key."""

    def __init__(self, state: RedisState, key_id: str, rate: float) -> None:
        self.state = state
        self.rate = rate
        self.key = f"{PREFIX}pace:{key_id}"
        self.local = TokenBucket(rate)

    async def acquire(self, *, background: bool = False) -> float:
        """See ``datago.shared.Pacer`` (across replicas, background requests take turns like any)."""
        if self.rate <= 0:
            return 0.0
        interval = int(1_000_000 / self.rate)
        try:
            wait = int(await self.state.run("rate", self.state.redis.eval, _PACE, 1, self.key, interval))
        except SharedDown:
            return await self.local.acquire(background=background)
        seconds = wait / 1_000_000
        if seconds > 0:
            await anyio.sleep(seconds)
        return seconds


class RedisSlots:
    """The upstream concurrency cap across replicas (each holder's slot expires after ``lease``)."""

    def __init__(self, state: RedisState, key_id: str, total: int, *, lease: float = 120.0) -> None:
        self.state = state
        self.total = max(1, total)
        self.lease_ms = int(lease * 1000)
        self.key = f"{PREFIX}slots:{key_id}"

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """See ``datago.shared.SlotPool``; without Redis only the process's own cap applies."""
        token = secrets.token_hex(8)
        redis, held = self.state.redis, False
        try:
            while not held:
                held = bool(
                    await self.state.run(
                        "slots",
                        redis.eval,
                        _ACQUIRE,
                        1,
                        self.key,
                        self.total,
                        token,
                        self.lease_ms,
                    )
                )
                if not held:
                    await anyio.sleep(0.005)
        except SharedDown:
            pass
        try:
            yield
        finally:
            if held:
                with anyio.CancelScope(shield=True), contextlib.suppress(SharedDown):
                    await self.state.run("slots", redis.zrem, self.key, token)


class RedisLedger:
    """Calls per key and operation per KST day in one Redis hash per key and day."""

    def __init__(self, state: RedisState) -> None:
        self.state = state
        self.local = MemoryLedger()  # counts while Redis is down, added to Redis when it is back
        self._unsynced: dict[tuple[str, str], int] = {}

    def _key(self, key_id: str) -> str:
        return f"{PREFIX}quota:{kst_day()}:{key_id}"

    async def take(self, key_id: str, operation: str, allowance: int | None) -> int | None:
        """See ``datago.shared.QuotaLedger``."""
        redis = self.state.redis
        try:
            await self._sync()
            used = int(
                await self.state.run(
                    "quota",
                    redis.eval,
                    _TAKE,
                    1,
                    self._key(key_id),
                    operation,
                    -1 if allowance is None else allowance,
                    1,
                )
            )
        except SharedDown:
            taken = await self.local.take(key_id, operation, allowance)
            if taken is not None:
                self._unsynced[(key_id, operation)] = self._unsynced.get((key_id, operation), 0) + 1
            return taken
        return None if used < 0 else used

    async def _sync(self) -> None:
        while self._unsynced:
            (key_id, operation), count = self._unsynced.popitem()
            try:
                await self.state.run("quota", self.state.redis.hincrby, self._key(key_id), operation, count)
            except SharedDown:
                self._unsynced[(key_id, operation)] = count
                raise

    async def used(self, key_id: str) -> dict[str, int]:
        """See ``datago.shared.QuotaLedger``."""
        try:
            found = await self.state.run("quota", self.state.redis.hgetall, self._key(key_id))
        except SharedDown:
            return await self.local.used(key_id)
        return {op.decode(): int(n) for op, n in found.items()}


def shared_state(
    on_fallback: Callable[[str], None] | None = None,
    on_open: Callable[[RedisState], None] | None = None,
) -> Callable[[Settings], contextlib.AbstractAsyncContextManager[Mapping[str, Any]]]:
    """The ``datago.client_factory(shared=...)`` hook: Redis-backed parts when ``redis_url`` is set."""

    @contextlib.asynccontextmanager
    async def open_shared(settings: Settings) -> AsyncIterator[Mapping[str, Any]]:
        if not settings.redis_url:
            cache = MemoryPageCache()
            try:
                yield {"cache": cache}
            finally:
                cache.close()
            return
        state = RedisState(settings.redis_url, on_fallback=on_fallback)
        key_id = service_key_id(normalise_key(settings.service_key)) if settings.service_key else "none"
        if on_open is not None:
            on_open(state)
        try:
            yield {
                "cache": RedisPageCache(state, lease=settings.timeout * 2),
                "pacer": RedisPacer(state, key_id, settings.rate_limit),
                "slots": RedisSlots(
                    state, key_id, max(1, settings.max_concurrency), lease=settings.timeout * 4
                ),
                "ledger": RedisLedger(state),
                "shared_by": "redis",
            }
        finally:
            await state.aclose()

    return open_shared


class SharedStateCollector:
    """Prometheus collector: page cache hits and misses, quota used and left, Redis fallbacks.

    Reads the kernel's client at scrape time (nothing is collected before the kernel starts).
    One per registry: ``collector_for``.
    """

    def __init__(self) -> None:
        self.client: Callable[[], Any] = lambda: None
        self.fallbacks: dict[str, int] = {}

    def watch(self, client: Callable[[], Any]) -> None:
        """Report on this client from now on (the latest app's kernel, when a process has several)."""
        self.client = client

    def fell_back(self, part: str) -> None:
        """Count one request served by the in-process fallback of ``part``."""
        self.fallbacks[part] = self.fallbacks.get(part, 0) + 1

    def collect(self) -> Iterator[Metric]:
        """The current values (called by the registry on every scrape)."""
        fallbacks = CounterMetricFamily(
            "naramarket_shared_state_fallbacks",
            "Requests served by the in-process fallback because Redis was down or slow, by part.",
            labels=["part"],
        )
        for part, count in sorted(self.fallbacks.items()):
            fallbacks.add_metric([part], count)
        yield fallbacks
        client = self.client()
        if client is None:
            return
        cache = client.cache
        pages = CounterMetricFamily(
            "naramarket_page_cache_requests",
            "Upstream pages asked of the page cache, by result.",
            labels=["result"],
        )
        if cache is not None:
            pages.add_metric(["hit"], cache.hits)
            pages.add_metric(["miss"], cache.misses)
        yield pages
        used = GaugeMetricFamily(
            "naramarket_upstream_quota_used",
            "Upstream calls today (KST) for this service key, by operation (all replicas on Redis).",
            labels=["operation"],
        )
        remaining = GaugeMetricFamily(
            "naramarket_upstream_quota_remaining",
            "Calls left of NARAMARKET_QUOTA_DAILY today (KST), by operation.",
            labels=["operation"],
        )
        for op, count in sorted(client.quota_seen.items()):
            used.add_metric([op], count)
            if client.quota_daily is not None:
                remaining.add_metric([op], max(0, client.quota_daily - count))
        yield used
        yield remaining


_COLLECTORS: dict[int, SharedStateCollector] = {}


def collector_for(registry: CollectorRegistry) -> SharedStateCollector:
    """The shared-state collector registered on ``registry`` (registered on first use)."""
    collector = _COLLECTORS.get(id(registry))
    if collector is None:
        collector = _COLLECTORS[id(registry)] = SharedStateCollector()
        registry.register(collector)
    return collector
