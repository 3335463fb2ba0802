"""Typed rows of BidPublicInfoService (입찰공고정보서비스): English names, the gateway's on the wire.

One record serves the operations of every 업무구분 (물품/공사/용역/외자/기타) that share its
shape. Where a kind's operation does not send a field, the field stays empty for that kind; its
description names the kinds that send it (the contract test checks these against the catalog).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, TypeVar

import msgspec

from naramarket.datago import KstDateTime, Record, derived, specialise, wire

__all__ = [
    "Attachment",
    "BaseAmount",
    "BidNotice",
    "BidNoticeDetail",
    "EligibleRegion",
    "LicenseLimit",
    "NoticeChange",
    "OrderAttachment",
    "PurchaseItem",
    "with_kind",
]

_NOT_OTHER = "(기타 제외 / not for 기타)"
N = TypeVar("N", bound="BidNotice")
KIND_DESCRIPTION = (
    "업무구분 / kind: 물품, 공사, 용역, 외자 or 기타 (from the operation that answered; the gateway "
    "does not send it)"
)


class BidNotice(Record):
    """One bid notice (one round) as the 나라장터 search lists it."""

    summary_fields: ClassVar[tuple[str, ...]] = (
        "posted_at",
        "kind",
        "notice_no",
        "title",
        "agency",
        "estimated_price",
        "bid_close_at",
    )

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round, e.g. 000")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / notice title")] = ""
    notice_status: Annotated[
        str, wire("ntceKindNm", "공고종류명 / status: 등록공고, 변경공고, 취소공고, 재공고")
    ] = ""
    re_notice: Annotated[bool | None, wire("reNtceYn", f"재공고여부 / re-notice {_NOT_OTHER}")] = None
    agency: Annotated[str, wire("ntceInsttNm", "공고기관명 / issuing agency")] = ""
    agency_code: Annotated[str, wire("ntceInsttCd", "공고기관코드 / issuing agency code")] = ""
    demand_agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand (buying) agency")] = ""
    demand_agency_code: Annotated[
        str, wire("dminsttCd", f"수요기관코드 / demand agency code {_NOT_OTHER}")
    ] = ""
    contract_method: Annotated[str, wire("cntrctCnclsMthdNm", "계약체결방법명 / contract method")] = ""
    bid_method: Annotated[str, wire("bidMethdNm", "입찰방식명 / bidding method")] = ""
    award_method: Annotated[str, wire("sucsfbidMthdNm", "낙찰방법명 / award method")] = ""
    estimated_price: Annotated[int | None, wire("presmptPrce", "추정가격 / estimated price, KRW")] = None
    posted_at: Annotated[KstDateTime | None, wire("bidNtceDt", "입찰공고일시 / posted (KST)")] = None
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", f"변경일시 / changed (KST) {_NOT_OTHER}")] = None
    bid_open_at: Annotated[KstDateTime | None, wire("bidBeginDt", "입찰개시일시 / bids open (KST)")] = None
    bid_close_at: Annotated[KstDateTime | None, wire("bidClseDt", "입찰마감일시 / bids close (KST)")] = None
    opening_at: Annotated[KstDateTime | None, wire("opengDt", "개찰일시 / opening (KST)")] = None
    opening_place: Annotated[str, wire("opengPlce", "개찰장소 / opening place")] = ""
    qualification_deadline: Annotated[
        KstDateTime | None,
        wire("bidQlfctRgstDt", f"입찰참가자격등록마감일시 / qualification deadline {_NOT_OTHER}"),
    ] = None
    international: Annotated[
        bool | None, wire("intrbidYn", f"국제입찰여부 / international bid {_NOT_OTHER}")
    ] = None
    industry_limited: Annotated[
        bool | None, wire("indstrytyLmtYn", f"업종제한여부 / industry (licence) limited {_NOT_OTHER}")
    ] = None
    rebid_allowed: Annotated[bool | None, wire("rbidPermsnYn", "재입찰허용여부 / re-bid allowed")] = None
    lower_limit_rate: Annotated[
        float | None, wire("sucsfbidLwltRate", f"낙찰하한율 / award lower-limit rate, % {_NOT_OTHER}")
    ] = None
    change_reason: Annotated[
        str, wire("chgNtceRsn", f"변경공고사유 / reason of a change or cancellation {_NOT_OTHER}")
    ] = ""
    previous_notice_no: Annotated[
        str, wire("befBidBbancNo", f"이전입찰공고번호 / previous notice of a re-notice {_NOT_OTHER}")
    ] = ""
    pre_spec_no: Annotated[
        str, wire("bfSpecRgstNo", f"사전규격등록번호 / pre-specification no. {_NOT_OTHER}")
    ] = ""
    detail_item_no: Annotated[
        str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed item no. (물품·외자 / goods, foreign)")
    ] = ""
    detail_item_name: Annotated[
        str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed item name (물품·외자 / goods, foreign)")
    ] = ""
    reference_no: Annotated[str, wire("refNo", "참조번호 / reference no.")] = ""
    unified_notice_no: Annotated[str, wire("untyNtceNo", "통합공고번호 / unified notice no.")] = ""
    registration_type: Annotated[str, wire("rgstTyNm", "등록유형명 / registration type")] = ""
    url: Annotated[str, wire("bidNtceDtlUrl", "입찰공고상세URL / notice page on 나라장터")] = ""
    kind: Annotated[str, derived(KIND_DESCRIPTION)] = ""


class BidNoticeDetail(BidNotice):
    """One bid notice round with the fields only its detail page needs (documents, contacts, budget)."""

    assigned_budget: Annotated[
        int | None, wire("asignBdgtAmt", "배정예산금액 / assigned budget, KRW (물품·용역·외자)")
    ] = None
    works_budget: Annotated[int | None, wire("bdgtAmt", "예산금액 / budget, KRW (공사 / works)")] = None
    vat: Annotated[int | None, wire("VAT", "부가가치세 / VAT, KRW (물품·공사·용역)")] = None
    officer: Annotated[str, wire("ntceInsttOfclNm", f"공고기관담당자명 / officer {_NOT_OTHER}")] = ""
    officer_phone: Annotated[
        str, wire("ntceInsttOfclTelNo", f"공고기관담당자전화번호 / officer phone {_NOT_OTHER}")
    ] = ""
    officer_email: Annotated[
        str, wire("ntceInsttOfclEmailAdrs", f"공고기관담당자이메일주소 / officer e-mail {_NOT_OTHER}")
    ] = ""
    joint_supply: Annotated[
        str, wire("cmmnSpldmdMethdNm", f"공동수급방식명 / joint supply method {_NOT_OTHER}")
    ] = ""
    planned_price_method: Annotated[
        str, wire("prearngPrceDcsnMthdNm", f"예정가격결정방법명 / planned-price method {_NOT_OTHER}")
    ] = ""
    bid_fee: Annotated[int | None, wire("bidPrtcptFee", "입찰참가수수료 / participation fee, KRW")] = None
    standard_notice_url: Annotated[
        str, wire("stdNtceDocUrl", f"표준공고서URL / standard notice document {_NOT_OTHER}")
    ] = ""
    spec_file_1: Annotated[str, wire("ntceSpecFileNm1", "공고규격파일명1 / document 1 name")] = ""
    spec_url_1: Annotated[str, wire("ntceSpecDocUrl1", "공고규격서URL1 / document 1 URL")] = ""
    spec_file_2: Annotated[str, wire("ntceSpecFileNm2", "공고규격파일명2 / document 2 name")] = ""
    spec_url_2: Annotated[str, wire("ntceSpecDocUrl2", "공고규격서URL2 / document 2 URL")] = ""
    spec_file_3: Annotated[str, wire("ntceSpecFileNm3", "공고규격파일명3 / document 3 name")] = ""
    spec_url_3: Annotated[str, wire("ntceSpecDocUrl3", "공고규격서URL3 / document 3 URL")] = ""
    spec_file_4: Annotated[str, wire("ntceSpecFileNm4", "공고규격파일명4 / document 4 name")] = ""
    spec_url_4: Annotated[str, wire("ntceSpecDocUrl4", "공고규격서URL4 / document 4 URL")] = ""
    spec_file_5: Annotated[str, wire("ntceSpecFileNm5", "공고규격파일명5 / document 5 name")] = ""
    spec_url_5: Annotated[str, wire("ntceSpecDocUrl5", "공고규격서URL5 / document 5 URL")] = ""
    spec_file_6: Annotated[
        str, wire("ntceSpecFileNm6", f"공고규격파일명6 / document 6 name {_NOT_OTHER}")
    ] = ""
    spec_url_6: Annotated[str, wire("ntceSpecDocUrl6", f"공고규격서URL6 / document 6 URL {_NOT_OTHER}")] = ""
    spec_file_7: Annotated[
        str, wire("ntceSpecFileNm7", f"공고규격파일명7 / document 7 name {_NOT_OTHER}")
    ] = ""
    spec_url_7: Annotated[str, wire("ntceSpecDocUrl7", f"공고규격서URL7 / document 7 URL {_NOT_OTHER}")] = ""
    spec_file_8: Annotated[
        str, wire("ntceSpecFileNm8", f"공고규격파일명8 / document 8 name {_NOT_OTHER}")
    ] = ""
    spec_url_8: Annotated[str, wire("ntceSpecDocUrl8", f"공고규격서URL8 / document 8 URL {_NOT_OTHER}")] = ""
    spec_file_9: Annotated[
        str, wire("ntceSpecFileNm9", f"공고규격파일명9 / document 9 name {_NOT_OTHER}")
    ] = ""
    spec_url_9: Annotated[str, wire("ntceSpecDocUrl9", f"공고규격서URL9 / document 9 URL {_NOT_OTHER}")] = ""
    spec_file_10: Annotated[
        str, wire("ntceSpecFileNm10", f"공고규격파일명10 / document 10 name {_NOT_OTHER}")
    ] = ""
    spec_url_10: Annotated[
        str, wire("ntceSpecDocUrl10", f"공고규격서URL10 / document 10 URL {_NOT_OTHER}")
    ] = ""

    def spec_documents(self) -> list[tuple[str, str]]:
        """(file name, URL) of the notice's 공고규격서 slots that hold something, in slot order."""
        pairs = [(getattr(self, f"spec_file_{n}"), getattr(self, f"spec_url_{n}")) for n in range(1, 11)]
        return [(name, url) for name, url in pairs if name or url]


