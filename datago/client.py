"""The data.go.kr client: one pooled httpx client, the shared limits, retries and one-page fetches.

One ``Client`` per process (the kernel opens it as a resource in its lifespan), so the concurrency
cap and the rate limit hold for all tools and all callers together. Scans over many pages and
date windows are in ``scan.py``.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Any, TypeVar
from urllib.parse import unquote

import anyio
import httpx
import msgspec

from naramarket.kernel import Context, ResourceKey, Settings, UpstreamError, UpstreamUnavailable
from naramarket.kernel.host import NullObserver, Observer, ResourceFactory, register_secret

from .collect import collect_listing
from .envelope import Page, decode_page
from .errors import NotConfigured, RateLimited
from .limits import PriorityLimiter, RetryPolicy, TokenBucket
from .listing import Listing, ListQuery
from .operation import Operation
from .records import Record, codec_for
from .scan import PageFailure, scan_pages

__all__ = [
    "CLIENT",
    "Client",
    "background",
    "client_factory",
    "collect",
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
    """Client for data.go.kr (or the sandbox): ``fetch_page`` here; ``scan``/``collect`` page through."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        service_key: str | None,
        max_concurrency: int = 10,
        rate_limit: float = 20.0,
        retry: RetryPolicy | None = None,
        total_timeout: float = 60.0,
        observer: Observer | None = None,
        sandbox: bool = False,
    ) -> None:
        self.http = http
        self.sandbox = sandbox  # answers come from the built-in fake gateway: results say so
        self.observer: Observer = observer or NullObserver()
        self.service_key = normalise_key(service_key) if service_key else None
        register_secret(service_key)
        register_secret(self.service_key)
        self.limiter = PriorityLimiter(max(1, max_concurrency))
        self._background_slots = anyio.Semaphore(max(1, min(BACKGROUND_IN_FLIGHT, max_concurrency - 1)))
        self.bucket = TokenBucket(rate_limit)
        self.total_timeout = total_timeout
        self.retry = retry or RetryPolicy()
        self.requests_sent = 0

    async def fetch_page(
        self, op: Operation[R], params: Mapping[str, str], page_no: int, page_size: int
    ) -> Page[R]:
        """Fetch and decode one page, retrying transient failures."""
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
        attempt = 0
        while True:
            try:
                return await self._request(op, query, page_no)
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

    async def _request(self, op: Operation[R], query: Mapping[str, str], page_no: int) -> Page[R]:
        if _BACKGROUND.get():
            async with self._background_slots:
                self.observer.rate_limit_wait(await self.bucket.acquire(background=True))
                with self.observer.upstream_request(op.name) as request:
                    return request.done(await self._send(op, query, page_no + BACKGROUND_PRIORITY))
        self.observer.rate_limit_wait(await self.bucket.acquire())
        with self.observer.upstream_request(op.name) as request:
            return request.done(await self._send(op, query, page_no))

    async def _send(self, op: Operation[R], query: Mapping[str, str], priority: int) -> Page[R]:
        # Earlier pages (and retries of them) go first: the caller consumes pages in order.
        async with self.limiter.slot(priority):
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
        return page

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


CLIENT: ResourceKey[Client] = ResourceKey("naramarket.datago.client")
"""The process's data.go.kr client, as the kernel holds it: ``ctx.resources[CLIENT]``."""


def client_factory(
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    instrument: Callable[[httpx.AsyncClient], None] | None = None,
) -> ResourceFactory:
    """The kernel resource factory for ``CLIENT``: opens the pooled client for the kernel's lifespan.

    ``transport`` replaces the network (the sandbox, tests); ``instrument`` lets the composition
    root add tracing to the httpx client without this library knowing how.
    """

    @asynccontextmanager
    async def open_client(settings: Settings, observer: Observer) -> AsyncIterator[Client]:
        async with make_http_client(settings, transport=transport) as http:
            if instrument is not None:
                instrument(http)
            yield Client(
                http,
                service_key=settings.service_key,
                max_concurrency=settings.max_concurrency,
                rate_limit=settings.rate_limit,
                total_timeout=settings.timeout * 2,
                observer=observer,
                sandbox=settings.sandbox,
            )

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

    def next_arguments(cursor: str) -> dict[str, Any]:
        arguments: dict[str, Any] = msgspec.to_builtins(msgspec.structs.replace(query, cursor=cursor))
        return {k: v for k, v in arguments.items() if v is not None}

    return await collect_listing(
        ctx.resources[CLIENT],
        op,
        params,
        window=window if window is not None else (query.start_date, query.end_date),
        limit=query.limit,
        order=query.order,
        cursor=query.cursor,
        page_size=page_size or query.page_size or max(100, min(query.limit, 999)),
        budget=ctx.time_left(),
        next_arguments=next_arguments,
        keep=keep,
        on_items=ctx.items,
        on_progress=ctx.progress,
    )
