"""The list contract on top of scans: at most ``limit`` records, newest (or oldest) first, in time.

For an operation with a date filter and a date to order by (``Operation.order_by``), date windows
are visited newest first (or oldest first); in each window the first page tells the total and
whether the gateway sorts ascending or descending, and the pages holding the wanted end are
fetched first, so "the latest 20" costs one or two pages per window, not the whole range.

Stopping is exact. A scan stops at the first page it cannot get (never skipping past a gap), at
the limit, at the call's time budget, or when the upstream refuses more; the answer then carries
``next``: a keyset cursor (the date of the last record given and the records already given at
that date) that continues exactly there, even if the upstream adds rows meanwhile.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio
import msgspec

from naramarket.kernel import InvalidParams, UpstreamError
from naramarket.kernel.host import problem

from .errors import RangeTooWide, RequestBudgetSpent
from .listing import DEFAULT_LIMIT, Cursor, Listing, Order, Problem, Reason, fingerprint
from .operation import Operation, split_windows
from .records import KST, Record, field_type
from .scan import _STOPS, ItemsCallback, PageFailure, ProgressCallback

if TYPE_CHECKING:
    from .client import Client

__all__ = [
    "ScanRun",
    "answer",
    "checked_window",
    "collect_listing",
    "resolved_window",
    "scan_listing",
    "with_window",
]

R = TypeVar("R", bound=Record)
Window = tuple[dt.datetime, dt.datetime]  # inclusive, minute precision (the gateway's)


class _Stop(Exception):
    """Internal: the scan ends here (limit reached, or the window holds nothing more to give)."""


@dataclass
class _Scan(Generic[R]):
    """What one call has gathered, and where it stands."""

    op: Operation[R]
    order: Order
    limit: int
    boundary: dt.datetime | None  # the bucket (minute or day) a cursor resumes at; None: from the start
    given_before: set[str]
    items: list[R] = field(default_factory=list)
    seen: set[tuple[Any, ...]] = field(default_factory=set)
    total: int = 0
    pages: int = 0
    window_pages: int = 0  # pages fetched in the window being scanned
    more: bool = False  # something was left in the window being scanned when the scan stopped
    scanned: Window | None = None  # the last window given in full (a cursor may start past it)
    keep: Callable[[Any], bool] | None = None  # a filter the gateway lacks: other rows are passed over
    consumed: int = 0  # records of the upstream's order passed over (keyless scans resume by count)

    @property
    def full(self) -> bool:
        return len(self.items) >= self.limit

    def take(self, records: list[R]) -> list[R]:
        """Add a page's records in order; returns the ones added (``more`` set if the limit cut it)."""
        # Each record's date bucket, identity and short id are worked out once: this runs per record.
        keyed = [(self._bucket_of(r), *self._ids(r), r) for r in records]
        if self.op.order_by is not None:
            keyed.sort(key=lambda k: (k[0] or _EPOCH, k[2]), reverse=self.order == "newest")
        added: list[R] = []
        for index, (bucket, ident, short, record) in enumerate(keyed):
            self.consumed += 0 if self.full else 1
            if self._given_already(bucket, short):
                continue
            if self.op.dedupe_on and ident in self.seen:
                continue
            if self.keep is not None and not self.full and not self.keep(record):
                continue
            if self.full:
                self.more = self.more or index < len(keyed)
                break
            self.seen.add(ident)
            self.items.append(record)
            added.append(record)
        return added

    def _bucket_of(self, record: R) -> dt.datetime | None:
        return _bucket(_order_value(self.op, record)) if self.op.order_by is not None else None

    def _ids(self, record: R) -> tuple[tuple[Any, ...], str]:
        ident = _identity(self.op, record)
        # The short id serves cursors and ties only: keyless scans resume by count and need none.
        return ident, fingerprint(*ident) if self.op.order_by is not None else ""

    def _given_already(self, bucket: dt.datetime | None, short: str) -> bool:
        if self.boundary is None or bucket is None:
            return False
        if bucket == self.boundary:
            return short in self.given_before
        return bucket > self.boundary if self.order == "newest" else bucket < self.boundary

    def cursor(self, query: str, previous: Cursor, page_size: int) -> Cursor:
        """Where the next call continues: after the last record given."""
        if self.op.order_by is None:  # no date to order by: count records of the upstream's order
            skip = previous.skip + self.consumed
            return Cursor(order=self.order, skip=skip, page_size=page_size, query=query)
        if not self.items:
            return self._past_scanned(query, previous)
        last = _bucket(_order_value(self.op, self.items[-1]))
        given = [_short_id(self.op, r) for r in self.items if _bucket(_order_value(self.op, r)) == last]
        if last == self.boundary:
            given = sorted(self.given_before | set(given))
        return Cursor(order=self.order, boundary=_encode_bucket(last), given=given, query=query)

    def _past_scanned(self, query: str, previous: Cursor) -> Cursor:
        """No record given: continue past the windows this call found empty, if any."""
        if self.scanned is None:
            return previous
        if _is_date_field(self.op):  # day precision: the boundary is a day's bucket (00:00)
            day = (
                self.scanned[0].date() - dt.timedelta(days=1)
                if self.order == "newest"
                else (self.scanned[1].date() + dt.timedelta(days=1))
            )
            edge = dt.datetime.combine(day, dt.time(0, 0), tzinfo=KST)
        else:
            step = dt.timedelta(minutes=1)
            edge = self.scanned[0] - step if self.order == "newest" else self.scanned[1] + step
        return Cursor(order=self.order, boundary=_encode_bucket(edge), given=[], query=query)