class BaseAmount(Record):
    """기초금액: the base amount a notice's planned price is drawn around (물품·공사·용역)."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    lot_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid lot no.")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / notice title")] = ""
    base_amount: Annotated[int | None, wire("bssamt", "기초금액 / base amount, KRW")] = None
    disclosed_at: Annotated[
        KstDateTime | None, wire("bssamtOpenDt", "기초금액공개일시 / base amount disclosed (KST)")
    ] = None
    reserve_range_from: Annotated[
        float | None, wire("rsrvtnPrceRngBgnRate", "예비가격범위시작률 / reserve price range from, %")
    ] = None
    reserve_range_to: Annotated[
        float | None, wire("rsrvtnPrceRngEndRate", "예비가격범위종료율 / reserve price range to, %")
    ] = None
    usable_amount: Annotated[int | None, wire("usefulAmt", "가용금액 / usable amount, KRW")] = None
    evaluation_amount: Annotated[int | None, wire("evlBssAmt", "평가기준금액 / evaluation base, KRW")] = None
    difficulty: Annotated[float | None, wire("dfcltydgrCfcnt", "난이도계수 / difficulty coefficient")] = None
    other_expense_rate: Annotated[
        float | None, wire("etcGnrlexpnsBssRate", "기타경비기준율 / other expenses rate, %")
    ] = None
    overhead_rate: Annotated[
        float | None, wire("gnrlMngcstBssRate", "일반관리비기준율 / overhead rate, %")
    ] = None
    profit_rate: Annotated[float | None, wire("prftBssRate", "이윤기준율 / profit rate, %")] = None
    labour_rate: Annotated[float | None, wire("lbrcstBssRate", "노무비기준율 / labour cost rate, %")] = None
    retirement_fund: Annotated[int | None, wire("rtrfundNon", "퇴직공제부금비 / retirement fund, KRW")] = None
    environment_cost: Annotated[
        int | None, wire("envCnsrvcst", "환경보전비 / environmental conservation, KRW")
    ] = None
    subcontract_guarantee_fee: Annotated[
        int | None,
        wire("scontrctPayprcePayGrntyFee", "하도급대금지급보증수수료 / subcontract payment guarantee, KRW"),
    ] = None
    health_insurance: Annotated[
        int | None, wire("mrfnHealthInsrprm", "국민건강보험료 / health insurance, KRW")
    ] = None
    pension_insurance: Annotated[
        int | None, wire("npnInsrprm", "국민연금보험료 / pension insurance, KRW")
    ] = None
    long_term_care_insurance: Annotated[
        int | None, wire("odsnLngtrmrcprInsrprm", "노인장기요양보험료 / long-term care, KRW (공사·용역)")
    ] = None
    safety_cost: Annotated[
        int | None, wire("sftyMngcst", "산업안전보건관리비 / safety and health cost, KRW (공사·용역)")
    ] = None
    note_1: Annotated[str, wire("rmrk1", "비고1 / note 1")] = ""
    note_2: Annotated[str, wire("rmrk2", "비고2 / note 2")] = ""
    entered_at: Annotated[KstDateTime | None, wire("inptDt", "입력일시 / entered (KST)")] = None


class LicenseLimit(Record):
    """면허제한: one licence a bidder must hold (groups are alternatives, rows within a group all apply)."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    group_no: Annotated[str, wire("lmtGrpNo", "제한그룹번호 / limit group no.")] = ""
    seq: Annotated[str, wire("lmtSno", "제한순번 / limit seq.")] = ""
    license: Annotated[str, wire("lcnsLmtNm", "면허제한명 / licence (name/code)")] = ""
    permitted_industries: Annotated[
        str, wire("permsnIndstrytyList", "허용업종목록 / also permitted industries [name/code],...")
    ] = ""
    main_fields: Annotated[
        str, wire("indstrytyMfrcFldList", "주력업종분야목록 / main field list [group^field^...],...")
    ] = ""
    business_kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / business kind (물품, 공사 ...)")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None


