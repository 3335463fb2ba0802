"""Typed rows of 조달요청 (PrcrmntReqInfoService) and 발주계획 (OrderPlanSttusService), and their operations.

One record per tool. A procurement request's fields differ by kind (물품·일반용역 list a
representative item and budget, 공사·기술용역 contract and works amounts, 외자 a dollar amount):
the record holds them all and a kind's operation leaves the others empty; each description names
the kinds that send the field (the contract test checks this against the catalog). 외자 names its
agency 수요기관 (``dminsttNm``) and its item in English (``engRprsntPrdctNm``): a subclass reads
those fields into the same attributes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Final

from naramarket.datago import MONTH, KstDateTime, Record, wire
from naramarket.datago.g2b import G2bOperation, kind_suffixes

__all__ = [
    "KIND_LABELS",
    "OPERATIONS",
    "PLAN_KINDS",
    "PLAN_LOOKUP",
    "PLAN_SEARCH",
    "REQUEST_KINDS",
    "REQUEST_SEARCH",
    "ForeignProcurementRequest",
    "OrderPlan",
    "ProcurementRequest",
]

REQUESTS: Final = "ao/PrcrmntReqInfoService"
PLANS: Final = "ao/OrderPlanSttusService"

_GOODS = "(물품·일반용역 / goods, general services)"
_WORKS = "(공사·기술용역 / works, technical services)"
_NOT_FOREIGN = "(외자 제외 / not for 외자)"


class ProcurementRequest(Record):
    """One 조달요청: an agency's request that 조달청 contract for it, as received (접수)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("received_at", "request_no", "title", "agency", "amount")

    request_no: Annotated[str, wire("prcrmntReqNo", "조달요청번호 / request no., e.g. R26DC01311288")] = ""
    kind: Annotated[str, wire("bsnsDivNm", f"업무구분명 / kind {_NOT_FOREIGN}")] = ""
    title: Annotated[str, wire("prcrmntReqNm", f"조달요청명 / request name {_NOT_FOREIGN}")] = ""
    agency: Annotated[str, wire("orderInsttNm", "발주기관명 / ordering agency (외자: 수요기관)")] = ""
    agency_code: Annotated[str, wire("orderInsttCd", "발주기관코드 / agency code (외자: 수요기관코드)")] = ""
    received_at: Annotated[KstDateTime | None, wire("rcptDt", "접수일시 / received (KST)")] = None
    entered_at: Annotated[KstDateTime | None, wire("inptDt", "입력일시 / entered (KST)")] = None
    office: Annotated[str, wire("rcptBrnofceNm", f"접수지청명 / receiving PPS office {_WORKS}")] = ""
    officer: Annotated[str, wire("prcrmntReqOfclNm", f"조달요청담당자명 / officer {_NOT_FOREIGN}")] = ""
    url: Annotated[str, wire("prcrmntReqInfoUrl", f"조달요청정보URL / link {_NOT_FOREIGN}")] = ""
    # 물품·일반용역
    contract_form: Annotated[str, wire("cntrctCnclsStleNm", f"계약체결형태명 / contract form {_GOODS}")] = ""
    item: Annotated[
        str, wire("rprsntPrdctClsfcNoNm", f"대표품명 / main item {_GOODS} (외자: 영문대표물품명)")
    ] = ""
    spec: Annotated[str, wire("rprsntSpecDtlsCntnts", f"대표규격명세내용 / main item spec {_GOODS}")] = ""
    quantity: Annotated[float | None, wire("rprsntQty", f"대표수량 / quantity {_GOODS}")] = None
    unit: Annotated[str, wire("rprsntUnit", f"대표단위 / unit {_GOODS}")] = ""
    unit_price: Annotated[int | None, wire("rprsntUprc", f"대표단가 / unit price, KRW {_GOODS}")] = None
    amount: Annotated[int | None, wire("rprsntAmt", f"대표금액 / amount, KRW {_GOODS}")] = None
    budget: Annotated[int | None, wire("bdgtAmt", f"예산금액 / budget, KRW {_GOODS}")] = None
    delivery_place: Annotated[str, wire("rprsntDlvrPlce", f"대표납품장소 / delivery place {_GOODS}")] = ""
    due_date: Annotated[dt.date | None, wire("rprsntDedtDate", f"대표납기일자 / due date {_GOODS}")] = None
    lease: Annotated[bool | None, wire("leaseYn", f"리스여부 / lease {_GOODS}")] = None
    # 공사·기술용역
    contract_method: Annotated[
        str, wire("cntrctCnclsMthdNm", f"계약체결방법명 / contract method {_WORKS}")
    ] = ""
    contract_nature: Annotated[str, wire("cntrctDisposNm", f"계약성질명 / 장기, 계속비 … {_WORKS}")] = ""
    work_type: Annotated[str, wire("cnsttyNm", f"공종명 / type of work {_WORKS}")] = ""
    site_region: Annotated[str, wire("cnstrtsiteRgnNm", f"공사현장지역명 / site region {_WORKS}")] = ""
    total_scale: Annotated[
        int | None, wire("totCnstwkScleAmt", f"총공사규모금액 / total scale, KRW {_WORKS}")
    ] = None
    contract_amount: Annotated[
        int | None, wire("contrctAmt", f"도급금액 / contract amount, KRW {_WORKS}")
    ] = None
    this_year_amount: Annotated[
        int | None, wire("thtmContrctAmt", f"금차도급금액 / this year's contract amount, KRW {_WORKS}")
    ] = None
    this_year_budget: Annotated[
        int | None, wire("thtmBdgtAmt", f"금차예산금액 / this year's budget {_WORKS}")
    ] = None
    government_supply: Annotated[
        int | None, wire("govsplyAmt", f"관급금액 / government-supplied, KRW {_WORKS}")
    ] = None
    planned_amount: Annotated[
        int | None, wire("cnstwkPrearngAmt", f"공사예정금액 / planned amount {_WORKS}")
    ] = None
    estimated_price: Annotated[int | None, wire("presmptPrce", "추정가격 / estimated price, KRW (공사)")] = (
        None
    )
    service_budget: Annotated[
        int | None, wire("totSrvceBdgtAmt", "총용역예산금액 / total service budget, KRW (기술용역)")
    ] = None
    total_days: Annotated[int | None, wire("totCnstwkDaynum", f"총공사일수 / total days {_WORKS}")] = None
    tech_review_date: Annotated[
        dt.date | None, wire("techRvwReqstDate", f"기술검토의뢰일자 / technical review requested {_WORKS}")
    ] = None
    # 외자
    funding: Annotated[str, wire("cptalDivNm", "자금구분명 / funding: KFX, LEASE, IBRD/L … (외자)")] = ""
    usd_amount: Annotated[float | None, wire("asignDolAmt", "배정미화금액 / allotted amount, USD (외자)")] = (
        None
    )
    item_count: Annotated[int | None, wire("totlPrdctIdntNoNum", "전체품목건수 / number of items (외자)")] = (
        None
    )


