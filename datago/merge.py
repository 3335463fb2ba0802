"""One listing over several operations: "all kinds at once", merged in date order.

나라장터 serves each 업무구분 (물품, 공사, 용역, ...) through its own operation, but a person asks
for "bid notices about CCTV this week" whatever the kind. ``collect_merged_listing`` scans each
operation for the call's ``limit`` (concurrently, sharing the client's cap and rate limit), merges
the records by the date they are ordered by, and keeps the list contract: at most ``limit``
records, newest (or oldest) first, and a ``next`` that continues exactly where the answer stopped.

The continuation is the same keyset cursor as one operation's (a date boundary and the records
already given at it), so every operation resumes from one boundary. Where an operation stopped
early (its own limit, a failed page, the time budget), records of the others beyond the date it
reached are held back for the next call: no kind is skipped over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from naramarket.kernel import UpstreamError

from .collect import (
    _EPOCH,
    ScanRun,
    _bucket,
    _is_date_field,
    _order_value,
    _short_id,
    answer,
    resolved_window,
    scan_listing,
    with_window,
)
from .listing import DEFAULT_LIMIT, Cursor, Listing, Order, Reason, fingerprint
from .operation import Operation
from .records import Record
from .scan import ItemsCallback, ProgressCallback

if TYPE_CHECKING:
    from .client import Client

__all__ = ["collect_merged_listing"]

R = TypeVar("R", bound=Record)

# Why a merged answer stopped, most telling first: a failure explains more than a limit.
_PRIORITY: tuple[Reason, ...] = ("upstream_stopped", "page_failed", "request_budget", "time_budget", "limit")


async def collect_merged_listing(
    client: Client,
    parts: Sequence[tuple[Operation[R], Mapping[str, str | None]]],
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
    """At most ``limit`` records of all ``parts`` (operation, parameters) merged in ``order``.

    ``keep`` filters records as for one operation. Every operation must order by a date of the
    same precision (``Operation.order_by``). An
    operation that fails before giving any record fails the call (its records could belong
    anywhere in the merged order); otherwise the answer is partial and says why, as for one.
    """
    if not parts:
        raise ValueError("collect_merged_listing needs at least one operation")
    ops = [op for op, _ in parts]
    if any(op.order_by is None for op in ops) or len({_is_date_field(op) for op in ops}) > 1:
        raise ValueError("merged operations must all order by a date of the same precision")
    bases = [{k: v for k, v in params.items() if v is not None} for _, params in parts]
    dates = resolved_window(window, cursor, window_from_cursor)
    query = fingerprint(
        "merged",
        [[op.path, sorted(base.items())] for op, base in zip(ops, bases, strict=True)],
        [str(d) for d in dates or ()],
        order,
    )
    previous = Cursor.decode(cursor, query=query, order=order) if cursor else Cursor(order=order, query=query)

    runs: list[ScanRun[R] | None] = [None] * len(parts)
    failures: list[UpstreamError] = []
    done = 0

    async def scan_one(index: int) -> None:
        nonlocal done
        try:
            runs[index] = await scan_listing(
                client, ops[index], bases[index], dates, limit, order, previous, page_size, budget, keep
            )
        except UpstreamError as exc:
            failures.append(exc)
        done += 1
        if on_progress is not None:
            await on_progress(done, len(parts), f"{done} of {len(parts)} operations scanned")

    async with anyio.create_task_group() as tg:
        for index in range(len(parts)):
            tg.start_soon(scan_one, index)
    if failures:
        raise failures[0]
    finished = [run for run in runs if run is not None]

    taken, held_back = _merge(finished, limit, order)
    reasons = [run.reason for run in finished if run.reason is not None]
    if held_back and not reasons:
        reasons.append("limit")
    reason = min(reasons, key=_PRIORITY.index) if reasons else None
    stopped = next((run for run in finished if run.reason == reason and run.error is not None), None)
    missing = "; ".join(run.missing for run in finished if run.missing) or None
    next_cursor = with_window(_cursor(taken, previous, query, order), dates) if reason is not None else None
    items = [record for _, _, record in taken]
    if items and on_items is not None:
        await on_items(items)
    return answer(
        client,
        items,
        total=sum(run.state.total for run in finished),
        pages=sum(run.state.pages for run in finished),
        order=order,
        reason=reason,
        error=stopped.error if stopped is not None else None,
        missing=missing,
        next_cursor=next_cursor,
        next_arguments=next_arguments,
    )


Taken = tuple[dt.datetime | None, str, Any]  # (date bucket, short id, record)


def _merge(runs: list[ScanRun[R]], limit: int, order: Order) -> tuple[list[Taken], bool]:
    """The records safe to give, in order, at most ``limit``; and whether any was held back."""
    newest = order == "newest"
    everything: list[Taken] = [
        (_bucket(_order_value(run.state.op, record)), _short_id(run.state.op, record), record)
        for run in runs
        for record in run.state.items
    ]
    # An operation that stopped early covered its records only down to (newest first) the date of
    # its last one: the others' records past that date wait for the next call.
    edges = [
        _bucket(_order_value(run.state.op, run.state.items[-1])) if run.state.items else None
        for run in runs
        if run.reason is not None
    ]
    safe = everything
    if edges:
        if any(edge is None for edge in edges):
            safe = []  # an operation gave nothing before it stopped: nothing is known to be in order
        else:
            dated = [edge for edge in edges if edge is not None]
            cut = max(dated) if newest else min(dated)
            safe = [t for t in everything if t[0] is not None and (t[0] >= cut if newest else t[0] <= cut)]
    safe.sort(key=lambda t: (t[0] or _EPOCH, t[1]), reverse=newest)
    taken = safe[:limit]
    return taken, len(taken) < len(everything)


def _cursor(taken: list[Taken], previous: Cursor, query: str, order: Order) -> Cursor:
    """Continue after the last record given (or where the previous answer stopped, if none was)."""
    if not taken:
        return previous
    last = taken[-1][0]
    boundary = last.isoformat() if last is not None else None
    given = {short for bucket, short, _ in taken if bucket == last}
    if boundary == previous.boundary:
        given |= set(previous.given)
    return Cursor(order=order, boundary=boundary, given=sorted(given), query=query)