_EPOCH = dt.datetime(1900, 1, 1, tzinfo=KST)


def _order_value(op: Operation[Any], record: Any) -> Any:
    return getattr(record, op.order_by) if op.order_by else None


def _bucket(value: Any) -> dt.datetime | None:
    """The gateway's date-filter precision: the minute (datetimes) or the day (dates), in KST."""
    if isinstance(value, dt.datetime):
        aware: dt.datetime = value.astimezone(KST) if value.tzinfo else value.replace(tzinfo=KST)
        return aware.replace(second=0, microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0, 0), tzinfo=KST)
    return None


def _encode_bucket(bucket: dt.datetime | None) -> str | None:
    return bucket.isoformat() if bucket is not None else None


def _identity(op: Operation[Any], record: Any) -> tuple[Any, ...]:
    names = op.dedupe_on or tuple(type(record).__struct_fields__)
    return tuple(getattr(record, name) for name in names)


def _short_id(op: Operation[Any], record: Any) -> str:
    return fingerprint(*_identity(op, record))


def _windows(op: Operation[Any], window: tuple[dt.date, dt.date]) -> list[Window]:
    start, end = window
    return [
        (
            dt.datetime.combine(a, dt.time(0, 0), tzinfo=KST),
            dt.datetime.combine(b, dt.time(23, 59), tzinfo=KST),
        )
        for a, b in split_windows(start, end, op.range_limit)
    ]


def _clip(windows: list[Window], boundary: dt.datetime | None, order: Order, day: bool) -> deque[Window]:
    """The windows still to visit, in visiting order, cut at the cursor's boundary."""
    visit: list[Window] = []
    for begin, end in reversed(windows) if order == "newest" else windows:
        if boundary is not None:
            edge = boundary + (dt.timedelta(hours=23, minutes=59) if day else dt.timedelta(0))
            if order == "newest":
                if begin > edge:
                    continue
                end = min(end, edge)
            else:
                if end < boundary:
                    continue
                begin = max(begin, boundary)
        visit.append((begin, end))
    return deque(visit)


def _ascending(op: Operation[Any], records: list[Any]) -> bool:
    """Whether the gateway sent this page oldest first (ties and undated pages count as ascending)."""
    dated = [b for b in (_bucket(_order_value(op, r)) for r in records) if b is not None]
    return len(dated) < 2 or dated[0] <= dated[-1]


