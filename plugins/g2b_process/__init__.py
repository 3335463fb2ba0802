"""계약과정통합공개 — one procurement followed end to end, from 조달청's CntrctProcssIntgOpenService.

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one,
built only on ``naramarket.kernel`` and ``naramarket.datago``.

- ``get_procurement_process``: given any one number the caller has — 입찰공고번호, 조달요청번호,
  사전규격등록번호, 발주계획번호 or 통합계약번호 (its kind read from its shape, or told with
  ``number_kind``) — the procurement it belongs to, stage by stage: 발주계획 → 조달요청 → 사전규격 →
  입찰공고 → 개찰 → 낙찰 → 계약, each with its key facts, and the stages not (yet) there. The four
  operations of the integrated service (one per 업무구분) are built for exactly this; a contract
  number, which they do not take, is first looked up in 계약정보서비스 for its notice/request number.
  Details the integrated service lacks (every bidder of the opening, the request's own record) are
  named in ``notes`` and left to the tools that have them, not fetched here.

An unknown number is ``not_found`` (HTTP 404), as for get_bid_notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Final, Literal, TypeVar

import anyio
import msgspec

from naramarket.datago import CLIENT, Client, Record, UpstreamError
from naramarket.datago.g2b import KST, G2bOperation
from naramarket.kernel import Context, NotFound, Params, Register, hookimpl, tool

from .numbers import KIND_NAMES, NumberKind, NumberKindLabel, resolve
from .records import (
    CONTRACT_LOOKUP,
    KIND_LABELS,
    KIND_ORDER,
    KINDS,
    OPERATIONS,
    PROCESS,
    ContractRow,
    ProcessRow,
)
from .result import ContractLink, ProcurementProcess
from .stages import (
    ContractEntry,
    NoticeStage,
    OpeningStage,
    OrderPlanStage,
    PrespecStage,
    ProcessTrack,
    RequestStage,
    Winner,
    track_of,
    track_of_contract,
)

__all__ = [
    "OPERATIONS",
    "ContractEntry",
    "ContractLink",
    "GetProcurementProcess",
    "NoticeStage",
    "OpeningStage",
    "OrderPlanStage",
    "PrespecStage",
    "ProcessNotFound",
    "ProcessTrack",
    "ProcurementProcess",
    "RequestStage",
    "Winner",
    "get_procurement_process",
]

R = TypeVar("R", bound=Record)

Kind = Literal["물품", "공사", "용역", "외자", "goods", "works", "services", "foreign"]
ROWS: Final = 100  # rows of one number: its notice rounds (a handful), far below this
# The integrated service's 조회구분 (inqryDiv) and the parameter that takes the number, per kind.
INQUIRY: Final[dict[NumberKind, tuple[str, str]]] = {
    "notice": ("1", "bidNtceNo"),
    "prespec": ("2", "bfSpecRgstNo"),
    "order_plan": ("3", "orderPlanNo"),
    "request": ("4", "prcrmntReqNo"),
}
NOTES: Final = (
    "opening: this service gives only the winning opening's 개찰일시 and 참가업체수; every bidder's rank "
    "and price: get_opening_results",
    "request: this service gives only the 조달요청번호 of the request",
)
_EPOCH = dt.datetime(1900, 1, 1, tzinfo=KST)


class ProcessNotFound(NotFound):
    """No procurement of that number in the kinds asked."""


class GetProcurementProcess(Params):
    """Parameters of ``get_procurement_process``: one number, and what it is if its shape doesn't say."""

    number: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^[0-9A-Za-z][0-9A-Za-z-]{3,39}$",
            description="번호 / any one number of the procurement: 입찰공고번호 (R25BK…, optionally "
            "-000 round), 조달요청번호 (R25DC…), 사전규격등록번호 (R25BD…), 발주계획번호 (R25DD…) or "
            "통합계약번호 (R25TA…); older all-digit numbers too",
        ),
    ]
    number_kind: Annotated[
        NumberKindLabel | None,
        msgspec.Meta(
            description="번호 종류 / what the number is: notice (입찰공고), request (조달요청), prespec "
            "(사전규격), order_plan (발주계획), contract (계약); default: read from the number's shape"
        ),
    ] = None
    kind: Annotated[
        Kind | None,
        msgspec.Meta(
            description="업무구분 / kind: 물품, 공사, 용역, 외자 (or goods, works, services, foreign); "
            "default: every kind is asked and the first that knows the number answers"
        ),
    ] = None
    round: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{1,3}$")] | None,
        msgspec.Meta(description="입찰공고차수 / notice round, e.g. 000 (notice numbers only); default: all"),
    ] = None

    def __post_init__(self) -> None:
        resolved = resolve(self.number, self.number_kind)  # ValueError -> invalid_params
        if self.round is not None and resolved.kind != "notice":
            raise ValueError("round: a round belongs to a notice number (입찰공고번호) only")
        if self.round is not None and resolved.round is not None and self.round != resolved.round:
            raise ValueError(f"round: the number says round {resolved.round}, round says {self.round}")


