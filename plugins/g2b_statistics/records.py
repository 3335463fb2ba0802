"""Typed rows of 가격정보 (PriceInfoService) and 개방표준 (PubDataOpnStdService), and their operations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Final

from naramarket.datago import DAY, MONTH, WEEK, Operation, Record, wire
from naramarket.datago.g2b import G2bOperation

__all__ = [
    "OPEN_STANDARD",
    "OPERATIONS",
    "PRICE_LISTS",
    "PRICE_SERVICE",
    "STANDARD_UNIT_PRICES",
    "OpenAward",
    "OpenContract",
    "OpenNotice",
    "PriceItem",
    "StandardUnitPrice",
]

PRICE_SERVICE: Final = "ao/PriceInfoService"
OPEN_SERVICE: Final = "ao/PubDataOpnStdService"


class PriceItem(Record):
    """A published price (가격정보): 시설공통자재 or 시장시공가격."""

    summary_fields: ClassVar[tuple[str, ...]] = ("name", "unit", "price", "category", "supplier")

    notice_no: Annotated[str, wire("prceNticeNo", "가격게시번호 / price notice no.")] = ""
    noticed: Annotated[str, wire("nticeDt", "게시일시 / published (as printed)")] = ""
    business: Annotated[str, wire("bsnsDivNm", "업무구분명 / business")] = ""
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / category")] = ""
    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product id")] = ""
    name: Annotated[str, wire("krnPrdctNm", "한글품목명 / product name")] = ""
    unit: Annotated[str, wire("unit", "단위 / unit")] = ""
    price: Annotated[float | None, wire("prce", "가격 / price, KRW")] = None
    material_cost: Annotated[float | None, wire("mtrlcst", "재료비 / material cost")] = None
    labor_cost: Annotated[float | None, wire("lbrcst", "노무비 / labour cost")] = None
    expenses: Annotated[float | None, wire("gnrlexpns", "경비 / expenses")] = None
    vat: Annotated[str, wire("vatYnNm", "부가세 / VAT included?")] = ""
    price_kind: Annotated[str, wire("prceDiv", "가격구분 / price kind")] = ""
    delivery: Annotated[str, wire("dlvryCndtnNm", "인도조건 / delivery terms")] = ""
    payment: Annotated[str, wire("payCndtn", "지불조건 / payment terms")] = ""
    supplier: Annotated[str, wire("cntrctCorpNm", "계약업체명 / supplier")] = ""
    region: Annotated[str, wire("splyJrsdctRgnNm", "공급관할지역 / supply region")] = ""
    survey_department: Annotated[str, wire("invstDeptNm", "조사부서 / surveying department")] = ""
    note: Annotated[str, wire("etcCntnts", "기타내용 / note")] = ""


class StandardUnitPrice(Record):
    """A 표준시장단가 (standard market unit price of construction work)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("published_on", "name", "spec", "unit", "material")

    published_on: Annotated[dt.date | None, wire("pblctDate", "공표일자 / published")] = None
    work_code: Annotated[str, wire("cnstwkDivCd", "공사구분코드 / work code")] = ""
    work: Annotated[str, wire("cnstwkDivCdNm", "공사구분 / work kind")] = ""
    price_kind: Annotated[str, wire("uprcDivNm", "단가구분 / unit price kind")] = ""
    code: Annotated[str, wire("qtyCalcCtyclcd", "수량산출코드 / item code")] = ""
    name: Annotated[str, wire("prdnm", "품명 / item")] = ""
    spec: Annotated[str, wire("spec", "규격 / specification")] = ""
    unit: Annotated[str, wire("unit", "단위 / unit")] = ""
    material: Annotated[float | None, wire("mtrlcstUprc", "재료비단가 / material, KRW")] = None
    labor: Annotated[float | None, wire("lbrcstUprc", "노무비단가 / labour, KRW")] = None
    expenses: Annotated[float | None, wire("gnrexpnsUprc", "경비단가 / expenses, KRW")] = None
    conditions: Annotated[str, wire("uprcAplCndtnCntnts", "적용조건 / conditions")] = ""