class EligibleRegion(Record):
    """참가가능지역: one region whose companies may bid."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    seq: Annotated[str, wire("lmtSno", "제한순번 / seq.")] = ""
    region: Annotated[str, wire("prtcptPsblRgnNm", "참가가능지역명 / eligible region")] = ""
    business_kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / business kind")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None


class PurchaseItem(Record):
    """구매대상물품: one item the notice buys (물품·용역·외자)."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    lot_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid lot no.")] = ""
    seq: Annotated[str, wire("prdctSno", "물품순번 / item seq.")] = ""
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / category name")] = ""
    detail_item_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed item no.")] = ""
    detail_item_name: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed item name")] = ""
    spec: Annotated[str, wire("prdctSpecNm", "물품규격명 / specification")] = ""
    quantity: Annotated[float | None, wire("qty", "수량 / quantity")] = None
    unit: Annotated[str, wire("unit", "단위 / unit")] = ""
    unit_price: Annotated[int | None, wire("uprc", "단가 / unit price, KRW")] = None
    delivery_deadline: Annotated[
        KstDateTime | None, wire("dlvrTmlmtDt", "납품기한일시 / delivery deadline (KST)")
    ] = None
    delivery_days: Annotated[int | None, wire("dlvrDaynum", "납품일수 / delivery days")] = None
    delivery_place: Annotated[str, wire("dlvrPlce", "납품장소 / delivery place")] = ""
    delivery_terms: Annotated[str, wire("dlvryCndtnNm", "인도조건명 / delivery terms")] = ""
    demand_agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency")] = ""
    demand_agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / demand agency code")] = ""
    posted_at: Annotated[KstDateTime | None, wire("ntceNticeDt", "공고게시일시 / posted (KST)")] = None


