"""What replicas can share: the page cache, the upstream limits and the daily quota ledger.

Each is a small protocol with an in-process default here, so one process needs nothing else.
With ``NARAMARKET_REDIS_URL`` the composition root plugs in Redis-backed versions
(``naramarket.redis_state``): replicas then share pages, one rate limit, one concurrency cap and
one quota count per service key. This library never imports a Redis client.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import os
import re
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Protocol

import anyio

from .records import KST

__all__ = [
    "CacheTtl",
    "MemoryLedger",
    "MemoryPageCache",
    "NoSlots",
    "Pacer",
    "PageCache",
    "QuotaLedger",
    "SlotPool",
    "cache_kind",
    "kst_day",
    "page_cache_key",
    "release_heap",
    "service_key_id",
]

Fetch = Callable[[], Awaitable[bytes]]


class PageCache(Protocol):
    """Upstream answers by page, shared by every caller (and every replica, on Redis)."""

    async def get_or_fetch(self, key: str, ttl: float, fetch: Fetch) -> tuple[bytes, bool]:
        """The body cached under ``key``, or ``fetch()``'s (kept ``ttl`` seconds); True on a hit.

        Concurrent callers of one key share one ``fetch`` (single-flight). A failed fetch is not
        cached: its error goes to its caller, and a waiting caller then fetches for itself.
        """
        ...


class Pacer(Protocol):
    """The upstream rate limit (``TokenBucket`` in process)."""

    async def acquire(self, *, background: bool = False) -> float:
        """Wait for the next request's turn; returns the seconds waited (``background``: an export
        job's request, which goes after interactive ones where the pacer can tell)."""
        ...


class SlotPool(Protocol):
    """A concurrency cap beyond this process (the local ``PriorityLimiter`` always applies)."""

    def slot(self) -> AbstractAsyncContextManager[None]:
        """Hold one slot of the shared cap for the block."""
        ...


class QuotaLedger(Protocol):
    """Upstream calls per service key and operation per KST day (data.go.kr's daily quota)."""

    async def take(self, key_id: str, operation: str, allowance: int | None) -> int | None:
        """Count one call; None (and nothing counted) when ``allowance`` calls are already used."""
        ...

    async def used(self, key_id: str) -> dict[str, int]:
        """Today's calls of ``key_id`` by operation."""
        ...


def service_key_id(key: str) -> str:
    """A stable, non-reversible name for a service key: ledgers and logs never hold the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def kst_day(now: dt.datetime | None = None) -> str:
    """Today in Korea (``YYYYMMDD``): data.go.kr's quotas reset at midnight KST."""
    return (now or dt.datetime.now(KST)).astimezone(KST).strftime("%Y%m%d")


def page_cache_key(base_url: str, path: str, params: Mapping[str, str]) -> str:
    """The cache name of one upstream page: base URL, operation and sorted query, never the key."""
    query = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k.lower() != "servicekey")
    return hashlib.sha256(f"{base_url}|{path}|{query}".encode()).hexdigest()


# Statistics ("...AccotSttus", "getTotlPubPrcrmntSttus") change daily; details of one notice or
# contract rarely; lists gain rows all day.
_STATS = re.compile(r"Sttus|Total|Totl")


def cache_kind(operation_name: str) -> str:
    """``list``, ``detail`` or ``stats``: which TTL applies to an operation's pages."""
    if "List" in operation_name:
        return "list"
    return "stats" if _STATS.search(operation_name) else "detail"


class CacheTtl:
    """Seconds to keep pages per operation kind, from ``"list=60,detail=3600,stats=86400"``."""

    DEFAULT = "list=60,detail=3600,stats=86400"

    def __init__(self, spec: str = DEFAULT) -> None:
        self.seconds = dict.fromkeys(("list", "detail", "stats"), 0.0)
        self.seconds.update(_parse_ttl(self.DEFAULT))
        self.seconds.update(_parse_ttl(spec))

    def __call__(self, operation_name: str) -> float:
        """The TTL of ``operation_name``'s pages (0: not cached)."""
        return self.seconds[cache_kind(operation_name)]


