"""``get_opening_results``: the opening (개찰) of one notice, gathered from six operations.

1. The opening summary of the notice's kind (``getOpengResultListInfo{kind}``, inqryDiv 4); without
   a kind all four are asked and the first that knows the notice gives it. Its latest round is
   the round asked about unless the caller names one.
2. Then, side by side: every bidder (``…OpengCompt``), 유찰 (``…Failing``) and 재입찰 (``…Rebid``) of
   that round, the final winner (``getScsbidListSttus{kind}``, inqryDiv 4) and the multiple
   reserve prices (``…{kind}PreparPcDetail``, inqryDiv 2).

A part the gateway fails to give is named in ``missing`` and the rest is still answered; only when
every part fails does the call fail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

import anyio
import msgspec

from naramarket.datago import CLIENT, Client, KstDateTime, Listing, Operation, Record
from naramarket.kernel import Context, Params, UpstreamError, tool

from .operations import (
    AWARDS_BY_NOTICE,
    BIDDERS,
    FAILURES,
    KIND_LABEL,
    KINDS,
    OPENINGS,
    REBIDS,
    RESERVE_PRICES,
    Kind,
)
from .records import Award, Bidder, Failure, Opening, Rebid, ReservePrice

__all__ = ["GetOpeningResults", "OpeningResult", "get_opening_results", "opening_params"]

R = TypeVar("R", bound=Record)
KindLabel = Literal["물품", "공사", "용역", "외자"]
_LABELS: dict[str, KindLabel] = {"물품": "물품", "공사": "공사", "용역": "용역", "외자": "외자"}

DEFAULT_BIDDERS = 100
MAX_BIDDERS = 1000
_SMALL = 100  # rows of a part that is a handful per notice (유찰, 재입찰, 예비가격, 낙찰)


class GetOpeningResults(Params):
    """Parameters of ``get_opening_results``: a notice number, optionally its round and kind."""

    notice_no: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^\s*[0-9A-Za-z-]{5,40}\s*$",
            description="입찰공고번호 / bid notice no., e.g. R25BK00000001 (as search_awards gives it)",
        ),
    ]
    notice_round: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{1,3}$")] | None,
        msgspec.Meta(description="입찰공고차수 / notice round, e.g. 000; default: the latest round"),
    ] = None
    kind: Annotated[
        Kind | None,
        msgspec.Meta(
            description="업무구분 / 물품, 공사, 용역 or 외자 (goods, works, services, foreign); saves "
            "calls when known, otherwise found out"
        ),
    ] = None
    max_bidders: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=MAX_BIDDERS,
            description=f"최대 투찰업체 수 / at most this many bidders, best ranks first (default "
            f"{DEFAULT_BIDDERS}, at most {MAX_BIDDERS}); `bidders_total` tells how many bid",
        ),
    ] = DEFAULT_BIDDERS

    def __post_init__(self) -> None:
        self.notice_no = self.notice_no.strip().upper()
        if self.notice_round is not None:
            self.notice_round = self.notice_round.zfill(3)


class OpeningResult(msgspec.Struct, kw_only=True):
    """The opening of one notice round: status, winner, every bidder, 유찰/재입찰, reserve prices."""

    notice_no: Annotated[str, msgspec.Meta(description="입찰공고번호 / bid notice no.")]
    notice_round: Annotated[
        str | None, msgspec.Meta(description="입찰공고차수 / the round shown (the latest unless asked)")
    ] = None
    kind: Annotated[
        KindLabel | None, msgspec.Meta(description="업무구분 / 물품, 공사, 용역 or 외자; null if unknown")
    ] = None
    found: Annotated[
        bool, msgspec.Meta(description="false when the gateway knows no opening of this notice (yet)")
    ] = False
    status: Annotated[
        str,
        msgspec.Meta(description="진행상황 / e.g. 개찰완료, 유찰, 재입찰; '' when nothing was found"),
    ] = ""
    title: Annotated[str, msgspec.Meta(description="입찰공고명 / notice title")] = ""
    notice_agency: Annotated[str, msgspec.Meta(description="공고기관명 / notice agency")] = ""
    demand_agency: Annotated[str, msgspec.Meta(description="수요기관명 / demand agency (buyer)")] = ""
    opened_at: Annotated[KstDateTime | None, msgspec.Meta(description="개찰일시 / opening (KST)")] = None
    participants: Annotated[int | None, msgspec.Meta(description="참가업체수 / bidders")] = None
    award: Annotated[
        Award | None, msgspec.Meta(description="최종낙찰자 / the final winner, when awarded")
    ] = None
    planned_price: Annotated[int | None, msgspec.Meta(description="예정가격 / planned price, KRW")] = None
    base_amount: Annotated[int | None, msgspec.Meta(description="기초금액 / base amount, KRW")] = None
    drawn_reserve_prices: Annotated[
        list[int], msgspec.Meta(description="추첨된 예비가격 / the drawn reserve prices, KRW")
    ] = msgspec.field(default_factory=list)
    bidders: Annotated[
        list[Bidder], msgspec.Meta(description="개찰완료 목록 / bidders by rank (at most max_bidders)")
    ] = msgspec.field(default_factory=list)
    bidders_total: Annotated[
        int, msgspec.Meta(description="투찰업체 총수 / bidders the gateway reported for this notice")
    ] = 0
    failures: Annotated[list[Failure], msgspec.Meta(description="유찰 목록 / failed bids, with reasons")] = (
        msgspec.field(default_factory=list)
    )
    rebids: Annotated[list[Rebid], msgspec.Meta(description="재입찰 목록 / re-bids, with reasons")] = (
        msgspec.field(default_factory=list)
    )
    reserve_prices: Annotated[
        list[ReservePrice],
        msgspec.Meta(description="복수예비가격 / the multiple reserve prices (usually 15), by number"),
    ] = msgspec.field(default_factory=list)
    openings: Annotated[
        list[Opening], msgspec.Meta(description="개찰결과 / opening rows of the round (per classification)")
    ] = msgspec.field(default_factory=list)
    complete: Annotated[bool, msgspec.Meta(description="true when every part was fetched in full")] = True
    missing: Annotated[
        list[str], msgspec.Meta(description="parts not fetched in full, and why (e.g. bidders: limit)")
    ] = msgspec.field(default_factory=list)
    sandbox: Annotated[
        bool, msgspec.Meta(description="true when this is the built-in sandbox's fake data")
    ] = False

    def summary_text(self, tool: str) -> str:
        """A few lines a model reads cheaply: status, winner, prices and the top bidders."""
        head = f"{tool}: {self.notice_no}"
        if self.notice_round:
            head += f" round {self.notice_round}"
        if self.kind:
            head += f" ({self.kind})"
        if not self.found:
            return head + ": no opening result found (not opened yet, or not a notice number)."
        lines = [f"{head}: {self.status or 'unknown status'}. {self.title}"]
        if self.opened_at:
            lines.append(f"Opened {self.opened_at.isoformat()}; {self.bidders_total} bidder(s).")
        if self.award is not None:
            a = self.award
            lines.append(f"Winner: {a.winner} ({a.winner_bizno}), {a.amount} KRW at {a.rate}%.")
        if self.planned_price is not None:
            lines.append(f"Planned price {self.planned_price} KRW, base amount {self.base_amount} KRW.")
        for f in self.failures:
            lines.append(f"유찰: {f.reason}")
        for r in self.rebids:
            lines.append(f"재입찰 {r.rebid_no}: {r.reason}")
        if self.bidders:
            lines += [
                "",
                "| rank | company | bizno | bid_amount | bid_rate | remark |",
                "|---|---|---|---|---|---|",
            ]
            for b in self.bidders[:10]:
                lines.append(
                    f"| {b.rank} | {b.company} | {b.bizno} | {b.bid_amount} | {b.bid_rate} | {b.remark} |"
                )
            if len(self.bidders) > 10:
                lines.append(f"... {len(self.bidders) - 10} more bidder(s) in the structured content.")
        if self.missing:
            lines.append("Not fetched in full: " + "; ".join(self.missing) + ".")
        lines.append("Every field is in the structured content.")
        return "\n".join(lines)


def opening_params(notice_no: str, round_: str | None = None) -> dict[str, dict[str, str | None]]:
    """The wire parameters of each part, by operation name family (``None`` values are left out)."""
    by_round = {"bidNtceNo": notice_no, "bidNtceOrd": round_}
    return {
        "openings": {"inqryDiv": "4", "bidNtceNo": notice_no},  # 4: 입찰공고번호
        "awards": {"inqryDiv": "4", "bidNtceNo": notice_no},
        "reserve_prices": {"inqryDiv": "2", "bidNtceNo": notice_no},  # 2: 입찰공고번호
        "bidders": by_round,
        "failures": by_round,
        "rebids": by_round,
    }


class _Parts:
    """The parts of one answer as they arrive, with what could not be fetched."""

    def __init__(self, client: Client, ctx: Context) -> None:
        self.client = client
        self.ctx = ctx  # its time budget is the call's
        self.missing: list[str] = []
        self.errors: list[UpstreamError] = []
        self.asked = 0

    async def fetch(
        self, part: str, op: Operation[R], params: dict[str, str | None], limit: int
    ) -> Listing[R] | None:
        self.asked += 1
        budget = max(0.1, self.ctx.time_left())
        try:
            listing = await self.client.collect(
                op, params, limit=limit, budget=budget, page_size=min(max(limit, 10), 999)
            )
        except UpstreamError as exc:
            self.errors.append(exc)
            self.missing.append(f"{part}: {exc.code} ({exc})")
            return None
        if not listing.complete:
            shown = f"{len(listing.items)} of {listing.total_count}"
            self.missing.append(f"{part}: {listing.reason} ({shown})")
        return listing


async def _together(calls: Sequence[Callable[[], Awaitable[Any]]]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    async def run(index: int, call: Callable[[], Awaitable[Any]]) -> None:
        results[index] = await call()

    async with anyio.create_task_group() as tg:
        for index, call in enumerate(calls):
            tg.start_soon(run, index, call)
    return results


def _items(listing: Listing[R] | None) -> list[R]:
    return list(listing.items) if listing is not None else []


def _latest_round(*groups: Sequence[Any]) -> str | None:
    rounds = [r.notice_round for g in groups for r in g if r.notice_round.isdigit()]
    return max(rounds, key=int) if rounds else None


def _of_round(rows: list[R], round_: str | None) -> list[R]:
    if round_ is None:
        return rows
    return [r for r in rows if getattr(r, "notice_round", "") in ("", round_)]


@tool(
    name="get_opening_results",
    title=("개찰결과 조회", "Opening results of a notice"),
    description=(
        "입찰공고 한 건의 개찰결과를 한 번에 조회합니다: 진행상황(개찰완료/유찰/재입찰), 최종낙찰자, "
        "모든 투찰업체의 순위·투찰금액·투찰률(개찰완료 목록), 유찰·재입찰 사유, 복수예비가격(15개)과 "
        "추첨된 예비가격·예정가격·기초금액. '공고 R25BK00000001은 누가 몇 %에 땄고 몇 곳이 들어왔나' "
        "같은 질문에 씁니다. 공고번호는 search_awards 결과의 notice_no를 쓰면 됩니다. 기본값: 최신 "
        f"차수, 업무구분은 자동 판별(알면 kind로 주면 호출이 줄어듭니다), 투찰업체 상위 {DEFAULT_BIDDERS}곳. "
        '예: {"notice_no": "R25BK00000001", "kind": "물품"}',
        "Everything about the opening of one bid notice in one answer: status (개찰완료 opened, 유찰 "
        "failed, 재입찰 re-bid), the final winner, every bidder's rank, bid amount and rate (개찰완료 "
        "목록), reasons for a failed bid or re-bid, and the multiple reserve prices (복수예비가격, "
        "usually 15) with the drawn ones, the planned price (예정가격) and base amount (기초금액). Use "
        "it for 'who won notice R25BK00000001, at what rate, against how many bidders'; take the "
        "number from search_awards' notice_no. Defaults: the latest round; the kind is found out "
        f"(give `kind` to save calls); the best {DEFAULT_BIDDERS} bidders by rank. "
        'Example: {"notice_no": "R25BK00000001", "kind": "물품"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def get_opening_results(ctx: Context, p: GetOpeningResults) -> OpeningResult:
    """One notice's opening, from the summary of its kind and five detail operations."""
    client = ctx.resources[CLIENT]
    parts = _Parts(client, ctx)
    wire = opening_params(p.notice_no)
    kinds = [KIND_LABEL[p.kind]] if p.kind else list(KINDS)

    summaries = await _together(
        [partial(parts.fetch, f"openings ({k})", OPENINGS[k], wire["openings"], _SMALL) for k in kinds]
    )
    found_kind = next((k for k, s in zip(kinds, summaries, strict=True) if _items(s)), None)
    kind = found_kind or (kinds[0] if p.kind else None)
    openings: list[Opening] = _items(summaries[kinds.index(kind)]) if kind else []
    if found_kind is not None:  # parts of the kinds that do not know the notice are not missing
        parts.missing = [m for m in parts.missing if m.startswith(f"openings ({found_kind})")]
    round_ = p.notice_round or _latest_round(openings)

    wire = opening_params(p.notice_no, round_)
    calls: list[Callable[[], Awaitable[Any]]] = [
        lambda: parts.fetch("bidders", BIDDERS, wire["bidders"], p.max_bidders),
        lambda: parts.fetch("failures", FAILURES, wire["failures"], _SMALL),
        lambda: parts.fetch("rebids", REBIDS, wire["rebids"], _SMALL),
    ]
    if kind is not None:
        calls += [
            lambda: parts.fetch("award", AWARDS_BY_NOTICE[kind], wire["awards"], _SMALL),
            lambda: parts.fetch("reserve_prices", RESERVE_PRICES[kind], wire["reserve_prices"], _SMALL),
        ]
    listings = await _together(calls)
    if parts.errors and len(parts.errors) == parts.asked:
        raise parts.errors[0]  # nothing could be fetched: the caller sees why
    bidders_listing: Listing[Bidder] | None = listings[0]
    bidders: list[Bidder] = _items(bidders_listing)
    failures: list[Failure] = _items(listings[1])
    rebids: list[Rebid] = _items(listings[2])
    awards: list[Award] = _items(listings[3]) if kind is not None else []
    reserve: list[ReservePrice] = _items(listings[4]) if kind is not None else []
    round_ = round_ or _latest_round(awards, reserve, bidders, failures, rebids)
    openings, awards, reserve = (
        _of_round(openings, round_),
        _of_round(awards, round_),
        _of_round(reserve, round_),
    )
    bidders, failures, rebids = (
        _of_round(bidders, round_),
        _of_round(failures, round_),
        _of_round(rebids, round_),
    )

    bidders.sort(key=lambda b: (b.rebid_no, b.classification_no, b.rank if b.rank is not None else 1 << 30))
    reserve.sort(key=lambda r: r.sequence if r.sequence is not None else 1 << 30)
    first = openings[0] if openings else None
    award = max(awards, key=lambda a: a.rebid_no) if awards else None
    priced = next((r for r in reserve if r.planned_price is not None), None)
    found = bool(openings or awards or bidders or failures or rebids or reserve)
    return OpeningResult(
        notice_no=p.notice_no,
        notice_round=round_,
        kind=_LABELS[kind] if found and kind else None,
        found=found,
        status=_status(first, failures, rebids, bidders, award) if found else "",
        title=next(
            (t for t in (first and first.title, award and award.title, priced and priced.title) if t), ""
        ),
        notice_agency=first.notice_agency if first else "",
        demand_agency=(first.demand_agency if first else "") or (award.demand_agency if award else ""),
        opened_at=(first.opened_at if first else None) or (award.opened_at if award else None),
        participants=(first.participants if first else None) or (award.participants if award else None),
        award=award,
        planned_price=priced.planned_price if priced else None,
        base_amount=priced.base_amount if priced else None,
        drawn_reserve_prices=[r.price for r in reserve if r.drawn and r.price is not None],
        bidders=bidders,
        bidders_total=bidders_listing.total_count if bidders_listing is not None else 0,
        failures=failures,
        rebids=rebids,
        reserve_prices=reserve,
        openings=openings,
        complete=not parts.missing,
        missing=parts.missing,
        sandbox=client.sandbox,
    )


def _status(
    first: Opening | None,
    failures: list[Failure],
    rebids: list[Rebid],
    bidders: list[Bidder],
    award: Award | None,
) -> str:
    if first is not None and first.status:
        return first.status
    if failures:
        return "유찰"
    if rebids:
        return "재입찰"
    if bidders or award is not None:
        return "개찰완료"
    return ""