async def collect_listing(
    client: Client,
    op: Operation[R],
    params: Mapping[str, str | None],
    *,
    window: tuple[dt.date | None, dt.date | None] | None = None,
    limit: int = DEFAULT_LIMIT,
    order: Order = "newest",
    cursor: str | None = None,
    page_size: int = 100,
    budget: float | None = None,
    next_arguments: Callable[[str], dict[str, Any]] | None = None,
    keep: Callable[[R], bool] | None = None,
    on_items: ItemsCallback | None = None,
    on_progress: ProgressCallback | None = None,
    window_from_cursor: bool = False,
) -> Listing[R]:
    """At most ``limit`` records of ``op`` within ``window``, in ``order``, continuable by ``cursor``.

    ``window_from_cursor``: the window is a default (the caller gave no dates), so a continued call
    scans the range the cursor's first call resolved.

    ``keep`` is a filter the gateway does not offer: only records it accepts count toward
    ``limit`` (``total_count`` still counts the upstream's rows), and ``next`` continues right
    after the last record given.

    ``next_arguments(cursor)`` turns the continuation cursor into the tool's arguments (the answer's
    ``next``); without it ``next`` is ``{"cursor": ...}``. ``budget`` (seconds) bounds the whole call.
    ``None`` parameters are left out of the query. An error before any record is raised; after
    some, the answer is partial and says why.
    """
    base = {k: v for k, v in params.items() if v is not None}
    dates = resolved_window(window, cursor, window_from_cursor)
    if op.order_by is None:
        order = "oldest"  # the upstream's own order: there is no date to order by
    query = fingerprint(op.path, sorted(base.items()), [str(d) for d in dates or ()], order)
    previous = Cursor.decode(cursor, query=query, order=order) if cursor else Cursor(order=order, query=query)
    if op.order_by is None:
        page_size = previous.page_size or page_size  # a count-based cursor keeps its page size
    run = await scan_listing(
        client, op, base, dates, limit, order, previous, page_size, budget, keep, on_items, on_progress
    )
    next_cursor = with_window(run.state.cursor(query, previous, page_size), dates) if run.reason else None
    return run.listing(client, next_cursor, next_arguments)


def with_window(cursor: Cursor, dates: tuple[dt.date, dt.date] | None) -> str:
    """``cursor``, encoded with the date range its query scans (see ``Cursor.window_of``)."""
    window = [dates[0].isoformat(), dates[1].isoformat()] if dates is not None else []
    return msgspec.structs.replace(cursor, window=window).encode()


@dataclass
class ScanRun(Generic[R]):
    """One operation's scan for a listing: what it gathered, and why it stopped (None: complete)."""

    state: _Scan[R]
    reason: Reason | None
    error: UpstreamError | None
    missing: str | None

    def listing(
        self, client: Client, next_cursor: str | None, next_arguments: Callable[[str], dict[str, Any]] | None
    ) -> Listing[R]:
        return answer(
            client,
            self.state.items,
            total=self.state.total,
            pages=self.state.pages,
            order=self.state.order,
            reason=self.reason,
            error=self.error,
            missing=self.missing,
            next_cursor=next_cursor,
            next_arguments=next_arguments,
        )


def answer(
    client: Client,
    items: list[R],
    *,
    total: int,
    pages: int,
    order: Order,
    reason: Reason | None,
    error: UpstreamError | None,
    missing: str | None,
    next_cursor: str | None,
    next_arguments: Callable[[str], dict[str, Any]] | None,
) -> Listing[R]:
    """The ``Listing`` a scan (of one operation or merged) answers."""
    return Listing(
        items=items,
        total_count=total,
        complete=reason is None,
        reason=reason,
        next=(next_arguments or _cursor_only)(next_cursor) if next_cursor else None,
        missing=missing,
        error=msgspec.convert(problem(error), Problem) if error is not None else None,
        order=order,
        pages_fetched=pages,
        sandbox=client.sandbox,
    )


def resolved_window(
    window: tuple[dt.date | None, dt.date | None] | None, cursor: str | None, from_cursor: bool
) -> tuple[dt.date, dt.date] | None:
    """The date range to scan: ``window``, or (``from_cursor``: it is a default) the cursor's own."""
    dates = checked_window(window)
    if cursor and from_cursor and dates is not None:
        return Cursor.window_of(cursor) or dates
    return dates