class ForeignProcurementRequest(ProcurementRequest):
    """One 외자 조달요청: the agency is the 수요기관 and the item is named in English."""

    agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency")] = ""
    agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / demand agency code")] = ""
    item: Annotated[str, wire("engRprsntPrdctNm", "영문대표물품명 / main item (English name)")] = ""


class OrderPlan(Record):
    """One 발주계획: what an agency plans to order in a month of its fiscal year, as posted (게시)."""

    summary_fields: ClassVar[tuple[str, ...]] = (
        "posted_at",
        "plan_no",
        "title",
        "agency",
        "order_month",
        "total_amount",
    )

    plan_no: Annotated[str, wire("orderPlanUntyNo", "발주계획통합번호 / plan no., e.g. R26DD01559923")] = ""
    seq: Annotated[str, wire("orderPlanSno", "발주계획순번 / line of the plan")] = ""
    title: Annotated[str, wire("bizNm", "사업명 / project name")] = ""
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind: 물품, 공사, 용역, 외자")] = ""
    business_type: Annotated[str, wire("bsnsTyNm", "업무유형명 / 신규(단기), 장기, 계속비 …")] = ""
    agency: Annotated[str, wire("orderInsttNm", "발주기관명 / ordering agency")] = ""
    agency_code: Annotated[str, wire("orderInsttCd", "발주기관코드 / agency code")] = ""
    parent_agency: Annotated[str, wire("totlmngInsttNm", "총괄기관명 / supervising agency")] = ""
    agency_type: Annotated[str, wire("jrsdctnDivNm", "소관구분명 / jurisdiction type")] = ""
    order_year: Annotated[int | None, wire("orderYear", "발주년도 / planned order year")] = None
    order_month: Annotated[int | None, wire("orderMnth", "발주월 / planned order month")] = None
    procurement: Annotated[
        str, wire("prcrmntMethd", "조달방식 / 중앙조달 (via 조달청) or 자체조달 (own)")
    ] = ""
    contract_method: Annotated[str, wire("cntrctMthdNm", "계약방법명 / contract method")] = ""
    total_amount: Annotated[int | None, wire("sumOrderAmt", "합계발주금액 / total planned amount, KRW")] = (
        None
    )
    contract_amount: Annotated[int | None, wire("orderContrctAmt", "발주도급금액 / contract amount, KRW")] = (
        None
    )
    government_supply: Annotated[
        int | None, wire("orderGovsplyMtrcst", "발주관급자재비 / government-supplied materials, KRW")
    ] = None
    usd_amount: Annotated[float | None, wire("sumOrderDolAmt", "합계발주미화금액 / total, USD (외자)")] = None
    item: Annotated[str, wire("prdctClsfcNoNm", "품명 / product category")] = ""
    detail_item: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed product")] = ""
    detail_item_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed product no.")] = ""
    quantity: Annotated[str, wire("qtyCntnts", "수량내용 / quantity as written")] = ""
    unit: Annotated[str, wire("unit", "단위 / unit")] = ""
    spec: Annotated[str, wire("specCntnts", "규격내용 / specification")] = ""
    region: Annotated[str, wire("cnstwkRgnNm", "공사지역명 / region of the work")] = ""
    work_type: Annotated[str, wire("cnsttyDivNm", "공종구분명 / type of work")] = ""
    work_period: Annotated[str, wire("cnstwkPrdCntnts", "공사기간내용 / period as written")] = ""
    department: Annotated[str, wire("deptNm", "부서명 / department")] = ""
    officer: Annotated[str, wire("ofclNm", "담당자명 / officer")] = ""
    phone: Annotated[str, wire("telNo", "전화번호 / phone")] = ""
    agreement: Annotated[bool | None, wire("agrmntYn", "협정여부 / under a trade agreement (WTO …)")] = None
    notice_posted: Annotated[bool | None, wire("ntceNticeYn", "공고게시여부 / bid notice posted")] = None
    bid_notice_nos: Annotated[
        str, wire("bidNtceNoList", "입찰공고번호목록 / bid notices of the plan, comma-separated")
    ] = ""
    remarks: Annotated[str, wire("rmrkCntnts", "비고내용 / remarks")] = ""
    has_attachments: Annotated[bool | None, wire("atchFileExistnceYn", "첨부파일존재여부 / attachments")] = (
        None
    )
    url: Annotated[str, wire("orderPlanDtlUrl", "발주계획상세URL / link to the plan")] = ""
    posted_at: Annotated[KstDateTime | None, wire("nticeDt", "게시일시 / posted (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


# -- operations --------------------------------------------------------------------------------------

# 업무구분: the Korean label (and its English alias) -> the operations' suffix.
REQUEST_KINDS: Final[dict[str, str]] = {
    "물품": "Thng",
    "공사": "Cnstwk",
    "용역": "GnrlServc",
    "일반용역": "GnrlServc",
    "기술용역": "TechServc",
    "외자": "Frgcpt",
    "goods": "Thng",
    "works": "Cnstwk",
    "services": "GnrlServc",
    "technical_services": "TechServc",
    "foreign": "Frgcpt",
}
PLAN_KINDS: Final[dict[str, str]] = kind_suffixes("물품", "공사", "용역", "외자")
KIND_LABELS: Final[dict[str, str]] = {
    "Thng": "물품",
    "Cnstwk": "공사",
    "GnrlServc": "일반용역",
    "TechServc": "기술용역",
    "Servc": "용역",
    "Frgcpt": "외자",
}
_DATES = ("inqryBgnDt", "inqryEndDt")


def _request_search(kind: str) -> G2bOperation[ProcurementRequest]:
    # The PPSSrch operations: inqryDiv 1 filters 접수일시 (rcptDt), one month per call.
    return G2bOperation(
        REQUESTS,
        f"getPrcrmntReqInfoList{kind}PPSSrch",
        record=ForeignProcurementRequest if kind == "Frgcpt" else ProcurementRequest,
        range_limit=MONTH,
        dedupe_on=("request_no",),
        order_by="received_at",
        date_params=_DATES,
    )


def _plan_search(kind: str) -> G2bOperation[OrderPlan]:
    # The PPSSrch operations: inqryBgnDt/inqryEndDt filter 게시일시 (nticeDt); about a month per call.
    return G2bOperation(
        PLANS,
        f"getOrderPlanSttusList{kind}PPSSrch",
        record=OrderPlan,
        range_limit=MONTH,
        dedupe_on=("plan_no", "seq"),
        order_by="posted_at",
        date_params=_DATES,
    )


def _plan_lookup(kind: str) -> G2bOperation[OrderPlan]:
    # The plain list operations in inqryDiv 2 (발주계획통합번호): the lines of one plan.
    return G2bOperation(PLANS, f"getOrderPlanSttusList{kind}", record=OrderPlan, dedupe_on=("plan_no", "seq"))


REQUEST_SEARCH: Final = {
    k: _request_search(k) for k in ("Thng", "Cnstwk", "GnrlServc", "TechServc", "Frgcpt")
}
PLAN_SEARCH: Final = {k: _plan_search(k) for k in ("Thng", "Cnstwk", "Servc", "Frgcpt")}
PLAN_LOOKUP: Final = {k: _plan_lookup(k) for k in ("Thng", "Cnstwk", "Servc", "Frgcpt")}
OPERATIONS: Final[tuple[G2bOperation[Any], ...]] = (
    *REQUEST_SEARCH.values(),
    *PLAN_SEARCH.values(),
    *PLAN_LOOKUP.values(),
)
