"""The answer of ``get_procurement_process``: one track per notice round, stage by stage.

Stages, in the order a procurement goes through them: 발주계획 (order plan) → 조달요청 (request) →
사전규격 (pre-spec) → 입찰공고 (notice) → 개찰 (opening) → 낙찰 (award) → 계약 (contract). Each
present stage carries its key facts; ``missing`` names the stages the service has nothing for.
Winners and contracts arrive as ``[a^b^c],[…]`` strings and are parsed here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Final

import msgspec

from naramarket.datago import KST, KstDateTime

from .records import ContractRow, ProcessRow

__all__ = [
    "STAGES",
    "ContractEntry",
    "NoticeStage",
    "OpeningStage",
    "OrderPlanStage",
    "PrespecStage",
    "ProcessTrack",
    "RequestStage",
    "Winner",
    "parse_contracts",
    "parse_winners",
    "track_of",
    "track_of_contract",
]

STAGES: Final = ("order_plan", "request", "prespec", "notice", "opening", "award", "contract")
_WHY_MISSING: Final = {
    "order_plan": "no 발주계획 (not every procurement has an order plan)",
    "request": "no 조달요청 (the agency procured on its own, or not through 나라장터)",
    "prespec": "no 사전규격 (not required for every procurement)",
    "notice": "no 입찰공고 (e.g. a 수의계약 without a notice, or not yet published)",
    "opening": "no opening listed (not opened yet, or 유찰)",
    "award": "no winner listed (not awarded yet, 유찰, or not published)",
    "contract": "no contract listed (not concluded yet, or concluded outside 나라장터)",
}


class OrderPlanStage(msgspec.Struct, kw_only=True):
    """발주계획: the agency's plan to procure."""

    plan_no: Annotated[str, msgspec.Meta(description="발주계획번호 / order plan no.")] = ""
    unified_no: Annotated[str, msgspec.Meta(description="발주계획통합번호 / unified order plan no.")] = ""
    business: Annotated[str, msgspec.Meta(description="발주사업명 / business name")] = ""
    agency: Annotated[str, msgspec.Meta(description="발주기관명 / ordering agency")] = ""
    order_month: Annotated[str, msgspec.Meta(description="발주년월 / planned order month, YYYY-MM")] = ""


class RequestStage(msgspec.Struct, kw_only=True):
    """조달요청: the demand agency's request to 조달청 (only its number is in this service)."""

    request_no: Annotated[str, msgspec.Meta(description="조달요청번호 / procurement request no.")]


class PrespecStage(msgspec.Struct, kw_only=True):
    """사전규격: the specification published for comments before the notice."""

    prespec_no: Annotated[str, msgspec.Meta(description="사전규격등록번호 / pre-spec registration no.")]
    business: Annotated[str, msgspec.Meta(description="사전규격사업명 / business name")] = ""
    agency: Annotated[str, msgspec.Meta(description="사전규격공고기관명 / publishing agency")] = ""
    demand_agency: Annotated[str, msgspec.Meta(description="사전규격수요기관명 / demand agency")] = ""
    opinion_deadline: Annotated[
        KstDateTime | None, msgspec.Meta(description="의견등록마감일시 / opinions close (KST)")
    ] = None


class NoticeStage(msgspec.Struct, kw_only=True):
    """입찰공고: the bid notice (one round)."""

    notice_no: Annotated[str, msgspec.Meta(description="입찰공고번호 / bid notice no. (get_bid_notice)")]
    round: Annotated[str, msgspec.Meta(description="입찰공고차수 / notice round, e.g. 000")] = ""
    title: Annotated[str, msgspec.Meta(description="입찰공고명 / notice title")] = ""
    demand_agency: Annotated[str, msgspec.Meta(description="입찰수요기관명 / demand agency")] = ""
    bid_method: Annotated[str, msgspec.Meta(description="입찰방법명 / bid method")] = ""
    posted_at: Annotated[KstDateTime | None, msgspec.Meta(description="입찰공고일시 / posted (KST)")] = None


class OpeningStage(msgspec.Struct, kw_only=True):
    """개찰: when bids were opened and how many took part (from the winners list).

    Every bidder's rank and price are not in this service: get_opening_results has them.
    """

    opened_at: Annotated[KstDateTime | None, msgspec.Meta(description="개찰일시 / opened (KST)")] = None
    bidders: Annotated[int | None, msgspec.Meta(description="참가업체수 / number of bidders")] = None


