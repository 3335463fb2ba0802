"""``analyze_mall_prices``: price statistics of a shopping-mall category."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

import msgspec

from naramarket.datago import (
    GroupRow,
    Groups,
    Numbers,
    NumberSummary,
    ScanReport,
    scan_records,
)
from naramarket.kernel import Context, DateRange, tool

from .common import (
    Sample,
    Top,
    _group_lines,
    _number_text,
    _scan_text,
    _today,
)
from .records import (
    MAS_PRICES,
    PriceRow,
)

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
