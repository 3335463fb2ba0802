"""The fetch engine: one pooled client, a process-wide cap, a rate limit, retries and paging fan-out.

Every plugin and every surface goes through one ``Upstream`` (owned by the kernel's lifespan), so the
concurrency cap and rate limit hold for all tools and all callers together.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import anyio
import httpx

from . import errors
from .envelope import Page, decode_page
from .listing import ResumePoint
from .observe import Observer
from .operation import Operation, split_windows
from .records import Record, codec_for

__all__ = ["PageFailure", "Upstream", "normalise_key"]

# Gateway/provider codes worth another try: per-second limit (23), provider HTTP error (04),
# provider time-out (05). Never retried: 03 (empty), 06-08 (parameters), 10-12, 20, 22 (daily
# quota), 30-32 (key).
_RETRY_CODES = frozenset({"04", "05", "23"})
_STOP_CLASSES = (
    errors.QuotaExceeded,
    errors.KeyNotRegistered,
    errors.KeyExpired,
    errors.UnregisteredIp,
    errors.AccessDenied,
    errors.ServiceNotFound,
)

ProgressCallback = Callable[[int, int | None], Awaitable[None]]
ItemsCallback = Callable[[list[Record]], Awaitable[None]]


def normalise_key(key: str) -> str:
    """Accept the portal's Decoding or Encoding key; return the raw (decoded) key.

    httpx percent-encodes query values, so sending the Encoding key as-is would double-encode it
    (``%252B``) and the gateway would answer 30.
    """
    key = key.strip()
    if "%" in key:
        decoded = unquote(key)
        if decoded != key:
            return decoded
    return key


@dataclass(frozen=True, slots=True)
class PageFailure:
    """A page that could not be fetched after retries."""

    page_no: int
    error: errors.UpstreamError


class TokenBucket:
    """Requests-per-second limit shared by all callers; ``rate <= 0`` disables it."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._tokens = self.burst
        self._last = time.monotonic()
        self._lock = anyio.Lock()

    async def acquire(self) -> float:
        """Take one token, sleeping for it if needed; returns the seconds waited."""
        if self.rate <= 0:
            return 0.0
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1  # may go negative: a reservation that the sleep below pays for
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            await anyio.sleep(wait)
        return wait


