"""``get_bid_notice``: one bid notice by number, with everything the service tells about it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import anyio
import msgspec

from naramarket.datago import CLIENT, SANDBOX_MARK, Client, Record, UpstreamError
from naramarket.datago.g2b import KST, G2bOperation
from naramarket.kernel import Context, NotFound, Params, tool

from .operations import ATTACHMENTS, KINDS, LICENSE_LIMITS, REGIONS, Kind, KindLabel, kind_of
from .records import (
    Attachment,
    BaseAmount,
    BidNoticeDetail,
    EligibleRegion,
    LicenseLimit,
    NoticeChange,
    OrderAttachment,
    PurchaseItem,
)

__all__ = ["BidNoticeDetails", "GetBidNotice", "NoticeNotFound", "get_bid_notice"]

R = TypeVar("R", bound=Record)

_EPOCH = dt.datetime(1900, 1, 1, tzinfo=KST)
DETAIL_ROWS = 500  # rows of one detail list (licences, items, changes): far above any real notice


class NoticeNotFound(NotFound):
    """No notice of that number (and round) in the operations asked."""


class GetBidNotice(Params):
    """Parameters of ``get_bid_notice``: a notice number, optionally its round and kind."""

    notice_no: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^[A-Za-z0-9-]{6,40}$",
            description="입찰공고번호 / bid notice no., e.g. R25BK00934850 (from search_bid_notices)",
        ),
    ]
    round: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{1,3}$")] | None,
        msgspec.Meta(description="입찰공고차수 / notice round, e.g. 000; default: the latest round"),
    ] = None
    kind: Annotated[
        KindLabel | None,
        msgspec.Meta(
            description="업무구분 / kind: 물품, 공사, 용역, 외자, 기타 (or goods, works, services, foreign, "
            "other); default: every kind is asked and the first that knows the number answers"
        ),
    ] = None


class BidNoticeDetails(msgspec.Struct, kw_only=True):
    """One bid notice round and what the service lists about it."""

    kind: Annotated[str, msgspec.Meta(description="업무구분 / kind: 물품, 공사, 용역, 외자 or 기타")]
    notice: Annotated[BidNoticeDetail, msgspec.Meta(description="공고 / the notice (the round asked)")]
    rounds: Annotated[
        list[str], msgspec.Meta(description="입찰공고차수 / every round of this number the gateway has")
    ]
    status: Annotated[
        str, msgspec.Meta(description="공고종류 / 등록공고, 변경공고, 취소공고 or 재공고 (ntceKindNm)")
    ]
    cancelled: Annotated[bool, msgspec.Meta(description="취소 / true when this round is a 취소공고")]
    re_notice: Annotated[bool, msgspec.Meta(description="재공고 / true when this round is a re-notice")]
    base_amounts: Annotated[
        list[BaseAmount],
        msgspec.Meta(
            description="기초금액 / base amounts, one per bid lot (물품·공사·용역; empty until disclosed)"
        ),
    ]
    license_limits: Annotated[
        list[LicenseLimit],
        msgspec.Meta(
            description="면허제한 / licences required (rows of a group all apply; groups are alternatives)"
        ),
    ]
    eligible_regions: Annotated[
        list[EligibleRegion], msgspec.Meta(description="참가가능지역 / regions whose companies may bid")
    ]
    purchase_items: Annotated[
        list[PurchaseItem], msgspec.Meta(description="구매대상물품 / items bought (물품·용역·외자)")
    ]
    attachments: Annotated[
        list[Attachment],
        msgspec.Meta(description="첨부파일 / documents: 공고규격서, 표준공고서, e발주 files"),
    ]
    changes: Annotated[
        list[NoticeChange],
        msgspec.Meta(description="변경이력 / change history of every round (물품·공사·용역)"),
    ]
    not_available: Annotated[
        list[str],
        msgspec.Meta(
            description="없는 정보 / parts the service has no operation for with this kind, or that could "
            "not be fetched (with why); every other list is complete"
        ),
    ] = msgspec.field(default_factory=list)
    sandbox: Annotated[
        bool, msgspec.Meta(description="true when this is the built-in sandbox's fake data")
    ] = False

    def summary_text(self, tool: str) -> str:
        """A few lines for a model; every field is in the structured content."""
        n = self.notice
        head = f"{tool}: {self.kind} {n.notice_no}-{n.round} {n.title!r} ({self.status or 'status unknown'})"
        if self.sandbox:
            head = SANDBOX_MARK + head
        price = f"{n.estimated_price:,} KRW" if n.estimated_price is not None else "-"
        base = ", ".join(f"{b.base_amount:,}" for b in self.base_amounts if b.base_amount is not None) or "-"
        lines = [
            head,
            f"agency {n.agency} / demand {n.demand_agency}; estimated price {price}; base amount {base}",
            f"posted {_iso(n.posted_at)}; bids close {_iso(n.bid_close_at)}; opening {_iso(n.opening_at)}",
            f"rounds {', '.join(self.rounds)}; licences {len(self.license_limits)}; regions "
            f"{', '.join(r.region for r in self.eligible_regions) or '-'}; items {len(self.purchase_items)}; "
            f"documents {len(self.attachments)}; changes {len(self.changes)}",
        ]
        if self.not_available:
            lines.append("Not available: " + "; ".join(self.not_available))
        lines.append("Every field is in the structured content.")
        return "\n".join(lines)


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else "-"


def _round(value: str) -> str:
    return value.zfill(3) if value.isdigit() else value


async def _rows(
    client: Client,
    op: G2bOperation[R],
    params: Mapping[str, str],
    budget: float,
    problems: list[str],
) -> list[R]:
    """Every row of ``op`` for ``params`` (no dates); a failure is noted in ``problems``, not raised."""
    try:
        listing = await client.collect(op, params, limit=DETAIL_ROWS, page_size=100, budget=budget)
    except UpstreamError as exc:
        problems.append(f"{op.name}: {exc.detail}")
        return []
    if not listing.complete:
        problems.append(f"{op.name}: incomplete ({listing.reason}); {len(listing.items)} rows shown")
    return listing.items


async def _find(
    client: Client, kinds: list[Kind], number: str, budget: float
) -> tuple[Kind, list[BidNoticeDetail]]:
    """The first kind (in the given order) whose notice operation knows ``number``, and its rows."""
    found: dict[str, list[BidNoticeDetail]] = {}
    errors: dict[str, UpstreamError] = {}

    async def ask(kind: Kind) -> None:
        try:
            listing = await client.collect(
                kind.notice, {"inqryDiv": "2", "bidNtceNo": number}, limit=DETAIL_ROWS, budget=budget
            )
        except UpstreamError as exc:
            errors[kind.key] = exc
            return
        found[kind.key] = [r for r in listing.items if r.notice_no == number]

    async with anyio.create_task_group() as group:
        for kind in kinds:
            group.start_soon(ask, kind)
    for kind in kinds:
        if found.get(kind.key):
            return kind, found[kind.key]
    if len(errors) == len(kinds):  # nobody answered: the upstream's problem, not "no such notice"
        raise next(iter(errors.values()))
    asked = ", ".join(k.label for k in kinds)
    raise NoticeNotFound(f"notice_no: no bid notice {number} in {asked} (입찰공고번호를 찾지 못했습니다)")


@tool(
    name="get_bid_notice",
    title=("입찰공고 상세", "Bid notice details"),
    description=(
        "입찰공고 하나를 번호로 조회해 상세를 한 번에 돌려줍니다: 공고 내용, 기초금액, 면허제한, "
        "참가가능지역, 구매대상물품, 첨부파일(공고규격서·e발주), 변경이력, 재공고·취소 여부와 차수 목록. "
        "search_bid_notices로 찾은 공고를 자세히 볼 때 씁니다. 기본값: 최신 차수, 업무구분(kind)을 "
        "주지 않으면 모든 업무구분에 물어 번호를 아는 첫 업무구분(물품→공사→용역→외자→기타)을 씁니다. "
        "업무구분에 없는 정보는 not_available에 적습니다. "
        '예: {"notice_no": "R25BK00934850", "kind": "물품"}',
        "One bid notice by number with its details in one answer: the notice, base amount (기초금액), "
        "licence limits, eligible regions, purchased items, documents (공고규격서, e-ordering files), "
        "change history, re-notice/cancellation status and its rounds. Use it on a notice found with "
        "search_bid_notices. Defaults: the latest round; without `kind` every kind is asked and the "
        "first that knows the number answers (물품, 공사, 용역, 외자, 기타). Parts the service has no "
        "operation for with that kind are named in `not_available`. "
        'Example: {"notice_no": "R25BK00934850", "kind": "물품"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def get_bid_notice(ctx: Context, p: GetBidNotice) -> BidNoticeDetails:
    """The notice round asked (or the latest) and its detail lists, fetched concurrently."""
    client = ctx.resources[CLIENT]
    number = p.notice_no.strip()
    kinds = [kind_of(p.kind)] if p.kind is not None else list(KINDS.values())
    await ctx.progress(0, 2, f"looking up {number}")
    kind, rows = await _find(client, kinds, number, ctx.time_left())
    rounds = sorted({_round(r.round) for r in rows if r.round})
    wanted = _round(p.round) if p.round is not None else (rounds[-1] if rounds else None)
    chosen = [r for r in rows if _round(r.round) == wanted] if wanted is not None else rows
    if not chosen:
        raise NoticeNotFound(
            f"round: notice {number} has no round {wanted}; it has {', '.join(rounds) or 'none'}"
        )
    notice = max(chosen, key=lambda r: r.changed_at or r.registered_at or _EPOCH)  # the last state
    await ctx.progress(1, 2, f"{kind.label} {number}-{wanted}: fetching details")

    budget = max(1.0, ctx.time_left())  # the call's one budget, whatever the lookup left
    problems: list[str] = []
    by_number = {"inqryDiv": "2", "bidNtceNo": number}
    by_round = {**by_number, "bidNtceOrd": wanted} if wanted else by_number
    results: dict[str, list[Any]] = {}

    async def fetch(key: str, op: G2bOperation[Any] | None, params: dict[str, str], what: str) -> None:
        if op is None:
            problems.append(f"{what}: no operation for {kind.label} ({kind.key}) notices")
            results[key] = []
            return
        results[key] = await _rows(client, op, params, budget, problems)

    async with anyio.create_task_group() as group:
        group.start_soon(fetch, "base", kind.base_amount, by_number, "기초금액 / base amount")
        group.start_soon(fetch, "licenses", LICENSE_LIMITS, by_round, "면허제한 / licence limits")
        group.start_soon(fetch, "regions", REGIONS, by_round, "참가가능지역 / eligible regions")
        group.start_soon(fetch, "items", kind.purchase_items, by_round, "구매대상물품 / purchased items")
        group.start_soon(fetch, "files", ATTACHMENTS, by_number, "e발주 첨부파일 / e-ordering files")
        group.start_soon(fetch, "changes", kind.changes, by_number, "변경이력 / change history")

    def this_round(records: list[Any]) -> list[Any]:
        return [r for r in records if not r.round or _round(r.round) == wanted]

    files: list[OrderAttachment] = this_round(results["files"])
    status = notice.notice_status
    await ctx.progress(2, 2, "done")
    return BidNoticeDetails(
        kind=kind.label,
        notice=notice,
        rounds=rounds,
        status=status,
        cancelled="취소" in status,
        re_notice=bool(notice.re_notice) or "재공고" in status,
        base_amounts=this_round(results["base"]),
        license_limits=this_round(results["licenses"]),
        eligible_regions=this_round(results["regions"]),
        purchase_items=this_round(results["items"]),
        attachments=_attachments(notice, files),
        changes=results["changes"],
        not_available=problems,
        sandbox=client.sandbox,
    )


def _attachments(notice: BidNoticeDetail, files: list[OrderAttachment]) -> list[Attachment]:
    documents = [Attachment(name=name, url=url, source="공고규격서") for name, url in notice.spec_documents()]
    if notice.standard_notice_url:
        documents.append(Attachment(name="표준공고서", url=notice.standard_notice_url, source="표준공고서"))
    for f in sorted(files, key=lambda f: int(f.seq) if f.seq.isdigit() else 0):
        source = f"e발주 {f.document_kind}".strip()
        documents.append(Attachment(name=f.file_name, url=f.url, source=source))
    return documents
