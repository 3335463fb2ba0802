"""Response-side time: where records fall in the period, and how the upstream prints dates.

No record is stamped after "now" (KST), as on the real gateway:

- The period never ends after today (``config.resolve_period`` clamps ``period_end``; the default
  is the year up to today), and records spread over its weekdays, 09:00-18:00.
- The timeline stops at the hour the app was created in (``SandboxState``): the world is a
  snapshot "as of HH:00". Every record, ``rows`` of them if configured, is in the past, and the
  same query gives the same rows for as long as the app runs; apps created within the same hour
  hold the same records. It does not grow while running (restart to move on).
- The gateway still serves only the records stamped before the request's minute
  (``SandboxState.clock``, a no-op unless a test sets the clock back); those are a prefix of the
  timestamp order, so a split date range adds up to the whole either way.
- The timestamp is printed in the date field the query's ``inqryDiv`` mode filters, else in the
  record's main date (``records``). A record's other dates follow it: those recording an event
  (change, input, receipt, award …) are empty while still ahead of the request's "now", so they
  fill in as the clock passes them; scheduled ones (deadline, opening, contract end …) may lie
  ahead, as they do upstream (``schema.is_scheduled``).
"""

from __future__ import annotations

import datetime as dt
import functools

from .dates import EPOCH, day_number

__all__ = ["FORMATS", "Timeline", "format_minute"]

# Records are registered on weekdays between 09:00 and 18:00, as notices are in practice.
WORK_START = 9 * 60
WORK_MINUTES = 9 * 60

# Response formats seen in the catalog samples.
FORMATS = ("dt_s", "dt_m", "date", "ymd", "ym", "year", "month", "time")
_HHMM = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(1440))


class Timeline:
    """Maps "business minute" k in [0, minutes) onto the calendar, monotonically."""

    def __init__(self, start: dt.date, end: dt.date, until: int | None = None) -> None:
        """Business minutes of ``start``..``end``; with ``until`` (a minute), only those before it."""
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        weekdays = [d for d in days if d.weekday() < 5] or days
        self.first_day = day_number(start)
        self.last_day = day_number(end)
        self._days = [day_number(d) for d in weekdays]
        if until is not None:
            self._days = [d for d in self._days if d * 1440 + WORK_START < until]
        self.minutes = len(self._days) * WORK_MINUTES
        if until is not None and self._days:  # the last day may be cut short
            self.minutes -= max(0, self._days[-1] * 1440 + WORK_START + WORK_MINUTES - until)

    def at(self, k: int) -> int:
        """Absolute minute (since ``EPOCH``) of business minute ``k``."""
        day, minute = divmod(k, WORK_MINUTES)
        return self._days[day] * 1440 + WORK_START + minute


@functools.lru_cache(maxsize=4096)
def _day_parts(day: int) -> tuple[str, str, str, str, str]:
    date = EPOCH + dt.timedelta(days=day)
    iso = date.isoformat()
    compact = iso.replace("-", "")
    return iso, compact, compact[:6], compact[:4], compact[4:6]


def format_minute(minute: int, second: int, fmt: str) -> str:
    """Render an absolute minute (plus seconds) in one of ``FORMATS``."""
    day, of_day = divmod(minute, 1440)
    iso, compact, year_month, year, month = _day_parts(day)
    if fmt == "dt_s":
        return f"{iso} {_HHMM[of_day]}:{second:02d}"
    if fmt == "dt_m":
        return f"{iso} {_HHMM[of_day]}"
    if fmt == "time":
        return _HHMM[of_day]
    return {"date": iso, "ymd": compact, "ym": year_month, "year": year, "month": month}[fmt]