async def scan_listing(
    client: Client,
    op: Operation[R],
    base: dict[str, str],
    dates: tuple[dt.date, dt.date] | None,
    limit: int,
    order: Order,
    previous: Cursor,
    page_size: int,
    budget: float | None,
    keep: Callable[[R], bool] | None = None,
    on_items: ItemsCallback | None = None,
    on_progress: ProgressCallback | None = None,
) -> ScanRun[R]:
    """Scan ``op`` for a listing from where ``previous`` left off (the core of ``collect_listing``)."""
    skip = previous.skip  # keyless scans: records of earlier answers still to pass over
    boundary = dt.datetime.fromisoformat(previous.boundary) if previous.boundary else None
    state = _Scan(op, order, limit, boundary, set(previous.given), keep=keep)
    is_day = _is_date_field(op)
    windows = _windows(op, dates) if dates is not None else []
    if client.max_windows is not None and len(windows) > client.max_windows:
        raise InvalidParams(
            f"the date range spans {len(windows)} of {op.name}'s date windows ({_limit_name(op)} each); "
            f"one call may span at most {client.max_windows} (NARAMARKET_CALL_REQUESTS): narrow it"
        )
    queue: deque[Window | None] = (
        deque(_clip(windows, boundary, order, is_day)) if dates is not None else deque([None])
    )
    reason: Reason | None = None
    error: UpstreamError | None = None
    missing: str | None = None
    current: Window | None = None
    with anyio.move_on_after(budget if budget is not None else math.inf) as timer:
        while queue and not state.full:
            current = queue.popleft()
            try:
                skip = await _scan_window(
                    client, op, base, current, state, page_size, on_items, on_progress, queue, skip
                )
            except RequestBudgetSpent:
                # Like the time budget: what was gathered, and a cursor to continue exactly there.
                reason = "request_budget"
                missing = _describe_missing(current, None, order)
                break
            except UpstreamError as exc:
                if isinstance(exc, RangeTooWide) and _halvable(current, state):
                    assert current is not None
                    older, newer = _halve(current)
                    # extendleft reverses: the half to visit first goes last.
                    queue.extendleft([newer, older] if order == "oldest" else [older, newer])
                    continue
                if not state.items:
                    raise
                error = exc
                reason = "upstream_stopped" if isinstance(exc, _STOPS) else "page_failed"
                missing = _describe_missing(current, exc.page_no, order)
                break
    if timer.cancelled_caught:
        # Even with nothing to show, an answer in time beats a client's time-out: next skips the
        # windows already found empty.
        reason = "time_budget"
        missing = _describe_missing(current, None, order)
    elif reason is None and (state.more or queue):
        reason = "limit"
    return ScanRun(state, reason, error, missing)


def _cursor_only(cursor: str) -> dict[str, Any]:
    return {"cursor": cursor}


def checked_window(window: tuple[dt.date | None, dt.date | None] | None) -> tuple[dt.date, dt.date] | None:
    if window is None or all(w is None for w in window):
        return None
    start, end = window
    if start is None or end is None:
        raise InvalidParams("give both ends of the date range, or neither")
    if end < start:
        raise InvalidParams("the date range ends before it starts")
    if start < EARLIEST or end > LATEST:
        raise InvalidParams(f"dates must lie between {EARLIEST} and {LATEST} (날짜 범위 밖)")
    return start, end


# The gateway's records start in the 2000s; far-off dates are typos or probes (and year 9999 would
# overflow the window arithmetic).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def _limit_name(op: Operation[Any]) -> str:
    return op.range_limit.value if op.range_limit is not None else "unlimited"


def _is_date_field(op: Operation[Any]) -> bool:
    """True when the order field is a date (day precision), not a date-time (minute precision)."""
    return op.order_by is not None and field_type(op.record, op.order_by) is dt.date


def _halvable(window: Window | None, state: _Scan[Any]) -> bool:
    """A window refused as too wide on its first page, and wider than one day, can be halved."""
    return window is not None and state.window_pages == 0 and window[0].date() < window[1].date()