# (source, field) -> operation: 시설공통자재 (facility common materials) and 시장시공가격 (market
# construction prices), by field of work. No date filter: they list the current prices.
PRICE_LISTS: Final[dict[tuple[str, str], G2bOperation[PriceItem]]] = {
    (source, field): G2bOperation(
        PRICE_SERVICE, name, record=PriceItem, dedupe_on=("notice_no", "product_id")
    )
    for (source, field), name in {
        ("materials", "building"): "getPriceInfoListFcltyCmmnMtrilBildng",
        ("materials", "electric"): "getPriceInfoListFcltyCmmnMtrilElctyIrmc",
        ("materials", "civil"): "getPriceInfoListFcltyCmmnMtrilEngrk",
        ("materials", "machinery"): "getPriceInfoListFcltyCmmnMtrilMchnEqp",
        ("market", "building"): "getPriceInfoListMrktCnstrctPcBildng",
        ("market", "civil"): "getPriceInfoListMrktCnstrctPcEngrk",
        ("market", "machinery"): "getPriceInfoListMrktCnstrctPcMchnEqp",
    }.items()
}
STANDARD_UNIT_PRICES = G2bOperation(
    PRICE_SERVICE,
    "getStdMarkUprcinfoList",
    record=StandardUnitPrice,
    dedupe_on=("published_on", "work_code", "code", "spec"),
    order_by="published_on",
    date_params=("inqryBgnDate", "inqryEndDate"),
    date_format="%Y%m%d",
)


class OpenNotice(Record):
    """개방표준 입찰공고 (open-standard dataset: bid notices)."""

    summary_fields: ClassVar[tuple[str, ...]] = (
        "notice_date",
        "notice_no",
        "title",
        "agency",
        "estimated_price",
    )

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / round")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / title")] = ""
    status: Annotated[str, wire("bidNtceSttusNm", "입찰공고상태명 / status")] = ""
    notice_date: Annotated[dt.date | None, wire("bidNtceDate", "입찰공고일자 / notice date")] = None
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind")] = ""
    agency: Annotated[str, wire("ntceInsttNm", "공고기관명 / notice agency")] = ""
    demand_agency: Annotated[str, wire("dmndInsttNm", "수요기관명 / demand agency")] = ""
    method: Annotated[str, wire("cntrctCnclsMthdNm", "계약체결방법명 / contract method")] = ""
    award_method: Annotated[str, wire("bidwinrDcsnMthdNm", "낙찰자결정방법명 / award method")] = ""
    budget: Annotated[int | None, wire("asignBdgtAmt", "배정예산금액 / budget, KRW")] = None
    estimated_price: Annotated[int | None, wire("presmptPrce", "추정가격 / estimated price, KRW")] = None
    closes: Annotated[str, wire("bidClseDate", "입찰마감일자 / bidding closes")] = ""
    opening: Annotated[str, wire("opengDate", "개찰일자 / opening date")] = ""
    region_limited: Annotated[str, wire("rgnLmtYn", "지역제한여부 / region-limited (Y/N)")] = ""
    regions: Annotated[str, wire("prtcptPsblRgnNm", "참가가능지역명 / regions allowed")] = ""
    url: Annotated[str, wire("bidNtceUrl", "입찰공고URL / notice URL")] = ""


