"""분석 — server-side aggregates over 나라장터 data: the answer is a small table, not thousands of rows.

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one,
built only on ``naramarket.kernel`` and ``naramarket.datago`` (whose ``scan_records``, ``Numbers``,
``Groups`` and ``Histogram`` do the streaming aggregation).

- ``analyze_mall_prices``: price statistics of a shopping-mall category (MAS products): count,
  min/quartiles/median/max, overall and by maker, supplier or enterprise size.
- ``rank_suppliers``: top winners (awards) or contractors (contracts) by count or amount, for an
  agency, a keyword and a period.
- ``analyze_award_rates``: the 낙찰률 distribution (quartiles and a histogram) by kind, month or
  participation region.
- ``procurement_time_series``: count and amount per month of awards or contracts.

Every tool scans with the shared engine (concurrency cap, rate limit, date windows, the call's time
budget), reports ``scan.rows_read`` and ``scan.complete`` (and why not, and what to do), and
returns raw rows only as a ``sample`` of at most 5 when asked.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Final, Literal

import msgspec

from naramarket.datago import (
    Bin,
    GroupRow,
    Groups,
    Histogram,
    Numbers,
    NumberSummary,
    ScanReport,
    sandbox_mark,
    scan_records,
)
from naramarket.datago.g2b import KST, REGION_CODE_SET, REGION_CODES
from naramarket.datago.g2b import region_label as short_region_name
from naramarket.kernel import Context, DateRange, Register, hookimpl, tool

from .records import (
    AWARDS,
    CONTRACT_KEYWORD,
    CONTRACTS,
    KIND_LABELS,
    KINDS,
    MAS_PRICES,
    OPERATIONS,
    AwardRow,
    ContractRow,
    PriceRow,
    lead_company,
)

__all__ = [
    "OPERATIONS",
    "REGION_CODES",
    "analyze_award_rates",
    "analyze_mall_prices",
    "procurement_time_series",
    "rank_suppliers",
]

Kind = Literal["물품", "공사", "용역", "외자", "goods", "works", "services", "foreign"]
Source = Literal["awards", "contracts", "낙찰", "계약"]
_SOURCES: Final = {"awards": "awards", "낙찰": "awards", "contracts": "contracts", "계약": "contracts"}
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Top = Annotated[int, msgspec.Meta(ge=1, le=100, description="표시할 그룹 수 / groups shown (default 20)")]
Sample = Annotated[
    int,
    msgspec.Meta(ge=0, le=5, description="표본 / raw rows to include as a sample (0-5, default 0)"),
]


def _region(value: str) -> tuple[str, str]:
    """(label, code) of a 시도 name or 2-digit code; ValueError names the accepted values."""
    text = value.strip().replace(" ", "")
    code = REGION_CODES.get(text, text)
    if code in REGION_CODE_SET:
        return short_region_name(code), code
    raise ValueError(
        f"regions: {value!r} is not a 시도; use one of {', '.join(REGION_CODES)} or a 2-digit code"
    )


def _today() -> dt.date:
    return dt.datetime.now(KST).date()


def _suffixes(kinds: list[str]) -> list[str]:
    seen: list[str] = []
    for kind in kinds:
        if KINDS[kind] not in seen:
            seen.append(KINDS[kind])
    return seen


def _number_text(n: NumberSummary) -> str:
    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"

    return f"min {f(n.min)} · p25 {f(n.p25)} · median {f(n.median)} · p75 {f(n.p75)} · max {f(n.max)}"


def _scan_text(scan: ScanReport) -> str:
    head = sandbox_mark(scan.sandbox)
    state = "complete" if scan.complete else f"INCOMPLETE ({scan.reason}: {scan.missing}) — {scan.advice}"
    return f"{head}{scan.rows_read:,} rows read, {scan.pages_fetched} pages; {state}"


def _group_lines(groups: list[GroupRow], with_quartiles: bool) -> list[str]:
    lines = []
    for g in groups:
        name = f"{g.label} ({g.key})" if g.label and g.label != g.key else g.key
        tail = _number_text(g.value) if with_quartiles else f"sum {g.value.sum or 0:,.0f}"
        lines.append(f"- {name}: {g.count:,} ({g.share:.1f}%); {tail}")
    return lines


# -- price statistics of a mall category --------------------------------------------------------------

PriceGroup = Literal["maker", "company", "company_size", "제조사", "업체", "기업구분"]
_PRICE_GROUP: Final = {"제조사": "maker", "업체": "company", "기업구분": "company_size"}


class AnalyzeMallPrices(DateRange):
    """Parameters of ``analyze_mall_prices`` (dates are 등록일시, both or neither)."""

    category: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=200, description="품명 / product category, e.g. 데스크톱컴퓨터"
        ),
    ]
    group_by: Annotated[
        PriceGroup | None,
        msgspec.Meta(
            description="묶음 기준 / statistics per maker (제조사), company (업체: supplier) or "
            "company_size (기업구분); leave out for the category as a whole"
        ),
    ] = None
    top: Top = 20
    sample: Sample = 0


class MallPriceStatistics(msgspec.Struct, kw_only=True):
    """Price statistics of a shopping-mall category over a scan of its MAS products."""

    category: Annotated[str, msgspec.Meta(description="품명 / the category asked for")]
    start_date: Annotated[dt.date, msgspec.Meta(description="등록일 from (inclusive)")]
    end_date: Annotated[dt.date, msgspec.Meta(description="등록일 to (inclusive)")]
    price: Annotated[
        NumberSummary, msgspec.Meta(description="계약가격 / contract price over every product, KRW")
    ]
    group_by: Annotated[str | None, msgspec.Meta(description="the grouping asked for")] = None
    groups: Annotated[
        list[GroupRow], msgspec.Meta(description="per group, most products first (at most `top`)")
    ] = msgspec.field(default_factory=list)
    groups_total: Annotated[int, msgspec.Meta(description="how many groups there are in all")] = 0
    scan: Annotated[ScanReport, msgspec.Meta(description="what was read, and whether it was all")]
    sample: Annotated[list[PriceRow], msgspec.Meta(description="a few raw rows, when asked")] = msgspec.field(
        default_factory=list
    )

    def summary_text(self, tool: str) -> str:
        lines = [
            _scan_text(self.scan),
            f"{tool}: {self.category}, registered {self.start_date}–{self.end_date}: "
            f"{self.price.count:,} priced products (KRW) — {_number_text(self.price)}",
        ]
        if self.groups:
            lines.append(f"by {self.group_by} ({self.groups_total} groups, top {len(self.groups)}):")
            lines += _group_lines(self.groups, with_quartiles=True)
        return "\n".join(lines)


@tool(
    name="analyze_mall_prices",
    title=("쇼핑몰 품목 가격 통계", "Shopping-mall price statistics of a category"),
    description=(
        "종합쇼핑몰 다수공급자계약(MAS) 품목을 품명으로 서버에서 모두 읽어 계약가격의 건수·최솟값·사분위·"
        "중앙값·최댓값을 계산합니다(행은 돌려주지 않음). 제조사·업체·기업구분별로 묶을 수 있습니다. '정부가 "
        "데스크톱컴퓨터를 얼마에 사나, 제조사별로' 같은 질문에 "
        "씁니다. 기본값: 오늘까지 최근 1년 등록분, 묶음 "
        "없음, 상위 20개 그룹. scan.complete가 false면 시간 안에 다 읽지 못한 것이니 기간을 좁힙니다. "
        '예: {"category": "데스크톱컴퓨터", "group_by": "maker"}',
        "Reads every MAS (multiple-award) shopping-mall product of a category on the server and "
        "answers the contract price's count, minimum, quartiles, median and maximum, overall and "
        "optionally per maker, supplier (company) or enterprise size, without returning the rows. "
        "Use it for 'what does the government pay for a desktop PC, by maker'. Defaults: registered "
        "in the last 12 months up to today (KST), no grouping, the top 20 groups. When "
        "`scan.complete` is false the time budget ran out: narrow the dates. "
        'Example: {"category": "데스크톱컴퓨터", "group_by": "maker"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def analyze_mall_prices(ctx: Context, p: AnalyzeMallPrices) -> MallPriceStatistics:
    """Scan the category's MAS products once, keeping only the price column per group."""
    start, end = p.dates_or_last(365, today=_today())
    group = _PRICE_GROUP.get(p.group_by, p.group_by) if p.group_by else None
    overall = Numbers()
    groups = Groups(keep_values=True)
    sample: list[PriceRow] = []

    def each(row: PriceRow) -> None:
        overall.add(row.price)
        if group is not None:
            key = getattr(row, group) or "(미상 / unknown)"
            groups.add(key, row.price)
        if len(sample) < p.sample:
            sample.append(row)

    scan = await scan_records(
        ctx, MAS_PRICES, {"prdctClsfcNoNm": p.category}, window=(start, end), each=each, label=p.category
    )
    return MallPriceStatistics(
        category=p.category,
        start_date=start,
        end_date=end,
        price=overall.summary(),
        group_by=group,
        groups=groups.table(by="count", top=p.top) if group else [],
        groups_total=len(groups.groups),
        scan=scan,
        sample=sample,
    )


