"""Typed rows of 조달청 ScsbidInfoService (나라장터 개찰/낙찰): English names, the gateway's on the wire.

Every ``wire()`` name is an item field of the operations the record is read from, as
``../shared/g2b-reference/catalog.json`` lists them (a contract test checks it).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from naramarket.datago import KstDateTime, Record, derived, wire

__all__ = ["Award", "Bidder", "Failure", "Opening", "Rebid", "ReservePrice"]


class Award(Record):
    """One successful bid (최종낙찰자) of a notice: who won, at what price and rate.

    Read from ``getScsbidListSttus{Thng,Cnstwk,Servc,Frgcpt}[PPSSrch]``.
    """

    summary_fields: ClassVar[tuple[str, ...]] = (
        "opened_at",
        "kind",
        "notice_no",
        "title",
        "winner",
        "amount",
        "rate",
    )

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round, e.g. 000")] = ""
    classification_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid classification no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    notice_kind_code: Annotated[str, wire("ntceDivCd", "공고구분코드 / notice kind code")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / notice title")] = ""
    participants: Annotated[int | None, wire("prtcptCnum", "참가업체수 / bidders")] = None
    winner: Annotated[str, wire("bidwinnrNm", "최종낙찰업체명 / winning company")] = ""
    winner_bizno: Annotated[
        str, wire("bidwinnrBizno", "최종낙찰업체사업자등록번호 / winner's business registration no.")
    ] = ""
    winner_ceo: Annotated[str, wire("bidwinnrCeoNm", "최종낙찰업체대표자명 / winner's CEO")] = ""
    winner_address: Annotated[str, wire("bidwinnrAdrs", "최종낙찰업체주소 / winner's address")] = ""
    winner_phone: Annotated[str, wire("bidwinnrTelNo", "최종낙찰업체전화번호 / winner's phone")] = ""
    winner_contact: Annotated[str, wire("fnlSucsfCorpOfcl", "최종낙찰업체담당자 / winner's contact")] = ""
    amount: Annotated[int | None, wire("sucsfbidAmt", "최종낙찰금액 / winning amount, KRW")] = None
    rate: Annotated[
        float | None, wire("sucsfbidRate", "최종낙찰률 / winning rate, % of the planned price")
    ] = None
    opened_at: Annotated[KstDateTime | None, wire("rlOpengDt", "실개찰일시 / opened (KST)")] = None
    award_date: Annotated[dt.date | None, wire("fnlSucsfDate", "최종낙찰일자 / award date")] = None
    demand_agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / demand agency code")] = ""
    demand_agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency (buyer)")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    kind: Annotated[
        str, derived("업무구분 / kind: 물품, 공사, 용역 or 외자 (from the operation that answered)")
    ] = ""


class Opening(Record):
    """The opening (개찰) of one notice, round and classification: status and first place.

    Read from ``getOpengResultListInfo{Thng,Cnstwk,Servc,Frgcpt}`` (inqryDiv 4: by notice no.).
    """

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    classification_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid classification no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / notice title")] = ""
    opened_at: Annotated[KstDateTime | None, wire("opengDt", "개찰일시 / opening (KST)")] = None
    participants: Annotated[int | None, wire("prtcptCnum", "참가업체수 / bidders")] = None
    first_place: Annotated[
        str,
        wire("opengCorpInfo", "개찰업체정보 / first place: name^bizno^CEO^amount^rate, or 낙찰예정자 다수"),
    ] = ""
    status: Annotated[str, wire("progrsDivCdNm", "진행구분코드명 / status, e.g. 개찰완료, 유찰, 재입찰")] = ""
    result_notice: Annotated[str, wire("opengRsltNtcCntnts", "개찰결과공지내용 / result notice")] = ""
    input_at: Annotated[KstDateTime | None, wire("inptDt", "입력일시 / input (KST)")] = None
    reserve_price_file: Annotated[
        bool | None, wire("rsrvtnPrceFileExistnceYn", "예비가격파일존재여부 / reserve-price file exists")
    ] = None
    notice_agency_code: Annotated[str, wire("ntceInsttCd", "공고기관코드 / notice agency code")] = ""
    notice_agency: Annotated[str, wire("ntceInsttNm", "공고기관명 / notice agency")] = ""
    demand_agency_code: Annotated[str, wire("dminsttCd", "수요기관코드 / demand agency code")] = ""
    demand_agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency (buyer)")] = ""


class Bidder(Record):
    """One bidder of an opening (개찰완료 목록): rank, company, bid amount and rate, scores."""

    rank: Annotated[int | None, wire("opengRank", "개찰순위 / rank at opening")] = None
    company: Annotated[str, wire("prcbdrNm", "투찰업체명 / bidder")] = ""
    bizno: Annotated[str, wire("prcbdrBizno", "투찰업체사업자등록번호 / business registration no.")] = ""
    ceo: Annotated[str, wire("prcbdrCeoNm", "투찰업체대표자명 / CEO")] = ""
    bid_amount: Annotated[int | None, wire("bidprcAmt", "투찰금액 / bid amount, KRW")] = None
    bid_rate: Annotated[float | None, wire("bidprcrt", "투찰률 / bid rate, % of the planned price")] = None
    bid_at: Annotated[KstDateTime | None, wire("bidprcDt", "투찰일시 / bid submitted (KST)")] = None
    remark: Annotated[str, wire("rmrk", "비고 / remark, e.g. 낙찰, 부적격")] = ""
    result: Annotated[str, wire("opengRsltDivNm", "개찰결과구분명 / opening result")] = ""
    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    classification_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid classification no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    draw_no_1: Annotated[str, wire("drwtNo1", "추첨번호1 / drawn number 1")] = ""
    draw_no_2: Annotated[str, wire("drwtNo2", "추첨번호2 / drawn number 2")] = ""
    price_score: Annotated[float | None, wire("bidPrceEvlVal", "입찰가격점수 / price score")] = None
    tech_score_raw: Annotated[float | None, wire("techEvlNaturVal", "기술평가원점수 / raw tech score")] = None
    tech_score: Annotated[float | None, wire("techEvlVal", "기술평가점수 / tech score")] = None
    total_score: Annotated[float | None, wire("totalEvlAmtVal", "종합평가점수 / total score")] = None
    work_amounts_url: Annotated[
        str, wire("cnsttyAccotBidAmtUrl", "공종별입찰금액URL / bid amounts by work type (URL)")
    ] = ""


class Failure(Record):
    """A failed bid (유찰) of a notice round, with the reason."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    classification_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid classification no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    reason: Annotated[str, wire("nobidRsn", "유찰사유 / why the bid failed")] = ""
    result: Annotated[str, wire("opengRsltDivNm", "개찰결과구분명 / opening result")] = ""