class Winner(msgspec.Struct, kw_only=True):
    """낙찰: one winner (낙찰자정보목록 entry)."""

    company: Annotated[str, msgspec.Meta(description="낙찰업체명 / winning company")]
    business_no: Annotated[str, msgspec.Meta(description="사업자등록번호 / business registration no.")] = ""
    ceo: Annotated[str, msgspec.Meta(description="대표자명 / CEO")] = ""
    amount: Annotated[int | None, msgspec.Meta(description="낙찰금액 / winning amount, KRW")] = None
    rate: Annotated[float | None, msgspec.Meta(description="낙찰률 / winning rate, %")] = None
    bidders: Annotated[int | None, msgspec.Meta(description="참가업체수 / number of bidders")] = None
    opened_at: Annotated[KstDateTime | None, msgspec.Meta(description="개찰일시 / opened (KST)")] = None


class ContractEntry(msgspec.Struct, kw_only=True):
    """계약: one contract (계약정보목록 entry)."""

    contract_no: Annotated[str, msgspec.Meta(description="계약번호 / contract no. (get_contract)")]
    title: Annotated[str, msgspec.Meta(description="계약명 / contract name")] = ""
    agency: Annotated[str, msgspec.Meta(description="계약기관명 / contracting agency")] = ""
    demand_agency: Annotated[str, msgspec.Meta(description="수요기관명 / demand agency")] = ""
    method: Annotated[str, msgspec.Meta(description="계약체결방법명 / contract method")] = ""
    amount: Annotated[int | None, msgspec.Meta(description="계약금액 / contract amount, KRW")] = None
    contract_date: Annotated[dt.date | None, msgspec.Meta(description="계약일자 / contract date")] = None


class ProcessTrack(msgspec.Struct, kw_only=True):
    """One procurement followed stage by stage (one row of the service: a notice round)."""

    kind: Annotated[str, msgspec.Meta(description="업무구분 / 물품, 공사, 용역 or 외자")]
    title: Annotated[str, msgspec.Meta(description="사업명 / name (of the notice, pre-spec or plan)")]
    reached: Annotated[
        str,
        msgspec.Meta(
            description="도달 단계 / furthest stage present: order_plan, request, prespec, notice, opening, "
            "award or contract"
        ),
    ]
    procurement_method: Annotated[
        str, msgspec.Meta(description="조달방식명 / procurement method (중앙조달, 자체조달 …)")
    ] = ""
    contract_method: Annotated[str, msgspec.Meta(description="계약체결방법명 / planned contract method")] = ""
    order_plan: Annotated[OrderPlanStage | None, msgspec.Meta(description="발주계획 / order plan")] = None
    request: Annotated[RequestStage | None, msgspec.Meta(description="조달요청 / procurement request")] = None
    prespec: Annotated[PrespecStage | None, msgspec.Meta(description="사전규격 / pre-specification")] = None
    notice: Annotated[NoticeStage | None, msgspec.Meta(description="입찰공고 / bid notice")] = None
    opening: Annotated[OpeningStage | None, msgspec.Meta(description="개찰 / bid opening")] = None
    award: Annotated[
        list[Winner], msgspec.Meta(description="낙찰 / winners (empty: not awarded, or not listed)")
    ] = msgspec.field(default_factory=list)
    contracts: Annotated[
        list[ContractEntry], msgspec.Meta(description="계약 / contracts (empty: none listed yet)")
    ] = msgspec.field(default_factory=list)
    missing: Annotated[
        list[str],
        msgspec.Meta(
            description="없는 단계 / stages the service lists nothing for, each with the usual reasons "
            "(e.g. 'award: no winner listed (not awarded yet, 유찰, or not published)')"
        ),
    ] = msgspec.field(default_factory=list)


# -- the composite strings ----------------------------------------------------------------------------


def _entries(text: str) -> list[list[str]]:
    """``[1^a^b],[2^c^d]`` -> ``[["1","a","b"], ["2","c","d"]]`` (blank entries dropped)."""
    # Split on the entries' own "],[" seams, not on every bracket: titles carry them ("[긴급] …").
    text = (text or "").strip()
    if not (text.startswith("[") and text.endswith("]")):
        return []
    entries = [e.split("^") for e in re.split(r"\]\s*,\s*\[", text[1:-1])]
    return [[part.strip() for part in e] for e in entries if any(part.strip() for part in e)]


def _at(parts: list[str], index: int) -> str:
    return parts[index] if index < len(parts) else ""


def _int(text: str) -> int | None:
    try:
        return int(float(text.replace(",", ""))) if text else None
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text.replace(",", "")) if text else None
    except ValueError:
        return None


def _datetime(text: str) -> dt.datetime | None:
    """``2016-03-07 12:00`` (or with seconds, or ``201603071200``) in KST."""
    digits = re.sub(r"\D", "", text)
    try:
        if len(digits) >= 12:
            return dt.datetime(
                int(digits[:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
                int(digits[12:14] or 0), tzinfo=KST,
            )  # fmt: skip
        if len(digits) == 8:
            return dt.datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]), tzinfo=KST)
    except ValueError:
        return None
    return None


