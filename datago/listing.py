"""The result contract every list tool shares: bounded, ordered, continuable, honest about gaps.

A list tool's parameters derive from ``ListQuery`` (a date range, ``limit``, ``order``, ``cursor``);
its result is a ``Listing``. When ``complete`` is false, ``next`` holds the exact arguments of the
call that continues where this one stopped, ``reason`` says why it stopped and ``missing`` what
was not fetched. ``summary_text()`` is the compact form MCP shows a model.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

import msgspec

from naramarket.kernel import DateRange, InvalidParams

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "SANDBOX_MARK",
    "Cursor",
    "ListQuery",
    "Listing",
    "Order",
    "Problem",
    "Reason",
    "sandbox_mark",
]

T = TypeVar("T")

DEFAULT_LIMIT = 50  # about 15k tokens of records: room for the model to think about them
MAX_LIMIT = 500  # one answer stays well under 1 MiB; more is an export job

SANDBOX_MARK = "[SANDBOX: fake data, not real procurement records] "
"""What a text meant for a model starts with when the answer is the sandbox's fake data."""

Order = Literal["newest", "oldest"]
Reason = Literal["limit", "time_budget", "request_budget", "page_failed", "upstream_stopped"]


class ListQuery(DateRange, kw_only=True):
    """What every list tool takes besides its filters: a date range, a limit, an order, a cursor."""

    limit: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=MAX_LIMIT,
            description=f"최대 건수 / at most this many records (default {DEFAULT_LIMIT}, at most "
            f"{MAX_LIMIT}); when more exist the answer's `next` continues",
        ),
    ] = DEFAULT_LIMIT
    order: Annotated[
        Order,
        msgspec.Meta(
            description="정렬 / `newest` first (default) or `oldest` first, by the date the tool filters on"
        ),
    ] = "newest"
    cursor: Annotated[
        str | None,
        msgspec.Meta(description="이어받기 / leave out; it is part of a previous answer's `next`"),
    ] = None
    # The bounds sit on the int, the description on the whole field: outside `anyOf`, where
    # clients (and models) read it.
    page_size: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=999)] | None,
        msgspec.Meta(
            description="페이지당 건수 / rows per upstream request (numOfRows, 1-999); leave out to "
            "let the server choose from `limit`"
        ),
    ] = None


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document: what stopped a scan."""

    type: Annotated[str, msgspec.Meta(description="a URI naming the problem type")]
    title: Annotated[str, msgspec.Meta(description="a short summary of the problem type")]
    status: Annotated[int, msgspec.Meta(description="the HTTP status this problem maps to")]
    code: Annotated[str, msgspec.Meta(description="a stable machine-readable code, e.g. quota_exceeded")]
    detail: Annotated[str, msgspec.Meta(description="what happened, for a person")] = ""
    upstream_code: Annotated[str | None, msgspec.Meta(description="data.go.kr's own result code")] = None
    trace_id: Annotated[str | None, msgspec.Meta(description="the trace of this call, for operators")] = None


class Listing(msgspec.Struct, Generic[T], kw_only=True):
    """Records of a list tool, bounded by ``limit``, with an honest account of what is left."""

    items: Annotated[list[T], msgspec.Meta(description="the records, in `order`")]
    total_count: Annotated[
        int,
        msgspec.Meta(
            description="rows the upstream reported for the date windows scanned so far (a lower "
            "bound of the whole when `complete` is false)"
        ),
    ]
    complete: Annotated[bool, msgspec.Meta(description="true when nothing the query matches was left out")]
    reason: Annotated[
        Reason | None,
        msgspec.Meta(
            description="why `complete` is false: `limit` (more records exist), `time_budget` (the "
            "call's time ran out), `request_budget` (the call made as many upstream requests as one "
            "call may), `page_failed` (a page could not be fetched; see `error`) or "
            "`upstream_stopped` (data.go.kr refused more requests, e.g. the daily quota; see `error`)"
        ),
    ] = None
    next: Annotated[
        dict[str, Any] | None,
        msgspec.Meta(
            description="when `complete` is false: the arguments of the next call of this tool; pass "
            "them back as they are to continue exactly where this answer stopped"
        ),
    ] = None
    missing: Annotated[
        str | None, msgspec.Meta(description="what this answer did not fetch, when it stopped early")
    ] = None
    error: Annotated[Problem | None, msgspec.Meta(description="the problem that stopped the scan")] = None
    order: Annotated[Order, msgspec.Meta(description="the order of `items`")] = "newest"
    pages_fetched: Annotated[int, msgspec.Meta(description="upstream pages fetched for this answer")] = 0
    sandbox: Annotated[
        bool,
        msgspec.Meta(
            description="true when the records are the built-in sandbox's fake data, not real records"
        ),
    ] = False
    hint: Annotated[
        str | None,
        msgspec.Meta(
            description="what to try when nothing matched, e.g. look the category up with "
            "search_categories (null when there is nothing to suggest)"
        ),
    ] = None

    def summary_text(self, tool: str, *, width: int = 40) -> str:
        """A few lines a model reads cheaply: counts, how to continue, and a table of key columns."""
        head = f"{tool}: {len(self.items)} record(s), {self.order} first"
        head += f"; upstream reported {self.total_count} for the windows scanned"
        if self.sandbox:
            head = SANDBOX_MARK + head
        lines = [head + "."]
        if not self.complete:
            why = {
                "limit": "more records exist",
                "time_budget": "the time budget ran out",
                "request_budget": "the call's upstream request budget ran out",
            }.get(
                self.reason or "", f"stopped early ({self.reason}: {self.error.code if self.error else ''})"
            )
            lines.append(f"Incomplete: {why}. Call {tool} again with `next` as the arguments to continue.")
            if self.missing:
                lines.append(f"Not fetched: {self.missing}.")
        if self.items:
            columns = _summary_columns(self.items[0])
            lines.append("")
            lines.append("| " + " | ".join(columns) + " |")
            lines.append("|" + "---|" * len(columns))
            for item in self.items:
                cells = (_cell(getattr(item, c, ""), width) for c in columns)
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
            lines.append("Every field of every record is in the structured content.")
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)


def sandbox_mark(sandbox: bool) -> str:
    """``SANDBOX_MARK`` for sandbox answers, else nothing: the head of a model-facing text."""
    return SANDBOX_MARK if sandbox else ""


def _summary_columns(item: Any) -> tuple[str, ...]:
    declared: tuple[str, ...] = getattr(type(item), "summary_fields", ())
    return declared or tuple(getattr(type(item), "__struct_fields__", ()))[:5]


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value.isoformat() if hasattr(value, "isoformat") else value)
    text = text.replace("|", "/").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


class Cursor(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Where a list scan continues: a date boundary and the records already given at it (opaque to callers).

    Keyset, not page numbers: the next call asks the upstream again up to (newest first) or from
    (oldest first) the boundary and skips the records it already gave there, so rows the
    upstream adds meanwhile shift nothing.
    """

    VERSION: ClassVar[int] = 1

    v: int = 1
    order: Order = "newest"
    boundary: str | None = None  # ISO date or minute of the last record given
    given: list[str] = msgspec.field(default_factory=list)  # short ids of records given at the boundary
    skip: int = 0  # without a date to order by: records of the upstream's own order already given
    page_size: int = 0  # ...counted in pages of this size
    query: str = ""  # fingerprint of the query it belongs to
    window: list[str] = msgspec.field(default_factory=list)  # the date range scanned (ISO), if any

    def encode(self) -> str:
        """The cursor as an opaque URL-safe string."""
        return base64.urlsafe_b64encode(msgspec.json.encode(self)).decode().rstrip("=")

    @classmethod
    def window_of(cls, text: str) -> tuple[dt.date, dt.date] | None:
        """The date range a cursor's query scanned (None when unreadable or without one).

        A call continued without explicit dates scans the range its first call resolved, not a
        default recomputed later: "the last 30 days" past midnight would be another query.
        """
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            window = msgspec.json.decode(raw, type=cls).window
            return (dt.date.fromisoformat(window[0]), dt.date.fromisoformat(window[1])) if window else None
        except (ValueError, IndexError, msgspec.DecodeError, msgspec.ValidationError):
            return None  # decode() refuses it with the caller's message

    @classmethod
    def decode(cls, text: str, *, query: str, order: Order) -> Cursor:
        """Read a cursor back, refusing one that belongs to another query or order."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            cursor = msgspec.json.decode(raw, type=cls)
        except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
            raise InvalidParams(
                "cursor: not a cursor this server issued; pass the previous answer's `next` as it is"
            ) from None
        if cursor.v != cls.VERSION or cursor.query != query or cursor.order != order:
            raise InvalidParams(
                "cursor: it belongs to another query (filters, dates or order changed); "
                "start again without it"
            )
        return cursor


def fingerprint(*parts: Any) -> str:
    """A short, stable digest of a query (so a cursor is only used with the query that issued it)."""
    return hashlib.blake2s(msgspec.json.encode(parts), digest_size=6).hexdigest()
