"""개찰/낙찰 — 나라장터 openings and awards (조달청 ScsbidInfoService).

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one;
it imports only ``naramarket.kernel`` and ``naramarket.datago``.

- ``search_awards``: successful bids (낙찰) by kind, opening date, agency, winner's 사업자등록번호
  and the other 나라장터 search conditions (the ``getScsbidListSttus*PPSSrch`` operations).
- ``get_opening_results``: what happened at the opening of one notice: every bidder with rank,
  price and rate (개찰완료 목록), the final winner, 유찰 and 재입찰, and the multiple reserve prices
  (복수예비가격) behind the planned price.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from naramarket.datago import Listing, ListQuery, collect, collect_merged
from naramarket.datago.g2b import ALL_KINDS, KST, AllKinds
from naramarket.kernel import Context, Register, hookimpl, tool

from .opening import GetOpeningResults, OpeningResult, get_opening_results
from .operations import AWARD_SEARCH, KIND_LABEL, OPERATIONS, Kind, region_code
from .records import Award, Bidder, Failure, Opening, Rebid, ReservePrice

__all__ = [
    "OPERATIONS",
    "Award",
    "Bidder",
    "Failure",
    "GetOpeningResults",
    "Opening",
    "OpeningResult",
    "Rebid",
    "ReservePrice",
    "SearchAwards",
    "award_params",
    "get_opening_results",
    "search_awards",
]

DEFAULT_DAYS = 90  # opened in the last 90 days, up to today (KST), unless dates are given

_Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
_Code = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z]{1,10}$")]
_Amount = Annotated[int, msgspec.Meta(ge=0)]


class SearchAwards(ListQuery):
    """Parameters of ``search_awards``: a kind, opening dates (both or neither) and filters."""

    kind: Annotated[
        Kind | AllKinds,
        msgspec.Meta(
            description="업무구분 / kind of procurement: 물품 (goods), 공사 (works), 용역 (services) "
            "or 외자 (foreign); English labels are accepted too; 전체/all for every kind at once, "
            "merged newest first"
        ),
    ]
    title: Annotated[
        _Name | None, msgspec.Meta(description="공고명 / words in the notice title (partial match)")
    ] = None
    demand_agency: Annotated[
        _Name | None, msgspec.Meta(description="수요기관명 / buying agency name (partial match)")
    ] = None
    demand_agency_code: Annotated[
        _Code | None, msgspec.Meta(description="수요기관코드 / buying agency code, e.g. 6410000")
    ] = None
    notice_agency: Annotated[
        _Name | None, msgspec.Meta(description="공고기관명 / agency that published the notice (partial)")
    ] = None
    notice_agency_code: Annotated[
        _Code | None, msgspec.Meta(description="공고기관코드 / publishing agency code")
    ] = None
    winner_bizno: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=20)] | None,
        msgspec.Meta(
            description="낙찰업체 사업자등록번호 / the winner's business registration no. (10 digits, "
            "dashes allowed, e.g. 123-45-67890); the gateway filters winners by this number only, "
            "not by company name"
        ),
    ] = None
    notice_no: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z-]{5,40}$")] | None,
        msgspec.Meta(
            description="입찰공고번호 / one notice's awards, e.g. R25BK00000001 (dates are then ignored)"
        ),
    ] = None
    region: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=20)] | None,
        msgspec.Meta(
            description="참가제한지역 / participation region: 시도 name (서울, 경기도, 전국 …) or its "
            "2-digit code (11, 41, 00 …)"
        ),
    ] = None
    industry: Annotated[_Name | None, msgspec.Meta(description="업종명 / industry name (partial)")] = None
    industry_code: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{4}$")] | None,
        msgspec.Meta(description="업종코드 / 4-digit industry code, e.g. 4119"),
    ] = None
    min_estimated_price: Annotated[
        _Amount | None, msgspec.Meta(description="추정가격 하한 / estimated price at least, KRW")
    ] = None
    max_estimated_price: Annotated[
        _Amount | None, msgspec.Meta(description="추정가격 상한 / estimated price at most, KRW")
    ] = None
    detail_product_no: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{10}$")] | None,
        msgspec.Meta(description="세부품명번호 / 10-digit detailed product classification no."),
    ] = None
    international: Annotated[
        bool | None, msgspec.Meta(description="국제입찰 / true: international bids only; false: domestic")
    ] = None
    mas: Annotated[
        bool | None, msgspec.Meta(description="다수공급경쟁자 / true: multiple-award (MAS) competitions")
    ] = None
    procurement_request_no: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None,
        msgspec.Meta(description="조달요청번호 / procurement request no."),
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.winner_bizno is not None:
            digits = "".join(c for c in self.winner_bizno if c.isdigit())
            if len(digits) != 10 or not all(c.isdigit() or c in "- " for c in self.winner_bizno):
                raise ValueError(
                    "winner_bizno: give the winner's 10-digit business registration no. (사업자등록번호, "
                    "e.g. 123-45-67890); the gateway cannot filter winners by company name, so look "
                    "the number up first"
                )
            self.winner_bizno = digits
        if self.region is not None:
            region_code(self.region)  # ValueError (-> invalid_params) for an unknown region
        low, high = self.min_estimated_price, self.max_estimated_price
        if low is not None and high is not None and high < low:
            raise ValueError("max_estimated_price is below min_estimated_price")


def _yn(flag: bool | None) -> str | None:
    return None if flag is None else ("Y" if flag else "N")


def award_params(p: SearchAwards) -> dict[str, str | None]:
    """The wire parameters of a search (besides the date window); None values are left out."""
    return {
        "inqryDiv": "3" if p.notice_no else "2",  # 3: 입찰공고번호, 2: 개찰일시
        "bidNtceNo": p.notice_no,
        "bidNtceNm": p.title,
        "dminsttNm": p.demand_agency,
        "dminsttCd": p.demand_agency_code,
        "ntceInsttNm": p.notice_agency,
        "ntceInsttCd": p.notice_agency_code,
        "bizno": p.winner_bizno,  # 10 digits (__post_init__)
        "prtcptLmtRgnCd": region_code(p.region) if p.region is not None else None,
        "indstrytyNm": p.industry,
        "indstrytyCd": p.industry_code,
        "presmptPrceBgn": None if p.min_estimated_price is None else str(p.min_estimated_price),
        "presmptPrceEnd": None if p.max_estimated_price is None else str(p.max_estimated_price),
        "dtilPrdctClsfcNo": p.detail_product_no,
        "intrntnlDivCd": None if p.international is None else ("2" if p.international else "1"),
        "masYn": _yn(p.mas),
        "prcrmntReqNo": p.procurement_request_no,
    }


@tool(
    name="search_awards",
    title=("낙찰 목록 검색", "Search awards (successful bids)"),
    description=(
        "나라장터 낙찰(최종낙찰자) 목록을 업무구분(물품/공사/용역/외자, '전체'면 모두 합쳐)별로 개찰일시 "
        "기준으로 검색합니다. "
        "'이 기관의 최근 서버 구매 입찰은 누가 몇 %에 낙찰받았나', '이 업체(사업자등록번호)가 낙찰받은 "
        "공사' 같은 질문에 씁니다. 수요기관/공고기관명, 공고명, 낙찰업체 사업자등록번호, 참가제한지역, "
        "업종, 추정가격 범위, 세부품명번호, 국제입찰 여부로 거릅니다. 업체명만 알면 먼저 "
        "사업자등록번호를 확인하세요. 한 공고의 전체 투찰업체·예비가격은 get_opening_results. "
        f"기본값: 오늘까지 최근 {DEFAULT_DAYS}일 개찰분, 최신 개찰순, 최대 50건; 더 있으면 complete가 "
        "false이고 next를 그대로 인자로 넘겨 이어받습니다. "
        '예: {"kind": "물품", "demand_agency": "경기도", "title": "서버", "limit": 10}',
        "Successful bids (final winners) on 나라장터 by kind (물품 goods, 공사 works, 용역 services, "
        "외자 foreign; 전체/all merges every kind), by opening date. Use it for 'who won this "
        "agency's recent server purchases and at what rate' or 'the works this company (business "
        "registration no.) won'. Filters: "
        "demand or notice agency name/code, words of the title, the winner's business registration "
        "no., participation region (시도 name or code), industry, estimated price range, detailed "
        "product no., international or domestic. The gateway cannot filter winners by company name: "
        "look the number up first. For every bidder and the reserve prices of one notice use "
        f"get_opening_results. Defaults: opened in the last {DEFAULT_DAYS} days up to today (KST), "
        "newest first, at most 50; when more exist `complete` is false: call again with `next` as "
        'the arguments. Example: {"kind": "물품", "demand_agency": "경기도", "title": "서버", '
        '"limit": 10}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_awards(ctx: Context, p: SearchAwards) -> Listing[Award]:
    """Awards of one kind (or all, merged), newest opening first, month by month."""
    # inqryDiv 3 looks a notice up by its number, whenever it opened: no date window then.
    today = dt.datetime.now(KST).date()
    window = (None, None) if p.notice_no else p.dates_or_last(DEFAULT_DAYS, today=today)
    params = award_params(p)
    if p.kind in ALL_KINDS:  # every kind's operation takes the same parameters
        return await collect_merged(ctx, [(op, params) for op in AWARD_SEARCH.values()], p, window=window)
    return await collect(ctx, AWARD_SEARCH[KIND_LABEL[p.kind]], params, p, window=window)


@hookimpl
def register_tools(register: Register) -> None:
    """Register the opening and award tools."""
    register(search_awards)
    register(get_opening_results)
