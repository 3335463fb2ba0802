"""Typed rows of 계약정보서비스 (CntrctInfoService) and the operations that return them.

One record class per row shape. Where the kinds differ only in a field's wire name (공사 calls the
title ``cnstwkNm``, the others ``cntrctNm``; 공사 service info has ``cnstwkAmt`` where 용역 has
``srvceAmt``) a subclass re-declares that one field with its own ``wire()``, so every kind answers
with the same English attributes and each record reads only fields its operation documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Final

from naramarket.datago import MONTH, KstDateTime, Record, wire
from naramarket.datago.g2b import G2bOperation, kind_suffixes

SERVICE: Final = "ao/CntrctInfoService"

# 업무구분: the Korean label (and its English alias) -> the operations' suffix.
KINDS: Final[dict[str, str]] = kind_suffixes("물품", "공사", "용역", "외자")
KIND_LABELS: Final[dict[str, str]] = {"Thng": "물품", "Cnstwk": "공사", "Servc": "용역", "Frgcpt": "외자"}


class ContractCore(Record):
    """What every contract row (list, search, change history) holds, whatever its kind."""

    summary_fields: ClassVar[tuple[str, ...]] = (
        "concluded_on",
        "contract_no",
        "title",
        "agency",
        "amount",
        "companies",
    )

    contract_no: Annotated[
        str, wire("untyCntrctNo", "통합계약번호 / unified contract no. (get_contract)")
    ] = ""
    title: Annotated[str, wire("cntrctNm", "계약명 / contract name")] = ""
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind: 물품, 공사, 용역, 외자")] = ""
    concluded_on: Annotated[dt.date | None, wire("cntrctCnclsDate", "계약체결일자 / concluded on")] = None
    amount: Annotated[int | None, wire("thtmCntrctAmt", "금차계약금액 / amount of this contract, KRW")] = None
    total_amount: Annotated[
        int | None, wire("totCntrctAmt", "총계약금액 / total of a long-term contract, KRW (0 otherwise)")
    ] = None
    agency: Annotated[str, wire("cntrctInsttNm", "계약기관명 / contracting agency")] = ""
    agency_code: Annotated[str, wire("cntrctInsttCd", "계약기관코드 / contracting agency code")] = ""
    agency_type: Annotated[str, wire("cntrctInsttJrsdctnDivNm", "계약기관소관구분명 / agency type")] = ""
    agency_department: Annotated[str, wire("cntrctInsttChrgDeptNm", "계약기관담당부서명 / department")] = ""
    agency_officer: Annotated[str, wire("cntrctInsttOfclNm", "계약기관담당자명 / officer")] = ""
    agency_phone: Annotated[str, wire("cntrctInsttOfclTelNo", "계약기관담당자전화번호 / phone")] = ""
    agency_fax: Annotated[str, wire("cntrctInsttOfclFaxNo", "계약기관담당자팩스번호 / fax")] = ""
    companies: Annotated[
        str,
        wire(
            "corpList",
            "업체목록 / contractors: [순번^업체구분^공동도급방식^업체명^대표자^국적^지분율^채권자^담당자^"
            "사업자등록번호],… (get_contract gives them parsed)",
        ),
    ] = ""
    demand_agencies: Annotated[
        str,
        wire(
            "dminsttList",
            "수요기관목록 / demand agencies: [순번^기관코드^기관명^소관구분^부서^담당자^전화],…",
        ),
    ] = ""
    method: Annotated[str, wire("cntrctCnclsMthdNm", "계약체결방법명 / contract method")] = ""
    joint: Annotated[bool | None, wire("cmmnCntrctYn", "공동계약여부 / joint contract")] = None
    long_term: Annotated[str, wire("lngtrmCtnuDivNm", "장기계속구분명 / new, long-term, …")] = ""
    period: Annotated[str, wire("cntrctPrd", "계약기간 / contract period as written")] = ""
    base_law: Annotated[str, wire("baseLawNm", "근거법률명 / legal basis")] = ""
    basis: Annotated[str, wire("baseDtls", "근거내역 / basis details")] = ""
    deposit_rate: Annotated[float | None, wire("grntymnyRate", "보증금률 / guarantee rate, %")] = None
    payment: Annotated[str, wire("payDivNm", "지급구분명 / payment kind")] = ""
    creditor: Annotated[str, wire("crdtrNm", "채권자명 / creditor")] = ""
    request_no: Annotated[str, wire("reqNo", "요청번호 / procurement request no.")] = ""
    notice_no: Annotated[str, wire("ntceNo", "공고번호 / bid notice no. (+ round)")] = ""
    confirmed_no: Annotated[str, wire("dcsnCntrctNo", "확정계약번호 / confirmed contract no.")] = ""
    reference_no: Annotated[str, wire("cntrctRefNo", "계약참조번호 / contract reference no.")] = ""
    info_url: Annotated[str, wire("cntrctInfoUrl", "계약정보URL / contract information URL")] = ""
    detail_url: Annotated[str, wire("cntrctDtlInfoUrl", "계약상세정보URL / detail page URL")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


class Contract(ContractCore):
    """One contract (물품, 용역 or 외자 shape; 외자 amounts may be in the contract's currency)."""

    contract_date: Annotated[dt.date | None, wire("cntrctDate", "계약일자 / contract date")] = None


class WorksContract(Contract):
    """One 공사 contract: the same attributes, the title read from 공사명."""

    title: Annotated[str, wire("cnstwkNm", "공사명 / works name")] = ""


class ContractChange(ContractCore):
    """One version of a contract in its change history (변경이력)."""


class WorksContractChange(ContractChange):
    """One version of a 공사 contract in its change history."""

    title: Annotated[str, wire("cnstwkNm", "공사명 / works name")] = ""


class ContractDeletion(Record):
    """One deletion of a contract record (삭제이력)."""

    contract_no: Annotated[str, wire("untyCntrctNo", "통합계약번호 / unified contract no.")] = ""
    confirmed_no: Annotated[str, wire("dcsnCntrctNo", "확정계약번호 / confirmed contract no.")] = ""
    reference_no: Annotated[str, wire("cntrctRefNo", "계약참조번호 / contract reference no.")] = ""
    deleted_at: Annotated[KstDateTime | None, wire("dltDt", "삭제일시 / deleted (KST)")] = None
    change_kind: Annotated[str, wire("chgDivNm", "변경구분명 / change kind (DEL: deleted)")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / first registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / last changed (KST)")] = None


class ContractItem(Record):
    """One goods line of a 물품 or 외자 contract (세부: 품목, 수량, 단가)."""

    contract_no: Annotated[str, wire("untyCntrctNo", "통합계약번호 / unified contract no.")] = ""
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / product category")] = ""
    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    product_name: Annotated[str, wire("krnPrdctNm", "한글품목명 / product name and specification")] = ""
    origin: Annotated[str, wire("orgplceNm", "원산지명 / country of origin")] = ""
    unit_price: Annotated[int | None, wire("qtyUprcAmt", "수량단가금액 / unit price")] = None
    quantity: Annotated[float | None, wire("prdctQty", "물품수량 / quantity")] = None
    amount: Annotated[int | None, wire("prdctAmt", "물품금액 / amount")] = None
    delivery_terms: Annotated[str, wire("dlvryCndtnNm", "인도조건명 / delivery terms")] = ""
    delivery_days: Annotated[int | None, wire("dlvrDaynum", "납품일수 / delivery days")] = None
    delivery_due: Annotated[str, wire("dlvrTmlmt", "납품기한 / delivery deadline as written")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


class ContractService(Record):
    """One service line of a 용역 contract (서비스정보: 관련업체, 지역, 금액)."""

    contract_no: Annotated[str, wire("untyCntrctNo", "통합계약번호 / unified contract no.")] = ""
    seq: Annotated[int | None, wire("srvceSno", "서비스순번 / line no.")] = None
    company: Annotated[str, wire("rltnCorpNm", "관련업체명 / company")] = ""
    representative: Annotated[bool | None, wire("rprsntYn", "대표여부 / representative line")] = None
    region: Annotated[str, wire("cnstrtsiteRgnNm", "공사현장지역명 / site region")] = ""
    amount: Annotated[int | None, wire("srvceAmt", "용역금액 / amount, KRW")] = None


class WorksContractService(ContractService):
    """One service line of a 공사 contract: the amount read from 공사금액."""

    amount: Annotated[int | None, wire("cnstwkAmt", "공사금액 / amount, KRW")] = None


# -- operations ------------------------------------------------------------------------------------


def _search(kind: str) -> G2bOperation[Contract]:
    # 나라장터검색조건: inqryDiv 1 filters 계약체결일자 (YYYYMMDD); the catalog states no range limit,
    # but the gateway answers 07 beyond about a month (README "Limits"): month windows, halved on 07.
    return G2bOperation(
        SERVICE,
        f"getCntrctInfoList{kind}PPSSrch",
        record=WorksContract if kind == "Cnstwk" else Contract,
        range_limit=MONTH,
        dedupe_on=("contract_no",),
        order_by="concluded_on",
        date_params=("inqryBgnDate", "inqryEndDate"),
        date_format="%Y%m%d",
    )


def _listing(kind: str) -> G2bOperation[Contract]:
    # The plain list: inqryDiv 1 = 등록일시 (YYYYMMDDHHMM), 2 = 통합계약번호 (what get_contract uses).
    return G2bOperation(
        SERVICE,
        f"getCntrctInfoList{kind}",
        record=WorksContract if kind == "Cnstwk" else Contract,
        range_limit=MONTH,
        dedupe_on=("contract_no",),
        order_by="registered_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )


def _changes(kind: str) -> G2bOperation[ContractChange]:
    # inqryDiv 1 = 변경일시: a contract's versions are told apart by when they changed.
    return G2bOperation(
        SERVICE,
        f"getCntrctInfoList{kind}ChgHstry",
        record=WorksContractChange if kind == "Cnstwk" else ContractChange,
        range_limit=MONTH,
        dedupe_on=("contract_no", "changed_at", "confirmed_no"),
        order_by="changed_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )


def _deletions(kind: str) -> G2bOperation[ContractDeletion]:
    return G2bOperation(
        SERVICE,
        f"getCntrctInfoList{kind}DltHstry",
        record=ContractDeletion,
        range_limit=MONTH,
        dedupe_on=("contract_no", "deleted_at", "confirmed_no"),
        order_by="deleted_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )


def _items(kind: str) -> G2bOperation[ContractItem]:
    return G2bOperation(
        SERVICE,
        f"getCntrctInfoList{kind}Detail",
        record=ContractItem,
        range_limit=MONTH,
        dedupe_on=("contract_no", "product_id", "category_no", "product_name"),
        order_by="registered_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )


def _services(name: str, record: type[ContractService]) -> G2bOperation[ContractService]:
    # No date filter and no inqryDiv: untyCntrctNo is the only (required) parameter.
    return G2bOperation(SERVICE, name, record=record, dedupe_on=("contract_no", "seq"))


ALL_KINDS: Final = ("Thng", "Cnstwk", "Servc", "Frgcpt")
SEARCH: Final = {kind: _search(kind) for kind in ALL_KINDS}
LISTING: Final = {kind: _listing(kind) for kind in ALL_KINDS}
CHANGES: Final = {kind: _changes(kind) for kind in ALL_KINDS}
DELETIONS: Final = {kind: _deletions(kind) for kind in ALL_KINDS}
ITEMS: Final = {kind: _items(kind) for kind in ("Thng", "Frgcpt")}
SERVICES: Final[dict[str, tuple[G2bOperation[ContractService], ...]]] = {
    "Cnstwk": (_services("getCntrctInfoListCnstwkServcInfo", WorksContractService),),
    "Servc": (
        _services("getCntrctInfoListGnrlServcServcInfo", ContractService),
        _services("getCntrctInfoListTechServcServcInfo", ContractService),
    ),
}

OPERATIONS: Final[tuple[G2bOperation[Any], ...]] = (
    *SEARCH.values(),
    *LISTING.values(),
    *CHANGES.values(),
    *DELETIONS.values(),
    *ITEMS.values(),
    *(op for ops in SERVICES.values() for op in ops),
)
"""Every operation this plugin calls (the contract tests check them against the catalog)."""
