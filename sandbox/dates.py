"""Request-side dates: parse range params (code 06) and check range limits (code 07).

Times are whole minutes since 2000-01-01 00:00 (KST, like the gateway); a range is inclusive at
its own granularity, so ``inqryEndDate=20250731`` covers up to 2025-07-31 23:59.
"""

from __future__ import annotations

import calendar
import datetime as dt

from .catalog import Limit

__all__ = ["EPOCH", "KST", "Bounds", "day_number", "exceeds", "minute_now", "parse_bound"]

EPOCH = dt.date(2000, 1, 1)
KST = dt.timezone(dt.timedelta(hours=9))
_EPOCH_ORD = EPOCH.toordinal()
_DIGITS = {"datetime": 12, "date": 8, "month": 6, "year": 4}

Bounds = tuple[int, int]  # inclusive minute range


def day_number(day: dt.date) -> int:
    """Days since ``EPOCH``."""
    return day.toordinal() - _EPOCH_ORD


def minute_now() -> int:
    """The current minute (KST) since ``EPOCH``."""
    now = dt.datetime.now(KST)
    return day_number(now.date()) * 1440 + now.hour * 60 + now.minute


def parse_bound(value: str, fmt: str, *, end: bool) -> int | None:
    """Minute of the start (or, with ``end``, the last minute) of ``value``; None if malformed."""
    if len(value) != _DIGITS[fmt] or not value.isdigit():
        return None
    year = int(value[:4])
    month = int(value[4:6]) if fmt != "year" else (12 if end else 1)
    if not 1 <= month <= 12 or year < 2000:
        return None
    last_day = calendar.monthrange(year, month)[1]
    day = int(value[6:8]) if fmt in ("date", "datetime") else (last_day if end else 1)
    if not 1 <= day <= last_day:
        return None
    if fmt == "datetime":
        hour, minute = int(value[8:10]), int(value[10:12])
        if hour > 23 or minute > 59:
            return None
    else:
        hour, minute = (23, 59) if end else (0, 0)
    return day_number(dt.date(year, month, day)) * 1440 + hour * 60 + minute


def exceeds(bounds: Bounds, limit: Limit) -> bool:
    """True when the range is longer than ``limit`` allows.

    Compared by calendar date (end date <= begin date + limit) because the doc's own examples do
    so: opengBgnDt=202507010000 & opengEndDt=202507022359 is its example of a "1일" range.
    """
    begin = EPOCH + dt.timedelta(days=bounds[0] // 1440)
    end = EPOCH + dt.timedelta(days=bounds[1] // 1440)
    if limit.unit in ("day", "week"):
        latest = begin + dt.timedelta(days=limit.amount * (7 if limit.unit == "week" else 1))
    else:
        latest = _add_months(begin, limit.amount * (12 if limit.unit == "year" else 1))
    return end > latest


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