# -- shared filters of the award and contract scans ---------------------------------------------------


class _Scope(DateRange):
    """Which awards or contracts an aggregate covers."""

    source: Annotated[
        Source,
        msgspec.Meta(
            description="자료 / `awards` (낙찰: opening date, winner, 낙찰금액) or `contracts` (계약: "
            "conclusion date, lead contractor, 계약금액)"
        ),
    ] = "awards"
    kinds: Annotated[
        list[Kind],
        msgspec.Meta(
            min_length=1,
            max_length=4,
            description="업무구분 / kinds to include: 물품, 공사, 용역, 외자 (or goods, works, services, "
            "foreign); default 물품, 공사, 용역",
        ),
    ] = msgspec.field(default_factory=lambda: ["물품", "공사", "용역"])
    agency: Annotated[
        Name | None,
        msgspec.Meta(description="수요기관명 / demand (buying) agency, part of its name"),
    ] = None
    keyword: Annotated[
        Name | None,
        msgspec.Meta(
            description="이름 검색 / words in the notice title (awards) or the contract's name "
            "(contracts: 품명, 공사명, 용역명)"
        ),
    ] = None


def _scope_source(p: _Scope) -> str:
    return _SOURCES[p.source]


async def _scan_scope(
    ctx: Context,
    p: _Scope,
    window: tuple[dt.date, dt.date],
    on_award: Any,
    on_contract: Any,
    extra: dict[str, str | None] | None = None,
    label: str = "",
) -> ScanReport:
    """Scan each kind of the scope's source in turn; one report for all."""
    report: ScanReport | None = None
    for suffix in _suffixes(list(p.kinds)):
        kind = KIND_LABELS[suffix]
        where = f"{label} {kind}".strip()
        if _scope_source(p) == "awards":
            params: dict[str, str | None] = {
                "inqryDiv": "2",
                "bidNtceNm": p.keyword,
                "dminsttNm": p.agency,
                **(extra or {}),
            }
            part = await scan_records(
                ctx,
                AWARDS[suffix],
                params,
                window=window,
                each=functools.partial(on_award, kind=kind),
                label=where,
            )
        else:
            params = {
                "inqryDiv": "1",
                CONTRACT_KEYWORD[suffix]: p.keyword,
                "insttNm": p.agency,
                "insttDivCd": "2" if p.agency else None,
            }
            part = await scan_records(
                ctx,
                CONTRACTS[suffix],
                params,
                window=window,
                each=functools.partial(on_contract, kind=kind),
                label=where,
            )
        report = part if report is None else report.merge(part)
        if not report.complete:
            break  # the budget is spent (or the gateway refused): later kinds would read nothing
    assert report is not None
    return report