class Rebid(Record):
    """A re-bid (재입찰) of a notice round: why, and its deadline and opening."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    classification_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid classification no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    reason: Annotated[str, wire("rbidRsn", "재입찰사유 / why a re-bid")] = ""
    result: Annotated[str, wire("opengRsltDivNm", "개찰결과구분명 / opening result")] = ""
    bid_deadline_at: Annotated[KstDateTime | None, wire("bidClseDt", "입찰마감일시 / bid deadline (KST)")] = (
        None
    )
    consortium_deadline_at: Annotated[
        KstDateTime | None,
        wire("cmmnSpldmdAgrmntClseDt", "공동수급협정마감일시 / consortium agreement deadline (KST)"),
    ] = None
    opened_at: Annotated[KstDateTime | None, wire("opengDt", "개찰일시 / opening (KST)")] = None


class ReservePrice(Record):
    """One of the multiple reserve prices (복수예비가격, usually 15) of a notice; 4 drawn ones set
    the planned price (예정가격). Read from ``getOpengResultListInfo*PreparPcDetail``."""

    sequence: Annotated[int | None, wire("compnoRsrvtnPrceSno", "복수예가순번 / reserve price no.")] = None
    price: Annotated[int | None, wire("bsisPlnprc", "기초예정가격 / reserve price, KRW")] = None
    drawn: Annotated[bool | None, wire("drwtYn", "추첨여부 / drawn")] = None
    draws: Annotated[int | None, wire("drwtNum", "추첨횟수 / times drawn")] = None
    planned_price: Annotated[int | None, wire("plnprc", "예정가격 / planned price, KRW")] = None
    base_amount: Annotated[int | None, wire("bssamt", "기초금액 / base amount, KRW")] = None
    total: Annotated[int | None, wire("totRsrvtnPrceNum", "총예가건수 / reserve prices in all")] = None
    above_base: Annotated[
        int | None, wire("bssamtBssUpNum", "기초금액기준상위건수 / reserve prices above the base amount")
    ] = None
    net_construction_cost: Annotated[
        int | None, wire("PrearngPrcePurcnstcst", "예정가격순공사비 / planned net construction cost, KRW")
    ] = None
    selection_basis: Annotated[
        str, wire("bidwinrSlctnAplBssCntnts", "최종낙찰자선정적용기준내용 / winner selection rule")
    ] = ""
    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    classification_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid classification no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / notice title")] = ""
    opened_at: Annotated[KstDateTime | None, wire("rlOpengDt", "실개찰일시 / opened (KST)")] = None
    made_at: Annotated[
        KstDateTime | None, wire("compnoRsrvtnPrceMkngDt", "복수예비가격작성일시 / reserve prices made (KST)")
    ] = None
    input_at: Annotated[KstDateTime | None, wire("inptDt", "입력일시 / input (KST)")] = None