class OrderAttachment(Record):
    """e발주 첨부파일: one document attached to the notice through e-ordering."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    seq: Annotated[str, wire("atchSno", "첨부순번 / attachment seq.")] = ""
    document_kind: Annotated[str, wire("eorderDocDivNm", "e발주문서구분명 / document kind")] = ""
    file_name: Annotated[str, wire("eorderAtchFileNm", "e발주첨부파일명 / file name")] = ""
    url: Annotated[str, wire("eorderAtchFileUrl", "e발주첨부파일URL / file URL")] = ""


class NoticeChange(Record):
    """변경이력: one changed item of a notice (물품·공사·용역)."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    lot_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid lot no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None
    item: Annotated[str, wire("chgItemNm", "변경항목명 / changed item")] = ""
    before: Annotated[str, wire("bfchgVal", "변경전값 / value before")] = ""
    after: Annotated[str, wire("afchgVal", "변경후값 / value after")] = ""
    data_kind: Annotated[str, wire("chgDataDivNm", "변경데이터구분명 / 입찰공고 or 개찰결과")] = ""
    license_codes: Annotated[str, wire("lcnsLmtCdRgstList", "면허제한코드등록목록 / licence codes")] = ""
    business_kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / business kind")] = ""


class Attachment(msgspec.Struct, kw_only=True):
    """One document of a notice, from its 공고규격서 slots, 표준공고서 or e발주 attachments."""

    name: Annotated[str, msgspec.Meta(description="파일명 / file name")] = ""
    url: Annotated[str, msgspec.Meta(description="URL")] = ""
    source: Annotated[
        str,
        msgspec.Meta(
            description="출처 / where the gateway lists it: 공고규격서 (wire ntceSpecFileNm/ntceSpecDocUrl), "
            "표준공고서 (stdNtceDocUrl) or e발주 with its document kind (eorderAtchFileNm/eorderAtchFileUrl)"
        ),
    ] = ""


def with_kind(record: type[N], label: str, code: str) -> type[N]:
    """``record`` as one kind's operation answers it: ``kind`` is that kind's label (code: Thng...)."""
    return specialise(record, code, kind=label)