def _halve(window: Window) -> tuple[Window, Window]:
    begin, end = window
    middle = begin.date() + (end.date() - begin.date()) // 2
    return (
        (begin, dt.datetime.combine(middle, dt.time(23, 59), tzinfo=KST)),
        (dt.datetime.combine(middle + dt.timedelta(days=1), dt.time(0, 0), tzinfo=KST), end),
    )


def _describe_missing(window: Window | None, page_no: int | None, order: Order) -> str:
    page = f"page {page_no}" if page_no else "the pages not yet fetched"
    if window is None:
        return f"{page} and every page after it"
    span = f"{window[0]:%Y-%m-%d %H:%M}–{window[1]:%Y-%m-%d %H:%M}"
    return f"{page} of the date window {span}, and everything {'older' if order == 'newest' else 'newer'}"


async def _scan_window(
    client: Client,
    op: Operation[R],
    base: dict[str, str],
    window: Window | None,
    state: _Scan[R],
    page_size: int,
    on_items: ItemsCallback | None,
    on_progress: ProgressCallback | None,
    queue: deque[Window | None],
    skip: int = 0,
) -> int:
    """Give the window's records in ``state.order`` until the limit; raise on a page it cannot get.

    ``skip`` (scans without a date to order by) passes over that many records of the upstream's
    order; returns what is left of it for the next window.
    """
    query = dict(base)
    if window is not None:
        query.update(op.format_span(*window))
    state.window_pages = 0
    state.more = False
    # A window span only when the scan has several windows: one would just repeat the tool span.
    several = window is not None and (len(queue) > 0 or state.pages > 0)
    with client.observer.window(
        op.name, (window[0].date(), window[1].date()) if several and window else None
    ):
        start_page, offset = divmod(skip, page_size) if skip else (0, 0)
        start_page += 1
        first = await client.fetch_page(op, query, start_page, page_size)
        if offset:
            first = msgspec.structs.replace(first, items=first.items[offset:])
        state.window_pages = 1
        state.pages += 1
        state.total += first.total_count
        if skip >= first.total_count > 0 or (skip and not first.items):
            return max(0, skip - first.total_count)  # an earlier answer gave this whole window
        pages = max(start_page, math.ceil(first.total_count / page_size)) if page_size else start_page
        newest_first = state.order == "newest"
        sequence = list(range(start_page, pages + 1))
        if op.order_by is not None and _ascending(op, first.items) == newest_first:
            sequence.reverse()  # the wanted end of the window is on the last pages
        window_total = first.total_count
        before = len(state.items)  # records given before this window

        async def give(page_no: int, records: list[R]) -> None:
            added = state.take(records)
            if added and on_items is not None:
                await on_items(added)
            if on_progress is not None:
                target = state.limit if queue else min(state.limit, before + window_total)
                where = f"{window[0]:%Y-%m-%d}–{window[1]:%Y-%m-%d}, " if window is not None else ""
                message = f"{len(state.items)} of up to {target} records ({where}page {page_no}/{pages})"
                await on_progress(len(state.items), target, message)

        if sequence[0] == start_page:
            await give(start_page, first.items)
            if state.full:
                state.more = state.more or len(sequence) > 1
                return 0
        rest = [n for n in sequence if n != start_page]
        while rest:
            # Only the pages the limit still needs: "the latest 20" must not read ahead through a
            # whole window. The records a cursor already gave at its boundary will be skipped, so
            # they are counted in (otherwise a continued call needs one more round for a handful).
            wanted = state.limit - len(state.items) + len(state.given_before)
            needed = -(-wanted // page_size)
            batch, rest = rest[:needed], rest[needed:]
            async with client.scan(op, query, page_size=page_size, page_numbers=batch) as fetched:
                async for outcome in fetched:
                    if isinstance(outcome, PageFailure):
                        raise outcome.error
                    state.window_pages += 1
                    state.pages += 1
                    await give(outcome.page_no, outcome.items)
                    if state.full:
                        state.more = state.more or outcome.page_no != sequence[-1]
                        return 0
        if sequence[-1] == start_page and len(sequence) > 1:
            await give(start_page, first.items)
    state.scanned = window
    return 0
