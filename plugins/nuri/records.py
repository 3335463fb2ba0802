"""Typed rows and operations of 누리장터 (조달청's private-sector e-procurement market).

누리장터 serves buyers that cannot register as 나라장터 demand agencies (아파트 입주자대표회의,
private companies, associations …). Its three services mirror 나라장터's: ``PrvtBidNtceService``
(민간입찰공고), ``PrvtScsbidInfoService`` (민간낙찰) and ``PrvtCntrctInfoService`` (민간계약).

Every ``wire()`` name is an item field of the operations the record is read from, as
``../shared/g2b-reference/catalog.json`` lists them (a contract test checks it).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Final

from naramarket.datago import MONTH, KstDateTime, Operation, Record, wire
from naramarket.datago.g2b import G2bOperation

__all__ = [
    "AWARD_SEARCH",
    "CONTRACT_SEARCH",
    "KINDS",
    "NOTICE_BY_NUMBER",
    "NOTICE_SEARCH",
    "OPERATIONS",
    "NuriAward",
    "NuriContract",
    "NuriNotice",
]

BIDS = "ao/PrvtBidNtceService"
AWARDS = "ao/PrvtScsbidInfoService"
CONTRACTS = "ao/PrvtCntrctInfoService"

# 업무구분 label (Korean or English) -> (Korean label, the notice operations' name part).
KINDS: Final[dict[str, tuple[str, str]]] = {
    "물품": ("물품", "Thng"),
    "공사": ("공사", "Cnstwk"),
    "용역": ("용역", "Servc"),
    "기타": ("기타", "Etc"),
    "goods": ("물품", "Thng"),
    "works": ("공사", "Cnstwk"),
    "services": ("용역", "Servc"),
    "other": ("기타", "Etc"),
}


class NuriNotice(Record):
    """One 누리장터 private-sector bid notice (민간입찰공고), read from ``getPrvtBidPblancListInfo*``."""

    summary_fields: ClassVar[tuple[str, ...]] = (
        "posted_at",
        "notice_no",
        "title",
        "notice_agency",
        "budget",
        "bid_deadline_at",
    )

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round, e.g. 000")] = ""
    title: Annotated[str, wire("ntceNm", "공고명 / notice title")] = ""
    notice_class: Annotated[str, wire("bidNtceClsfc", "입찰공고분류 / class, e.g. 민간일반용역")] = ""
    notice_kind: Annotated[str, wire("ntceDivNm", "공고구분명 / 등록공고, 재공고, 취소공고 …")] = ""
    notice_agency: Annotated[str, wire("ntceInsttNm", "공고기관명 / the private buyer that posted it")] = ""
    reference_no: Annotated[str, wire("refNo", "참조번호 / the buyer's reference no.")] = ""
    posted_at: Annotated[KstDateTime | None, wire("nticeDt", "게시일시 / posted (KST)")] = None
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    bid_method: Annotated[str, wire("bidMethdNm", "입찰방식명 / bid method, e.g. 전자입찰")] = ""
    contract_method: Annotated[str, wire("cntrctMthdNm", "계약방법명 / contract method, e.g. 제한경쟁")] = ""
    award_method: Annotated[str, wire("sucsfbidMthdNm", "낙찰방법명 / award method")] = ""
    rebid: Annotated[str, wire("rbidDivNm", "재입찰구분명 / re-bid allowed or not")] = ""
    qualification: Annotated[str, wire("bidQlfctNm", "입찰자격명 / bidder qualification")] = ""
    region_limit: Annotated[str, wire("rgnLmtDivNm", "지역제한구분명 / regional restriction")] = ""
    bid_begin_at: Annotated[KstDateTime | None, wire("bidBeginDt", "입찰개시일시 / bidding opens (KST)")] = (
        None
    )
    bid_deadline_at: Annotated[KstDateTime | None, wire("bidClseDt", "입찰마감일시 / bid deadline (KST)")] = (
        None
    )
    guarantee_deadline_at: Annotated[
        KstDateTime | None, wire("bidWgrnteeRcptClseDt", "입찰보증서접수마감일시 / bid bond deadline (KST)")
    ] = None
    opening_at: Annotated[KstDateTime | None, wire("opengDt", "개찰일시 / opening (KST)")] = None
    opening_place: Annotated[str, wire("opengPlce", "개찰장소 / opening place")] = ""
    site_briefing_at: Annotated[
        KstDateTime | None, wire("sptDscrptDt", "현장설명일시 / site briefing (KST)")
    ] = None
    site_briefing_place: Annotated[str, wire("sptDscrptPlce", "현장설명장소 / site briefing place")] = ""
    budget: Annotated[int | None, wire("asignBdgtAmt", "배정예산금액 / budget, KRW")] = None
    reference_amount: Annotated[int | None, wire("refAmt", "기준금액 / reference amount, KRW")] = None
    reference_amount_used: Annotated[
        bool | None, wire("refAmtUseYn", "기준금액사용여부 / a reference amount is used")
    ] = None
    reference_amount_public: Annotated[
        bool | None, wire("refAmtOpenYn", "기준금액공개여부 / the reference amount is public")
    ] = None
    vat: Annotated[str, wire("vatInclsnYnNm", "부가가치세포함여부명 / whether bids include VAT")] = ""
    officer: Annotated[str, wire("ofclNm", "담당자명 / contact person")] = ""
    officer_phone: Annotated[str, wire("ofclTelNo", "담당자전화번호 / contact phone")] = ""
    officer_email: Annotated[str, wire("ofclEmail", "담당자이메일 / contact e-mail")] = ""
    apartment: Annotated[str, wire("aptHsmpNm", "아파트단지명 / apartment complex (아파트 notices)")] = ""
    apartment_address: Annotated[str, wire("aptCeoAdrs", "아파트대표자주소 / apartment address")] = ""
    apartment_office_phone: Annotated[
        str, wire("aptMngOfficeTelNo", "아파트관리사무소전화번호 / management office phone")
    ] = ""
    apartment_households: Annotated[int | None, wire("aptHshldNum", "아파트세대수 / households")] = None
    apartment_buildings: Annotated[int | None, wire("aptCmplNum", "아파트동수 / buildings")] = None
    apartment_floor_area: Annotated[float | None, wire("aptTotar", "아파트연면적 / total floor area, m²")] = (
        None
    )
    apartment_heating: Annotated[str, wire("aptHeatMethdNm", "아파트난방방식명 / heating method")] = ""
    spec_doc_name_1: Annotated[str, wire("ntceSpecDocNm1", "공고규격서명1 / notice document 1")] = ""
    spec_doc_url_1: Annotated[str, wire("ntceSpecDocUrl1", "공고규격서URL1 / notice document 1 (URL)")] = ""
    spec_doc_name_2: Annotated[str, wire("ntceSpecDocNm2", "공고규격서명2 / notice document 2")] = ""
    spec_doc_url_2: Annotated[str, wire("ntceSpecDocUrl2", "공고규격서URL2 / notice document 2 (URL)")] = ""
    spec_doc_name_3: Annotated[str, wire("ntceSpecDocNm3", "공고규격서명3 / notice document 3")] = ""
    spec_doc_url_3: Annotated[str, wire("ntceSpecDocUrl3", "공고규격서URL3 / notice document 3 (URL)")] = ""


class NuriAward(Record):
    """One final winner (최종낙찰자) of a 누리장터 private-sector bid: who won, at what price and rate.

    Read from ``getPrvtScsbidListSttusPPSSrch``.
    """

    summary_fields: ClassVar[tuple[str, ...]] = (
        "opened_at",
        "notice_no",
        "title",
        "winner",
        "amount",
        "rate",
    )

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    classification_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid classification no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind: 물품, 공사, 용역, 기타")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / notice title")] = ""
    demand_agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / buyer code")] = ""
    demand_agency: Annotated[str, wire("dminsttNm", "수요기관명 / buyer")] = ""
    opened_at: Annotated[KstDateTime | None, wire("rlOpengDt", "실개찰일시 / opened (KST)")] = None
    participants: Annotated[int | None, wire("prtcptCnum", "참가업체수 / bidders")] = None
    amount: Annotated[int | None, wire("sucsfbidAmt", "최종낙찰금액 / winning amount, KRW")] = None
    rate: Annotated[float | None, wire("sucsfbidRate", "최종낙찰률 / winning rate, %")] = None
    winner: Annotated[str, wire("bidwinnrNm", "최종낙찰업체명 / winning company")] = ""
    winner_ceo: Annotated[str, wire("bidwinnrCeoNm", "최종낙찰업체대표자명 / winner's CEO")] = ""
    winner_address: Annotated[str, wire("bidwinnrAdrs", "최종낙찰업체주소 / winner's address")] = ""
    winner_phone: Annotated[str, wire("bidwinnrTelNo", "최종낙찰업체전화번호 / winner's phone")] = ""
    winner_info: Annotated[
        str, wire("opengCorpInfo", "개찰업체정보 / first place: name^사업자등록번호^CEO^amount^rate")
    ] = ""


class NuriContract(Record):
    """One 누리장터 private-sector contract (민간계약), read from ``getPrvtCntrctInfoListPPSSrch``."""

    summary_fields: ClassVar[tuple[str, ...]] = (
        "concluded_on",
        "contract_no",
        "name",
        "contracting_agency",
        "amount",
    )

    contract_no: Annotated[str, wire("untyCntrctNo", "통합계약번호 / unified contract no.")] = ""
    confirmed_no: Annotated[str, wire("dcsnCntrctNo", "확정계약번호 / confirmed contract no.")] = ""
    reference_no: Annotated[str, wire("cntrctRefNo", "계약참조번호 / contract reference no.")] = ""
    name: Annotated[str, wire("cntrctNm", "계약명 / contract name")] = ""
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind: 물품, 공사, 용역, 기타")] = ""
    concluded_on: Annotated[dt.date | None, wire("cntrctCnclsDate", "계약체결일자 / concluded on")] = None
    period: Annotated[str, wire("cntrctPrd", "계약기간 / contract period")] = ""
    amount: Annotated[int | None, wire("thtmCntrctAmt", "금차계약금액 / amount of this contract, KRW")] = None
    total_amount: Annotated[int | None, wire("totCntrctAmt", "총계약금액 / total amount, KRW")] = None
    method: Annotated[str, wire("cntrctCnclsMthdNm", "계약체결방법명 / contract method")] = ""
    joint: Annotated[bool | None, wire("cmmnCntrctYn", "공동계약여부 / joint contract")] = None
    guarantee_rate: Annotated[float | None, wire("grntymnyRate", "보증금률 / guarantee rate, %")] = None
    defect_guarantee_rate: Annotated[
        float | None, wire("dfctGrntymnyRate", "하자보증금률 / defect guarantee rate, %")
    ] = None
    payment: Annotated[str, wire("payDivNm", "지급구분명 / payment kind")] = ""
    contracting_agency_code: Annotated[str, wire("cntrctInsttCd", "계약기관코드 / contracting body code")] = (
        ""
    )
    contracting_agency: Annotated[str, wire("cntrctInsttNm", "계약기관명 / contracting body")] = ""
    department: Annotated[str, wire("cntrctInsttChrgDeptNm", "계약담당부서명 / department")] = ""
    officer: Annotated[str, wire("cntrctInsttOfclNm", "계약담당자명 / contract officer")] = ""
    officer_phone: Annotated[str, wire("cntrctInsttOfclTelNo", "계약담당자전화번호 / officer's phone")] = ""
    officer_fax: Annotated[str, wire("cntrctInsttOfclFaxNo", "계약담당자팩스번호 / officer's fax")] = ""
    companies: Annotated[
        str,
        wire("corpList", "업체목록 / contractors: [순번^구분^방식^업체명^국적^지분율^대표자^…],[…]"),
    ] = ""
    creditor: Annotated[str, wire("crdtrNm", "채권자명 / creditor")] = ""
    info_url: Annotated[str, wire("cntrctInfoUrl", "계약정보URL / contract page (URL)")] = ""
    detail_url: Annotated[str, wire("cntrctDtlInfoUrl", "계약상세정보URL / contract details (URL)")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


_NOTICE_ID = ("notice_no", "notice_round")
_AWARD_ID = ("notice_no", "notice_round", "classification_no", "rebid_no")

# 나라장터검색조건 notice search per kind; inqryDiv 1 filters 공고게시일시 (nticeDt). The catalog states
# no range limit, but about a month is what the gateway takes in practice (07 beyond).
NOTICE_SEARCH: dict[str, G2bOperation[NuriNotice]] = {
    suffix: G2bOperation(
        BIDS,
        f"getPrvtBidPblancListInfo{suffix}PPSSrch",
        record=NuriNotice,
        range_limit=MONTH,
        dedupe_on=_NOTICE_ID,
        order_by="posted_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )
    for suffix in ("Thng", "Cnstwk", "Servc", "Etc")
}
# One notice by its number (inqryDiv 4: 입찰공고번호), whenever it was posted: every round.
NOTICE_BY_NUMBER: dict[str, G2bOperation[NuriNotice]] = {
    suffix: G2bOperation(
        BIDS,
        f"getPrvtBidPblancListInfo{suffix}",
        record=NuriNotice,
        dedupe_on=_NOTICE_ID,
        order_by="posted_at",
    )
    for suffix in ("Thng", "Cnstwk", "Servc", "Etc")
}
# Awards by 나라장터검색조건; inqryDiv 2 filters 개찰일시 (rlOpengDt), 3 takes 입찰공고번호.
AWARD_SEARCH: G2bOperation[NuriAward] = G2bOperation(
    AWARDS,
    "getPrvtScsbidListSttusPPSSrch",
    record=NuriAward,
    range_limit=MONTH,
    dedupe_on=_AWARD_ID,
    order_by="opened_at",
    date_params=("inqryBgnDt", "inqryEndDt"),
)
# Contracts by 나라장터검색조건; inqryDiv 1 filters 계약일자 (YYYYMMDD), 2 계약번호, 3 공고번호.
CONTRACT_SEARCH: G2bOperation[NuriContract] = G2bOperation(
    CONTRACTS,
    "getPrvtCntrctInfoListPPSSrch",
    record=NuriContract,
    range_limit=MONTH,
    dedupe_on=("contract_no",),
    order_by="concluded_on",
    date_params=("inqryBgnDate", "inqryEndDate"),
    date_format="%Y%m%d",
)

OPERATIONS: tuple[Operation[Any], ...] = (
    *NOTICE_SEARCH.values(),
    *NOTICE_BY_NUMBER.values(),
    AWARD_SEARCH,
    CONTRACT_SEARCH,
)
