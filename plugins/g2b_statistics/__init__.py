"""통계·가격·개방표준 — 공공조달통계, 가격정보 and 개방표준 datasets of 조달청.

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one,
built only on ``naramarket.kernel`` and ``naramarket.datago``.

- ``get_procurement_statistics``: 공공조달통계 (PubPrcrmntStatInfoService, 14 operations) by
  ``view``: monthly totals by contract method, enterprise size, agency type or kind; regional
  joint-contract and regional-limit totals; yearly totals; per demand agency, supplier or product.
- ``search_prices``: 가격정보 (PriceInfoService) 시설공통자재 and 시장시공가격 by field of work.
- ``search_standard_unit_prices``: 표준시장단가 by 공표일자.
- ``search_open_standard``: 개방표준 (PubDataOpnStdService) bid notices, awards and contracts, in
  the windows the gateway allows (1 month, 1 day, 1 week): longer ranges are split.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

import msgspec

from naramarket.datago import CLIENT, Listing, ListQuery, Record, collect
from naramarket.datago.g2b import KST
from naramarket.kernel import Context, Params, Register, hookimpl, tool

from .records import (
    OPEN_STANDARD,
    OPERATIONS,
    PRICE_LISTS,
    STANDARD_UNIT_PRICES,
    PriceItem,
    StandardUnitPrice,
)
from .stats import VIEWS, StatRow, stat_operation, to_stat_row

__all__ = [
    "OPERATIONS",
    "VIEWS",
    "get_procurement_statistics",
    "search_open_standard",
    "search_prices",
    "search_standard_unit_prices",
]

View = Literal[
    "by_contract_method", "by_enterprise_size", "by_agency_type", "by_kind", "regional_joint_contracts",
    "regional_limits", "yearly_totals", "agency_by_kind", "agency_by_contract_method",
    "agency_by_enterprise_size", "agency_by_system", "supplier_by_kind", "supplier_by_contract_method",
    "product_by_contract_method",
]  # fmt: skip
Month = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Code = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z-]{1,20}$")]
_FILTERS: Final = {
    "agency": ("agency_code", "agency", "include_sub_agencies"),
    "company": ("company_no", "company"),
    "product": ("product_no", "product"),
}


def _today() -> dt.date:
    return dt.datetime.now(KST).date()


class GetStatistics(Params):
    """Parameters of ``get_procurement_statistics``."""

    view: Annotated[
        View,
        msgspec.Meta(
            description="통계 종류 / which statistics: by_contract_method (계약방법별), by_enterprise_size "
            "(기업구분별), by_agency_type (기관구분별), by_kind (업무대상별), regional_joint_contracts "
            "(지역의무공동도급), regional_limits (지역제한), yearly_totals (연도별 총괄), agency_by_* "
            "(수요기관별: kind, contract_method, enterprise_size, system), supplier_by_* (조달업체별: "
            "kind, contract_method), product_by_contract_method (물품별)"
        ),
    ]
    start_month: Annotated[
        Month | None,
        msgspec.Meta(description="기준년월 시작 / first month, YYYY-MM (default 12 months back)"),
    ] = None
    end_month: Annotated[Month | None, msgspec.Meta(description="기준년월 끝 / last month, YYYY-MM")] = None
    year: Annotated[
        Annotated[int, msgspec.Meta(ge=2000, le=2100)] | None,
        msgspec.Meta(description="기준년도 / year of yearly_totals (default this year)"),
    ] = None
    agency_code: Annotated[Code | None, msgspec.Meta(description="수요기관코드 (agency_by_*)")] = None
    agency: Annotated[Name | None, msgspec.Meta(description="수요기관명 / agency name (agency_by_*)")] = None
    include_sub_agencies: Annotated[
        bool | None, msgspec.Meta(description="하위기관실적포함 / include sub-agencies (agency_by_*)")
    ] = None
    company_no: Annotated[Code | None, msgspec.Meta(description="조달업체번호 (supplier_by_*)")] = None
    company: Annotated[Name | None, msgspec.Meta(description="업체명 / company name (supplier_by_*)")] = None
    product_no: Annotated[Code | None, msgspec.Meta(description="물품분류번호 (product_by_*)")] = None
    product: Annotated[Name | None, msgspec.Meta(description="품명 / product name (product_by_*)")] = None
    system_code: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{4}$")] | None,
        msgspec.Meta(
            description="연계시스템코드 / source system, e.g. 1000 나라장터(중앙조달) (subject views)"
        ),
    ] = None
    limit: Annotated[
        int, msgspec.Meta(ge=1, le=500, description="최대 행 수 / rows at most (default 50)")
    ] = 50
    cursor: Annotated[
        str | None, msgspec.Meta(description="이어받기 / leave out; it is part of a previous answer's `next`")
    ] = None

    def __post_init__(self) -> None:
        if (self.start_month is None) != (self.end_month is None):
            raise ValueError("start_month, end_month: give both or neither")
        if self.start_month and self.end_month and self.end_month < self.start_month:
            raise ValueError("end_month is before start_month")
        subject = VIEWS[self.view][1]
        for kind, names in _FILTERS.items():
            for name in names:
                if kind != subject and getattr(self, name) is not None:
                    raise ValueError(f"{name}: not a filter of view {self.view}")
        if self.system_code and subject is None:
            raise ValueError(f"system_code: not a filter of view {self.view}")
        if self.year is not None and self.view != "yearly_totals":
            raise ValueError("year: only for view yearly_totals (the others take start_month/end_month)")


def _months(p: GetStatistics) -> tuple[dt.date, dt.date]:
    if p.start_month and p.end_month:
        start = dt.date.fromisoformat(f"{p.start_month}-01")
        end = dt.date.fromisoformat(f"{p.end_month}-01")
    else:
        first = _today().replace(day=1)
        end = (first - dt.timedelta(days=1)).replace(day=1)
        start = (
            end.replace(year=end.year - 1, month=end.month % 12 + 1)
            if end.month != 12
            else end.replace(month=1)
        )
    return start, end


def _yn(flag: bool | None) -> str | None:
    return None if flag is None else ("Y" if flag else "N")


@tool(
    name="get_procurement_statistics",
    title=("공공조달 통계", "Public procurement statistics"),
    description=(
        "조달청 공공조달통계를 조회합니다: 월별 "
        "계약방법별·기업구분별·기관구분별·업무대상별 실적, 지역의무공동도급·"
        "지역제한 현황, 연도별 총괄, "
        "수요기관별·조달업체별·물품별 실적. 각 행은 합계(건수·금액)와 구분별 건수·금액"
        "(breakdown)으로 정리됩니다. '작년 중소기업 조달 "
        "비중', '이 기관의 계약방법별 실적'에 씁니다. 기본값: "
        "지난달까지 12개월, 최대 50행. "
        '예: {"view": "agency_by_contract_method", "agency": "조달청", "start_month": "2025-01", '
        '"end_month": "2025-12"}',
        "조달청's public procurement statistics: monthly totals by contract method, enterprise size, "
        "agency type or kind; regional joint-contract and regional-limit totals; yearly totals; per "
        "demand agency, supplier or product. Each row has its total (count and amount) and a "
        "`breakdown` of counts and amounts per class. Use it for 'the SME share of procurement last "
        "year' or 'this agency's spending by contract method'. Defaults: the 12 months up to last "
        'month, at most 50 rows. Example: {"view": "agency_by_contract_method", "agency": "조달청", '
        '"start_month": "2025-01", "end_month": "2025-12"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def get_procurement_statistics(ctx: Context, p: GetStatistics) -> Listing[StatRow]:
    """The view's operation through its generic declaration, rows reshaped into ``StatRow``."""
    op = stat_operation(p.view)
    params: dict[str, str | None] = {
        "dminsttCd": p.agency_code,
        "dminsttNm": p.agency,
        "lwrInsttArsltInclsnYn": _yn(p.include_sub_agencies),
        "corpUntyNo": p.company_no,
        "corpNm": p.company,
        "prdctClsfcNo": p.product_no,
        "prdctClsfcNm": p.product,
        "linkSystmCd": p.system_code,
    }
    window: tuple[dt.date | None, dt.date | None] = (None, None)
    if p.view == "yearly_totals":
        params["srchBssYear"] = str(p.year or _today().year)
    else:
        window = _months(p)

    def next_arguments(cursor: str) -> dict[str, Any]:
        arguments: dict[str, Any] = msgspec.to_builtins(msgspec.structs.replace(p, cursor=cursor))
        return {k: v for k, v in arguments.items() if v is not None}

    listing: Listing[Record] = await ctx.resources[CLIENT].collect(
        op,
        params,
        window=window,
        limit=p.limit,
        cursor=p.cursor,
        page_size=max(100, p.limit),
        budget=ctx.time_left(),
        next_arguments=next_arguments,
        on_progress=ctx.progress,
    )
    rows = [to_stat_row(p.view, r) for r in listing.items]
    await ctx.items(rows)
    return Listing(
        items=rows,
        total_count=listing.total_count,
        complete=listing.complete,
        reason=listing.reason,
        next=listing.next,
        missing=listing.missing,
        error=listing.error,
        order=listing.order,
        pages_fetched=listing.pages_fetched,
        sandbox=listing.sandbox,
    )


