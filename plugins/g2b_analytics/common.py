"""What the analytics tools share: labels, limits, text helpers and the award/contract scan of a scope."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Final, Literal

import msgspec

from naramarket.datago import (
    GroupRow,
    NumberSummary,
    ScanReport,
    sandbox_mark,
    scan_records,
)
from naramarket.datago.g2b import KST, REGION_CODE_SET, REGION_CODES
from naramarket.datago.g2b import region_label as short_region_name
from naramarket.kernel import Context, DateRange

from .records import (
    AWARDS,
    CONTRACT_KEYWORD,
    CONTRACTS,
    KIND_LABELS,
    KINDS,
)

Kind = Literal["물품", "공사", "용역", "외자", "goods", "works", "services", "foreign"]
Source = Literal["awards", "contracts", "낙찰", "계약"]
_SOURCES: Final = {"awards": "awards", "낙찰": "awards", "contracts": "contracts", "계약": "contracts"}
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Top = Annotated[int, msgspec.Meta(ge=1, le=100, description="표시할 그룹 수 / groups shown (default 20)")]
Sample = Annotated[
    int,
    msgspec.Meta(ge=0, le=5, description="표본 / raw rows to include as a sample (0-5, default 0)"),
]


def _region(value: str) -> tuple[str, str]:
    """(label, code) of a 시도 name or 2-digit code; ValueError names the accepted values."""
    text = value.strip().replace(" ", "")
    code = REGION_CODES.get(text, text)
    if code in REGION_CODE_SET:
        return short_region_name(code), code
    raise ValueError(
        f"regions: {value!r} is not a 시도; use one of {', '.join(REGION_CODES)} or a 2-digit code"
    )


def _today() -> dt.date:
    return dt.datetime.now(KST).date()


def _suffixes(kinds: list[str]) -> list[str]:
    seen: list[str] = []
    for kind in kinds:
        if KINDS[kind] not in seen:
            seen.append(KINDS[kind])
    return seen


def _number_text(n: NumberSummary) -> str:
    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"

    return f"min {f(n.min)} · p25 {f(n.p25)} · median {f(n.median)} · p75 {f(n.p75)} · max {f(n.max)}"


def _scan_text(scan: ScanReport) -> str:
    head = sandbox_mark(scan.sandbox)
    state = "complete" if scan.complete else f"INCOMPLETE ({scan.reason}: {scan.missing}) — {scan.advice}"
    return f"{head}{scan.rows_read:,} rows read, {scan.pages_fetched} pages; {state}"


def _group_lines(groups: list[GroupRow], with_quartiles: bool) -> list[str]:
    lines = []
    for g in groups:
        name = f"{g.label} ({g.key})" if g.label and g.label != g.key else g.key
        tail = _number_text(g.value) if with_quartiles else f"sum {g.value.sum or 0:,.0f}"
        lines.append(f"- {name}: {g.count:,} ({g.share:.1f}%); {tail}")
    return lines


# -- price statistics of a mall category --------------------------------------------------------------


class _Scope(DateRange):
    """Which awards or contracts an aggregate covers."""

    source: Annotated[
        Source,
        msgspec.Meta(
            description="자료 / `awards` (낙찰: opening date, winner, 낙찰금액) or `contracts` (계약: "
            "conclusion date, lead contractor, 계약금액)"
        ),
    ] = "awards"
    kinds: Annotated[
        list[Kind],
        msgspec.Meta(
            min_length=1,
            max_length=4,
            description="업무구분 / kinds to include: 물품, 공사, 용역, 외자 (or goods, works, services, "
            "foreign); default 물품, 공사, 용역",
        ),
    ] = msgspec.field(default_factory=lambda: ["물품", "공사", "용역"])
    agency: Annotated[
        Name | None,
        msgspec.Meta(description="수요기관명 / demand (buying) agency, part of its name"),
    ] = None
    keyword: Annotated[
        Name | None,
        msgspec.Meta(
            description="이름 검색 / words in the notice title (awards) or the contract's name "
            "(contracts: 품명, 공사명, 용역명)"
        ),
    ] = None


def _scope_source(p: _Scope) -> str:
    return _SOURCES[p.source]


async def _scan_scope(
    ctx: Context,
    p: _Scope,
    window: tuple[dt.date, dt.date],
    on_award: Any,
    on_contract: Any,
    extra: dict[str, str | None] | None = None,
    label: str = "",
) -> ScanReport:
    """Scan each kind of the scope's source in turn; one report for all."""
    report: ScanReport | None = None
    for suffix in _suffixes(list(p.kinds)):
        kind = KIND_LABELS[suffix]
        where = f"{label} {kind}".strip()
        if _scope_source(p) == "awards":
            params: dict[str, str | None] = {
                "inqryDiv": "2",
                "bidNtceNm": p.keyword,
                "dminsttNm": p.agency,
                **(extra or {}),
            }
            part = await scan_records(
                ctx,
                AWARDS[suffix],
                params,
                window=window,
                each=functools.partial(on_award, kind=kind),
                label=where,
            )
        else:
            params = {
                "inqryDiv": "1",
                CONTRACT_KEYWORD[suffix]: p.keyword,
                "insttNm": p.agency,
                "insttDivCd": "2" if p.agency else None,
            }
            part = await scan_records(
                ctx,
                CONTRACTS[suffix],
                params,
                window=window,
                each=functools.partial(on_contract, kind=kind),
                label=where,
            )
        report = part if report is None else report.merge(part)
        if not report.complete:
            break  # the budget is spent (or the gateway refused): later kinds would read nothing
    assert report is not None
    return report


# -- top suppliers -------------------------------------------------------------------------------------
