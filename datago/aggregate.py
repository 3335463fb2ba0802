"""Server-side aggregates over a scan: the answer is a small table, never the rows.

An analytics tool scans one or more operations with the shared engine (the client's concurrency
cap and rate limit, date windows, retries, the call's time budget) and feeds each record to running
aggregates as its page arrives; nothing keeps the rows:

    numbers = Numbers()                       # count, sum, min, max, exact quartiles
    by_maker = Groups(keep_values=True)       # the same per key
    scan = await scan_records(ctx, OP, params, window=(start, end),
                              each=lambda r: by_maker.add(r.maker, r.price))

Memory is bounded. A scan holds at most one chunk of records (``CHUNK``) between continuation
calls, and ``Numbers`` keeps only the numeric column, packed as C doubles (``array('d')``, 8 bytes
a value): quantiles are exact up to ``EXACT_VALUES`` values per aggregate, and past that come
from a uniform reservoir sample of that size (``exact`` says which); count, sum, mean, min and max
are always exact. ``Groups`` stops opening new keys past ``max_groups`` and counts the rest under
``OTHER``.

``ScanReport`` tells how many rows were read and whether the scan was complete; when it was not
(time budget, a page the gateway would not give, the daily quota) it says why and what is left,
so an agent can narrow the question or export the rows instead.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from array import array
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, TypeVar

import msgspec

from naramarket.kernel import Context

from .client import CLIENT
from .listing import Problem, Reason
from .operation import Operation
from .records import Record

__all__ = [
    "CHUNK",
    "EXACT_VALUES",
    "OTHER",
    "Bin",
    "GroupRow",
    "Groups",
    "Histogram",
    "NumberSummary",
    "Numbers",
    "ScanReport",
    "quartiles",
    "scan_records",
]

R = TypeVar("R", bound=Record)

CHUNK = 5000  # records held between continuation calls of one scan
EXACT_VALUES = 1_000_000  # values kept per aggregate for exact quantiles (8 MB of doubles)
OTHER = "(기타 / other)"  # the key rows fall under once ``max_groups`` keys exist


def quartiles(ordered: Iterable[float], n: int) -> tuple[float, float, float]:
    """The 25th, 50th and 75th percentiles of ``n`` sorted values, linearly interpolated.

    The ``inclusive`` method of ``statistics.quantiles`` (R's type 7, NumPy's default): the
    minimum and maximum are the 0th and 100th percentiles.
    """
    values = ordered if isinstance(ordered, list | array) else list(ordered)
    out = []
    for q in (0.25, 0.5, 0.75):
        position = (n - 1) * q
        low = math.floor(position)
        high = min(low + 1, n - 1)
        fraction = position - low
        a, b = values[low], values[high]
        out.append(a + (b - a) * fraction if fraction else a)
    return out[0], out[1], out[2]


class NumberSummary(msgspec.Struct, kw_only=True):
    """Count, sum, mean and five-number summary of a numeric column."""

    count: Annotated[int, msgspec.Meta(description="values counted (rows with no value are not)")]
    sum: Annotated[float | None, msgspec.Meta(description="합계 / sum")] = None
    mean: Annotated[float | None, msgspec.Meta(description="평균 / mean")] = None
    min: Annotated[float | None, msgspec.Meta(description="최솟값 / minimum")] = None
    p25: Annotated[float | None, msgspec.Meta(description="1사분위 / 25th percentile")] = None
    median: Annotated[float | None, msgspec.Meta(description="중앙값 / median")] = None
    p75: Annotated[float | None, msgspec.Meta(description="3사분위 / 75th percentile")] = None
    max: Annotated[float | None, msgspec.Meta(description="최댓값 / maximum")] = None
    exact: Annotated[
        bool,
        msgspec.Meta(
            description="true when the quartiles are exact; false past a million values, where they "
            "come from a uniform sample of a million (count, sum, mean, min, max stay exact)"
        ),
    ] = True


class Numbers:
    """Running statistics of one numeric column: exact count/sum/min/max, bounded-memory quartiles."""

    __slots__ = ("_random", "count", "high", "keep", "limit", "low", "total", "values")

    def __init__(self, *, keep_values: bool = True, limit: int = EXACT_VALUES) -> None:
        self.count = 0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf
        self.keep = keep_values
        self.limit = limit
        self.values = array("d")
        self._random: random.Random | None = None

    def add(self, value: float | None) -> None:
        """Count ``value``; None (no value on the row) is skipped."""
        if value is None:
            return
        self.count += 1
        self.total += value
        if value < self.low:
            self.low = value
        if value > self.high:
            self.high = value
        if not self.keep:
            return
        if len(self.values) < self.limit:
            self.values.append(value)
            return
        # Algorithm R: every value seen so far is in the sample with the same probability.
        if self._random is None:
            self._random = random.Random(0x5EED)  # deterministic: the same scan, the same answer
        slot = self._random.randrange(self.count)
        if slot < self.limit:
            self.values[slot] = value

    @property
    def exact(self) -> bool:
        return self.count <= self.limit

    def summary(self) -> NumberSummary:
        if not self.count:
            return NumberSummary(count=0)
        summary = NumberSummary(
            count=self.count,
            sum=self.total,
            mean=self.total / self.count,
            min=self.low,
            max=self.high,
            exact=self.exact,
        )
        if self.keep:
            ordered = sorted(self.values)
            summary.p25, summary.median, summary.p75 = quartiles(ordered, len(ordered))
        return summary


class GroupRow(msgspec.Struct, kw_only=True):
    """One key of a grouped aggregate."""

    key: Annotated[str, msgspec.Meta(description="the group: a maker, a company, a month, a kind …")]
    label: Annotated[str, msgspec.Meta(description="a readable name for the key, e.g. a company name")] = ""
    count: Annotated[int, msgspec.Meta(description="건수 / rows in the group")]
    share: Annotated[float, msgspec.Meta(description="비중 / the group's share of all rows counted, %")] = 0.0
    value: Annotated[NumberSummary, msgspec.Meta(description="the numeric column over the group's rows")]
    value_share: Annotated[
        float | None, msgspec.Meta(description="the group's share of the column's sum, % (amounts)")
    ] = None


class Groups:
    """Running ``Numbers`` per key, each with a readable label; at most ``max_groups`` keys."""

    def __init__(self, *, keep_values: bool = False, max_groups: int = 100_000) -> None:
        self.keep = keep_values
        self.max_groups = max_groups
        self.groups: dict[str, Numbers] = {}
        self.rows: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self.overflowed = False

    def add(self, key: str, value: float | None, label: str = "") -> None:
        """Count one row under ``key`` (its value may be None: the row counts, the value does not)."""
        numbers = self.groups.get(key)
        if numbers is None:
            if len(self.groups) >= self.max_groups:
                self.overflowed = True
                key = OTHER
                numbers = self.groups.get(key)
            if numbers is None:
                numbers = self.groups[key] = Numbers(keep_values=self.keep)
                self.rows[key] = 0
        self.rows[key] += 1
        numbers.add(value)
        if label and key not in self.labels:
            self.labels[key] = label

    def table(self, *, by: str = "count", top: int | None = None) -> list[GroupRow]:
        """Rows ordered by ``by`` (``count``, ``sum`` or ``key``), the first ``top`` of them."""
        all_rows = sum(self.rows.values()) or 1
        all_sum = sum(n.total for n in self.groups.values())
        if by == "key":
            keys = sorted(self.groups)
        elif by == "sum":
            keys = sorted(self.groups, key=lambda k: (-self.groups[k].total, -self.rows[k], k))
        else:
            keys = sorted(self.groups, key=lambda k: (-self.rows[k], -self.groups[k].total, k))
        return [
            GroupRow(
                key=k,
                label=self.labels.get(k, ""),
                count=self.rows[k],
                share=round(100.0 * self.rows[k] / all_rows, 4),
                value=self.groups[k].summary(),
                value_share=round(100.0 * self.groups[k].total / all_sum, 4) if all_sum else None,
            )
            for k in (keys if top is None else keys[:top])
        ]


class Bin(msgspec.Struct, kw_only=True):
    """One bin of a histogram: ``low <= value < high``."""

    low: Annotated[float, msgspec.Meta(description="하한 / the bin's lower bound (inclusive)")]
    high: Annotated[float, msgspec.Meta(description="상한 / the bin's upper bound (exclusive)")]
    count: Annotated[int, msgspec.Meta(description="건수 / values in the bin")]


class Histogram:
    """Counts of values in fixed-width bins between ``low`` and ``high``: exact and small.

    Values below ``low`` or at/above ``high`` are counted in ``below``/``above``, so a stray value
    cannot open millions of bins.
    """

    def __init__(self, width: float, *, low: float = -math.inf, high: float = math.inf) -> None:
        self.width = width
        self.low = low
        self.high = high
        self.below = 0
        self.above = 0
        self.counts: dict[int, int] = {}

    def add(self, value: float | None) -> None:
        if value is None:
            return
        if value < self.low:
            self.below += 1
        elif value >= self.high:
            self.above += 1
        else:
            index = math.floor(value / self.width)
            self.counts[index] = self.counts.get(index, 0) + 1

    def bins(self) -> list[Bin]:
        return [
            Bin(low=round(i * self.width, 6), high=round((i + 1) * self.width, 6), count=self.counts[i])
            for i in sorted(self.counts)
        ]


class ScanReport(msgspec.Struct, kw_only=True):
    """What a scan read, and whether it read everything the question covers."""

    rows_read: Annotated[int, msgspec.Meta(description="rows read from the upstream and aggregated")]
    complete: Annotated[bool, msgspec.Meta(description="true when every row the question covers was read")]
    pages_fetched: Annotated[int, msgspec.Meta(description="upstream pages fetched")] = 0
    reason: Annotated[
        Reason | None,
        msgspec.Meta(
            description="why `complete` is false: `time_budget` (the call's time ran out), "
            "`page_failed` or `upstream_stopped` (see `error`)"
        ),
    ] = None
    missing: Annotated[str | None, msgspec.Meta(description="what was not read, when incomplete")] = None
    advice: Annotated[
        str | None,
        msgspec.Meta(description="how to get a complete answer: a narrower question, or an export"),
    ] = None
    error: Annotated[Problem | None, msgspec.Meta(description="the problem that stopped the scan")] = None
    sandbox: Annotated[
        bool, msgspec.Meta(description="true when the rows are the built-in sandbox's fake data")
    ] = False

    def merge(self, other: ScanReport) -> ScanReport:
        """Two scans of one answer (e.g. one per 업무구분) as one report."""
        first_gap = self if not self.complete else other
        return ScanReport(
            rows_read=self.rows_read + other.rows_read,
            complete=self.complete and other.complete,
            pages_fetched=self.pages_fetched + other.pages_fetched,
            reason=first_gap.reason,
            missing=first_gap.missing,
            advice=first_gap.advice,
            error=first_gap.error,
            sandbox=self.sandbox or other.sandbox,
        )


_ADVICE = (
    "The aggregate covers only the rows read: narrow the date range or the filters and ask again, "
    "or export the rows (an export job reads without the call's time budget)."
)


async def scan_records(
    ctx: Context,
    op: Operation[R],
    params: Mapping[str, str | None],
    *,
    window: tuple[dt.date | None, dt.date | None] | None = None,
    each: Callable[[R], Any],
    keep: Callable[[R], bool] | None = None,
    chunk: int = CHUNK,
    page_size: int = 999,
    label: str = "",
) -> ScanReport:
    """Hand every record of ``op`` in ``window`` to ``each``; hold at most ``chunk`` at a time.

    The scan runs the list contract (``Client.collect``) chunk by chunk, continuing each time from
    the exact keyset cursor, so date windows, de-duplication, halving on 07 and the call's time
    budget (``ctx.time_left()``) all apply. ``keep`` is a filter the gateway lacks. Progress goes
    to ``ctx.progress``.
    """
    client = ctx.resources[CLIENT]
    report = ScanReport(rows_read=0, complete=True, sandbox=client.sandbox)
    cursor: str | None = None
    where = f" ({label})" if label else ""
    while True:
        listing = await client.collect(
            op,
            params,
            window=window,
            limit=chunk,
            order="oldest",
            cursor=cursor,
            page_size=page_size,
            budget=ctx.time_left(),
            keep=keep,
        )
        for record in listing.items:
            each(record)
        report.rows_read += len(listing.items)
        report.pages_fetched += listing.pages_fetched
        await ctx.progress(report.rows_read, None, f"{report.rows_read} rows read{where}")
        if listing.complete:
            return report
        if listing.reason == "limit" and listing.next is not None and ctx.time_left() > 0:
            cursor = listing.next["cursor"]
            continue
        report.complete = False
        report.reason = listing.reason if listing.reason != "limit" else "time_budget"
        report.missing = (f"{label}: " if label else "") + (listing.missing or "the rows not yet read")
        report.error = listing.error
        report.advice = _ADVICE
        return report
