"""The columns the analytics tools read, and the operations they scan.

Each record declares only the fields its aggregate needs: msgspec decodes declared fields and skips
the rest, so a scan of tens of thousands of rows spends its time on the numbers, not on 30 unused
strings per row. The operations are the ones the list tools (crawl_list, search_awards,
search_contracts) read, declared again here because plugins import only the kernel and the
data.go.kr library; the contract tests check both against the packaged catalog.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Final

from naramarket.datago import MONTH, YEAR, KstDateTime, Operation, Record, wire
from naramarket.datago.g2b import G2bOperation, kind_suffixes

__all__ = [
    "AWARDS",
    "CONTRACTS",
    "CONTRACT_KEYWORD",
    "KINDS",
    "KIND_LABELS",
    "MAS_PRICES",
    "OPERATIONS",
    "AwardRow",
    "ContractRow",
    "PriceRow",
    "lead_company",
]

KINDS: Final[dict[str, str]] = kind_suffixes("물품", "공사", "용역", "외자")
KIND_LABELS: Final[dict[str, str]] = {"Thng": "물품", "Cnstwk": "공사", "Servc": "용역", "Frgcpt": "외자"}


class PriceRow(Record):
    """A 다수공급자계약 (MAS) product's price, maker and supplier."""

    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / product category name")] = ""
    spec: Annotated[str, wire("prdctSpecNm", "물품규격명 / specification")] = ""
    price: Annotated[int | None, wire("cntrctPrceAmt", "계약가격금액 / contract price, KRW")] = None
    maker: Annotated[str, wire("prdctMakrNm", "물품제조사명 / manufacturer")] = ""
    company: Annotated[str, wire("cntrctCorpNm", "계약업체명 / contractor")] = ""
    company_no: Annotated[str, wire("cntrctCorpNo", "계약업체번호 / contractor business no.")] = ""
    company_size: Annotated[str, wire("entrprsDivNm", "기업구분명 / enterprise size")] = ""
    contract_no: Annotated[str, wire("shopngCntrctNo", "쇼핑계약번호 / shopping contract no.")] = ""
    contract_seq: Annotated[str, wire("shopngCntrctSno", "쇼핑계약순번 / contract line no.")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None


class AwardRow(Record):
    """An award (최종낙찰): the winner, the amount and the rate."""

    notice_no: Annotated[str, wire("bidNtceNo", "입찰공고번호 / bid notice no.")] = ""
    notice_round: Annotated[str, wire("bidNtceOrd", "입찰공고차수 / notice round")] = ""
    classification_no: Annotated[str, wire("bidClsfcNo", "입찰분류번호 / bid classification no.")] = ""
    rebid_no: Annotated[str, wire("rbidNo", "재입찰번호 / re-bid no.")] = ""
    title: Annotated[str, wire("bidNtceNm", "입찰공고명 / notice title")] = ""
    winner: Annotated[str, wire("bidwinnrNm", "최종낙찰업체명 / winning company")] = ""
    winner_bizno: Annotated[str, wire("bidwinnrBizno", "최종낙찰업체사업자등록번호 / winner's no.")] = ""
    amount: Annotated[int | None, wire("sucsfbidAmt", "최종낙찰금액 / winning amount, KRW")] = None
    rate: Annotated[float | None, wire("sucsfbidRate", "최종낙찰률 / winning rate, %")] = None
    opened_at: Annotated[KstDateTime | None, wire("rlOpengDt", "실개찰일시 / opened (KST)")] = None
    demand_agency: Annotated[str, wire("dminsttNm", "수요기관명 / demand agency (buyer)")] = ""


class ContractRow(Record):
    """A contract: when it was concluded, its amount and its contractors."""

    contract_no: Annotated[str, wire("untyCntrctNo", "통합계약번호 / unified contract no.")] = ""
    concluded_on: Annotated[dt.date | None, wire("cntrctCnclsDate", "계약체결일자 / concluded on")] = None
    amount: Annotated[int | None, wire("thtmCntrctAmt", "금차계약금액 / amount of this contract, KRW")] = None
    companies: Annotated[
        str, wire("corpList", "업체목록 / contractors [순번^구분^방식^업체명^…^사업자등록번호]")
    ] = ""
    agency: Annotated[str, wire("cntrctInsttNm", "계약기관명 / contracting agency")] = ""


_ENTRY = re.compile(r"\[([^\[\]]*)\]")


def lead_company(companies: str) -> tuple[str, str]:
    """(사업자등록번호, 업체명) of a 업체목록's lead contractor (업체구분 대표, else the first listed)."""
    entries = [e.split("^") for e in _ENTRY.findall(companies or "")]
    if not entries:
        return "", ""
    lead = next((e for e in entries if len(e) > 1 and e[1].strip() == "대표"), entries[0])
    bizno = lead[9].strip().replace("-", "") if len(lead) > 9 else ""
    name = lead[3].strip() if len(lead) > 3 else ""
    return bizno, name


MAS_PRICES = G2bOperation(
    "at/ShoppingMallPrdctInfoService",
    "getMASCntrctPrdctInfoList",
    record=PriceRow,
    range_limit=YEAR,
    dedupe_on=("contract_no", "contract_seq", "product_id"),
    order_by="registered_at",
    date_params=("rgstDtBgnDt", "rgstDtEndDt"),
)

# 낙찰 목록 by 나라장터 search conditions; inqryDiv 2 filters 개찰일시 (rlOpengDt). Month windows:
# the gateway answers 07 past about a month (catalog README, "Limits").
AWARDS: Final[dict[str, G2bOperation[AwardRow]]] = {
    suffix: G2bOperation(
        "as/ScsbidInfoService",
        f"getScsbidListSttus{suffix}PPSSrch",
        record=AwardRow,
        range_limit=MONTH,
        dedupe_on=("notice_no", "notice_round", "classification_no", "rebid_no"),
        order_by="opened_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )
    for suffix in KIND_LABELS
}

# 계약 by 나라장터 search conditions; inqryDiv 1 filters 계약체결일자 (YYYYMMDD), month windows.
CONTRACTS: Final[dict[str, G2bOperation[ContractRow]]] = {
    suffix: G2bOperation(
        "ao/CntrctInfoService",
        f"getCntrctInfoList{suffix}PPSSrch",
        record=ContractRow,
        range_limit=MONTH,
        dedupe_on=("contract_no",),
        order_by="concluded_on",
        date_params=("inqryBgnDate", "inqryEndDate"),
        date_format="%Y%m%d",
    )
    for suffix in KIND_LABELS
}
# The contract search's name parameter per kind (계약명 is 품명 for goods).
CONTRACT_KEYWORD: Final = {
    "Thng": "prdctClsfcNoNm",
    "Cnstwk": "cnstwkNm",
    "Servc": "cntrctNm",
    "Frgcpt": "prdctClsfcNoNm",
}

OPERATIONS: tuple[Operation[Any], ...] = (MAS_PRICES, *AWARDS.values(), *CONTRACTS.values())
"""Every operation this plugin scans (the contract tests check them against the catalog)."""