class PriorityLimiter:
    """A concurrency cap whose waiters get a slot lowest priority value first.

    Paging consumes pages in order, so a retried early page must not queue behind pages that
    are only being fetched ahead; a plain FIFO limiter made 20% faults cost 2x the time.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.in_use = 0
        self._waiters: list[list[Any]] = []  # heap of [priority, seq, event, cancelled]
        self._seq = 0

    @contextlib.asynccontextmanager
    async def slot(self, priority: int = 0) -> AsyncIterator[None]:
        """Hold one of ``total`` slots for the duration of the block."""
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: int) -> None:
        if self.in_use < self.total and not self._waiters:
            self.in_use += 1
            return
        self._seq += 1
        entry: list[Any] = [priority, self._seq, anyio.Event(), False]
        heapq.heappush(self._waiters, entry)
        try:
            await entry[2].wait()
        except BaseException:
            if entry[2].is_set():
                self._release()  # the slot was handed to us just as we were cancelled
            else:
                entry[3] = True
            raise

    def _release(self) -> None:
        while self._waiters:
            entry = heapq.heappop(self._waiters)
            if not entry[3]:
                entry[2].set()  # hand the slot over; in_use is unchanged
                return
        self.in_use -= 1


class RetryPolicy:
    """Exponential back-off with full jitter, bounded per request and by a shared retry budget.

    Throttling answers (HTTP 429, gateway 23) back off from ``throttled_base``: the gateway's
    per-second window needs time to pass. Server errors, resets and broken bodies back off from
    the smaller ``base``: they are usually one bad answer, and a long pause there only stretches
    the tail of a crawl.
    """

    def __init__(
        self,
        attempts: int = 4,
        base: float = 0.025,
        throttled_base: float = 0.1,
        cap: float = 5.0,
        budget: float = 100.0,
    ) -> None:
        self.attempts = attempts
        self.base = base
        self.throttled_base = throttled_base
        self.cap = cap
        self.budget_cap = budget
        self._budget = budget
        self._rng = random.Random()

    def delay(self, attempt: int, *, throttled: bool = False) -> float:
        """Sleep before retry number ``attempt`` (1-based): uniform in [0, min(cap, base * 2^attempt)]."""
        base = self.throttled_base if throttled else self.base
        return self._rng.uniform(0, min(self.cap, base * 2**attempt))

    def take(self) -> bool:
        """Spend one retry from the budget; False when the budget is exhausted."""
        if self._budget < 1:
            return False
        self._budget -= 1
        return True

    def earn(self) -> None:
        """Each success refills half a retry: retries stay at most a third of all traffic."""
        self._budget = min(self.budget_cap, self._budget + 0.5)


class Upstream:
    """Client for data.go.kr (or the sandbox): ``fetch_page``, ``pages`` and ``collect``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        service_key: str | None,
        max_concurrency: int = 10,
        rate_limit: float = 20.0,
        retry: RetryPolicy | None = None,
        total_timeout: float = 60.0,
        observer: Observer | None = None,
    ) -> None:
        self.client = client
        self.observer = observer or Observer()
        self.service_key = normalise_key(service_key) if service_key else None
        self.limiter = PriorityLimiter(max(1, max_concurrency))
        self.bucket = TokenBucket(rate_limit)
        self.total_timeout = total_timeout
        self.retry = retry or RetryPolicy()
        self.requests_sent = 0

    # -- one page -------------------------------------------------------------------------------
    async def fetch_page(
        self, op: Operation, params: Mapping[str, str], page_no: int, page_size: int
    ) -> Page:
        """Fetch and decode one page, retrying transient failures."""
        if not self.service_key:
            raise errors.KeyNotRegistered(
                "No data.go.kr service key is configured. Set NARAMARKET_SERVICE_KEY to your "
                "'Decoding' key (or run with NARAMARKET_SANDBOX=1 for the offline sandbox)."
            )
        query = {
            **params,
            "ServiceKey": self.service_key,
            "pageNo": str(page_no),
            "numOfRows": str(page_size),
            "type": "json",
        }
        codec = codec_for(op.record)
        attempt = 0
        while True:
            try:
                return await self._request(op, query, codec, page_no)
            except errors.UpstreamError as exc:
                transient = isinstance(exc, errors.UpstreamUnavailable | errors.RateLimited) and (
                    exc.upstream_code is None or exc.upstream_code in _RETRY_CODES
                )
                attempt += 1
                if not transient or attempt >= self.retry.attempts or not self.retry.take():
                    raise
                with self.observer.retrying(op.name, page_no, attempt, exc):
                    throttled = isinstance(exc, errors.RateLimited)
                    await anyio.sleep(self.retry.delay(attempt, throttled=throttled))

    async def _request(self, op: Operation, query: Mapping[str, str], codec: Any, page_no: int) -> Page:
        self.observer.rate_limit_wait(await self.bucket.acquire())
        with self.observer.upstream_request(op.name) as request:
            return request.done(await self._send(op, query, codec, page_no))

    async def _send(self, op: Operation, query: Mapping[str, str], codec: Any, page_no: int) -> Page:
        # Earlier pages (and retries of them) go first: the caller consumes pages in order.
        async with self.limiter.slot(page_no):
            self.requests_sent += 1
            try:
                # httpx's time-outs bound each phase; this bounds the whole exchange, so a
                # server trickling bytes cannot hold a slot forever.
                with anyio.fail_after(self.total_timeout):
                    response = await self.client.get(op.path, params=query)
            except (httpx.TimeoutException, TimeoutError):
                raise errors.UpstreamUnavailable(f"{op.name}: data.go.kr timed out") from None
            except httpx.RequestError as exc:  # transport errors, and bodies httpx cannot decode
                raise errors.UpstreamUnavailable(
                    f"{op.name}: connection to data.go.kr failed ({type(exc).__name__})"
                ) from None
        content = response.content
        status = response.status_code
        try:
            page = decode_page(content, codec)
        except errors.UpstreamError as exc:
            # A gateway error body explains a 4xx/5xx better than its status does: a 429 that
            # says 22 is the daily quota (stop), not a per-second limit (retry).
            if exc.upstream_code is None and status == 429:
                raise errors.RateLimited(f"{op.name}: data.go.kr answered HTTP 429") from None
            if exc.upstream_code is None and status >= 500:
                raise errors.UpstreamUnavailable(f"{op.name}: data.go.kr answered HTTP {status}") from None
            raise
        if status == 429:
            raise errors.RateLimited(f"{op.name}: data.go.kr answered HTTP 429")
        if status >= 400:
            raise errors.UpstreamUnavailable(f"{op.name}: data.go.kr answered HTTP {status}")
        self.retry.earn()
        return page

    # -- many pages ----------------------------------------------------------------------------
    async def pages(
        self,
        op: Operation,
        params: Mapping[str, str],
        *,
        page_size: int = 100,
        max_pages: int | None = None,
        first_page: int = 1,
    ) -> AsyncIterator[Page | PageFailure]:
        """Page ``first_page``, then the remaining pages concurrently, yielded in page order.

        At most ``2 × cap`` pages are fetched ahead of the consumer, so memory stays bounded
        however large ``totalCount`` is. A stopping error (quota, key) is raised; other failed
        pages are yielded as ``PageFailure`` after their retries.
        """
        try:
            first = await self.fetch_page(op, params, first_page, page_size)
        except errors.UpstreamError as exc:
            exc.page_no = first_page  # type: ignore[attr-defined]
            raise
        yield first
        last = math.ceil(first.total_count / page_size) if page_size else first_page
        if max_pages is not None:
            last = min(last, first_page + max_pages - 1)
        if last <= first_page:
            return
        ahead = anyio.Semaphore(max(2, 4 * self.limiter.total))
        results: dict[int, Page | PageFailure | BaseException] = {}
        ready: dict[int, anyio.Event] = {n: anyio.Event() for n in range(first_page + 1, last + 1)}

        async def fetch(page_no: int) -> None:
            try:
                results[page_no] = await self.fetch_page(op, params, page_no, page_size)
            except errors.UpstreamError as exc:
                exc.page_no = page_no  # type: ignore[attr-defined]
                results[page_no] = exc if isinstance(exc, _STOP_CLASSES) else PageFailure(page_no, exc)
            finally:
                ready[page_no].set()

        async def spawn(tg: anyio.abc.TaskGroup) -> None:
            for page_no in range(first_page + 1, last + 1):
                await ahead.acquire()
                tg.start_soon(fetch, page_no)

        stop: BaseException | None = None
        async with anyio.create_task_group() as tg:
            tg.start_soon(spawn, tg)
            for page_no in range(first_page + 1, last + 1):
                await ready[page_no].wait()
                outcome = results.pop(page_no)
                ahead.release()
                if isinstance(outcome, BaseException):
                    # Raised after the task group closes, so callers see the typed error
                    # itself rather than an ExceptionGroup.
                    stop = outcome
                    tg.cancel_scope.cancel()
                    break
                yield outcome
        if stop is not None:
            raise stop

    async def collect(
        self,
        op: Operation,
        params: Mapping[str, str],
        *,
        window: tuple[Any, Any] | None = None,
        page_size: int = 100,
        max_pages: int | None = None,
        first_page: int = 1,
        on_items: ItemsCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> dict[str, Any]:
        """Fetch every page of every date window and return the fields of a ``Listing``.

        Long ranges are split by the operation's range limit (calendar months for monthly
        limits); a window the gateway still refuses with 07 is halved and retried. Records are
        de-duplicated on ``op.key``. ``max_pages`` bounds the pages fetched across all windows.
        A stopping error (quota, key) after some data returns what was fetched, the error and a
        resume point; before any data it is raised.
        """
        queue: deque[tuple[dt.date, dt.date] | None] = deque([None])
        if window is not None and any(w is not None for w in window):
            start, end = window
            if start is None or end is None:
                raise errors.InvalidParams("give both start_date and end_date, or neither")
            queue = deque(split_windows(start, end, op.range_limit))
        items: list[Record] = []
        seen: set[tuple[Any, ...]] = set()
        total = fetched = failed = 0
        budget = max_pages
        truncated = False
        split = len(queue) > 1
        while queue:
            win = queue.popleft()
            # A window span only when the scan has several windows: one would just repeat the tool span.
            traced = win if split else None
            query = dict(params)
            if win is not None:
                query.update(op.format_range(*win))
            start_page = first_page
            first_page = 1  # a resume page applies to the first window only
            window_total: int | None = None
            window_pages = 0
            try:
                with self.observer.window(op.name, traced):
                    async for outcome in self.pages(
                        op, query, page_size=page_size, max_pages=budget, first_page=start_page
                    ):
                        window_pages += 1
                        if isinstance(outcome, PageFailure):
                            failed += 1
                            continue
                        if window_total is None:
                            window_total = outcome.total_count
                            total += window_total
                        fetched += 1
                        new = self._dedupe(op, outcome.items, seen)
                        items.extend(new)
                        if on_items is not None and new:
                            await on_items(new)
                        if on_progress is not None:
                            await on_progress(len(items), total)
            except errors.RangeTooWide:
                if win is None or win[0] >= win[1] or window_pages:
                    raise
                middle = win[0] + (win[1] - win[0]) // 2
                queue.extendleft([(middle + dt.timedelta(days=1), win[1]), (win[0], middle)])
                split = True
                continue
            except errors.UpstreamError as exc:
                if not items:
                    raise
                page_no = getattr(exc, "page_no", start_page)
                return {
                    "items": items,
                    "total_count": total,
                    "complete": False,
                    "pages_fetched": fetched,
                    "pages_failed": failed,
                    "error": errors.problem(exc),
                    "resume": ResumePoint(page_no=page_no, window_start=win[0].isoformat() if win else None),
                }
            expected = math.ceil((window_total or 0) / page_size) - (start_page - 1)
            if budget is not None:
                budget -= window_pages
                if window_pages < expected or (budget <= 0 and queue):
                    truncated = True
                    break
        return {
            "items": items,
            "total_count": total,
            "complete": failed == 0 and not truncated,
            "pages_fetched": fetched,
            "pages_failed": failed,
        }

    @staticmethod
    def _dedupe(op: Operation, records: list[Record], seen: set[tuple[Any, ...]]) -> list[Record]:
        if not op.key:
            return records
        fresh = []
        for record in records:
            ident = tuple(getattr(record, k) for k in op.key)
            if ident not in seen:
                seen.add(ident)
                fresh.append(record)
        return fresh
