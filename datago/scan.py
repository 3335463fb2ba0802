"""Scans: every page of an operation, fetched concurrently and handed over in page order.

The fan-out runs in a task group owned by the caller's ``async with`` block and hands pages over a
memory stream, so a time-out around a scan, a consumer that raises or a client that goes away
stops the scan where it is — no cancel scope outlives its task, no request outlives the scan.
``collect_listing`` builds a ``Listing`` from scans over date windows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from naramarket.kernel import InvalidParams, NaramarketError, UpstreamError
from naramarket.kernel.host import problem

from .envelope import Page
from .errors import (
    AccessDenied,
    KeyExpired,
    KeyNotRegistered,
    QuotaExceeded,
    RangeTooWide,
    ServiceNotFound,
    UnregisteredIp,
)
from .listing import Listing, ResumePoint
from .operation import Operation, split_windows
from .records import Record

if TYPE_CHECKING:
    from .client import Client

__all__ = ["ItemsCallback", "PageFailure", "ProgressCallback", "collect_listing", "scan_pages"]

R = TypeVar("R", bound=Record)

ProgressCallback = Callable[[int, int | None, str | None], Awaitable[None]]
ItemsCallback = Callable[[list[Any]], Awaitable[None]]

# Errors after which no other page can succeed: stop the whole scan.
_STOPS = (QuotaExceeded, KeyNotRegistered, KeyExpired, UnregisteredIp, AccessDenied, ServiceNotFound)


@dataclass(frozen=True, slots=True)
class PageFailure:
    """A page that could not be fetched after retries (the scan goes on without it)."""

    page_no: int
    error: UpstreamError


@dataclass(frozen=True, slots=True)
class _Stop:
    error: NaramarketError


class _Pages(AsyncIterator["Page[R] | PageFailure"]):
    """The consumer's side of a scan: pages in order; a stopping error is raised here."""

    def __init__(self, receive: MemoryObjectReceiveStream[Page[R] | PageFailure | _Stop]) -> None:
        self._receive = receive

    async def __anext__(self) -> Page[R] | PageFailure:
        try:
            outcome = await self._receive.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None
        if isinstance(outcome, _Stop):
            raise outcome.error
        return outcome


@asynccontextmanager
async def scan_pages(
    client: Client,
    op: Operation[R],
    params: Mapping[str, str],
    *,
    page_size: int = 100,
    max_pages: int | None = None,
    first_page: int = 1,
) -> AsyncIterator[AsyncIterator[Page[R] | PageFailure]]:
    """Page ``first_page``, then the remaining pages concurrently, handed over in page order.

    At most ``4 × cap`` pages are fetched ahead of the consumer, so memory stays bounded however
    large ``totalCount`` is. An error on the first page, or a stopping error (quota, key) on any
    page, is raised from the iteration; other failed pages arrive as ``PageFailure``.
    """
    send, receive = anyio.create_memory_object_stream[Page[R] | PageFailure | _Stop]()
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_produce, client, op, params, page_size, max_pages, first_page, send)
            try:
                with receive:
                    yield _Pages(receive)
            finally:
                tg.cancel_scope.cancel()  # the consumer is done: stop every request in flight
    except BaseExceptionGroup as group:
        # Only the consumer's own error can be in here (the producer hands errors over): give
        # the caller that error itself, not a group.
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise


async def _produce(
    client: Client,
    op: Operation[R],
    params: Mapping[str, str],
    page_size: int,
    max_pages: int | None,
    first_page: int,
    send: MemoryObjectSendStream[Page[R] | PageFailure | _Stop],
) -> None:
    async with send:
        try:
            first = await client.fetch_page(op, params, first_page, page_size)
        except NaramarketError as exc:
            if isinstance(exc, UpstreamError):
                exc.page_no = first_page
            await _hand_over(send, _Stop(exc))
            return
        if not await _hand_over(send, first):
            return
        last = math.ceil(first.total_count / page_size) if page_size else first_page
        if max_pages is not None:
            last = min(last, first_page + max_pages - 1)
        if last <= first_page:
            return
        await _fan_out(client, op, params, page_size, range(first_page + 1, last + 1), send)


