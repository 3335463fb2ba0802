"""A list scan with a filter the gateway does not offer, keeping the list contract exact.

``collect()`` gives at most ``limit`` rows of the upstream's answer; a filter applied after it
would return fewer rows with a ``next`` that skips nothing — but a call that keeps reading until
``limit`` rows *match* needs a cursor that stops right after the last match given. The library's
cursor is opaque, so this asks the library for it: scan a block of rows, and when the block holds
more matches than wanted, scan the same block again from the same cursor with ``limit`` set to end
exactly at the last wanted match (the answers are deterministic for the same cursor).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import anyio
import msgspec

from naramarket.datago import (
    CLIENT,
    MAX_LIMIT,
    AccessDenied,
    KeyExpired,
    KeyNotRegistered,
    Listing,
    ListQuery,
    Problem,
    QuotaExceeded,
    Record,
    ServiceNotFound,
    UnregisteredIp,
)
from naramarket.datago.g2b import G2bOperation
from naramarket.kernel import Context, UpstreamError

__all__ = ["collect_matching"]

R = TypeVar("R", bound=Record)

# Refusals that end every further request (the daily quota, the key): "upstream_stopped".
_STOPS = (QuotaExceeded, KeyNotRegistered, KeyExpired, UnregisteredIp, AccessDenied, ServiceNotFound)


async def collect_matching(
    ctx: Context,
    op: G2bOperation[R],
    params: Mapping[str, str | None],
    query: ListQuery,
    keep: Callable[[R], bool],
    *,
    window: tuple[Any, Any] | None,
) -> Listing[R]:
    """At most ``query.limit`` rows of ``op`` for which ``keep`` is true; ``next`` continues after them.

    ``total_count`` counts the matches given (the upstream's totals count rows before the filter).
    """
    client = ctx.resources[CLIENT]
    deadline = anyio.current_time() + ctx.settings.call_budget
    page_size = query.page_size or 500  # a filter reads many rows per match: big pages

    def next_arguments(cursor: str) -> dict[str, Any]:
        arguments: dict[str, Any] = msgspec.to_builtins(msgspec.structs.replace(query, cursor=cursor))
        return {k: v for k, v in arguments.items() if v is not None}

    async def scan(cursor: str | None, limit: int) -> Listing[R]:
        return await client.collect(
            op,
            params,
            window=window,
            limit=limit,
            order=query.order,
            cursor=cursor,
            page_size=page_size,
            budget=max(0.0, deadline - anyio.current_time()),
            next_arguments=next_arguments,
        )

    items: list[R] = []
    pages = 0
    scanned = 0
    cursor = query.cursor
    while True:
        wanted = query.limit - len(items)
        try:
            block = await scan(cursor, MAX_LIMIT)
        except UpstreamError as exc:
            if not items:
                raise
            return _stopped(
                items, exc, next_arguments(cursor) if cursor else None, query, pages, client.sandbox
            )
        pages += block.pages_fetched
        matches = [i for i, row in enumerate(block.items) if keep(row)]
        if len(matches) > wanted:
            # Too many in this block: the same block again, ending right after the last wanted match.
            block = await scan(cursor, matches[wanted - 1] + 1)
            pages += block.pages_fetched
            matches = [i for i, row in enumerate(block.items) if keep(row)][:wanted]
        found = [block.items[i] for i in matches]
        items += found
        scanned += len(block.items)
        await ctx.items(found)
        await ctx.progress(len(items), query.limit, f"{len(items)} matching of {scanned} records read")
        if block.complete or block.reason != "limit" or len(items) >= query.limit or not block.next:
            return Listing(
                items=items,
                total_count=len(items),
                complete=block.complete,
                reason=block.reason,
                next=block.next,
                missing=block.missing,
                error=block.error,
                order=block.order,
                pages_fetched=pages,
                sandbox=block.sandbox,
            )
        cursor = block.next["cursor"]


def _stopped(
    items: list[R],
    exc: UpstreamError,
    next_call: dict[str, Any] | None,
    query: ListQuery,
    pages: int,
    sandbox: bool,
) -> Listing[R]:
    """A partial answer: the matches so far, and the error that stopped the next block."""
    error = Problem(
        type=f"https://naramarket.dev/problems/{exc.code}",
        title=exc.title,
        status=exc.status,
        code=exc.code,
        detail=exc.detail,
        upstream_code=getattr(exc, "upstream_code", None),
    )
    return Listing(
        items=items,
        total_count=len(items),
        complete=False,
        reason="upstream_stopped" if isinstance(exc, _STOPS) else "page_failed",
        next=next_call,
        missing="the records after the last one given",
        error=error,
        order=query.order,
        pages_fetched=pages,
        sandbox=sandbox,
    )