# -- prices ------------------------------------------------------------------------------------------


class SearchPrices(ListQuery):
    """Parameters of ``search_prices`` (no dates: the lists hold the current prices)."""

    source: Annotated[
        Literal["materials", "market", "시설공통자재", "시장시공가격"],
        msgspec.Meta(description="가격 종류 / materials (시설공통자재, default) or market (시장시공가격)"),
    ] = "materials"
    field: Annotated[
        Literal["building", "electric", "civil", "machinery", "건축", "전기통신", "토목", "기계설비"],
        msgspec.Meta(
            description="공종 / building (건축, default), electric (전기통신: materials only), civil (토목), "
            "machinery (기계설비)"
        ),
    ] = "building"
    category: Annotated[Name | None, msgspec.Meta(description="품명 / category name (partial)")] = None
    category_no: Annotated[Code | None, msgspec.Meta(description="물품분류번호 / classification no.")] = None
    product_id: Annotated[Code | None, msgspec.Meta(description="물품식별번호 / product id")] = None
    name: Annotated[Name | None, msgspec.Meta(description="한글품목명 / product name (partial)")] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.start_date is not None:
            raise ValueError("start_date: price lists take no dates (they hold the current prices)")
        if _SOURCE.get(self.source) == "market" and _FIELD.get(self.field) == "electric":
            raise ValueError("field: 시장시공가격 has no 전기통신 list; use building, civil or machinery")


