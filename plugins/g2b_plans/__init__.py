"""조달요청·발주계획 — 나라장터 procurement requests (PrcrmntReqInfoService, 12 operations) and order
plans (OrderPlanSttusService, 8 operations): what agencies are about to buy, before a bid notice.

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one,
built only on ``naramarket.kernel`` and ``naramarket.datago``.

- ``search_procurement_requests``: 조달요청 an agency sent 조달청, by kind (물품/공사/일반용역/기술용역/
  외자), 접수일시 range, agency, name words, receiving office, contract type or request number — the
  ``…PPSSrch`` (나라장터검색조건) operations, whose inqryDiv 1 filters 접수일시. Each kind takes
  the filters its operation documents; one it lacks is refused for it.
- ``search_order_plans``: 발주계획 agencies posted, by kind (물품/공사/용역/외자), 게시일시 range,
  planned order month or year (발주년월), agency, project name, 조달방식, agency location,
  세부품명번호 (물품) or plan number — the ``…PPSSrch`` operations (the plain list operations for a
  plan number).

Not used: the plain 조달요청 lists (입력일시, no filters) and the 물품·외자 세부 operations (the
lines of one request).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

import msgspec

from naramarket.datago import Listing, ListQuery, collect
from naramarket.datago.g2b import KST
from naramarket.kernel import Context, InvalidParams, Register, hookimpl, tool

from .records import (
    OPERATIONS,
    PLAN_KINDS,
    PLAN_LOOKUP,
    PLAN_SEARCH,
    REQUEST_KINDS,
    REQUEST_SEARCH,
    OrderPlan,
    ProcurementRequest,
)

__all__ = [
    "OPERATIONS",
    "SearchOrderPlans",
    "SearchProcurementRequests",
    "search_order_plans",
    "search_procurement_requests",
]

DEFAULT_DAYS: Final = 30
RequestKind = Literal[
    "물품", "공사", "용역", "일반용역", "기술용역", "외자",
    "goods", "works", "services", "technical_services", "foreign",
]  # fmt: skip
PlanKind = Literal["물품", "공사", "용역", "외자", "goods", "works", "services", "foreign"]
ContractType = Literal["총액계약", "일반단가계약", "제3자단가계약", "다수공급자계약"]
Procurement = Literal["중앙조달", "자체조달", "central", "own"]

CONTRACT_TYPES: Final = {
    "총액계약": "계120001",
    "일반단가계약": "계120002",
    "제3자단가계약": "계120003",
    "다수공급자계약": "계120004",
}
PROCUREMENT: Final = {
    "중앙조달": "중앙조달",
    "central": "중앙조달",
    "자체조달": "자체조달",
    "own": "자체조달",
}
# The PPSSrch parameter that takes words of the name, per kind (기술용역 has none).
REQUEST_KEYWORD: Final = {
    "Thng": "prdctClsfcNoNm",
    "GnrlServc": "prdctClsfcNoNm",
    "Cnstwk": "prcrmntReqNm",
    "Frgcpt": "engRprsntPrdctNm",
}
Text100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Text200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
AgencyCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z]{7}$")]
Number = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z-]{6,40}$")]
YearMonth = Annotated[str, msgspec.Meta(pattern=r"^20\d\d-(0[1-9]|1[0-2])$")]


def _today() -> dt.date:
    return dt.datetime.now(KST).date()


# -- search_procurement_requests ---------------------------------------------------------------------


class SearchProcurementRequests(ListQuery):
    """Parameters of ``search_procurement_requests`` (dates are 접수일시, both or neither)."""

    kind: Annotated[
        RequestKind,
        msgspec.Meta(
            description="업무구분 / kind: 물품 (goods, default), 공사 (works), 용역 or 일반용역 (general "
            "services), 기술용역 (technical services), 외자 (foreign)"
        ),
    ] = "물품"
    keyword: Annotated[
        Text100 | None,
        msgspec.Meta(
            description="이름 검색 / words of: 품명 (물품·일반용역), 조달요청명 (공사), "
            "영문대표물품명 (외자); 기술용역 has no name filter"
        ),
    ] = None
    agency: Annotated[
        Text200 | None, msgspec.Meta(description="발주기관명 / agency name or part of it (외자: 수요기관)")
    ] = None
    agency_code: Annotated[
        AgencyCode | None,
        msgspec.Meta(description="발주기관코드 / agency code, e.g. 1230000 (외자: 수요기관)"),
    ] = None
    office: Annotated[
        Text100 | None,
        msgspec.Meta(description="접수지청명 / receiving PPS office, e.g. 서울지방조달청 (not for 외자)"),
    ] = None
    contract_type: Annotated[
        ContractType | None,
        msgspec.Meta(description="요청구분 / contract type (물품·일반용역 only), e.g. 다수공급자계약"),
    ] = None
    request_no: Annotated[
        Number | None,
        msgspec.Meta(description="조달요청번호 / one request by number, e.g. R26DC01311288 (dates not used)"),
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        kind = REQUEST_KINDS[self.kind]
        if self.keyword is not None and kind not in REQUEST_KEYWORD:
            raise ValueError("keyword: the gateway has no name filter for 기술용역 requests")
        if self.office is not None and kind == "Frgcpt":
            raise ValueError("office: the gateway has no 접수지청 filter for 외자 requests")
        if self.contract_type is not None and kind not in ("Thng", "GnrlServc"):
            raise ValueError("contract_type: only 물품 and 일반용역 requests have a 요청구분 filter")
        if self.request_no is not None:
            for field in ("keyword", "agency", "agency_code", "office", "contract_type", "start_date"):
                if getattr(self, field) is not None:
                    raise ValueError(f"{field}: not used with request_no (조달요청번호 조회)")


def _request_params(p: SearchProcurementRequests, kind: str) -> dict[str, str | None]:
    if p.request_no is not None:
        # 물품's 3rd mode is 조달요청번호 (its 2nd is 결재일시); the other kinds' 2nd.
        return {"inqryDiv": "3" if kind == "Thng" else "2", "prcrmntReqNo": p.request_no}
    foreign = kind == "Frgcpt"
    return {
        "inqryDiv": "1",
        REQUEST_KEYWORD.get(kind, "prcrmntReqNm"): p.keyword,
        "dminsttNm" if foreign else "orderInsttNm": p.agency,
        "dminsttCd" if foreign else "orderInsttCd": p.agency_code,
        "rcptBrnofceNm": p.office,
        "reqDivCd": CONTRACT_TYPES[p.contract_type] if p.contract_type else None,
    }


@tool(
    name="search_procurement_requests",
    title=("조달요청 검색", "Search procurement requests"),
    description=(
        "수요기관이 조달청에 보낸 조달요청(물품·공사·일반용역·기술용역·외자)을 접수일시 기간, "
        "발주기관(명·코드), 이름(품명·조달요청명), 접수지청, 요청구분(계약유형), 조달요청번호로 "
        "찾습니다. 입찰공고가 나오기 전에 어떤 기관이 무엇을 사려는지 볼 때 씁니다. 한 번에 한 "
        "업무구분이며 기본은 물품, '용역'은 일반용역입니다. 기본값: 오늘까지 최근 30일 접수분, 최신 "
        "접수순, 최대 50건. 더 있으면 complete가 false이고 응답의 next를 그대로 인자로 넘겨 "
        "이어받습니다. 업무구분에 없는 조건은 거절합니다(기술용역은 이름 조건 없음). "
        '예: {"kind": "물품", "keyword": "컴퓨터", "agency": "조달청", "start_date": "2026-10-01", '
        '"end_date": "2026-10-31"}',
        "Procurement requests (조달요청) agencies sent 조달청 — goods, works, general or technical services, "
        "foreign — by receipt date (접수일시), agency (name or code), name words (품명 or request name), "
        "receiving office, contract type or request number. Use it to see what agencies are about to "
        "buy before the bid notice appears. One kind per call, 물품 by default; '용역' means 일반용역. "
        "Defaults: received in the last 30 days up to today (KST), newest first, at most 50. When more "
        "exist `complete` is false: call again with the answer's `next` as the arguments. A filter the "
        "kind's operation lacks is refused (기술용역 has no name filter). "
        'Example: {"kind": "물품", "keyword": "컴퓨터", "agency": "조달청", "start_date": "2026-10-01", '
        '"end_date": "2026-10-31"}',
    ),
    scopes=("g2b:read",),
)
async def search_procurement_requests(
    ctx: Context, p: SearchProcurementRequests
) -> Listing[ProcurementRequest]:
    """Requests of one kind from its 나라장터검색조건 operation."""
    kind = REQUEST_KINDS[p.kind]
    if p.request_no is not None:
        return await collect(ctx, REQUEST_SEARCH[kind], _request_params(p, kind), p, window=(None, None))
    window = p.dates_or_last(DEFAULT_DAYS, today=_today())
    return await collect(ctx, REQUEST_SEARCH[kind], _request_params(p, kind), p, window=window)


# -- search_order_plans ------------------------------------------------------------------------------


class SearchOrderPlans(ListQuery):
    """Parameters of ``search_order_plans`` (dates are 게시일시; order months are 발주년월)."""

    kind: Annotated[
        PlanKind,
        msgspec.Meta(
            description="업무구분 / kind: 물품 (goods, default), 공사 (works), 용역 (services), "
            "외자 (foreign)"
        ),
    ] = "물품"
    order_year: Annotated[
        Annotated[int, msgspec.Meta(ge=2000, le=2100)] | None,
        msgspec.Meta(description="발주년도 / plans to order in this year (January to December)"),
    ] = None
    order_from: Annotated[
        YearMonth | None,
        msgspec.Meta(description="발주시작년월 / plans to order from this month, YYYY-MM"),
    ] = None
    order_to: Annotated[
        YearMonth | None,
        msgspec.Meta(description="발주종료년월 / ... to this month, YYYY-MM (default: order_from)"),
    ] = None
    keyword: Annotated[Text200 | None, msgspec.Meta(description="사업명 / words of the project name")] = None
    agency: Annotated[Text200 | None, msgspec.Meta(description="발주기관명 / agency name or part of it")] = (
        None
    )
    agency_code: Annotated[AgencyCode | None, msgspec.Meta(description="발주기관코드 / agency code")] = None
    procurement: Annotated[
        Procurement | None,
        msgspec.Meta(description="조달방식 / 중앙조달 (central, via 조달청) or 자체조달 (own)"),
    ] = None
    region: Annotated[
        Text100 | None, msgspec.Meta(description="기관소재지 / where the agency is, e.g. 부산광역시")
    ] = None
    detail_item_no: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{8,10}$")] | None,
        msgspec.Meta(description="세부품명번호 / detailed product no., e.g. 4321150101 (물품 only)"),
    ] = None
    plan_no: Annotated[
        Number | None,
        msgspec.Meta(
            description="발주계획통합번호 / the lines of one plan, e.g. R26DD01559923 "
            "(other filters not used)"
        ),
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.order_year is not None and self.order_from is not None:
            raise ValueError("order_year, order_from: give one of them")
        if self.order_to is not None and self.order_from is None:
            raise ValueError("order_to: give order_from too")
        if self.order_from and self.order_to and self.order_to < self.order_from:
            raise ValueError("order_to: before order_from")
        if self.detail_item_no is not None and PLAN_KINDS[self.kind] != "Thng":
            raise ValueError("detail_item_no: only 물품 plans have a 세부품명번호 filter")
        if self.plan_no is not None:
            for field in ("order_year", "order_from", "keyword", "agency", "agency_code", "procurement",
                          "region", "detail_item_no", "start_date"):  # fmt: skip
                if getattr(self, field) is not None:
                    raise ValueError(f"{field}: not used with plan_no (발주계획통합번호 조회)")

    def order_months(self) -> tuple[str, str] | None:
        """The asked 발주년월 range as the gateway's YYYYMM values, if any."""
        if self.order_year is not None:
            return f"{self.order_year}01", f"{self.order_year}12"
        if self.order_from is not None:
            return self.order_from.replace("-", ""), (self.order_to or self.order_from).replace("-", "")
        return None


