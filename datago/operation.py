"""Upstream operations, declared once by plugins: path, record type, date-range limit, identity."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

from naramarket.kernel import UpstreamError

from .errors import COMMON_CODES, COMMON_MESSAGES
from .records import Record

__all__ = ["DATA_GO_KR", "DAY", "MONTH", "WEEK", "YEAR", "Api", "Operation", "RangeLimit", "split_windows"]

R = TypeVar("R", bound=Record)


@dataclass(frozen=True, slots=True)
class Api:
    """What one provider's APIs on data.go.kr share: its error envelopes and result codes.

    Every API answers the portal's common codes and gateway envelopes; a provider may add its
    own error envelope (조달청: ``nkoneps.com.response.ResponseError``) and codes (06/07/08).
    """

    name: str
    error_envelopes: tuple[str, ...] = ()  # top-level JSON keys of the provider's error bodies
    codes: Mapping[str, type[UpstreamError]] = field(
        default_factory=lambda: dict(COMMON_CODES), compare=False
    )
    messages: Mapping[str, str] = field(default_factory=lambda: dict(COMMON_MESSAGES), compare=False)


DATA_GO_KR = Api("data.go.kr")


class RangeLimit(Enum):
    """The widest date range one call of an operation accepts (catalog ``date_range_limits``)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    YEARS_3 = "36 months"


DAY, WEEK, MONTH, YEAR = RangeLimit.DAY, RangeLimit.WEEK, RangeLimit.MONTH, RangeLimit.YEAR


@dataclass(frozen=True, slots=True)
class Operation(Generic[R]):
    """One data.go.kr operation, e.g. ``at/ShoppingMallPrdctInfoService`` + ``getMASCntrctPrdctInfoList``.

    ``record`` is the typed row; a scan of the operation returns ``Listing[record]``.
    """

    service: str
    name: str
    record: type[R]
    range_limit: RangeLimit | None = None
    dedupe_on: tuple[str, ...] = ()  # record attributes that identify a row (pages can overlap)
    order_by: str | None = None  # the record's date that date_params filter on: newest/oldest first
    date_params: tuple[str, str] | None = None  # (begin, end) request parameter names
    date_format: str = "%Y%m%d%H%M"  # YYYYMMDDHHMM unless the operation takes YYYYMMDD
    api: Api = DATA_GO_KR

    def __post_init__(self) -> None:
        named = (*self.dedupe_on, *([self.order_by] if self.order_by else []))
        unknown = [name for name in named if name not in self.record.__struct_fields__]
        if unknown:
            raise ValueError(f"{self.name}: {unknown} are not attributes of {self.record.__name__}")

    @property
    def path(self) -> str:
        """The path below the API base, e.g. ``at/ShoppingMallPrdctInfoService/getMASCntrctPrdctInfoList``."""
        return f"{self.service}/{self.name}"

    def format_range(self, start: dt.date, end: dt.date) -> dict[str, str]:
        """Request parameters for the inclusive date range [start, end]."""
        return self.format_span(
            dt.datetime.combine(start, dt.time(0, 0)), dt.datetime.combine(end, dt.time(23, 59))
        )

    def format_span(self, begin: dt.datetime, finish: dt.datetime) -> dict[str, str]:
        """Request parameters for the inclusive span [begin, finish] (minute precision, KST)."""
        if self.date_params is None:
            return {}
        begin_name, end_name = self.date_params
        return {begin_name: begin.strftime(self.date_format), end_name: finish.strftime(self.date_format)}


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _window_end(start: dt.date, limit: RangeLimit) -> dt.date:
    """The last day of the widest window beginning at ``start`` (calendar-month aligned)."""
    if limit is RangeLimit.DAY:
        return start
    if limit is RangeLimit.WEEK:
        return start + dt.timedelta(days=6)
    if limit is RangeLimit.MONTH:
        return dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    months = 12 if limit is RangeLimit.YEAR else 36
    return _add_months(start, months) - dt.timedelta(days=1)


def split_windows(start: dt.date, end: dt.date, limit: RangeLimit | None) -> list[tuple[dt.date, dt.date]]:
    """Split the inclusive range [start, end] into consecutive windows no wider than ``limit``.

    Month windows follow calendar months, which is what the gateway's 07 check tolerates best.
    """
    if end < start:
        raise ValueError("end date is before start date")
    if limit is None:
        return [(start, end)]
    windows = []
    cursor = start
    while cursor <= end:
        stop = min(_window_end(cursor, limit), end)
        windows.append((cursor, stop))
        cursor = stop + dt.timedelta(days=1)
    return windows
