"""The data.go.kr client: one pooled httpx client, the shared limits, retries and one-page fetches.

One ``Client`` per process (the kernel opens it as a resource in its lifespan), so the concurrency
cap and the rate limit hold for all tools and all callers together. Scans over many pages and
date windows are in ``scan.py``.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

import anyio
import msgspec

from naramarket.kernel import Context, ResourceKey, Settings, UpstreamError, UpstreamUnavailable
from naramarket.kernel.host import NullObserver, Observer, ResourceFactory, current_call, register_secret

from .collect import collect_listing
from .envelope import Page, decode_page
from .errors import NotConfigured, QuotaExceeded, RateLimited, RequestBudgetSpent
from .limits import PriorityLimiter, RetryPolicy, TokenBucket
from .listing import Listing, ListQuery
from .merge import collect_merged_listing
from .operation import Operation
from .records import Record, codec_for
from .scan import PageFailure, scan_pages
from .shared import (
    CacheTtl,
    MemoryLedger,
    MemoryPageCache,
    NoSlots,
    Pacer,
    PageCache,
    QuotaLedger,
    SlotPool,
    kst_day,
    page_cache_key,
    service_key_id,
)

if TYPE_CHECKING:  # httpx loads with the first upstream request (make_http_client), not at import
    import httpx

__all__ = [
    "CLIENT",
    "Client",
    "background",
    "client_factory",
    "collect",
    "collect_merged",
    "make_http_client",
    "normalise_key",
]

R = TypeVar("R", bound=Record)

USER_AGENT = "naramarket"

# Codes worth another try: per-second limit (23), provider HTTP error (04), provider time-out
# (05); HTTP failures carry no code. Never retried: 03 (empty), parameters, 12, 20, 22 (daily
# quota), 30-32 (key).
_RETRY_CODES = frozenset({"04", "05", "23"})

_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("naramarket_background", default=False)
BACKGROUND_PRIORITY = 1 << 30  # after every interactive page in the limiter's queue
BACKGROUND_IN_FLIGHT = 3  # an export's pages in flight: a 999-row page is ~4 MB of JSON to hold


@contextmanager
def background() -> Iterator[None]:
    """Upstream requests made inside (and in tasks started inside) yield to interactive ones.

    Export jobs run in it: they share the cap and the rate limit with interactive calls but
    queue behind them for both, and hold at most ``cap - 1`` slots (and at most
    ``BACKGROUND_IN_FLIGHT``, which bounds an export's memory), so a call never waits for a whole
    export.
    """
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


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


def make_http_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The one upstream HTTP client factory: pooled, keep-alive, bounded time-outs."""
    import httpx

    limits = httpx.Limits(
        max_connections=max(settings.max_concurrency * 2, 10),
        max_keepalive_connections=max(settings.max_concurrency, 10),
        keepalive_expiry=30.0,
    )
    timeout = httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout))
    return httpx.AsyncClient(
        base_url=settings.api_base.rstrip("/") + "/",
        timeout=timeout,
        limits=limits,
        transport=transport,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=False,
    )