# -- top suppliers -------------------------------------------------------------------------------------


class RankSuppliers(_Scope):
    """Parameters of ``rank_suppliers``."""

    by: Annotated[
        Literal["count", "amount"],
        msgspec.Meta(description="순위 기준 / rank by number of wins/contracts (count) or their amount"),
    ] = "count"
    top: Top = 20
    sample: Sample = 0


class SupplierRanking(msgspec.Struct, kw_only=True):
    """Suppliers ranked by how often and how much they won (or contracted)."""

    source: Annotated[str, msgspec.Meta(description="awards or contracts")]
    kinds: Annotated[list[str], msgspec.Meta(description="업무구분 covered")]
    start_date: Annotated[dt.date, msgspec.Meta(description="from (inclusive): 개찰일 or 계약체결일")]
    end_date: Annotated[dt.date, msgspec.Meta(description="to (inclusive)")]
    by: Annotated[str, msgspec.Meta(description="count or amount")]
    suppliers: Annotated[
        list[GroupRow],
        msgspec.Meta(
            description="key: 사업자등록번호 (or the name when none is given), label: company name, "
            "value: the amounts (KRW) of its awards/contracts"
        ),
    ]
    suppliers_total: Annotated[int, msgspec.Meta(description="distinct suppliers in all")] = 0
    amount: Annotated[NumberSummary, msgspec.Meta(description="amounts of every award/contract read")]
    scan: Annotated[ScanReport, msgspec.Meta(description="what was read, and whether it was all")]
    sample: Annotated[list[dict[str, Any]], msgspec.Meta(description="a few raw rows, when asked")] = (
        msgspec.field(default_factory=list)
    )

    def summary_text(self, tool: str) -> str:
        lines = [
            _scan_text(self.scan),
            f"{tool}: {self.source} ({', '.join(self.kinds)}) {self.start_date}–{self.end_date}; "
            f"{self.suppliers_total:,} suppliers, total {self.amount.sum or 0:,.0f} KRW; top by {self.by}:",
        ]
        lines += _group_lines(self.suppliers, with_quartiles=False)
        return "\n".join(lines)


