"""The answer of ``get_procurement_process`` and its compact text for MCP."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final

import msgspec

from naramarket.datago import sandbox_mark

from .numbers import KIND_NAMES
from .stages import ProcessTrack

__all__ = ["ContractLink", "ProcurementProcess"]

SHOWN: Final = 10  # tracks in the compact MCP text (all are in the structured content)


class ContractLink(msgspec.Struct, kw_only=True):
    """The contract a contract number named, and the numbers it was followed by."""

    contract_no: Annotated[str, msgspec.Meta(description="통합계약번호 / unified contract no.")]
    confirmed_no: Annotated[str, msgspec.Meta(description="확정계약번호 / confirmed contract no.")] = ""
    title: Annotated[str, msgspec.Meta(description="계약명 / contract name")] = ""
    notice_no: Annotated[str, msgspec.Meta(description="공고번호 / the notice it came from (followed)")] = ""
    request_no: Annotated[str, msgspec.Meta(description="요청번호 / the request it came from")] = ""


class ProcurementProcess(msgspec.Struct, kw_only=True):
    """One procurement followed end to end: one track per notice round the number leads to."""

    number: Annotated[str, msgspec.Meta(description="번호 / the number asked about (normalised)")]
    number_kind: Annotated[
        str, msgspec.Meta(description="번호 종류 / notice, request, prespec, order_plan or contract")
    ]
    kind: Annotated[str, msgspec.Meta(description="업무구분 / 물품, 공사, 용역 or 외자")]
    processes: Annotated[
        list[ProcessTrack],
        msgspec.Meta(
            description="진행과정 / one track per notice round (or per notice of a request/pre-spec/plan), "
            "latest notice first; each has its stages, `reached` and `missing`"
        ),
    ]
    via_contract: Annotated[
        ContractLink | None,
        msgspec.Meta(description="계약번호로 조회 / for a contract number: the contract and its links"),
    ] = None
    kinds_asked: Annotated[list[str], msgspec.Meta(description="조회한 업무구분 / kinds asked")] = (
        msgspec.field(default_factory=list)
    )
    notes: Annotated[
        list[str],
        msgspec.Meta(description="참고 / what this service does not hold, and where to find it"),
    ] = msgspec.field(default_factory=list)
    sandbox: Annotated[
        bool, msgspec.Meta(description="true when this is the built-in sandbox's fake data")
    ] = False

    def summary_text(self, tool: str) -> str:
        """A few lines per track for a model; every field is in the structured content."""
        head = sandbox_mark(self.sandbox)
        what = next((name for k, name in KIND_NAMES.items() if k == self.number_kind), self.number_kind)
        lines = [f"{head}{tool}: {what} {self.number} — {self.kind}, {len(self.processes)} track(s)"]
        if self.via_contract is not None:
            c = self.via_contract
            links = f"notice {c.notice_no or '-'}, request {c.request_no or '-'}"
            lines.append(f"contract {c.contract_no} {c.title!r}: {links}")
        for i, t in enumerate(self.processes[:SHOWN], 1):
            lines.append(f"#{i} {t.title!r} — reached: {t.reached or '-'}")
            lines.append("   " + " → ".join(_stage_texts(t)))
            if t.missing:
                lines.append("   missing: " + ", ".join(m.split(":")[0] for m in t.missing))
        if len(self.processes) > SHOWN:
            lines.append(f"… and {len(self.processes) - SHOWN} more track(s)")
        lines.extend(f"note: {n}" for n in self.notes)
        lines.append("Every field is in the structured content.")
        return "\n".join(lines)


def _when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "?"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _won(amount: int | None) -> str:
    return f"{amount:,} KRW" if amount is not None else "? KRW"


def _stage_texts(t: ProcessTrack) -> list[str]:
    parts = []
    if t.order_plan is not None:
        p = t.order_plan
        parts.append(f"발주계획 {p.plan_no or p.unified_no} {p.agency} {p.order_month}".rstrip())
    if t.request is not None:
        parts.append(f"조달요청 {t.request.request_no}")
    if t.prespec is not None:
        parts.append(f"사전규격 {t.prespec.prespec_no} (의견마감 {_when(t.prespec.opinion_deadline)})")
    if t.notice is not None:
        n = t.notice
        number = f"{n.notice_no}-{n.round}" if n.round else n.notice_no
        parts.append(f"공고 {number} {_when(n.posted_at)} {n.demand_agency}".rstrip())
    if t.opening is not None:
        parts.append(f"개찰 {_when(t.opening.opened_at)}, {t.opening.bidders or '?'} bidders")
    for w in t.award:
        rate = f" {w.rate}%" if w.rate is not None else ""
        parts.append(f"낙찰 {w.company} ({w.business_no}) {_won(w.amount)}{rate}")
    for c in t.contracts:
        parts.append(f"계약 {c.contract_no} {_won(c.amount)} {_when(c.contract_date)}")
    return parts or ["(no stage listed)"]
