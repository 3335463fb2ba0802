"""Rows of 계약과정통합공개서비스 (CntrctProcssIntgOpenService) and the operations that return them.

The service answers, for one 입찰공고번호, 사전규격등록번호, 발주계획번호 or 조달요청번호, the rows of
the procurement that number belongs to: one row per bid notice (round), each carrying the order
plan, pre-spec, request and notice facts, and two composite strings: the winners
(``bidwinrInfoList``) and the contracts (``cntrctInfoList``). There is one operation per 업무구분
(물품, 공사, 용역, 외자) and none takes a contract number, so a 통합계약번호 is first looked up in
계약정보서비스 (CntrctInfoService, 조회구분 2) for the notice and request numbers it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

from naramarket.datago import KstDateTime, Record, wire
from naramarket.datago.g2b import G2bOperation

__all__ = [
    "CONTRACT_LOOKUP",
    "KINDS",
    "KIND_LABELS",
    "KIND_ORDER",
    "OPERATIONS",
    "PROCESS",
    "ContractRow",
    "ProcessRow",
    "WorksContractRow",
]

SERVICE: Final = "ao/CntrctProcssIntgOpenService"
CONTRACT_SERVICE: Final = "ao/CntrctInfoService"

# 업무구분: the Korean label (and its English alias) -> the operations' suffix.
KINDS: Final[dict[str, str]] = {
    "물품": "Thng",
    "공사": "Cnstwk",
    "용역": "Servc",
    "외자": "Frgcpt",
    "goods": "Thng",
    "works": "Cnstwk",
    "services": "Servc",
    "foreign": "Frgcpt",
}
KIND_LABELS: Final[dict[str, str]] = {"Thng": "물품", "Cnstwk": "공사", "Servc": "용역", "Frgcpt": "외자"}
# The order kinds are asked in when none is given (the first that knows the number answers),
# the same order as get_bid_notice and get_contract.
KIND_ORDER: Final = ("Thng", "Cnstwk", "Servc", "Frgcpt")


class ProcessRow(Record):
    """One row of the integrated process: a bid notice (round) and what led to it and followed it."""

    order_business: Annotated[str, wire("orderBizNm", "발주사업명 / order plan's business name")] = ""
    order_plan_no: Annotated[str, wire("orderPlanNo", "발주계획번호 / order plan no.")] = ""
    order_plan_unified_no: Annotated[
        str, wire("orderPlanUntyNo", "발주계획통합번호 / unified order plan no.")
    ] = ""
    order_agency: Annotated[str, wire("orderInsttNm", "발주기관명 / ordering agency")] = ""
    order_month: Annotated[str, wire("orderYm", "발주년월 / planned order month (YYYYMM)")] = ""
    procurement_method: Annotated[
        str, wire("prcrmntMethdNm", "조달방식명 / procurement method (중앙조달, 자체조달 …)")
    ] = ""
    contract_method: Annotated[str, wire("cntrctCnclsMthdNm", "계약체결방법명 / contract method")] = ""
    prespec_no: Annotated[str, wire("bfSpecRgstNo", "사전규격등록번호 / pre-spec registration no.")] = ""
    prespec_business: Annotated[str, wire("bfSpecBizNm", "사전규격사업명 / pre-spec business name")] = ""
    prespec_demand_agency: Annotated[
        str, wire("bfSpecDminsttNm", "사전규격수요기관명 / pre-spec demand agency")
    ] = ""
    prespec_agency: Annotated[
        str, wire("bfSpecNtceInsttNm", "사전규격공고기관명 / pre-spec publishing agency")
    ] = ""
    opinion_deadline: Annotated[
        KstDateTime | None, wire("opninRgstClseDt", "의견등록마감일시 / pre-spec opinions close (KST)")
    ] = None
    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / bid notice round")] = ""
    request_no: Annotated[str, wire("prcrmntReqNo", "조달요청번호 / procurement request no.")] = ""
    notice_title: Annotated[str, wire("bidNtceNm", "입찰공고명 / bid notice title")] = ""
    notice_demand_agency: Annotated[str, wire("bidDminsttNm", "입찰수요기관명 / notice's demand agency")] = ""
    bid_method: Annotated[str, wire("bidMthdNm", "입찰방법명 / bid method")] = ""
    notice_posted_at: Annotated[
        KstDateTime | None, wire("bidNtceDt", "입찰공고일시 / notice posted (KST)")
    ] = None
    winners: Annotated[
        str,
        wire(
            "bidwinrInfoList",
            "낙찰자정보목록 / winners: [순번^업체명^사업자번호^대표자^낙찰금액^낙찰률^참가업체수^개찰일시],…",
        ),
    ] = ""
    contracts: Annotated[
        str,
        wire(
            "cntrctInfoList",
            "계약정보목록 / contracts: [순번^계약번호^계약명^계약기관^수요기관^계약방법^계약금액^계약일자],…",
        ),
    ] = ""


class ContractRow(Record):
    """What a contract number needs to be followed: the notice and request it came from."""

    contract_no: Annotated[str, wire("untyCntrctNo", "통합계약번호 / unified contract no.")] = ""
    confirmed_no: Annotated[str, wire("dcsnCntrctNo", "확정계약번호 / confirmed contract no.")] = ""
    title: Annotated[str, wire("cntrctNm", "계약명 / contract name")] = ""
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind")] = ""
    notice_no: Annotated[str, wire("ntceNo", "공고번호 / bid notice no. (+ round)")] = ""
    request_no: Annotated[str, wire("reqNo", "요청번호 / procurement request no.")] = ""
    agency: Annotated[str, wire("cntrctInsttNm", "계약기관명 / contracting agency")] = ""
    method: Annotated[str, wire("cntrctCnclsMthdNm", "계약체결방법명 / contract method")] = ""
    amount: Annotated[int | None, wire("thtmCntrctAmt", "금차계약금액 / amount of this contract, KRW")] = None
    concluded_on: Annotated[dt.date | None, wire("cntrctCnclsDate", "계약체결일자 / concluded on")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


class WorksContractRow(ContractRow):
    """A 공사 contract: the title is 공사명."""

    title: Annotated[str, wire("cnstwkNm", "공사명 / works name")] = ""


def _process(kind: str) -> G2bOperation[ProcessRow]:
    return G2bOperation(
        SERVICE,
        f"getCntrctProcssIntgOpen{kind}",
        record=ProcessRow,
        dedupe_on=("notice_no", "notice_round", "prespec_no", "request_no", "order_plan_unified_no"),
    )


def _contract(kind: str) -> G2bOperation[ContractRow]:
    record: type[ContractRow] = WorksContractRow if kind == "Cnstwk" else ContractRow
    return G2bOperation(CONTRACT_SERVICE, f"getCntrctInfoList{kind}", record=record)


PROCESS: Final = {kind: _process(kind) for kind in KIND_ORDER}
CONTRACT_LOOKUP: Final = {kind: _contract(kind) for kind in KIND_ORDER}
OPERATIONS: Final = (*PROCESS.values(), *CONTRACT_LOOKUP.values())