# -- lookups ------------------------------------------------------------------------------------------


async def _first_kind(
    client: Client,
    ops: Mapping[str, G2bOperation[R]],
    kinds: tuple[str, ...],
    params: Mapping[str, str],
    budget: float,
) -> tuple[str, list[R], bool] | None:
    """The first kind (in ``kinds`` order) with rows for ``params``, and whether they are all; None if none.

    Kinds are asked concurrently. When none has rows and some failed, the failure is raised: the
    number may exist in a kind that could not answer.
    """
    found: dict[str, list[R]] = {}
    complete: dict[str, bool] = {}
    errors: list[UpstreamError] = []

    async def ask(kind: str) -> None:
        try:
            listing = await client.collect(ops[kind], params, limit=ROWS, page_size=100, budget=budget)
        except UpstreamError as exc:
            errors.append(exc)
            return
        found[kind] = listing.items
        complete[kind] = listing.complete

    async with anyio.create_task_group() as group:
        for kind in kinds:
            group.start_soon(ask, kind)
    for kind in kinds:
        if found.get(kind):
            return kind, found[kind], complete[kind]
    if errors:
        raise errors[0]
    return None


def _process_params(number_kind: NumberKind, number: str, round_: str | None) -> dict[str, str]:
    inquiry, param = INQUIRY[number_kind]
    params = {"inqryDiv": inquiry, param: number}
    if round_ is not None:
        params["bidNtceOrd"] = round_
    return params


def _same_round(a: str, b: str) -> bool:
    return a.lstrip("0") == b.lstrip("0")


def _relevant(
    rows: list[ProcessRow], number_kind: NumberKind, number: str, round_: str | None
) -> list[ProcessRow]:
    """The rows of the number asked (when the gateway echoes it), of the round asked."""

    def echo(r: ProcessRow) -> str:
        if number_kind == "notice":
            return r.notice_no
        if number_kind == "prespec":
            return r.prespec_no
        if number_kind == "request":
            return r.request_no
        return r.order_plan_no or r.order_plan_unified_no

    rows = [r for r in rows if echo(r).upper() == number] or rows
    if round_ is not None:
        rows = [r for r in rows if not r.notice_round or _same_round(r.notice_round, round_)] or rows
    return rows


def _tracks(rows: list[ProcessRow], kind: str) -> list[ProcessTrack]:
    ordered = sorted(
        rows,
        key=lambda r: (r.notice_posted_at or _EPOCH, r.notice_round.zfill(3)),
        reverse=True,
    )
    return [track_of(r, KIND_LABELS[kind]) for r in ordered]