def _parse_ttl(spec: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in {"list", "detail", "stats"} or not value.strip():
            raise ValueError(f"invalid cache TTL {part!r}: use list=SECONDS,detail=SECONDS,stats=SECONDS")
        try:
            out[name] = max(0.0, float(value))
        except ValueError:
            raise ValueError(f"invalid cache TTL {part!r}: {value!r} is not a number of seconds") from None
    return out


class Flights:
    """In-process single-flight: one leader per key, the others wait for it to finish."""

    def __init__(self) -> None:
        self._running: dict[str, anyio.Event] = {}

    @contextlib.asynccontextmanager
    async def lead(self, key: str) -> AsyncIterator[bool]:
        """Yields True to the one caller that should fetch ``key``; False after waiting for it."""
        running = self._running.get(key)
        if running is not None:
            await running.wait()
            yield False
            return
        done = self._running[key] = anyio.Event()
        try:
            yield True
        finally:
            del self._running[key]
            done.set()


class MemoryPageCache:
    """The in-process page cache: bounded by total bytes, scan-resistant, single-flight per key.

    Two segments (the "2Q" policy): a page enters a small *probation* segment (a quarter of the
    bound, FIFO) and moves to the *kept* segment (LRU, the rest) when it is asked for again while
    there. A long scan reads each page once, so it churns probation only: after it, probation
    holds its last pages (what a continued ``next`` re-reads) and the kept pages (the first pages
    of queries that repeat) are still there. A page pushed out of probation leaves its key behind
    (a "ghost", at most ``GHOSTS`` keys, no body): when it is fetched again, it is kept at once.

    Expired pages leave on their own: while the cache holds pages, a timer on the running event
    loop sweeps it every ``sweep_every`` seconds (no timer, so no cost, while it is empty). When
    the pages dropped since the last time add up to ``trim_after`` bytes (a large call churned
    the cache), or to ``TRIM_EMPTIED`` as the cache empties, and no page was put for half a
    second, the freed heap goes back to the system (``release_heap``: glibc's ``malloc_trim``),
    at most once per ``trim_every`` seconds.
    """

    SWEEP_EVERY = 5.0
    TRIM_AFTER = 4 * 2**20
    TRIM_EMPTIED = 2**20  # as the last pages leave (a scan's, in probation: often < TRIM_AFTER)
    TRIM_EVERY = 5.0  # a trim costs ~1-3 ms (measured: docs/performance.md), so this is ≤ 0.06% CPU
    QUIET = 0.5  # seconds without a put before the heap is trimmed (not in the middle of a scan)
    GHOSTS = 512  # keys of pages pushed out of probation, remembered (~100 KB) to keep them next time

    def __init__(
        self,
        max_bytes: int = 16 * 2**20,
        *,
        clock: Callable[[], float] | None = None,
        sweep_every: float = SWEEP_EVERY,
        trim_after: int = TRIM_AFTER,
        trim_every: float = TRIM_EVERY,
        release: Callable[[], bool] | None = None,
    ) -> None:
        # 16 MiB holds the first pages of hundreds of recent queries (what repeats). A long scan
        # churns only probation (a quarter), so memory after a large call is that quarter at most.
        self.max_bytes = max_bytes
        self.probation_bytes = max_bytes // 4
        self.size = 0  # bytes held in both segments
        self.probation_size = 0
        self.hits = 0
        self.misses = 0
        self.clock = clock or _monotonic
        self.sweep_every = sweep_every
        self.trim_after = trim_after
        self.trim_emptied = max(1, min(trim_after, self.TRIM_EMPTIED))
        self.trim_every = trim_every
        self.release = release or release_heap
        self.dropped = 0  # bytes of pages dropped since the heap was last trimmed
        self.trims = 0
        self._last_put = float("-inf")
        self._last_trim = float("-inf")
        self._next_sweep = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self._pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()  # kept: LRU order
        self._probation: OrderedDict[str, tuple[float, bytes]] = OrderedDict()  # seen once: FIFO
        self._ghosts: OrderedDict[str, None] = OrderedDict()
        self._flights = Flights()

    def get(self, key: str) -> bytes | None:
        """A fresh body under ``key``, or None (a page asked for again moves to the kept segment)."""
        entry = self._pages.get(key)
        if entry is None:
            entry = self._probation.get(key)
            if entry is None:
                return None
        if entry[0] <= self.clock():
            self._drop(key)
            return None
        if key in self._pages:
            self._pages.move_to_end(key)
        else:  # asked for a second time: worth keeping
            del self._probation[key]
            self.probation_size -= len(entry[1])
            self._pages[key] = entry
            self._evict()
        return entry[1]

    def put(self, key: str, body: bytes, ttl: float) -> None:
        """Keep ``body`` for ``ttl`` seconds: in probation, or kept if it was pushed out of it lately."""
        if ttl <= 0 or len(body) > self.max_bytes:
            return
        now = self._last_put = self.clock()
        if now >= self._next_sweep:  # expired pages go at least every few seconds, not only by LRU
            self.sweep(now)
        self._drop(key)
        self.size += len(body)
        if key in self._ghosts:  # fetched again after probation let it go: keep it this time
            del self._ghosts[key]
            self._pages[key] = (now + ttl, body)
            self._evict()
        else:
            self._probation[key] = (now + ttl, body)
            self.probation_size += len(body)
            # First in, first out; the newest page stays whatever its size (a scan's last page,
            # which a continued ``next`` may re-read).
            while self.probation_size > max(self.probation_bytes, len(body)):
                old, (_, dropped) = self._probation.popitem(last=False)
                self.probation_size -= len(dropped)
                self.size -= len(dropped)
                self.dropped += len(dropped)
                self._ghosts[old] = None
                if len(self._ghosts) > self.GHOSTS:
                    self._ghosts.popitem(last=False)
            self._evict()
        if self._timer is None or self._timer_loop is not _running_loop():
            self._schedule(self.sweep_every)  # none yet, or on a loop that has since ended

    def _evict(self) -> None:
        # The least recently used kept pages: beyond their share (a scan never pushes them out),
        # or beyond the whole bound (probation holds one page bigger than its own share).
        kept_bytes = self.max_bytes - self.probation_bytes
        while self._pages and (self.size - self.probation_size > kept_bytes or self.size > self.max_bytes):
            self._drop(next(iter(self._pages)))

    def sweep(self, now: float | None = None) -> int:
        """Drop every expired page now; returns the bytes dropped."""
        now = self.clock() if now is None else now
        self._next_sweep = now + self.sweep_every
        before = self.size
        for pages in (self._pages, self._probation):
            for stale in [k for k, (expires, _) in pages.items() if expires <= now]:
                self._drop(stale)
        return before - self.size

    def housekeep(self) -> float | None:
        """One tick of the timer: sweep, trim the heap when due; seconds to the next tick (None: idle)."""
        now = self.clock()
        self.sweep(now)
        wait = self.sweep_every if self._pages or self._probation else None
        # Much dropped (a large call churned the cache), or the cache emptied of a fair amount
        # (the last pages of a scan: probation's share at most, often under trim_after).
        if self.dropped >= (self.trim_after if wait is not None else self.trim_emptied):
            quiet_in = self._last_put + self.QUIET - now
            trim_in = self._last_trim + self.trim_every - now
            if quiet_in <= 0 and trim_in <= 0:
                self.dropped = 0
                self._last_trim = now
                if self.release():
                    self.trims += 1
            else:  # come back when it is quiet and allowed, not a whole sweep later
                soon = max(quiet_in, trim_in, 0.0) + 0.05
                wait = soon if wait is None else min(wait, soon)
        return wait

    def close(self) -> None:
        """Stop the timer (the client's lifespan ends)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self, delay: float) -> None:
        self.close()
        loop = self._timer_loop = _running_loop()
        if loop is not None:  # else outside asyncio (a script, trio): pages go on later puts
            self._timer = loop.call_later(delay, self._tick)

    def _tick(self) -> None:
        self._timer = None
        wait = self.housekeep()
        if wait is not None:
            self._schedule(wait)

    def _drop(self, key: str) -> None:
        entry = self._pages.pop(key, None)
        if entry is None:
            entry = self._probation.pop(key, None)
            if entry is None:
                return
            self.probation_size -= len(entry[1])
        self.size -= len(entry[1])
        self.dropped += len(entry[1])

    async def get_or_fetch(self, key: str, ttl: float, fetch: Fetch) -> tuple[bytes, bool]:
        """See ``PageCache.get_or_fetch``."""
        while True:
            body = self.get(key)
            if body is not None:
                self.hits += 1
                return body, True
            async with self._flights.lead(key) as leader:
                if leader:
                    self.misses += 1
                    body = await fetch()
                    self.put(key, body, ttl)
                    return body, False


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _monotonic() -> float:
    return time.monotonic()  # looked up per call: tests may patch time.monotonic


_malloc_trim: Callable[[int], int] | None = None
_trim_loaded = False


def _load_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on any other C library (musl, macOS, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
        import ctypes  # imported here: a process that never trims never pays for it

        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, ValueError, AttributeError):
        return None
    return trim


def release_heap() -> bool:
    """Give freed heap back to the system (glibc ``malloc_trim(0)``); False where there is none.

    glibc keeps memory a process freed for its next allocations; after a large call that is
    tens of MB of RSS nobody uses. Trimming costs well under a millisecond to a few ms (it walks
    the free lists), so it runs off the request path, rarely, when a sweep says much was freed.
    """
    global _malloc_trim, _trim_loaded
    if not _trim_loaded:
        _malloc_trim, _trim_loaded = _load_malloc_trim(), True
    if _malloc_trim is None:
        return False
    _malloc_trim(0)
    return True


class NoSlots:
    """No cap beyond the process's own: the in-process default ``SlotPool``."""

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Nothing to hold."""
        yield


class MemoryLedger:
    """The in-process quota ledger (counts this process's calls only)."""

    def __init__(self) -> None:
        self._day = ""
        self._calls: dict[tuple[str, str], int] = {}

    def _today(self) -> dict[tuple[str, str], int]:
        day = kst_day()
        if day != self._day:  # midnight KST: a new quota day
            self._day, self._calls = day, {}
        return self._calls

    async def take(self, key_id: str, operation: str, allowance: int | None) -> int | None:
        """See ``QuotaLedger.take``."""
        calls = self._today()
        used = calls.get((key_id, operation), 0)
        if allowance is not None and used >= allowance:
            return None
        calls[(key_id, operation)] = used + 1
        return used + 1

    async def used(self, key_id: str) -> dict[str, int]:
        """See ``QuotaLedger.used``."""
        return {op: n for (key, op), n in self._today().items() if key == key_id}

    def set_used(self, key_id: str, operation: str, count: int) -> None:
        """Adopt a count (the shared ledger's, when it answers again)."""
        self._today()[(key_id, operation)] = count
