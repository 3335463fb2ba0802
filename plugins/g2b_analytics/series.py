"""``procurement_time_series``: count and amount per month of awards or contracts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from naramarket.datago import (
    ScanReport,
)
from naramarket.kernel import Context, tool

from .common import (
    _scan_scope,
    _scan_text,
    _Scope,
    _scope_source,
    _suffixes,
    _today,
)
from .records import (
    KIND_LABELS,
    AwardRow,
    ContractRow,
)


class ProcurementTimeSeries(_Scope):
    """Parameters of ``procurement_time_series``."""


class MonthPoint(msgspec.Struct, kw_only=True):
    """One month of a time series."""

    month: Annotated[str, msgspec.Meta(description="월 / YYYY-MM")]
    count: Annotated[int, msgspec.Meta(description="건수 / awards or contracts in the month")]
    amount: Annotated[int, msgspec.Meta(description="금액 합계 / their total amount, KRW")]
    mean_amount: Annotated[float | None, msgspec.Meta(description="평균 금액 / mean amount, KRW")] = None


class TimeSeries(msgspec.Struct, kw_only=True):
    """Count and amount per month (every month of the period, empty ones included)."""

    source: Annotated[str, msgspec.Meta(description="awards or contracts")]
    kinds: Annotated[list[str], msgspec.Meta(description="업무구분 covered")]
    start_date: Annotated[dt.date, msgspec.Meta(description="from (inclusive): 개찰일 or 계약체결일")]
    end_date: Annotated[dt.date, msgspec.Meta(description="to (inclusive)")]
    months: Annotated[list[MonthPoint], msgspec.Meta(description="one point per month, oldest first")]
    total_count: Annotated[int, msgspec.Meta(description="건수 over the whole period")]
    total_amount: Annotated[int, msgspec.Meta(description="금액 over the whole period, KRW")]
    scan: Annotated[ScanReport, msgspec.Meta(description="what was read, and whether it was all")]

    def summary_text(self, tool: str) -> str:
        lines = [
            _scan_text(self.scan),
            f"{tool}: {self.source} ({', '.join(self.kinds)}) {self.start_date}–{self.end_date}: "
            f"{self.total_count:,} for {self.total_amount:,} KRW",
            "| month | count | amount |",
            "|---|---|---|",
        ]
        lines += [f"| {m.month} | {m.count:,} | {m.amount:,} |" for m in self.months]
        return "\n".join(lines)


def _months(start: dt.date, end: dt.date) -> list[str]:
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@tool(
    name="procurement_time_series",
    title=("월별 낙찰·계약 추이", "Monthly awards or contracts"),
    description=(
        "기간의 낙찰(awards, 개찰월 기준) 또는 계약(contracts, 계약체결월 기준)을 서버에서 모두 읽어 월별 "
        "건수와 금액 합계를 돌려줍니다(행은 돌려주지 않음). "
        "수요기관·키워드·업무구분으로 좁힙니다. '이 기관의 "
        "월별 용역 계약 금액', '올해 CCTV 낙찰 추이'에 "
        "씁니다. 빈 달도 0으로 나옵니다. 기본값: 낙찰, 물품·공사·"
        "용역, 오늘까지 최근 365일. "
        '예: {"source": "contracts", "kinds": ["공사"], '
        '"start_date": "2026-01-01", "end_date": "2026-06-30"}',
        "Reads every award (`awards`, by opening month) or contract (`contracts`, by conclusion "
        "month) of a period on the server and answers the count and total amount per month, without "
        "returning the rows; narrow by demand agency, keyword and kinds. Use it for 'this agency's "
        "monthly service contract amounts' or 'CCTV awards this year, month by month'. Empty months "
        "are there with 0. Defaults: awards, kinds 물품/공사/용역, the last 365 days up to today (KST). "
        'Example: {"source": "contracts", "kinds": ["공사"], "start_date": "2026-01-01", '
        '"end_date": "2026-06-30"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def procurement_time_series(ctx: Context, p: ProcurementTimeSeries) -> TimeSeries:
    """One scan per kind; a running count and sum per month."""
    start, end = p.dates_or_last(365, today=_today())
    counts: dict[str, int] = dict.fromkeys(_months(start, end), 0)
    sums: dict[str, int] = dict.fromkeys(counts, 0)

    def add(day: dt.date | None, amount: int | None) -> None:
        if day is None:
            return
        month = f"{day:%Y-%m}"
        counts[month] = counts.get(month, 0) + 1
        sums[month] = sums.get(month, 0) + (amount or 0)

    def on_award(row: AwardRow, kind: str) -> None:
        add(row.opened_at.date() if row.opened_at else None, row.amount)

    def on_contract(row: ContractRow, kind: str) -> None:
        add(row.concluded_on, row.amount)

    scan = await _scan_scope(ctx, p, (start, end), on_award, on_contract)
    months = [
        MonthPoint(
            month=m,
            count=counts[m],
            amount=sums[m],
            mean_amount=sums[m] / counts[m] if counts[m] else None,
        )
        for m in sorted(counts)
    ]
    return TimeSeries(
        source=_scope_source(p),
        kinds=[KIND_LABELS[s] for s in _suffixes(list(p.kinds))],
        start_date=start,
        end_date=end,
        months=months,
        total_count=sum(counts.values()),
        total_amount=sum(sums.values()),
        scan=scan,
    )