def _date(text: str) -> dt.date | None:
    moment = _datetime(text)
    return moment.date() if moment is not None else None


def parse_winners(text: str) -> list[Winner]:
    """낙찰자정보목록: 순번^업체명^사업자번호^대표자^낙찰금액^낙찰률^참가업체수^개찰일시 per entry."""
    return [
        Winner(
            company=_at(p, 1),
            business_no=_at(p, 2).replace("-", ""),
            ceo=_at(p, 3),
            amount=_int(_at(p, 4)),
            rate=_float(_at(p, 5)),
            bidders=_int(_at(p, 6)),
            opened_at=_datetime(_at(p, 7)),
        )
        for p in _entries(text)
    ]


def parse_contracts(text: str) -> list[ContractEntry]:
    """계약정보목록: 순번^계약번호^계약명^계약기관^수요기관^계약방법^계약금액^계약일자 per entry."""
    return [
        ContractEntry(
            contract_no=_at(p, 1),
            title=_at(p, 2),
            agency=_at(p, 3),
            demand_agency=_at(p, 4),
            method=_at(p, 5),
            amount=_int(_at(p, 6)),
            contract_date=_date(_at(p, 7)),
        )
        for p in _entries(text)
    ]


# -- rows -> tracks -----------------------------------------------------------------------------------


def _month(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return f"{digits[:4]}-{digits[4:6]}" if len(digits) >= 6 else text


def _complete(track: ProcessTrack) -> ProcessTrack:
    """Fill ``reached`` and ``missing`` from the stages present."""
    present = {
        "order_plan": track.order_plan is not None,
        "request": track.request is not None,
        "prespec": track.prespec is not None,
        "notice": track.notice is not None,
        "opening": track.opening is not None,
        "award": bool(track.award),
        "contract": bool(track.contracts),
    }
    track.reached = next((s for s in reversed(STAGES) if present[s]), "")
    track.missing = [f"{s}: {_WHY_MISSING[s]}" for s in STAGES if not present[s]]
    return track


def track_of(row: ProcessRow, kind: str) -> ProcessTrack:
    """One service row as a track of stages."""
    plan = None
    if row.order_plan_no or row.order_plan_unified_no:
        plan = OrderPlanStage(
            plan_no=row.order_plan_no,
            unified_no=row.order_plan_unified_no,
            business=row.order_business,
            agency=row.order_agency,
            order_month=_month(row.order_month),
        )
    prespec = None
    if row.prespec_no:
        prespec = PrespecStage(
            prespec_no=row.prespec_no,
            business=row.prespec_business,
            agency=row.prespec_agency,
            demand_agency=row.prespec_demand_agency,
            opinion_deadline=row.opinion_deadline,
        )
    notice = None
    if row.notice_no:
        notice = NoticeStage(
            notice_no=row.notice_no,
            round=row.notice_round,
            title=row.notice_title,
            demand_agency=row.notice_demand_agency,
            bid_method=row.bid_method,
            posted_at=row.notice_posted_at,
        )
    winners = parse_winners(row.winners)
    opened = [w for w in winners if w.opened_at is not None or w.bidders is not None]
    opening = None
    if opened:
        opening = OpeningStage(opened_at=opened[0].opened_at, bidders=opened[0].bidders)
    return _complete(
        ProcessTrack(
            kind=kind,
            title=row.notice_title or row.prespec_business or row.order_business,
            reached="",
            procurement_method=row.procurement_method,
            contract_method=row.contract_method,
            order_plan=plan,
            request=RequestStage(request_no=row.request_no) if row.request_no else None,
            prespec=prespec,
            notice=notice,
            opening=opening,
            award=winners,
            contracts=parse_contracts(row.contracts),
        )
    )


def track_of_contract(row: ContractRow, kind: str) -> ProcessTrack:
    """A contract the integrated service cannot follow, from its 계약정보 row alone."""
    number, _, round_ = row.notice_no.partition("-")
    return _complete(
        ProcessTrack(
            kind=kind,
            title=row.title,
            reached="",
            contract_method=row.method,
            request=RequestStage(request_no=row.request_no) if row.request_no else None,
            notice=NoticeStage(notice_no=number, round=round_) if number else None,
            contracts=[
                ContractEntry(
                    contract_no=row.contract_no,
                    title=row.title,
                    agency=row.agency,
                    method=row.method,
                    amount=row.amount,
                    contract_date=row.concluded_on,
                )
            ],
        )
    )
