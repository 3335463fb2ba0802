"""kernel/operation.py: date ranges split into windows the gateway accepts, and request parameters."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from naramarket.datago import DAY, MONTH, WEEK, YEAR, Operation, RangeLimit, split_windows

from .fakes import Row

ONE_DAY = dt.timedelta(days=1)


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the 1st of the month after when that day does not exist."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    if day.day > calendar.monthrange(year, month)[1]:
        return dt.date(year, month, 1) + dt.timedelta(days=calendar.monthrange(year, month)[1])
    return dt.date(year, month, day.day)


def within_limit(start: dt.date, end: dt.date, limit: RangeLimit) -> bool:
    """Whether the inclusive window [start, end] is no wider than ``limit``."""
    if limit is RangeLimit.DAY:
        return start == end
    if limit is RangeLimit.WEEK:
        return (end - start).days <= 6
    if limit is RangeLimit.MONTH:
        return (start.year, start.month) == (end.year, end.month)
    months = 12 if limit is RangeLimit.YEAR else 36
    return end < months_later(start, months)


@given(
    start=st.dates(dt.date(1999, 1, 1), dt.date(2040, 12, 31)),
    days=st.integers(0, 2000),
    limit=st.sampled_from([None, *RangeLimit]),
)
def test_windows_are_contiguous_cover_the_range_and_respect_the_limit(
    start: dt.date, days: int, limit: RangeLimit | None
) -> None:
    end = start + dt.timedelta(days=days)
    windows = split_windows(start, end, limit)

    assert windows[0][0] == start
    assert windows[-1][1] == end
    for (_, stop), (begin, _) in itertools.pairwise(windows):
        assert begin == stop + ONE_DAY  # no gap, no overlap
    for begin, stop in windows:
        assert begin <= stop
        if limit is not None:
            assert within_limit(begin, stop, limit), (begin, stop)
    if limit is None:
        assert windows == [(start, end)]


@given(start=st.dates(dt.date(1999, 1, 1), dt.date(2040, 12, 31)), days=st.integers(0, 800))
def test_month_windows_follow_calendar_months(start: dt.date, days: int) -> None:
    end = start + dt.timedelta(days=days)
    windows = split_windows(start, end, MONTH)

    months = {(d.year, d.month) for d in (start + dt.timedelta(n) for n in range(days + 1))}
    assert len(windows) == len(months)  # one call per calendar month touched, no more
    for begin, _ in windows[1:]:
        assert begin.day == 1
    for _, stop in windows[:-1]:
        assert stop.day == calendar.monthrange(stop.year, stop.month)[1]


@given(
    start=st.dates(dt.date(1999, 1, 1), dt.date(2040, 12, 31)),
    days=st.integers(0, 400),
    limit=st.sampled_from([DAY, WEEK]),
)
def test_day_and_week_windows_are_as_wide_as_allowed(start: dt.date, days: int, limit: RangeLimit) -> None:
    width = 1 if limit is DAY else 7
    windows = split_windows(start, start + dt.timedelta(days=days), limit)
    assert len(windows) == -(-(days + 1) // width)
    assert all((stop - begin).days + 1 == width for begin, stop in windows[:-1])


def test_a_year_window_is_one_call_for_a_calendar_year() -> None:
    assert split_windows(dt.date(2024, 1, 1), dt.date(2024, 12, 31), YEAR) == [
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    ]


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        split_windows(dt.date(2025, 2, 1), dt.date(2025, 1, 31), MONTH)


def test_format_range_covers_whole_days_in_the_operation_format() -> None:
    minutes = Operation("at/Service", "getList", record=Row, date_params=("rgstDtBgnDt", "rgstDtEndDt"))
    days = Operation(
        "ao/Service",
        "getList",
        record=Row,
        date_params=("inqryBgnDate", "inqryEndDate"),
        date_format="%Y%m%d",
    )
    start, end = dt.date(2025, 1, 1), dt.date(2025, 1, 31)
    assert minutes.format_range(start, end) == {"rgstDtBgnDt": "202501010000", "rgstDtEndDt": "202501312359"}
    assert days.format_range(start, end) == {"inqryBgnDate": "20250101", "inqryEndDate": "20250131"}


def test_an_operation_without_date_params_sends_no_range() -> None:
    op = Operation("at/Service", "getList", record=Row)
    assert op.format_range(dt.date(2025, 1, 1), dt.date(2025, 1, 31)) == {}


def test_path_is_service_then_operation() -> None:
    op = Operation("at/ShoppingMallPrdctInfoService", "getMASCntrctPrdctInfoList", record=Row)
    assert op.path == "at/ShoppingMallPrdctInfoService/getMASCntrctPrdctInfoList"
