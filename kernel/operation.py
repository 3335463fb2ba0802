"""Upstream operations, declared once by plugins: path, record type, date-range limit, key."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import Enum

from .records import Record

__all__ = ["DAY", "MONTH", "WEEK", "YEAR", "Operation", "RangeLimit", "split_windows"]


class RangeLimit(Enum):
    """The widest date range one call of an operation accepts (catalog ``date_range_limits``)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    YEARS_3 = "36 months"


DAY, WEEK, MONTH, YEAR = RangeLimit.DAY, RangeLimit.WEEK, RangeLimit.MONTH, RangeLimit.YEAR


@dataclass(frozen=True, slots=True)
class Operation:
    """One data.go.kr operation, e.g. ``at/ShoppingMallPrdctInfoService`` + ``getMASCntrctPrdctInfoList``."""

    service: str
    name: str
    record: type[Record]
    range_limit: RangeLimit | None = None
    key: tuple[str, ...] = ()  # record attributes that identify a row, for de-duplication
    date_params: tuple[str, str] | None = None  # (begin, end) request parameter names
    date_format: str = "%Y%m%d%H%M"  # YYYYMMDDHHMM unless the operation takes YYYYMMDD

    @property
    def path(self) -> str:
        """The path below the API base, e.g. ``at/ShoppingMallPrdctInfoService/getMASCntrctPrdctInfoList``."""
        return f"{self.service}/{self.name}"

    def format_range(self, start: dt.date, end: dt.date) -> dict[str, str]:
        """Request parameters for the inclusive date range [start, end]."""
        if self.date_params is None:
            return {}
        begin_name, end_name = self.date_params
        begin = dt.datetime.combine(start, dt.time(0, 0))
        finish = dt.datetime.combine(end, dt.time(23, 59))
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
