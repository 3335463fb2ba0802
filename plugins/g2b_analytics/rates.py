"""``analyze_award_rates``: the 낙찰률 distribution by kind, month, region or agency."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from naramarket.datago import (
    Bin,
    GroupRow,
    Groups,
    Histogram,
    Numbers,
    NumberSummary,
    ScanReport,
)
from naramarket.kernel import Context, DateRange, tool

from .common import (
    Kind,
    Name,
    Top,
    _group_lines,
    _number_text,
    _region,
    _scan_scope,
    _scan_text,
    _Scope,
    _today,
)
from .records import (
    AwardRow,
)


class AnalyzeAwardRates(DateRange):
    """Parameters of ``analyze_award_rates`` (dates are 개찰일, both or neither)."""

    by: Annotated[
        Literal["kind", "month", "region", "agency"],
        msgspec.Meta(
            description="묶음 기준 / per kind (업무구분, default), month (개찰월), region (참가제한지역: "
            "give `regions`) or agency (수요기관)"
        ),
    ] = "kind"
    kinds: Annotated[
        list[Kind],
        msgspec.Meta(
            min_length=1, max_length=4, description="업무구분 / kinds to include; default 물품, 공사, 용역"
        ),
    ] = msgspec.field(default_factory=lambda: ["물품", "공사", "용역"])
    regions: Annotated[
        Annotated[
            list[Annotated[str, msgspec.Meta(min_length=1, max_length=20)]], msgspec.Meta(max_length=18)
        ]
        | None,
        msgspec.Meta(
            description="참가제한지역 / 시도 names or codes (서울, 경기도, 41 …): one scan each; needed "
            "for by=region, a filter otherwise",
        ),
    ] = None
    agency: Annotated[
        Name | None, msgspec.Meta(description="수요기관명 / demand agency, part of its name")
    ] = None
    keyword: Annotated[Name | None, msgspec.Meta(description="공고명 / words in the notice title")] = None
    bin_width: Annotated[
        float,
        msgspec.Meta(
            gt=0, le=10, description="히스토그램 구간 / histogram bin width in percentage points (default 1)"
        ),
    ] = 1.0
    top: Top = 20

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.by == "region" and not self.regions:
            raise ValueError('regions: give the 시도 to compare (e.g. ["서울", "경기"]) for by=region')
        for region in self.regions or ():
            _region(region)


class AwardRateDistribution(msgspec.Struct, kw_only=True):
    """The distribution of 낙찰률 (winning rate, % of the planned price) over the awards read."""

    start_date: Annotated[dt.date, msgspec.Meta(description="개찰일 from (inclusive)")]
    end_date: Annotated[dt.date, msgspec.Meta(description="개찰일 to (inclusive)")]
    by: Annotated[str, msgspec.Meta(description="the grouping")]
    rate: Annotated[NumberSummary, msgspec.Meta(description="낙찰률 (%) over every award read")]
    groups: Annotated[list[GroupRow], msgspec.Meta(description="낙찰률 per group (value: the rates, %)")]
    histogram: Annotated[
        list[Bin], msgspec.Meta(description="awards per rate bin, 0-200 %; `outside` counts the rest")
    ]
    outside: Annotated[int, msgspec.Meta(description="rates below 0 % or at/above 200 %")] = 0
    scan: Annotated[ScanReport, msgspec.Meta(description="what was read, and whether it was all")]

    def summary_text(self, tool: str) -> str:
        peak = max(self.histogram, key=lambda b: b.count, default=None)
        lines = [
            _scan_text(self.scan),
            f"{tool}: 낙찰률 (%) of {self.rate.count:,} awards opened {self.start_date}–{self.end_date} — "
            f"{_number_text(self.rate)}"
            + (f"; most common bin {peak.low}–{peak.high}% ({peak.count:,})" if peak else ""),
            f"by {self.by}:",
        ]
        lines += _group_lines(self.groups, with_quartiles=True)
        return "\n".join(lines)


@tool(
    name="analyze_award_rates",
    title=("낙찰률 분포", "Award-rate (낙찰률) distribution"),
    description=(
        "기간의 낙찰을 서버에서 모두 읽어 낙찰률(예정가격 대비 %)의 건수·평균·사분위·중앙값과 히스토그램을 "
        "업무구분·개찰월·참가제한지역·수요기관별로 "
        "계산합니다(행은 돌려주지 않음). '서울 용역의 평균 낙찰률', "
        "'월별 공사 낙찰률 추이'에 씁니다. 지역별 비교는 regions에 시도를 주면 시도마다 따로 조회합니다. "
        "기본값: 물품·공사·용역, 오늘까지 최근 90일, 업무구분별, 1%p 구간. "
        '예: {"by": "region", "regions": ["서울", "경기"], "kinds": ["용역"]}',
        "Reads every award of a period on the server and answers the 낙찰률 (winning rate, % of the "
        "planned price): count, mean, quartiles, median and a histogram, per kind, opening month, "
        "participation region or demand agency, without returning the rows. Use it for 'average "
        "award rate for services in Seoul' or 'monthly award rates of works'. For regions give "
        "`regions` (one scan per 시도). Defaults: kinds 물품/공사/용역, the last 90 days up to today "
        "(KST), by kind, 1-point bins. "
        'Example: {"by": "region", "regions": ["서울", "경기"], "kinds": ["용역"]}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def analyze_award_rates(ctx: Context, p: AnalyzeAwardRates) -> AwardRateDistribution:
    """One scan per kind (and per region): running rates per group and one histogram."""
    start, end = p.dates_or_last(90, today=_today())
    overall = Numbers()
    groups = Groups(keep_values=True)
    histogram = Histogram(p.bin_width, low=0.0, high=200.0)
    scope = _Scope(source="awards", kinds=list(p.kinds), agency=p.agency, keyword=p.keyword)
    regions = [_region(r) for r in p.regions] if p.regions else [("", "")]
    report: ScanReport | None = None
    for region_label, code in regions:

        def on_award(row: AwardRow, kind: str, region_label: str = region_label) -> None:
            overall.add(row.rate)
            histogram.add(row.rate)
            if p.by == "kind":
                key = kind
            elif p.by == "month":
                key = f"{row.opened_at:%Y-%m}" if row.opened_at else "(미상 / unknown)"
            elif p.by == "region":
                key = region_label
            else:
                key = row.demand_agency or "(미상 / unknown)"
            groups.add(key, row.rate)

        extra: dict[str, str | None] | None = {"prtcptLmtRgnCd": code} if code else None
        part = await _scan_scope(ctx, scope, (start, end), on_award, None, extra=extra, label=region_label)
        report = part if report is None else report.merge(part)
        if not report.complete:
            break
    assert report is not None
    ordered = "key" if p.by in ("month", "kind") else "count"
    return AwardRateDistribution(
        start_date=start,
        end_date=end,
        by=p.by,
        rate=overall.summary(),
        groups=groups.table(by=ordered, top=None if p.by == "month" else p.top),
        histogram=histogram.bins(),
        outside=histogram.below + histogram.above,
        scan=report,
    )


# -- monthly time series -------------------------------------------------------------------------------