@tool(
    name="get_procurement_process",
    title=("조달 진행과정 통합조회", "Follow one procurement end to end"),
    description=(
        "★ 조달 하나를 처음부터 끝까지 따라갑니다: 가진 번호 하나(입찰공고번호, 조달요청번호, "
        "사전규격등록번호, 발주계획번호, 통합계약번호)로 발주계획 → 조달요청 → 사전규격 → 입찰공고 → 개찰 → "
        "낙찰 → 계약의 각 단계(번호, 일시, 기관, 금액, 낙찰업체)와 아직 없는 단계(missing)를 한 번에 "
        "돌려줍니다. '이 공고 어떻게 됐어? 개찰·낙찰·계약까지 갔어?'에 씁니다. 번호 종류는 모양(R25BK… "
        "공고, R25DC… 요청, R25BD… 사전규격, R25DD… 발주계획, R25TA… 계약)으로 알아내며, 모양으로 알 수 "
        "없으면 number_kind를 줍니다. 기본값: 업무구분(kind)을 주지 않으면 물품→공사→용역→외자 순으로 "
        "물어 번호를 아는 첫 업무구분을 쓰고, 공고의 모든 차수를 최신 공고부터 보여줍니다. 계약번호는 "
        "계약정보에서 공고·요청번호를 찾아 따라갑니다. 없는 번호는 not_found. 개찰 참가업체별 순위는 "
        "get_opening_results, 공고 상세는 get_bid_notice, 계약 상세는 get_contract. "
        '예: {"number": "R25BK00934850"}',
        "★ Follow one procurement end to end: from any one number you have (bid notice, procurement "
        "request, pre-spec, order plan or unified contract number) get order plan → request → pre-spec "
        "→ notice → opening → award → contract in one answer, each stage with its key facts (numbers, "
        "dates, agencies, amounts, winner) and the stages not (yet) there in `missing`. Use it for "
        "'what happened to this notice — opened, awarded, contracted?'. The number's kind is read "
        "from its shape (R25BK… notice, R25DC… request, R25BD… pre-spec, R25DD… order plan, R25TA… "
        "contract); give `number_kind` when the shape cannot tell. Defaults: without `kind` the kinds "
        "are asked 물품, 공사, 용역, 외자 and the first that knows the number answers; every round of a "
        "notice is shown, latest notice first. A contract number is followed through the notice or "
        "request it came from (looked up in 계약정보). An unknown number is `not_found`. Every bidder "
        "of an opening: get_opening_results; notice details: get_bid_notice; contract details: "
        'get_contract. Example: {"number": "R25BK00934850"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def get_procurement_process(ctx: Context, p: GetProcurementProcess) -> ProcurementProcess:
    """Resolve the number's kind, ask the integrated service (after a contract lookup if need be)."""
    client = ctx.resources[CLIENT]
    resolved = resolve(p.number, p.number_kind)
    number, number_kind = resolved.number, resolved.kind
    round_ = p.round if p.round is not None else resolved.round
    kinds = (KINDS[p.kind],) if p.kind is not None else KIND_ORDER
    labels = [KIND_LABELS[k] for k in kinds]
    notes: list[str] = []
    link: ContractLink | None = None
    await ctx.progress(0, 2, f"looking up {number}")

    if number_kind == "contract":
        kind, link, tracks = await _follow_contract(ctx, client, number, kinds, notes)
    else:
        params = _process_params(number_kind, number, round_)
        found = await _first_kind(client, PROCESS, kinds, params, ctx.time_left())
        if found is None:
            raise ProcessNotFound(
                f"number: no procurement with {KIND_NAMES[number_kind]} {number} in {', '.join(labels)} "
                "(진행과정을 찾지 못했습니다)"
            )
        kind, rows, complete = found
        if not complete:
            notes.append(_INCOMPLETE)
        tracks = _tracks(_relevant(rows, number_kind, number, round_), kind)
    await ctx.progress(2, 2, "done")
    return ProcurementProcess(
        number=number,
        number_kind=number_kind,
        kind=KIND_LABELS[kind],
        processes=tracks,
        via_contract=link,
        kinds_asked=labels,
        notes=[*notes, *NOTES],
        sandbox=client.sandbox,
    )


_INCOMPLETE = f"more rows than the first {ROWS}: only those are shown"


async def _follow_contract(
    ctx: Context,
    client: Client,
    number: str,
    kinds: tuple[str, ...],
    notes: list[str],
) -> tuple[str, ContractLink, list[ProcessTrack]]:
    """A contract number: its 계약정보 row, then the integrated process of its notice (or request).

    When there is nothing to follow, the contract's own row is the one track (``notes`` say why).
    """
    lookup = {"inqryDiv": "2", "untyCntrctNo": number}
    found = await _first_kind(client, CONTRACT_LOOKUP, kinds, lookup, ctx.time_left())
    if found is None:
        asked = ", ".join(KIND_LABELS[k] for k in kinds)
        raise ProcessNotFound(f"number: no contract {number} in {asked} (통합계약번호를 찾지 못했습니다)")
    kind, contract_rows, _ = found
    contract = _latest([r for r in contract_rows if r.contract_no.upper() == number] or contract_rows)
    notice_no, _, notice_round = contract.notice_no.partition("-")
    link = ContractLink(
        contract_no=contract.contract_no or number,
        confirmed_no=contract.confirmed_no,
        title=contract.title,
        notice_no=notice_no,
        request_no=contract.request_no,
    )
    alone = [track_of_contract(contract, KIND_LABELS[kind])]
    if notice_no:
        followed, params = f"notice {notice_no}", _process_params("notice", notice_no, notice_round or None)
    elif contract.request_no:
        followed, params = (
            f"request {contract.request_no}",
            _process_params("request", contract.request_no, None),
        )
    else:
        notes.append("contract: it names no notice or request to follow; shown from its own record")
        return kind, link, alone
    await ctx.progress(1, 2, f"{KIND_LABELS[kind]} contract {number}: following its {followed}")
    # The call's one budget, whatever the contract lookup left of it.
    rows, complete = await _rows(client, PROCESS[kind], params, max(1.0, ctx.time_left()))
    if not rows:
        notes.append(
            f"contract: the integrated service has no process for its {followed}; shown from its own record"
        )
        return kind, link, alone
    if not complete:
        notes.append(_INCOMPLETE)
    tracks = _tracks(rows, kind)
    listed = {c.contract_no.upper() for t in tracks for c in t.contracts}
    if not listed & {number, contract.confirmed_no.upper()}:
        notes.append(
            f"contract: {number} is not (yet) in the 계약정보목록 of its {followed}; get_contract has it"
        )
    return kind, link, tracks


def _latest(rows: list[ContractRow]) -> ContractRow:
    """Several rows of one contract number are its versions: the last change is the contract as it stands."""
    return max(rows, key=lambda r: r.changed_at or _EPOCH)


async def _rows(
    client: Client, op: G2bOperation[R], params: Mapping[str, str], budget: float
) -> tuple[list[R], bool]:
    listing = await client.collect(op, params, limit=ROWS, page_size=100, budget=budget)
    return list(listing.items), listing.complete


@hookimpl
def register_tools(register: Register) -> None:
    """Register the integrated-process tool."""
    register(get_procurement_process)