async def _fan_out(
    client: Client,
    op: Operation[R],
    params: Mapping[str, str],
    page_size: int,
    page_numbers: range,
    send: MemoryObjectSendStream[Page[R] | PageFailure | _Stop],
) -> None:
    ahead = anyio.Semaphore(max(2, 4 * client.limiter.total))
    results: dict[int, Page[R] | PageFailure | _Stop] = {}
    ready = {n: anyio.Event() for n in page_numbers}

    async def fetch(page_no: int) -> None:
        try:
            results[page_no] = await client.fetch_page(op, params, page_no, page_size)
        except UpstreamError as exc:
            exc.page_no = page_no
            results[page_no] = _Stop(exc) if isinstance(exc, _STOPS) else PageFailure(page_no, exc)
        finally:
            ready[page_no].set()

    async def spawn(tg: TaskGroup) -> None:
        for page_no in page_numbers:
            await ahead.acquire()
            tg.start_soon(fetch, page_no)

    async with anyio.create_task_group() as tg:
        tg.start_soon(spawn, tg)
        for page_no in page_numbers:
            await ready[page_no].wait()
            outcome = results.pop(page_no)
            ahead.release()
            if not await _hand_over(send, outcome) or isinstance(outcome, _Stop):
                break
        tg.cancel_scope.cancel()


async def _hand_over(send: MemoryObjectSendStream[Any], outcome: Any) -> bool:
    """Send ``outcome``; False when the consumer has gone."""
    try:
        await send.send(outcome)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
        return False
    return True


async def collect_listing(
    client: Client,
    op: Operation[R],
    params: Mapping[str, str | None],
    *,
    window: tuple[dt.date | None, dt.date | None] | None = None,
    page_size: int = 100,
    max_pages: int | None = None,
    first_page: int = 1,
    on_items: ItemsCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> Listing[R]:
    """Every page of every date window of ``op``, as a ``Listing``.

    Long ranges are split by the operation's range limit (calendar months for monthly limits);
    a window the gateway still refuses as too wide is halved and retried. Records are
    de-duplicated on ``op.dedupe_on``. ``max_pages`` bounds the pages fetched across all windows.
    A stopping error (quota, key) after some data returns what was fetched, the error and a
    resume point; before any data it is raised. ``None`` parameters are left out of the query.
    """
    base = {k: v for k, v in params.items() if v is not None}
    queue: deque[tuple[dt.date, dt.date] | None] = deque([None])
    if window is not None and any(w is not None for w in window):
        start, end = window
        if start is None or end is None:
            raise InvalidParams("give both ends of the date range, or neither")
        if end < start:
            raise InvalidParams("the date range ends before it starts")
        queue = deque(split_windows(start, end, op.range_limit))
    items: list[R] = []
    seen: set[tuple[Any, ...]] = set()
    total = fetched = failed = 0
    budget = max_pages
    truncated = False
    split = len(queue) > 1
    while queue:
        win = queue.popleft()
        # A window span only when the scan has several windows: one would just repeat the tool span.
        traced = win if split else None
        query = dict(base)
        if win is not None:
            query.update(op.format_range(*win))
        start_page = first_page
        first_page = 1  # a resume page applies to the first window only
        window_total: int | None = None
        window_pages = 0
        try:
            with client.observer.window(op.name, traced):
                async with client.scan(
                    op, query, page_size=page_size, max_pages=budget, first_page=start_page
                ) as pages:
                    async for outcome in pages:
                        window_pages += 1
                        if isinstance(outcome, PageFailure):
                            failed += 1
                            continue
                        if window_total is None:
                            window_total = outcome.total_count
                            total += window_total
                        fetched += 1
                        new = _dedupe(op, outcome.items, seen)
                        items.extend(new)
                        if on_items is not None and new:
                            await on_items(new)
                        if on_progress is not None:
                            await on_progress(len(items), total, None)
        except RangeTooWide:
            if win is None or win[0] >= win[1] or window_pages:
                raise
            middle = win[0] + (win[1] - win[0]) // 2
            queue.extendleft([(middle + dt.timedelta(days=1), win[1]), (win[0], middle)])
            split = True
            continue
        except UpstreamError as exc:
            if not items:
                raise
            return Listing(
                items=items,
                total_count=total,
                complete=False,
                pages_fetched=fetched,
                pages_failed=failed,
                error=problem(exc),
                resume=ResumePoint(
                    page_no=exc.page_no or start_page, window_start=win[0].isoformat() if win else None
                ),
            )
        expected = math.ceil((window_total or 0) / page_size) - (start_page - 1)
        if budget is not None:
            budget -= window_pages
            if window_pages < expected or (budget <= 0 and queue):
                truncated = True
                break
    return Listing(
        items=items,
        total_count=total,
        complete=failed == 0 and not truncated,
        pages_fetched=fetched,
        pages_failed=failed,
    )


def _dedupe(op: Operation[R], records: list[R], seen: set[tuple[Any, ...]]) -> list[R]:
    if not op.dedupe_on:
        return records
    fresh = []
    for record in records:
        ident = tuple(getattr(record, k) for k in op.dedupe_on)
        if ident not in seen:
            seen.add(ident)
            fresh.append(record)
    return fresh
