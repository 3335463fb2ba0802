"""누리장터 — private-sector bid notices, awards and contracts (조달청 Prvt* services).

누리장터 is 조달청's e-procurement market for buyers that cannot register as 나라장터 demand
agencies: 아파트 입주자대표회의 and 관리사무소, private companies, associations. Its records are NOT
나라장터 (public procurement) records; for those use ``search_bid_notices``, ``search_awards`` and
``search_contracts``. A first-party plugin built only on ``naramarket.kernel`` and
``naramarket.datago``.

- ``search_nuri_bid_notices``: 민간입찰공고 by kind, posting date and the 나라장터검색조건 filters
  (``getPrvtBidPblancListInfo*PPSSrch``), or one notice by number.
- ``search_nuri_awards``: 민간낙찰 (final winners) by opening date and filters
  (``getPrvtScsbidListSttusPPSSrch``); kind and winner are matched on each row here.
- ``search_nuri_contracts``: 민간계약 by contract date and filters (``getPrvtCntrctInfoListPPSSrch``);
  kind and company are matched on each row here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal

import msgspec

from naramarket.datago import MAX_LIMIT, Listing, ListQuery, collect
from naramarket.datago.g2b import KST
from naramarket.kernel import Context, Register, hookimpl, tool

from .records import (
    AWARD_SEARCH,
    CONTRACT_SEARCH,
    KINDS,
    NOTICE_BY_NUMBER,
    NOTICE_SEARCH,
    OPERATIONS,
    NuriAward,
    NuriContract,
    NuriNotice,
)

__all__ = [
    "OPERATIONS",
    "NuriAward",
    "NuriContract",
    "NuriNotice",
    "SearchNuriAwards",
    "SearchNuriBidNotices",
    "SearchNuriContracts",
    "award_params",
    "contract_params",
    "notice_params",
    "search_nuri_awards",
    "search_nuri_bid_notices",
    "search_nuri_contracts",
]

DEFAULT_DAYS = 30  # the last 30 days up to today (KST), unless dates are given

Kind = Literal["물품", "공사", "용역", "기타", "goods", "works", "services", "other"]
_KIND_HELP = "업무구분 / kind: 물품 (goods), 공사 (works), 용역 (services), 기타 (other); English labels too"
_Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
_Code = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z]{1,10}$")]
_Number = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z-]{5,40}$")]
_Amount = Annotated[int, msgspec.Meta(ge=0)]
_NOT_NARA_KO = (
    "누리장터(민간 전자입찰: 아파트·민간기업 등 '수요기관 외의 자')의 기록이며 "
    "나라장터(공공조달) 기록이 아닙니다."
)
_NOT_NARA_EN = (
    "These are 누리장터 records (조달청's private-sector e-bidding market: apartment complexes, "
    "private companies and other buyers that are not public agencies), NOT 나라장터 public "
    "procurement records."
)


def _today() -> dt.date:
    return dt.datetime.now(KST).date()


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


# -- search_nuri_bid_notices -----------------------------------------------------------------------


class SearchNuriBidNotices(ListQuery, kw_only=True):  # kw_only spelled out for type checkers
    """Parameters of ``search_nuri_bid_notices``: a kind, posting dates (both or neither), filters."""

    # A notice is large (documents, addresses): 30 keep a default answer inside a model's budget.
    limit: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=MAX_LIMIT,
            description=f"최대 건수 / at most this many records (default 30, at most {MAX_LIMIT}); when "
            "more exist the answer's `next` continues",
        ),
    ] = 30
    kind: Annotated[Kind, msgspec.Meta(description=_KIND_HELP)]
    title: Annotated[
        _Name | None, msgspec.Meta(description="공고명 / words in the notice title (partial)")
    ] = None
    notice_agency: Annotated[
        _Name | None,
        msgspec.Meta(
            description="공고기관명 / the private buyer that posted it, e.g. 아파트 입주자대표회의 (partial)"
        ),
    ] = None
    notice_agency_code: Annotated[_Code | None, msgspec.Meta(description="공고기관코드 / buyer code")] = None
    demand_agency: Annotated[_Name | None, msgspec.Meta(description="수요기관명 / buyer name (partial)")] = (
        None
    )
    demand_agency_code: Annotated[_Code | None, msgspec.Meta(description="수요기관코드 / buyer code")] = None
    reference_no: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=105)] | None,
        msgspec.Meta(description="참조번호 / the buyer's reference no."),
    ] = None
    region: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None,
        msgspec.Meta(description="참가제한지역명 / participation region name, e.g. 서울, 경기도 (partial)"),
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
    open_only: Annotated[
        bool | None,
        msgspec.Meta(description="입찰마감제외 / true: leave out notices whose bidding has closed"),
    ] = None
    notice_no: Annotated[
        _Number | None,
        msgspec.Meta(description="입찰공고번호 / one notice's rounds by number (dates and filters unused)"),
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        low, high = self.min_estimated_price, self.max_estimated_price
        if low is not None and high is not None and high < low:
            raise ValueError("max_estimated_price is below min_estimated_price")
        if self.notice_no is not None:
            self.notice_no = self.notice_no.upper()


def notice_params(p: SearchNuriBidNotices) -> dict[str, str | None]:
    """The wire parameters of a notice search (besides the date window); None values are left out."""
    if p.notice_no:
        return {"inqryDiv": "4", "bidNtceNo": p.notice_no}  # 4: 입찰공고번호
    return {
        "inqryDiv": "1",  # 1: 공고게시일시
        "bidNtceNm": p.title,
        "ntceInsttNm": p.notice_agency,
        "ntceInsttCd": p.notice_agency_code,
        "dminsttNm": p.demand_agency,
        "dminsttCd": p.demand_agency_code,
        "refNo": p.reference_no,
        "prtcptLmtRgnNm": p.region,
        "indstrytyNm": p.industry,
        "indstrytyCd": p.industry_code,
        "presmptPrceBgn": None if p.min_estimated_price is None else str(p.min_estimated_price),
        "presmptPrceEnd": None if p.max_estimated_price is None else str(p.max_estimated_price),
        "bidClseExcpYn": None if p.open_only is None else ("Y" if p.open_only else "N"),
    }


@tool(
    name="search_nuri_bid_notices",
    title=("누리장터 민간 입찰공고 검색", "누리장터 private-sector bid notices (not 나라장터)"),
    description=(
        _NOT_NARA_KO + " 공공기관의 나라장터 입찰공고는 search_bid_notices를 쓰세요. "
        "누리장터 민간입찰공고를 업무구분(물품/공사/용역/기타)별로 공고게시일시 기준으로 검색합니다. "
        "'이번 달 아파트 청소용역 입찰', '이 입주자대표회의의 공고' 같은 질문에 씁니다. 공고명, "
        "공고기관/수요기관, 참조번호, 참가제한지역명, 업종, 추정가격 범위, 마감 제외로 거르고, "
        "notice_no로 한 공고의 차수들을 찾습니다. "
        f"기본값: 오늘까지 최근 {DEFAULT_DAYS}일 게시분, 최신 게시순, 최대 30건; 더 있으면 complete가 "
        "false이고 next를 그대로 인자로 넘겨 이어받습니다. "
        '예: {"kind": "용역", "title": "청소", "region": "서울", "limit": 10}',
        _NOT_NARA_EN + " For public-agency notices on 나라장터 use search_bid_notices. "
        "누리장터 private-sector bid notices by kind (물품 goods, 공사 works, 용역 services, 기타 other), "
        "by posting date. Use it for 'apartment cleaning-service bids this month' or 'this "
        "residents' council's notices'. Filters: words of the title, posting or buying body "
        "(name or code), reference no., participation region name, industry, estimated price "
        "range, open notices only; `notice_no` finds one notice's rounds. Defaults: posted in "
        f"the last {DEFAULT_DAYS} days up to today (KST), newest first, at most 30; when more "
        "exist `complete` is false: call again with `next` as the arguments. "
        'Example: {"kind": "용역", "title": "청소", "region": "서울", "limit": 10}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_nuri_bid_notices(ctx: Context, p: SearchNuriBidNotices) -> Listing[NuriNotice]:
    """누리장터 notices of one kind, newest posting first, month by month (or one by number)."""
    suffix = KINDS[p.kind][1]
    if p.notice_no:
        return await collect(ctx, NOTICE_BY_NUMBER[suffix], notice_params(p), p, window=(None, None))
    window = p.dates_or_last(DEFAULT_DAYS, today=_today())
    return await collect(ctx, NOTICE_SEARCH[suffix], notice_params(p), p, window=window)


# -- search_nuri_awards ----------------------------------------------------------------------------


class SearchNuriAwards(ListQuery):
    """Parameters of ``search_nuri_awards``: opening dates (both or neither) and filters."""

    kind: Annotated[Kind | None, msgspec.Meta(description=_KIND_HELP + "; leave out for every kind")] = None
    title: Annotated[
        _Name | None, msgspec.Meta(description="입찰공고명 / words in the notice title (partial)")
    ] = None
    demand_agency: Annotated[_Name | None, msgspec.Meta(description="수요기관명 / buyer name (partial)")] = (
        None
    )
    demand_agency_code: Annotated[_Code | None, msgspec.Meta(description="수요기관코드 / buyer code")] = None
    notice_agency: Annotated[
        _Name | None, msgspec.Meta(description="공고기관명 / body that posted the notice (partial)")
    ] = None
    notice_agency_code: Annotated[_Code | None, msgspec.Meta(description="공고기관코드 / its code")] = None
    winner: Annotated[
        Annotated[str, msgspec.Meta(min_length=2, max_length=100)] | None,
        msgspec.Meta(
            description="낙찰업체 / the winner: part of its name, or its 10-digit 사업자등록번호 (dashes "
            "allowed), matched on each row"
        ),
    ] = None
    region: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None,
        msgspec.Meta(description="참가제한지역명 / participation region name, e.g. 서울 (partial)"),
    ] = None
    industry: Annotated[_Name | None, msgspec.Meta(description="업종명 / industry name (partial)")] = None
    min_estimated_price: Annotated[
        _Amount | None, msgspec.Meta(description="추정가격 하한 / estimated price at least, KRW")
    ] = None
    max_estimated_price: Annotated[
        _Amount | None, msgspec.Meta(description="추정가격 상한 / estimated price at most, KRW")
    ] = None
    notice_no: Annotated[
        _Number | None,
        msgspec.Meta(description="입찰공고번호 / one notice's awards (dates are then ignored)"),
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        low, high = self.min_estimated_price, self.max_estimated_price
        if low is not None and high is not None and high < low:
            raise ValueError("max_estimated_price is below min_estimated_price")
        number = self.winner is not None and self.winner.replace("-", "").strip().isdigit()
        if self.winner is not None and number and len(_digits(self.winner)) != 10:
            raise ValueError("winner: a 사업자등록번호 has 10 digits, e.g. 123-45-67890")
        if self.notice_no is not None:
            self.notice_no = self.notice_no.upper()


def award_params(p: SearchNuriAwards) -> dict[str, str | None]:
    """The wire parameters of an award search (besides the date window); None values are left out."""
    return {
        "inqryDiv": "3" if p.notice_no else "2",  # 3: 입찰공고번호, 2: 개찰일시
        "bidNtceNo": p.notice_no,
        "bidNtceNm": p.title,
        "dminsttNm": p.demand_agency,
        "dminsttCd": p.demand_agency_code,
        "ntceInsttNm": p.notice_agency,
        "ntceInsttCd": p.notice_agency_code,
        "prtcptLmtRgnNm": p.region,
        "indstrytyNm": p.industry,
        "presmptPrceBgn": None if p.min_estimated_price is None else str(p.min_estimated_price),
        "presmptPrceEnd": None if p.max_estimated_price is None else str(p.max_estimated_price),
    }


def _company_matches(text: str, wanted: str) -> bool:
    """Whether ``text`` (a name, or a composite row like a^b^c) names ``wanted`` (name part or 사업자번호)."""
    digits = _digits(wanted)
    if len(digits) == 10 and wanted.replace("-", "").replace(" ", "").isdigit():
        return any(_digits(part) == digits for part in text.replace("[", "^").replace("]", "^").split("^"))
    squeeze = "".join(wanted.split()).casefold()
    return squeeze in "".join(text.split()).casefold()


def award_filter(p: SearchNuriAwards) -> Callable[[NuriAward], bool] | None:
    """The row filter for what the gateway cannot filter (kind, winner); None when nothing to match."""
    if p.kind is None and p.winner is None:
        return None
    kind = KINDS[p.kind][0] if p.kind else None
    winner = p.winner

    def keep(award: NuriAward) -> bool:
        if kind is not None and award.kind != kind:
            return False
        if winner is not None:
            return _company_matches(f"{award.winner}^{award.winner_info}", winner)
        return True

    return keep


@tool(
    name="search_nuri_awards",
    title=("누리장터 민간 낙찰 검색", "누리장터 private-sector awards (not 나라장터)"),
    description=(
        _NOT_NARA_KO + " 공공기관의 나라장터 낙찰은 search_awards를 쓰세요. "
        "누리장터 민간입찰의 최종낙찰자 목록을 개찰일시 기준으로 검색합니다. '이 아파트 "
        "경비용역은 누가 얼마에 낙찰받았나', '이 업체가 누리장터에서 낙찰받은 건' 같은 질문에 "
        "씁니다. 업무구분(물품/공사/용역/기타), 공고명, 수요기관/공고기관, 낙찰업체(이름 일부 또는 "
        "사업자등록번호), 참가제한지역명, 업종, 추정가격 범위로 거르고, notice_no로 한 공고의 낙찰을 "
        f"찾습니다. 기본값: 오늘까지 최근 {DEFAULT_DAYS}일 개찰분, 최신 개찰순, 최대 50건; 더 있으면 "
        "complete가 false이고 next를 그대로 인자로 넘겨 이어받습니다. "
        '예: {"kind": "용역", "title": "경비", "limit": 10}',
        _NOT_NARA_EN + " For public-agency awards on 나라장터 use search_awards. "
        "Final winners of 누리장터 private-sector bids, by opening date. Use it for 'who won this "
        "apartment's security-service bid and for how much' or 'what this company won on 누리장터'. "
        "Filters: kind (물품/공사/용역/기타), words of the title, buying or posting body (name or "
        "code), the winner (part of its name or its business registration no.), participation "
        "region name, industry, estimated price range; `notice_no` gives one notice's awards. "
        f"Defaults: opened in the last {DEFAULT_DAYS} days up to today (KST), newest first, at most "
        "50; when more exist `complete` is false: call again with `next` as the arguments. "
        'Example: {"kind": "용역", "title": "경비", "limit": 10}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_nuri_awards(ctx: Context, p: SearchNuriAwards) -> Listing[NuriAward]:
    """누리장터 awards, newest opening first, month by month (or one notice's by number)."""
    window = (None, None) if p.notice_no else p.dates_or_last(DEFAULT_DAYS, today=_today())
    return await collect(ctx, AWARD_SEARCH, award_params(p), p, window=window, keep=award_filter(p))


# -- search_nuri_contracts -------------------------------------------------------------------------


class SearchNuriContracts(ListQuery):
    """Parameters of ``search_nuri_contracts``: contract dates (both or neither) and filters."""

    kind: Annotated[Kind | None, msgspec.Meta(description=_KIND_HELP + "; leave out for every kind")] = None
    name: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None,
        msgspec.Meta(description="계약명 / words in the contract name (partial)"),
    ] = None
    agency: Annotated[
        _Name | None, msgspec.Meta(description="기관명 / contracting or buying body name (partial)")
    ] = None
    agency_code: Annotated[_Code | None, msgspec.Meta(description="기관코드 / body code")] = None
    reference_no: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=35)] | None,
        msgspec.Meta(description="계약참조번호 / contract reference no."),
    ] = None
    company: Annotated[
        Annotated[str, msgspec.Meta(min_length=2, max_length=100)] | None,
        msgspec.Meta(
            description="업체 / contractor: part of its name or its 10-digit 사업자등록번호, matched on "
            "each row's 업체목록"
        ),
    ] = None
    contract_no: Annotated[
        _Number | None, msgspec.Meta(description="계약번호 / one contract by number (dates unused)")
    ] = None
    notice_no: Annotated[
        _Number | None, msgspec.Meta(description="공고번호 / contracts of this bid notice (dates unused)")
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.contract_no and self.notice_no:
            raise ValueError("contract_no, notice_no: give one of them")


def contract_params(p: SearchNuriContracts) -> dict[str, str | None]:
    """The wire parameters of a contract search (besides the date window); None values are left out."""
    if p.contract_no:
        return {"inqryDiv": "2", "cntrctNo": p.contract_no}  # 2: 계약번호
    if p.notice_no:
        return {"inqryDiv": "3", "ntceNo": p.notice_no}  # 3: 공고번호
    return {
        "inqryDiv": "1",  # 1: 계약일자
        "cntrctNm": p.name,
        "insttNm": p.agency,
        "insttCd": p.agency_code,
        "cntrctRefNo": p.reference_no,
    }


def contract_filter(p: SearchNuriContracts) -> Callable[[NuriContract], bool] | None:
    """The row filter for what the gateway cannot filter (kind, company); None when nothing to match."""
    if p.kind is None and p.company is None:
        return None
    kind = KINDS[p.kind][0] if p.kind else None
    company = p.company

    def keep(contract: NuriContract) -> bool:
        if kind is not None and contract.kind != kind:
            return False
        return company is None or _company_matches(contract.companies, company)

    return keep


@tool(
    name="search_nuri_contracts",
    title=("누리장터 민간 계약 검색", "누리장터 private-sector contracts (not 나라장터)"),
    description=(
        _NOT_NARA_KO + " 공공기관의 나라장터 계약은 search_contracts를 쓰세요. "
        "누리장터 민간계약을 계약일자 기준으로 검색합니다. '이 업체가 누리장터에서 맺은 계약', "
        "'이번 달 아파트 승강기 유지보수 계약' 같은 질문에 씁니다. 업무구분, 계약명, 기관명/코드, "
        "계약참조번호, 업체(이름 일부 또는 사업자등록번호)로 거르고, contract_no 또는 notice_no로 "
        f"특정 계약을 찾습니다. 기본값: 오늘까지 최근 {DEFAULT_DAYS}일 체결분, 최신 계약순, 최대 "
        "50건; 더 있으면 complete가 false이고 next를 그대로 인자로 넘겨 이어받습니다. "
        '예: {"name": "승강기", "start_date": "2026-10-01", "end_date": "2026-10-31"}',
        _NOT_NARA_EN + " For public-agency contracts on 나라장터 use search_contracts. "
        "누리장터 private-sector contracts by contract date. Use it for 'the contracts this company "
        "signed on 누리장터' or 'apartment elevator maintenance contracts this month'. Filters: kind, "
        "words of the contract name, body name or code, contract reference no., the contractor "
        "(part of its name or its business registration no.); `contract_no` or `notice_no` find "
        f"given contracts. Defaults: concluded in the last {DEFAULT_DAYS} days up to today (KST), "
        "newest first, at most 50; when more exist `complete` is false: call again with `next` as "
        'the arguments. Example: {"name": "승강기", "start_date": "2026-10-01", '
        '"end_date": "2026-10-31"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_nuri_contracts(ctx: Context, p: SearchNuriContracts) -> Listing[NuriContract]:
    """누리장터 contracts, newest first by contract date, month by month (or by number)."""
    by_number = bool(p.contract_no or p.notice_no)
    window = (None, None) if by_number else p.dates_or_last(DEFAULT_DAYS, today=_today())
    return await collect(ctx, CONTRACT_SEARCH, contract_params(p), p, window=window, keep=contract_filter(p))


@hookimpl
def register_tools(register: Register) -> None:
    """Register the 누리장터 tools."""
    register(search_nuri_bid_notices)
    register(search_nuri_awards)
    register(search_nuri_contracts)
