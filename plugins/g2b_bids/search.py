"""``search_bid_notices``: 나라장터 bid notices of one kind, or all, by the 나라장터 search filters."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from typing import Annotated

import msgspec

from naramarket.datago import Listing, ListQuery, collect, collect_merged
from naramarket.datago.g2b import ALL_KINDS, KST, REGION_CODE_SET, REGION_CODES, AllKinds
from naramarket.kernel import Context, tool

from .operations import KINDS, Kind, KindLabel, kind_of
from .records import BidNotice

__all__ = ["DEFAULT_DAYS", "REGION_CODES", "SearchBidNotices", "search_bid_notices", "wire_params"]

# Filters only the full PPSSrch takes: with them, "every kind" means every kind but 기타.
FULL_SEARCH_ONLY = (
    "demand_agency",
    "region",
    "industry",
    "detail_item_no",
    "international",
    "procurement_request_no",
)
DEFAULT_DAYS = 30  # posted in the last 30 days (two month windows at most), newest first

_AGENCY_CODE = re.compile(r"^[0-9A-Z]{7}$")  # 행자부코드 (1371577) or 조달청 code (Z001351)
_INDUSTRY_CODE = re.compile(r"^\d{4}$")


class SearchBidNotices(ListQuery):
    """Parameters of ``search_bid_notices``: a kind, the 나라장터 search filters, dates, limit, order."""

    kind: Annotated[
        KindLabel | AllKinds | None,
        msgspec.Meta(
            description="업무구분 / kind of notice: 물품 (goods), 공사 (works), 용역 (services), 외자 "
            "(foreign procurement) or 기타 (other); leave out (or 전체/all) for every kind at once, "
            "merged newest first"
        ),
    ] = None
    keyword: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None,
        msgspec.Meta(description="공고명 검색어 / words in the notice title (partial match), e.g. CCTV"),
    ] = None
    agency: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None,
        msgspec.Meta(description="공고기관 / issuing agency: a name (partial match) or its 7-character code"),
    ] = None
    demand_agency: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None,
        msgspec.Meta(
            description="수요기관 / demand (buying) agency: a name (partial match) or its 7-character "
            "code; not for 기타"
        ),
    ] = None
    region: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None,
        msgspec.Meta(
            description="참가제한지역 / region bidders are limited to: 서울, 경기도, 전국 (no limit) ... or "
            "the 2-digit code (11 서울, 41 경기, 51 강원, 52 전북, 00 전국, 99 기타); not for 기타"
        ),
    ] = None
    industry: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None,
        msgspec.Meta(
            description="업종 / industry (licence) required: a name (partial match), e.g. 정보통신공사업, "
            "or its 4-digit code; not for 기타"
        ),
    ] = None
    estimated_price_min: Annotated[
        Annotated[int, msgspec.Meta(ge=0)] | None,
        msgspec.Meta(description="추정가격 하한 / estimated price at least this, KRW"),
    ] = None
    estimated_price_max: Annotated[
        Annotated[int, msgspec.Meta(ge=0)] | None,
        msgspec.Meta(description="추정가격 상한 / estimated price at most this, KRW"),
    ] = None
    detail_item_no: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{10}$")] | None,
        msgspec.Meta(description="세부품명번호 / 10-digit detailed item no., e.g. 4921181901; not for 기타"),
    ] = None
    international: Annotated[
        bool | None,
        msgspec.Meta(
            description="국제입찰 / true: international bids only (국제), false: domestic only (국내); not "
            "for 기타"
        ),
    ] = None
    open_only: Annotated[
        bool | None,
        msgspec.Meta(description="입찰마감제외 / true: leave out notices whose bidding has closed"),
    ] = None
    urgent: Annotated[
        bool | None,
        msgspec.Meta(
            description="긴급공고 / true: urgent notices only, false: leave them out. The gateway has "
            "no urgency filter or field; 나라장터 marks urgent notices with 긴급 in the title, and "
            "this filters on that"
        ),
    ] = None
    reference_no: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=105)] | None,
        msgspec.Meta(description="참조번호 / the agency's reference no."),
    ] = None
    procurement_request_no: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=13)] | None,
        msgspec.Meta(description="조달요청번호 / procurement request no., e.g. R25DC00066664; not for 기타"),
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        low, high = self.estimated_price_min, self.estimated_price_max
        if low is not None and high is not None and high < low:
            raise ValueError("estimated_price_max: is below estimated_price_min")
        if self.kind is not None and self.kind not in ALL_KINDS and not kind_of(self.kind).full_search:
            refused = self.full_search_filters()
            if refused:
                raise ValueError(
                    f"{', '.join(refused)}: 기타 공고 검색에는 없는 조건입니다 / the 기타 (other) search "
                    "does not take these filters"
                )
        if self.region is not None:
            region = self.region.strip()
            if region.isdigit() and region not in REGION_CODE_SET:
                raise ValueError(
                    f"region: {region!r} is not a 참가제한지역코드 (e.g. 11 서울, 41 경기, 00 전국)"
                )

    def full_search_filters(self) -> list[str]:
        """The filters given that only the full PPSSrch (every kind but 기타) takes."""
        return [name for name in FULL_SEARCH_ONLY if getattr(self, name) is not None]

    def kinds(self) -> list[Kind]:
        """The kinds to search: the one named, or all (but 기타 when a filter it lacks is given)."""
        if self.kind is not None and self.kind not in ALL_KINDS:
            return [kind_of(self.kind)]
        full_only = bool(self.full_search_filters())
        return [kind for kind in KINDS.values() if kind.full_search or not full_only]


def _yn(flag: bool | None) -> str | None:
    return None if flag is None else ("Y" if flag else "N")


def _name_or_code(
    value: str | None, code: re.Pattern[str], code_param: str, name_param: str
) -> dict[str, str]:
    if value is None:
        return {}
    value = value.strip()
    return {code_param if code.match(value) else name_param: value}


def wire_params(p: SearchBidNotices) -> dict[str, str | None]:
    """The PPSSrch request parameters of a search (None: left out), Korean labels mapped to codes."""
    params: dict[str, str | None] = {
        "inqryDiv": "1",  # 1: 공고게시일시 (the dates filter when the notice was posted)
        "bidNtceNm": p.keyword,
        "presmptPrceBgn": None if p.estimated_price_min is None else str(p.estimated_price_min),
        "presmptPrceEnd": None if p.estimated_price_max is None else str(p.estimated_price_max),
        "dtilPrdctClsfcNo": p.detail_item_no,
        "intrntnlDivCd": None if p.international is None else ("2" if p.international else "1"),
        "bidClseExcpYn": "Y" if p.open_only else None,
        "refNo": p.reference_no,
        "prcrmntReqNo": p.procurement_request_no,
    }
    params.update(_name_or_code(p.agency, _AGENCY_CODE, "ntceInsttCd", "ntceInsttNm"))
    params.update(_name_or_code(p.demand_agency, _AGENCY_CODE, "dminsttCd", "dminsttNm"))
    params.update(_name_or_code(p.industry, _INDUSTRY_CODE, "indstrytyCd", "indstrytyNm"))
    if p.region is not None:
        region = p.region.strip()
        code = region if region.isdigit() else REGION_CODES.get(re.sub(r"\s+", "", region))
        params.update({"prtcptLmtRgnCd": code} if code else {"prtcptLmtRgnNm": region})
    return params


@tool(
    name="search_bid_notices",
    title=("입찰공고 검색", "Search bid notices"),
    description=(
        "나라장터 입찰공고를 나라장터 검색조건으로 찾습니다: 업무구분(물품·공사·용역·외자·기타, 빼면 "
        "전부를 한 번에 최신순으로 합침), 공고명 검색어, 공고기관·수요기관(이름 일부 또는 코드), "
        "참가제한지역(서울·경기도·전국 또는 코드), 업종(이름 또는 4자리 코드), 추정가격 범위, "
        "세부품명번호, 국내/국제, 긴급공고, 마감 제외. '이번 달 경기도 CCTV 유지보수 용역 공고'처럼 "
        "공고를 찾을 때 쓰고, 한 공고의 기초금액·면허제한·참가가능지역·첨부파일·변경이력은 "
        "get_bid_notice로 봅니다. 기타 검색에 없는 조건(수요기관·지역·업종·세부품명·국제·조달요청번호)을 "
        "주고 업무구분을 빼면 기타는 빠집니다. 기본값: 오늘까지 최근 30일 게시분(공고게시일시 기준), "
        "최신 게시순, 최대 50건. 더 있으면 complete가 false이고 응답의 next를 그대로 인자로 넘겨 "
        "이어받습니다. "
        '예: {"kind": "용역", "keyword": "CCTV", "region": "경기도", "limit": 20}',
        "나라장터 bid notices by the 나라장터 search filters: kind (물품 goods, 공사 works, 용역 "
        "services, 외자 foreign, 기타 other; leave it out to search every kind at once, merged newest "
        "first), words in the title, issuing or demand agency (part of the name, or the code), the "
        "region bidders are limited to (서울, 경기도, 전국, or the code), required industry (name or "
        "4-digit code), estimated price range, detailed item no., domestic or international, urgent "
        "notices, and open bids only. Use it to find notices; use get_bid_notice for one notice's base "
        "amount, licence limits, eligible regions, documents and change history. Without a kind, a "
        "filter the 기타 search lacks (demand agency, region, industry, item no., international, "
        "request no.) leaves 기타 out. Defaults: posted in the last 30 days up to today (KST), newest "
        "first, at most 50. When more exist `complete` is false: call again with the answer's `next` "
        'as the arguments. Example: {"kind": "용역", "keyword": "CCTV", "region": "경기도", "limit": 20}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_bid_notices(ctx: Context, p: SearchBidNotices) -> Listing[BidNotice]:
    """Notices of one kind (or all, merged) posted in the window, in order, month windows as needed."""
    window = p.dates_or_last(DEFAULT_DAYS, today=dt.datetime.now(KST).date())
    kinds = p.kinds()
    keep = None if p.urgent is None else partial(_is_urgent, p.urgent)
    params = wire_params(p)
    if len(kinds) == 1:
        listing = await collect(ctx, kinds[0].search, params, p, window=window, keep=keep)
    else:
        listing = await collect_merged(
            ctx, [(kind.search, params) for kind in kinds], p, window=window, keep=keep
        )
    return _with_hint(listing, p)


def _with_hint(listing: Listing[BidNotice], p: SearchBidNotices) -> Listing[BidNotice]:
    """An empty answer to an item search says where the item's words and codes come from."""
    if listing.items or not (p.keyword or p.detail_item_no):
        return listing
    searched = ", ".join(
        f"{name}={value!r}"
        for name, value in (("keyword", p.keyword), ("detail_item_no", p.detail_item_no))
        if value
    )
    words = p.keyword or p.detail_item_no
    hint = (
        f"{searched}: 맞는 공고가 없습니다. 공고명은 나라장터 품명으로 쓰이는 일이 많으니 search_categories"
        f'({{"words": "{words}"}})로 정확한 품명과 세부품명번호를 찾아 keyword나 detail_item_no로 다시 '
        "찾거나, 기간·업무구분을 넓혀 보세요. / No notice matched "
        f"{searched}. Titles often use the gateway's 품명: look it up with search_categories "
        f'({{"words": "{words}"}}) and search again by that 품명 or its detail_item_no, or widen the '
        "dates or kinds."
    )
    return msgspec.structs.replace(listing, hint=hint)


def _is_urgent(wanted: bool, notice: BidNotice) -> bool:
    return ("긴급" in notice.title) == wanted