class Client:
    """Client for data.go.kr (or the sandbox): ``fetch_page`` here; ``scan``/``collect`` page through.

    ``http`` is the pooled httpx client; or ``open_http`` makes it on the first upstream request
    (so a process that never calls upstream never imports httpx), and ``aclose`` closes it.
    """

    def __init__(
        self,
        http: httpx.AsyncClient | None = None,
        *,
        open_http: Callable[[], httpx.AsyncClient] | None = None,
        service_key: str | None,
        max_concurrency: int = 10,
        rate_limit: float = 20.0,
        retry: RetryPolicy | None = None,
        total_timeout: float = 60.0,
        observer: Observer | None = None,
        sandbox: bool = False,
        cache: PageCache | None = None,
        cache_ttl: CacheTtl | None = None,
        pacer: Pacer | None = None,
        slots: SlotPool | None = None,
        ledger: QuotaLedger | None = None,
        quota_daily: int | None = None,
        quota_reserve: int = 0,
        shared_by: str = "process",
        max_windows: int | None = None,
    ) -> None:
        if (http is None) == (open_http is None):
            raise TypeError("Client needs exactly one of http and open_http")
        self._http = http
        self._open_http = open_http
        self._http_lock = threading.Lock()  # never held across an await: safe for tasks and threads
        self.sandbox = sandbox  # answers come from the built-in fake gateway: results say so
        self.observer: Observer = observer or NullObserver()
        self.service_key = normalise_key(service_key) if service_key else None
        register_secret(service_key)
        register_secret(self.service_key)
        self.limiter = PriorityLimiter(max(1, max_concurrency))
        self._background_slots = anyio.Semaphore(max(1, min(BACKGROUND_IN_FLIGHT, max_concurrency - 1)))
        # The rate limit, shared cap, page cache and quota ledger are in process unless the
        # composition root hands in shared ones (shared.py); pages are cached only with a TTL.
        self.bucket: Pacer = pacer or TokenBucket(rate_limit)
        self.slots: SlotPool = slots or NoSlots()
        self.cache = cache
        self.cache_ttl = cache_ttl
        self.ledger: QuotaLedger = ledger or MemoryLedger()
        self.quota_daily = quota_daily
        self.quota_reserve = max(0, quota_reserve)
        self.key_id = service_key_id(self.service_key) if self.service_key else "none"
        self.shared_by = shared_by  # "process", or "redis" when replicas share this state
        self.quota_seen: dict[str, int] = {}  # the ledger's latest count per operation, for /metrics
        self._quota_day = kst_day()
        self.total_timeout = total_timeout
        self.retry = retry or RetryPolicy()
        self.requests_sent = 0
        # The widest date span one call may ask for, in the operation's windows (None: no limit).
        self.max_windows = max_windows

    @property
    def http(self) -> httpx.AsyncClient:
        """The pooled httpx client, opened (once, whichever task or thread asks first) on first use."""
        http = self._http
        if http is None:
            with self._http_lock:
                http = self._http
                if http is None:
                    assert self._open_http is not None
                    http = self._http = self._open_http()
        return http

    async def aclose(self) -> None:
        """Close the httpx client if this client opened it (``open_http``) and it was used."""
        if self._open_http is not None:
            with self._http_lock:
                http, self._http = self._http, None
            if http is not None:
                await http.aclose()

    async def fetch_page(
        self,
        op: Operation[R],
        params: Mapping[str, str],
        page_no: int,
        page_size: int,
        *,
        priority: int | None = None,
    ) -> Page[R]:
        """Fetch and decode one page, retrying transient failures.

        ``priority`` orders waiters for a concurrency slot (lowest first): the page's place in the
        order its consumer reads pages (default: its number), so a scan read newest page first
        is not served oldest first.
        """
        if not self.service_key:
            raise NotConfigured(
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
        ttl = self.cache_ttl(op.name) if self.cache is not None and self.cache_ttl else 0.0
        rank = page_no if priority is None else priority
        if self.cache is None or ttl <= 0:
            return (await self._fetch(op, query, page_no, rank))[0]
        fetched: list[Page[R]] = []

        async def fetch() -> bytes:
            page, body = await self._fetch(op, query, page_no, rank)
            fetched.append(page)
            return body

        key = page_cache_key(str(self.http.base_url), op.path, query)
        body, _hit = await self.cache.get_or_fetch(key, ttl, fetch)
        # The leader decoded its page already; everyone else decodes the shared body.
        return fetched[0] if fetched else decode_page(body, codec_for(op.record), op.api)

    async def quota_report(self) -> dict[str, Any]:
        """Today's upstream calls of this service key by operation, and what remains of the quota."""
        used = await self.ledger.used(self.key_id)
        limit = self.quota_daily
        return {
            "day": kst_day(),
            "resets": "00:00 KST",
            "daily_limit": limit,
            "reserve": self.quota_reserve,
            "shared_by": self.shared_by,
            "operations": {
                op: {"used": n, "remaining": None if limit is None else max(0, limit - n)}
                for op, n in sorted(used.items())
            },
        }

    async def _fetch(
        self, op: Operation[R], query: Mapping[str, str], page_no: int, priority: int
    ) -> tuple[Page[R], bytes]:
        attempt = 0
        while True:
            try:
                return await self._request(op, query, page_no, priority)
            except UpstreamError as exc:
                transient = isinstance(exc, UpstreamUnavailable | RateLimited) and (
                    exc.upstream_code is None or exc.upstream_code in _RETRY_CODES
                )
                attempt += 1
                if not transient or attempt >= self.retry.attempts or not self.retry.take():
                    raise
                with self.observer.retrying(op.name, page_no, attempt, exc):
                    throttled = isinstance(exc, RateLimited)
                    await anyio.sleep(self.retry.delay(attempt, throttled=throttled))

    async def _request(
        self, op: Operation[R], query: Mapping[str, str], page_no: int, priority: int
    ) -> tuple[Page[R], bytes]:
        _spend_request(op)
        await self._spend_quota(op)
        if _BACKGROUND.get():  # an export job: after interactive calls for a slot and a token
            async with self._background_slots:
                self.observer.rate_limit_wait(await self.bucket.acquire(background=True))
                with self.observer.upstream_request(op.name) as request:
                    page, body = await self._send(op, query, page_no, priority + BACKGROUND_PRIORITY)
                    return request.done(page), body
        self.observer.rate_limit_wait(await self.bucket.acquire())
        with self.observer.upstream_request(op.name) as request:
            page, body = await self._send(op, query, page_no, priority)
            return request.done(page), body

    async def _spend_quota(self, op: Operation[R]) -> None:
        """Count the call in the day's ledger; refuse it once only the reserve is left."""
        allowance = None if self.quota_daily is None else max(0, self.quota_daily - self.quota_reserve)
        used = await self.ledger.take(self.key_id, op.name, allowance)
        if self._quota_day != (day := kst_day()):
            self._quota_day, self.quota_seen = day, {}
        if used is not None:
            self.quota_seen[op.name] = used
        else:
            raise QuotaExceeded(
                f"{op.name}: {allowance} of today's {self.quota_daily} calls for this service key are "
                f"used; the last {self.quota_reserve} are kept in reserve (NARAMARKET_QUOTA_RESERVE). "
                "The quota resets at midnight KST."
            )

    async def _send(
        self, op: Operation[R], query: Mapping[str, str], page_no: int, priority: int
    ) -> tuple[Page[R], bytes]:
        import httpx  # loaded by make_http_client already: a lookup in sys.modules

        # Pages the caller reads first (and retries of them) go first.
        async with self.limiter.slot(priority), self.slots.slot():
            self.requests_sent += 1
            try:
                # httpx's time-outs bound each phase; this bounds the whole exchange, so a
                # server trickling bytes cannot hold a slot forever.
                with anyio.fail_after(self.total_timeout):
                    # Read the body into bytes of our own: httpx's Response sits in a reference
                    # cycle and kept its ``content`` (megabytes a page) until the cyclic GC ran.
                    async with self.http.stream("GET", op.path, params=query) as response:
                        content = b"".join([chunk async for chunk in response.aiter_bytes()])
            except (httpx.TimeoutException, TimeoutError):
                raise UpstreamUnavailable(f"{op.name}: data.go.kr timed out") from None
            except httpx.RequestError as exc:  # transport errors, and bodies httpx cannot decode
                raise UpstreamUnavailable(
                    f"{op.name}: connection to data.go.kr failed ({type(exc).__name__})"
                ) from None
        status = response.status_code
        try:
            page = decode_page(content, codec_for(op.record), op.api)
        except UpstreamError as exc:
            # A gateway error body explains a 4xx/5xx better than its status does: a 429 that
            # says 22 is the daily quota (stop), not a per-second limit (retry).
            if exc.upstream_code is None and status == 429:
                raise RateLimited(f"{op.name}: data.go.kr answered HTTP 429") from None
            if exc.upstream_code is None and status >= 500:
                raise UpstreamUnavailable(f"{op.name}: data.go.kr answered HTTP {status}") from None
            raise
        if status == 429:
            raise RateLimited(f"{op.name}: data.go.kr answered HTTP 429")
        if status >= 400:
            raise UpstreamUnavailable(f"{op.name}: data.go.kr answered HTTP {status}")
        self.retry.earn()
        return page, content

    async def post_json(self, url: str, body: Mapping[str, Any], *, name: str) -> Any:
        """POST ``body`` as JSON to ``url`` (not data.go.kr: e.g. the mall's own web pages) and decode
        the JSON answer, under the same rate limit, concurrency cap and time-outs as every page.

        ``name`` labels the request in spans and metrics. No service key is sent.
        """
        import httpx  # loaded by make_http_client already: a lookup in sys.modules

        self.observer.rate_limit_wait(await self.bucket.acquire())
        with self.observer.upstream_request(name) as request:
            async with self.limiter.slot(0):
                self.requests_sent += 1
                try:
                    with anyio.fail_after(self.total_timeout):
                        response = await self.http.post(url, json=dict(body))
                except (httpx.TimeoutException, TimeoutError):
                    raise UpstreamUnavailable(f"{name}: {url} timed out") from None
                except httpx.RequestError as exc:
                    raise UpstreamUnavailable(f"{name}: connection failed ({type(exc).__name__})") from None
            if response.status_code == 429:
                raise RateLimited(f"{name}: answered HTTP 429")
            if response.status_code >= 400:
                raise UpstreamUnavailable(f"{name}: answered HTTP {response.status_code}")
            try:
                return request.done(msgspec.json.decode(response.content))
            except msgspec.DecodeError:
                raise UpstreamUnavailable(f"{name}: the answer is not JSON") from None

    # Scans live in scan.py; these bind them to this client.
    def scan(
        self,
        op: Operation[R],
        params: Mapping[str, str],
        *,
        page_size: int = 100,
        max_pages: int | None = None,
        first_page: int = 1,
        page_numbers: Sequence[int] | None = None,
    ) -> AbstractAsyncContextManager[AsyncIterator[Page[R] | PageFailure]]:
        """``async with client.scan(op, params) as pages: async for page in pages: ...``

        The fan-out runs in a task group the caller's ``async with`` owns, so cancelling or
        leaving the block stops every request of the scan where it is.
        """
        return scan_pages(
            self,
            op,
            params,
            page_size=page_size,
            max_pages=max_pages,
            first_page=first_page,
            page_numbers=page_numbers,
        )

    async def collect(self, op: Operation[R], params: Mapping[str, str | None], **options: Any) -> Listing[R]:
        """At most ``limit`` records of ``op`` as a ``Listing`` (``collect.collect_listing``)."""
        return await collect_listing(self, op, params, **options)


@asynccontextmanager
async def _in_process() -> AsyncIterator[Mapping[str, Any]]:
    cache = MemoryPageCache()
    try:
        yield {"cache": cache}
    finally:
        cache.close()


def _spend_request(op: Operation[Any]) -> None:
    """Count one upstream request (retries included) against the running tool call's budget."""
    ctx = current_call.get()
    if ctx is None:  # not inside a tool call (a library user, a benchmark): no per-call budget
        return
    if ctx.requests_left < 1:
        raise RequestBudgetSpent(
            f"{op.name}: this call made the {ctx.settings.call_requests} upstream requests one call may "
            "make (NARAMARKET_CALL_REQUESTS); continue with `next`, or narrow the query"
        )
    ctx.requests_left -= 1


CLIENT: ResourceKey[Client] = ResourceKey("naramarket.datago.client")
"""The process's data.go.kr client, as the kernel holds it: ``ctx.resources[CLIENT]``."""


def client_factory(
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    make_transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
    instrument: Callable[[httpx.AsyncClient], None] | None = None,
    shared: Callable[[Settings], AbstractAsyncContextManager[Mapping[str, Any]]] | None = None,
) -> ResourceFactory:
    """The kernel resource factory for ``CLIENT``: opens the pooled client for the kernel's lifespan.

    The httpx client opens on the first upstream request (not at kernel entry: starting, listing
    tools and answering ``initialize`` never load httpx) and closes at kernel exit.
    ``transport`` replaces the network (the sandbox, tests), or ``make_transport`` builds the
    replacement when the httpx client opens; ``instrument`` lets the composition
    root add tracing to the httpx client without this library knowing how. ``shared`` gives the
    ``Client`` keyword arguments of shared state (``cache``, ``pacer``, ``slots``, ``ledger``:
    Redis-backed when configured); without it the page cache and limits are in process.
    """

    @asynccontextmanager
    async def open_client(settings: Settings, observer: Observer) -> AsyncIterator[Client]:
        state = shared(settings) if shared is not None else _in_process()

        def open_http() -> httpx.AsyncClient:
            replacement = transport if make_transport is None else make_transport()
            http = make_http_client(settings, transport=replacement)
            if instrument is not None:
                instrument(http)
            return http

        client: Client | None = None
        try:
            async with state as shared_state:
                client = Client(
                    open_http=open_http,
                    service_key=settings.service_key,
                    max_concurrency=settings.max_concurrency,
                    rate_limit=settings.rate_limit,
                    total_timeout=settings.timeout * 2,
                    observer=observer,
                    sandbox=settings.sandbox,
                    cache_ttl=CacheTtl(settings.cache_ttl),
                    quota_daily=settings.quota_daily,
                    quota_reserve=settings.quota_reserve,
                    **shared_state,
                    max_windows=settings.call_requests,
                )
                yield client
        finally:
            if client is not None:  # after the shared state, as before: the pool closes last
                await client.aclose()

    return open_client


async def collect(
    ctx: Context,
    op: Operation[R],
    params: Mapping[str, str | None],
    query: ListQuery,
    *,
    window: tuple[dt.date | None, dt.date | None] | None = None,
    page_size: int | None = None,
    keep: Callable[[R], bool] | None = None,
) -> Listing[R]:
    """A list tool's answer: ``query``'s limit, order and cursor applied to ``op`` over ``window``.

    ``keep`` filters records the gateway cannot filter (see ``collect_listing``).

    ``params`` are wire names (``{"prdctClsfcNoNm": p.category}``); ``None`` values are left out.
    ``window`` defaults to the query's dates. The call's client, time budget, progress and streamed
    items come from ``ctx``; the answer's ``next`` is ``query`` with the continuation cursor.
    """
    return await collect_listing(
        ctx.resources[CLIENT], op, params, **_listing_options(ctx, query, window, page_size, keep)
    )


async def collect_merged(
    ctx: Context,
    parts: Sequence[tuple[Operation[R], Mapping[str, str | None]]],
    query: ListQuery,
    *,
    window: tuple[dt.date | None, dt.date | None] | None = None,
    page_size: int | None = None,
    keep: Callable[[R], bool] | None = None,
) -> Listing[R]:
    """A list tool's answer over several operations merged by date (``merge.collect_merged_listing``).

    For one question the gateway splits across operations (each 업무구분 its own): ``parts`` are
    (operation, wire parameters) pairs; the rest is as ``collect``.
    """
    return await collect_merged_listing(
        ctx.resources[CLIENT], parts, **_listing_options(ctx, query, window, page_size, keep)
    )


def _listing_options(
    ctx: Context,
    query: ListQuery,
    window: tuple[dt.date | None, dt.date | None] | None,
    page_size: int | None,
    keep: Callable[[Any], bool] | None,
) -> dict[str, Any]:
    """What ``collect`` and ``collect_merged`` hand the listing engine from ``query`` and ``ctx``."""

    def next_arguments(cursor: str) -> dict[str, Any]:
        arguments: dict[str, Any] = msgspec.to_builtins(msgspec.structs.replace(query, cursor=cursor))
        return {k: v for k, v in arguments.items() if v is not None}

    return {
        "window": window if window is not None else (query.start_date, query.end_date),
        # No dates given: a continued call keeps the range its first call resolved (a default such
        # as "the last 30 days" must not move under a cursor at midnight).
        "window_from_cursor": query.start_date is None and query.end_date is None,
        "limit": query.limit,
        "order": query.order,
        "cursor": query.cursor,
        "page_size": page_size or query.page_size or max(100, min(query.limit, 999)),
        "budget": ctx.time_left(),
        "next_arguments": next_arguments,
        "keep": keep,
        "on_items": ctx.items,
        "on_progress": ctx.progress,
    }
