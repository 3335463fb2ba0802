"""Scans: pages of an operation, fetched concurrently and handed over in order.

The fan-out runs in a task group owned by the caller's ``async with`` block and hands pages over a
memory stream, so a time-out around a scan, a consumer that raises or a client that goes away
stops the scan where it is — no cancel scope outlives its task, no request outlives the scan.
``collect.py`` builds the list contract (``Listing``) on top of scans.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from naramarket.kernel import NaramarketError, UpstreamError

from .envelope import Page
from .errors import (
    AccessDenied,
    KeyExpired,
    KeyNotRegistered,
    QuotaExceeded,
    RequestBudgetSpent,
    ServiceNotFound,
    UnregisteredIp,
)
from .operation import Operation
from .records import Record

if TYPE_CHECKING:
    from .client import Client

__all__ = ["ItemsCallback", "PageFailure", "ProgressCallback", "scan_pages"]

R = TypeVar("R", bound=Record)

ProgressCallback = Callable[[int, int | None, str | None], Awaitable[None]]
ItemsCallback = Callable[[list[Any]], Awaitable[None]]

# Errors after which no other page can succeed: stop the whole scan.
_STOPS = (
    QuotaExceeded,
    KeyNotRegistered,
    KeyExpired,
    UnregisteredIp,
    AccessDenied,
    ServiceNotFound,
    RequestBudgetSpent,
)


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
    page_numbers: Sequence[int] | None = None,
) -> AsyncIterator[AsyncIterator[Page[R] | PageFailure]]:
    """Page ``first_page``, then the remaining pages concurrently, handed over in page order.

    With ``page_numbers`` (the caller knows the page count), exactly those pages, fetched
    concurrently and handed over in that order. At most ``4 × cap`` pages are fetched ahead of the
    consumer, so memory stays bounded however large ``totalCount`` is. An error on the first page,
    or a stopping error (quota, key) on any page, is raised from the iteration; other failed pages
    arrive as ``PageFailure``.
    """
    send, receive = anyio.create_memory_object_stream[Page[R] | PageFailure | _Stop]()
    try:
        async with anyio.create_task_group() as tg:
            if page_numbers is None:
                tg.start_soon(_produce, client, op, params, page_size, max_pages, first_page, send)
            else:
                tg.start_soon(_produce_listed, client, op, params, page_size, list(page_numbers), send)
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


async def _produce_listed(
    client: Client,
    op: Operation[R],
    params: Mapping[str, str],
    page_size: int,
    page_numbers: list[int],
    send: MemoryObjectSendStream[Page[R] | PageFailure | _Stop],
) -> None:
    async with send:
        await _fan_out(client, op, params, page_size, page_numbers, send)


async def _fan_out(
    client: Client,
    op: Operation[R],
    params: Mapping[str, str],
    page_size: int,
    page_numbers: Sequence[int],
    send: MemoryObjectSendStream[Page[R] | PageFailure | _Stop],
) -> None:
    ahead = anyio.Semaphore(max(2, 4 * client.limiter.total))
    results: dict[int, Page[R] | PageFailure | _Stop] = {}
    ready = {n: anyio.Event() for n in page_numbers}

    # Slots go to pages in the order they are handed over (a newest-first scan reads its last
    # page first), not by page number.
    place = {n: i for i, n in enumerate(page_numbers)}

    async def fetch(page_no: int) -> None:
        try:
            page = await client.fetch_page(op, params, page_no, page_size, priority=place[page_no])
            results[page_no] = page
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