class OpenAward(Record):
    """개방표준 낙찰정보: one bidder of an opening (the winner has ``won`` Y)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("opening_date", "notice_no", "rank", "bidder", "bid_rate")

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / round")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / title")] = ""
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind")] = ""
    agency: Annotated[str, wire("ntceInsttNm", "공고기관명 / notice agency")] = ""
    demand_agency: Annotated[str, wire("dmndInsttNm", "수요기관명 / demand agency")] = ""
    opening_date: Annotated[dt.date | None, wire("opengDate", "개찰일자 / opening date")] = None
    result: Annotated[str, wire("opengRsltDivNm", "개찰결과구분명 / result")] = ""
    rank: Annotated[str, wire("opengRank", "개찰순위 / rank")] = ""
    bidder: Annotated[str, wire("bidprcCorpNm", "투찰업체명 / bidder")] = ""
    bidder_bizno: Annotated[str, wire("bidprcCorpBizrno", "투찰업체사업자등록번호 / bidder no.")] = ""
    bid_amount: Annotated[int | None, wire("bidprcAmt", "투찰금액 / bid, KRW")] = None
    bid_rate: Annotated[float | None, wire("bidprcRt", "투찰률 / bid rate, %")] = None
    won: Annotated[str, wire("sucsfYn", "낙찰여부 / won (Y/N)")] = ""
    winner: Annotated[str, wire("fnlSucsfCorpNm", "최종낙찰업체명 / final winner")] = ""
    winning_amount: Annotated[int | None, wire("fnlSucsfAmt", "최종낙찰금액 / winning amount, KRW")] = None
    winning_rate: Annotated[float | None, wire("fnlSucsfRt", "최종낙찰률 / winning rate, %")] = None


class OpenContract(Record):
    """개방표준 계약정보 (open-standard dataset: contracts)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("concluded_on", "contract_no", "title", "agency", "amount")

    contract_no: Annotated[str, wire("untyCntrctNo", "통합계약번호 / unified contract no.")] = ""
    title: Annotated[str, wire("cntrctNm", "계약명 / contract name")] = ""
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind")] = ""
    method: Annotated[str, wire("cntrctCnclsMthdNm", "계약체결방법명 / method")] = ""
    concluded_on: Annotated[dt.date | None, wire("cntrctCnclsDate", "계약체결일자 / concluded on")] = None
    amount: Annotated[int | None, wire("cntrctAmt", "계약금액 / amount, KRW")] = None
    total_amount: Annotated[int | None, wire("ttalCntrctAmt", "총계약금액 / total, KRW")] = None
    agency: Annotated[str, wire("cntrctInsttNm", "계약기관명 / contracting agency")] = ""
    agency_code: Annotated[str, wire("cntrctInsttCd", "계약기관코드 / agency code")] = ""
    demand_agency: Annotated[str, wire("dmndInsttNm", "수요기관명 / demand agency")] = ""
    company: Annotated[str, wire("rprsntCorpNm", "대표업체명 / lead contractor")] = ""
    company_bizno: Annotated[str, wire("rprsntCorpBizrno", "대표업체사업자등록번호 / lead's no.")] = ""
    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / notice no.")] = ""
    url: Annotated[str, wire("cntrctInfoUrl", "계약정보URL / contract URL")] = ""


# dataset -> operation. Each has the date window its reference documents (1 month of 공고일시,
# 1 day of 개찰일시, 1 week of 계약체결일자): the library splits a longer range into such windows.
OPEN_STANDARD: Final[dict[str, G2bOperation[Any]]] = {
    "bids": G2bOperation(
        OPEN_SERVICE,
        "getDataSetOpnStdBidPblancInfo",
        record=OpenNotice,
        range_limit=MONTH,
        dedupe_on=("notice_no", "notice_round"),
        order_by="notice_date",
        date_params=("bidNtceBgnDt", "bidNtceEndDt"),
    ),
    "awards": G2bOperation(
        OPEN_SERVICE,
        "getDataSetOpnStdScsbidInfo",
        record=OpenAward,
        range_limit=DAY,
        dedupe_on=("notice_no", "notice_round", "rank", "bidder_bizno"),
        order_by="opening_date",
        date_params=("opengBgnDt", "opengEndDt"),
    ),
    "contracts": G2bOperation(
        OPEN_SERVICE,
        "getDataSetOpnStdCntrctInfo",
        record=OpenContract,
        range_limit=WEEK,
        dedupe_on=("contract_no",),
        order_by="concluded_on",
        date_params=("cntrctCnclsBgnDate", "cntrctCnclsEndDate"),
        date_format="%Y%m%d",
    ),
}

OPERATIONS: tuple[Operation[Any], ...] = (
    *PRICE_LISTS.values(),
    STANDARD_UNIT_PRICES,
    *OPEN_STANDARD.values(),
)
"""The typed operations (the contract tests check them against the catalog); statistics are generic."""