def _plan_window(
    p: SearchOrderPlans, months: tuple[str, str] | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The 게시일시 range: as given; for order months, from the December before their first year."""
    if p.start_date is not None and p.end_date is not None:
        return p.start_date, p.end_date
    if months is None:
        return p.dates_or_last(DEFAULT_DAYS, today=today)
    # Plans for a fiscal year are posted from its first weeks (some the December before) and
    # changed afterwards: every posting up to today, at most to the end of the last order year.
    start = dt.date(int(months[0][:4]) - 1, 12, 1)
    end = min(today, dt.date(int(months[1][:4]), 12, 31))
    if start > end:
        field = "order_year" if p.order_year is not None else "order_from"
        raise InvalidParams(
            f"{field}: no plan for those months is posted yet (발주계획이 아직 게시되지 않았습니다)"
        )
    return start, end


@tool(
    name="search_order_plans",
    title=("발주계획 검색", "Search order plans"),
    description=(
        "발주기관이 나라장터에 게시한 발주계획(물품·공사·용역·외자)을 게시일시 기간, 발주년월(order_from~"
        "order_to, YYYY-MM) 또는 발주년도, 발주기관(명·코드), 사업명, 조달방식(중앙/자체), 기관소재지, "
        "세부품명번호(물품), 발주계획통합번호로 찾습니다. 올해·다음 분기에 어떤 기관이 무엇을 얼마에 발주할 "
        "계획인지 미리 볼 때 씁니다. 한 번에 한 업무구분, 기본은 물품. 기본값: 오늘까지 최근 30일 "
        "게시분(발주년월을 주면 그 첫해 전년 12월부터 오늘까지 게시분), 최신 게시순, 최대 50건. 더 "
        "있으면 complete가 false이고 next를 그대로 넘겨 이어받습니다. "
        '예: {"kind": "용역", "order_from": "2026-03", "order_to": "2026-06", "agency": "부산광역시"}',
        "Order plans (발주계획) agencies posted on 나라장터 — goods, works, services, foreign — by posting "
        "date (게시일시), planned order month range (order_from..order_to, YYYY-MM) or order year, agency "
        "(name or code), project name, procurement route (central via 조달청, or own), agency location, "
        "detailed product number (goods) or plan number. Use it to see ahead what agencies plan to buy, "
        "when and for how much. One kind per call, 물품 by default. Defaults: posted in the last 30 days "
        "up to today (KST) — with order months, everything posted from the December before their first "
        "year up to today — newest first, at most 50. When more exist `complete` is false: call again "
        "with the answer's `next` as the arguments. "
        'Example: {"kind": "용역", "order_from": "2026-03", "order_to": "2026-06", "agency": "부산광역시"}',
    ),
    scopes=("g2b:read",),
)
async def search_order_plans(ctx: Context, p: SearchOrderPlans) -> Listing[OrderPlan]:
    """Plans of one kind from its 나라장터검색조건 operation (a plan number: the plain list's mode 2)."""
    kind = PLAN_KINDS[p.kind]
    if p.plan_no is not None:
        params: dict[str, str | None] = {"inqryDiv": "2", "orderPlanUntyNo": p.plan_no}
        return await collect(ctx, PLAN_LOOKUP[kind], params, p, window=(None, None))
    today = _today()
    months = p.order_months()
    window = _plan_window(p, months, today)
    # Without order months the gateway defaults 발주년월 to about the current month: ask for every
    # month plans posted in the window can be for (the year before its start to the year after).
    begin, end = months or (f"{window[0].year - 1}01", f"{window[1].year + 1}12")
    params = {
        "orderBgnYm": begin,
        "orderEndYm": end,
        "bizNm": p.keyword,
        "orderInsttNm": p.agency,
        "orderInsttCd": p.agency_code,
        "prcrmntMethd": PROCUREMENT[p.procurement] if p.procurement else None,
        "insttLctNm": p.region,
        "dtilPrdctClsfcNo": p.detail_item_no,
    }
    return await collect(ctx, PLAN_SEARCH[kind], params, p, window=window)


@hookimpl
def register_tools(register: Register) -> None:
    """Register the procurement-request and order-plan tools."""
    register(search_procurement_requests)
    register(search_order_plans)