_SOURCE: Final = {
    "materials": "materials",
    "시설공통자재": "materials",
    "market": "market",
    "시장시공가격": "market",
}
_FIELD: Final = {
    "building": "building", "건축": "building", "electric": "electric", "전기통신": "electric",
    "civil": "civil", "토목": "civil", "machinery": "machinery", "기계설비": "machinery",
}  # fmt: skip


@tool(
    name="search_prices",
    title=("조달 가격정보 검색", "Search published procurement prices"),
    description=(
        "조달청이 조사·게시하는 가격정보를 찾습니다: 시설공통자재(materials) 또는 시장시공가격(market)을 공종"
        "(건축·전기통신·토목·기계설비)별로, "
        "품명·물품분류번호·물품식별번호·품목명으로 좁힙니다. 공사 자재 단가를 "
        "알아볼 때 씁니다. 기본값: 시설공통자재, 건축, 최대 50건; 더 있으면 next로 이어받습니다. "
        '예: {"source": "materials", "field": "civil", "name": "레미콘"}',
        "Prices 조달청 surveys and publishes: facility common materials (`materials`) or market "
        "construction prices (`market`), by field of work (building, electric, civil, machinery), "
        "narrowed by category, classification number, product id or name. Use it to look up "
        "material unit prices for construction. Defaults: materials, building, at most 50; more via "
        '`next`. Example: {"source": "materials", "field": "civil", "name": "레미콘"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_prices(ctx: Context, p: SearchPrices) -> Listing[PriceItem]:
    op = PRICE_LISTS[(_SOURCE[p.source], _FIELD[p.field])]
    params = {
        "prdctClsfcNoNm": p.category,
        "prdctClsfcNo": p.category_no,
        "prdctIdntNo": p.product_id,
        "krnPrdctNm": p.name,
    }
    return await collect(ctx, op, params, p, window=(None, None))


class SearchStandardUnitPrices(ListQuery):
    """Parameters of ``search_standard_unit_prices`` (dates are 공표일자, both or neither)."""


@tool(
    name="search_standard_unit_prices",
    title=("표준시장단가 검색", "Search standard market unit prices"),
    description=(
        "공사의 표준시장단가(재료비·노무비·경비 단가)를 공표일자 "
        "기간으로 조회합니다. 공사비 산정 기준을 볼 때 씁니다. "
        "기본값: 오늘까지 최근 365일 공표분, 최신순, 최대 50건. "
        '예: {"start_date": "2026-01-01", "end_date": "2026-06-30"}',
        "Standard market unit prices of construction work (material, labour and expense unit "
        "prices) published in a period. Use it for the cost basis of construction estimates. "
        "Defaults: published in the last 365 days up to today (KST), newest first, at most 50. "
        'Example: {"start_date": "2026-01-01", "end_date": "2026-06-30"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_standard_unit_prices(
    ctx: Context, p: SearchStandardUnitPrices
) -> Listing[StandardUnitPrice]:
    window = p.dates_or_last(365, today=_today())
    return await collect(ctx, STANDARD_UNIT_PRICES, {"inqryDiv": "1"}, p, window=window)


# -- open standard -----------------------------------------------------------------------------------

_DATASET: Final = {"bids": "bids", "입찰공고": "bids", "awards": "awards", "낙찰": "awards",
                   "contracts": "contracts", "계약": "contracts"}  # fmt: skip
_KIND_CODE: Final = {"물품": "1", "goods": "1", "외자": "2", "foreign": "2", "공사": "3", "works": "3",
                     "용역": "5", "services": "5"}  # fmt: skip


class SearchOpenStandard(ListQuery):
    """Parameters of ``search_open_standard``."""

    dataset: Annotated[
        Literal["bids", "awards", "contracts", "입찰공고", "낙찰", "계약"],
        msgspec.Meta(description="데이터셋 / bids (입찰공고), awards (낙찰: every bidder), contracts (계약)"),
    ]
    kind: Annotated[
        Literal["물품", "공사", "용역", "외자", "goods", "works", "services", "foreign"],
        msgspec.Meta(description="업무구분 / kind (awards only; default 물품)"),
    ] = "물품"
    agency_code: Annotated[
        Code | None, msgspec.Meta(description="계약기관코드 / contracting agency code (contracts only)")
    ] = None


_DEFAULT_DAYS: Final = {"bids": 7, "awards": 1, "contracts": 7}


@tool(
    name="search_open_standard",
    title=("개방표준 데이터셋 조회", "Open-standard datasets"),
    description=(
        "공공데이터 개방표준 형식의 나라장터 "
        "입찰공고(bids)·낙찰(awards: 투찰업체별)·계약(contracts)을 기간으로 "
        "조회합니다. 게이트웨이의 기간 제한(입찰공고 1개월, "
        "낙찰 1일, 계약 1주)을 넘는 기간은 나누어 읽습니다. "
        "다른 기관 데이터와 같은 표준 항목이 필요할 때 씁니다. 기본값: 입찰공고·계약은 오늘까지 7일, 낙찰은 "
        "오늘 하루, 최신순, 최대 50건. "
        '예: {"dataset": "awards", "kind": "공사", "start_date": "2026-10-01", "end_date": "2026-10-01"}',
        "나라장터 bid notices (`bids`), awards (`awards`: one row per bidder) and contracts "
        "(`contracts`) in the public-data open-standard format, by date. Ranges beyond the "
        "gateway's windows (1 month of notices, 1 day of openings, 1 week of contracts) are read "
        "window by window. Use it when the standard field set shared with other agencies' data is "
        "needed. Defaults: notices and contracts of the last 7 days up to today (KST), awards of "
        'today, newest first, at most 50. Example: {"dataset": "awards", "kind": "공사", '
        '"start_date": "2026-10-01", "end_date": "2026-10-01"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_open_standard(ctx: Context, p: SearchOpenStandard) -> Listing[Any]:
    dataset = _DATASET[p.dataset]
    if p.agency_code and dataset != "contracts":
        from naramarket.kernel import InvalidParams

        raise InvalidParams("agency_code: only for dataset contracts")
    params: dict[str, str | None] = {}
    if dataset == "awards":
        params["bsnsDivCd"] = _KIND_CODE[p.kind]
    if dataset == "contracts" and p.agency_code:
        params.update({"insttDivCd": "1", "insttCd": p.agency_code})
    window = p.dates_or_last(_DEFAULT_DAYS[dataset], today=_today())
    return await collect(ctx, OPEN_STANDARD[dataset], params, p, window=window)


@hookimpl
def register_tools(register: Register) -> None:
    """Register the statistics, prices and open-standard tools."""
    register(get_procurement_statistics)
    register(search_prices)
    register(search_standard_unit_prices)
    register(search_open_standard)
