"""``rank_suppliers``: top winners or contractors by count or amount."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from naramarket.datago import (
    GroupRow,
    Groups,
    Numbers,
    NumberSummary,
    ScanReport,
)
from naramarket.kernel import Context, tool

from .common import (
    Sample,
    Top,
    _group_lines,
    _scan_scope,
    _scan_text,
    _Scope,
    _scope_source,
    _suffixes,
    _today,
)
from .records import (
    KIND_LABELS,
    AwardRow,
    ContractRow,
    lead_company,
)


class RankSuppliers(_Scope):
    """Parameters of ``rank_suppliers``."""

    by: Annotated[
        Literal["count", "amount"],
        msgspec.Meta(description="순위 기준 / rank by number of wins/contracts (count) or their amount"),
    ] = "count"
    top: Top = 20
    sample: Sample = 0


class SupplierRanking(msgspec.Struct, kw_only=True):
    """Suppliers ranked by how often and how much they won (or contracted)."""

    source: Annotated[str, msgspec.Meta(description="awards or contracts")]
    kinds: Annotated[list[str], msgspec.Meta(description="업무구분 covered")]
    start_date: Annotated[dt.date, msgspec.Meta(description="from (inclusive): 개찰일 or 계약체결일")]
    end_date: Annotated[dt.date, msgspec.Meta(description="to (inclusive)")]
    by: Annotated[str, msgspec.Meta(description="count or amount")]
    suppliers: Annotated[
        list[GroupRow],
        msgspec.Meta(
            description="key: 사업자등록번호 (or the name when none is given), label: company name, "
            "value: the amounts (KRW) of its awards/contracts"
        ),
    ]
    suppliers_total: Annotated[int, msgspec.Meta(description="distinct suppliers in all")] = 0
    amount: Annotated[NumberSummary, msgspec.Meta(description="amounts of every award/contract read")]
    scan: Annotated[ScanReport, msgspec.Meta(description="what was read, and whether it was all")]
    sample: Annotated[list[dict[str, Any]], msgspec.Meta(description="a few raw rows, when asked")] = (
        msgspec.field(default_factory=list)
    )

    def summary_text(self, tool: str) -> str:
        lines = [
            _scan_text(self.scan),
            f"{tool}: {self.source} ({', '.join(self.kinds)}) {self.start_date}–{self.end_date}; "
            f"{self.suppliers_total:,} suppliers, total {self.amount.sum or 0:,.0f} KRW; top by {self.by}:",
        ]
        lines += _group_lines(self.suppliers, with_quartiles=False)
        return "\n".join(lines)


def _supplier_of_award(row: AwardRow) -> tuple[str, str]:
    key = row.winner_bizno.replace("-", "") or row.winner or "(미상 / unknown)"
    return key, row.winner


@tool(
    name="rank_suppliers",
    title=("상위 낙찰·계약 업체", "Top suppliers by wins or contracts"),
    description=(
        "기간·수요기관·키워드에 해당하는 낙찰(awards) 또는 "
        "계약(contracts)을 서버에서 모두 읽어 업체별 건수와 "
        "금액 합계로 순위를 매깁니다(행은 돌려주지 않음). "
        "낙찰은 최종낙찰업체, 계약은 대표 계약업체로 셉니다. "
        "'이 기관에 가장 많이 납품한 업체', '올해 CCTV 낙찰 "
        "상위 업체'에 씁니다. 기본값: 낙찰, 물품·공사·용역, "
        "오늘까지 최근 90일, 건수순 상위 20. "
        '예: {"source": "contracts", "agency": "조달청", "by": "amount", "kinds": ["용역"]}',
        "Reads every award (`awards`) or contract (`contracts`) of a period, agency and keyword on "
        "the server and ranks suppliers by count and total amount, without returning the rows: "
        "awards count the final winner, contracts the lead contractor. Use it for 'who sells most to "
        "this agency' or 'top CCTV winners this year'. Defaults: awards, kinds 물품/공사/용역, the "
        "last 90 days up to today (KST), ranked by count, top 20. "
        'Example: {"source": "contracts", "agency": "조달청", "by": "amount", "kinds": ["용역"]}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def rank_suppliers(ctx: Context, p: RankSuppliers) -> SupplierRanking:
    """One scan per kind; a running count and sum per supplier."""
    start, end = p.dates_or_last(90, today=_today())
    groups = Groups(keep_values=False)
    amounts = Numbers()
    sample: list[dict[str, Any]] = []

    def on_award(row: AwardRow, kind: str) -> None:
        key, name = _supplier_of_award(row)
        groups.add(key, row.amount, name)
        amounts.add(row.amount)
        if len(sample) < p.sample:
            sample.append({"kind": kind, **msgspec.to_builtins(row)})

    def on_contract(row: ContractRow, kind: str) -> None:
        bizno, name = lead_company(row.companies)
        groups.add(bizno or name or "(미상 / unknown)", row.amount, name)
        amounts.add(row.amount)
        if len(sample) < p.sample:
            sample.append({"kind": kind, **msgspec.to_builtins(row)})

    scan = await _scan_scope(ctx, p, (start, end), on_award, on_contract)
    return SupplierRanking(
        source=_scope_source(p),
        kinds=[KIND_LABELS[s] for s in _suffixes(list(p.kinds))],
        start_date=start,
        end_date=end,
        by=p.by,
        suppliers=groups.table(by="sum" if p.by == "amount" else "count", top=p.top),
        suppliers_total=len(groups.groups),
        amount=amounts.summary(),
        scan=scan,
        sample=sample,
    )


# -- award-rate distribution ---------------------------------------------------------------------------