def _supplier_of_award(row: AwardRow) -> tuple[str, str]:
    key = row.winner_bizno.replace("-", "") or row.winner or "(미상 / unknown)"
    return key, row.winner


@tool(
    name="rank_suppliers",
    title=("상위 낙찰·계약 업체", "Top suppliers by wins or contracts"),
    description=(
        "기간·수요기관·키워드에 해당하는 낙찰(awards) 또는 "
        "계약(contracts)을 서버에서 모두 읽어 업체별 건수와 "
        "금액 합계로 순위를 매깁니다(행은 돌려주지 않음). "
        "낙찰은 최종낙찰업체, 계약은 대표 계약업체로 셉니다. "
        "'이 기관에 가장 많이 납품한 업체', '올해 CCTV 낙찰 "
        "상위 업체'에 씁니다. 기본값: 낙찰, 물품·공사·용역, "
        "오늘까지 최근 90일, 건수순 상위 20. "
        '예: {"source": "contracts", "agency": "조달청", "by": "amount", "kinds": ["용역"]}',
        "Reads every award (`awards`) or contract (`contracts`) of a period, agency and keyword on "
        "the server and ranks suppliers by count and total amount, without returning the rows: "
        "awards count the final winner, contracts the lead contractor. Use it for 'who sells most to "
        "this agency' or 'top CCTV winners this year'. Defaults: awards, kinds 물품/공사/용역, the "
        "last 90 days up to today (KST), ranked by count, top 20. "
        'Example: {"source": "contracts", "agency": "조달청", "by": "amount", "kinds": ["용역"]}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def rank_suppliers(ctx: Context, p: RankSuppliers) -> SupplierRanking:
    """One scan per kind; a running count and sum per supplier."""
    start, end = p.dates_or_last(90, today=_today())
    groups = Groups(keep_values=False)
    amounts = Numbers()
    sample: list[dict[str, Any]] = []

    def on_award(row: AwardRow, kind: str) -> None:
        key, name = _supplier_of_award(row)
        groups.add(key, row.amount, name)
        amounts.add(row.amount)
        if len(sample) < p.sample:
            sample.append({"kind": kind, **msgspec.to_builtins(row)})

    def on_contract(row: ContractRow, kind: str) -> None:
        bizno, name = lead_company(row.companies)
        groups.add(bizno or name or "(미상 / unknown)", row.amount, name)
        amounts.add(row.amount)
        if len(sample) < p.sample:
            sample.append({"kind": kind, **msgspec.to_builtins(row)})

    scan = await _scan_scope(ctx, p, (start, end), on_award, on_contract)
    return SupplierRanking(
        source=_scope_source(p),
        kinds=[KIND_LABELS[s] for s in _suffixes(list(p.kinds))],
        start_date=start,
        end_date=end,
        by=p.by,
        suppliers=groups.table(by="sum" if p.by == "amount" else "count", top=p.top),
        suppliers_total=len(groups.groups),
        amount=amounts.summary(),
        scan=scan,
        sample=sample,
    )


# -- award-rate distribution ---------------------------------------------------------------------------


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


@hookimpl
def register_tools(register: Register) -> None:
    """Register the analytics tools."""
    register(analyze_mall_prices)
    register(rank_suppliers)
    register(analyze_award_rates)
    register(procurement_time_series)
