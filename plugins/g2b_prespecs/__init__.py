"""사전규격 — 나라장터 pre-specifications from 조달청's HrcspSsstndrdInfoService (20 operations).

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one,
built only on ``naramarket.kernel`` and ``naramarket.datago``.

Before a notice, an agency publishes the specification of what it plans to buy (사전규격) so
suppliers can comment (의견등록) for a few days.

- ``search_prespecs``: pre-specs received in a period, by kind (물품/공사/용역/외자), agency,
  demand agency, name, 세부품명번호 and SW사업 flag — the ``…PPSSrch`` (나라장터검색조건)
  operations, whose inqryDiv 1 filters 접수일시. ``open_for_comment`` keeps the ones whose
  의견등록마감일시 is still ahead (the gateway has no such filter: it is applied here).
- ``get_prespec``: one pre-spec by 사전규격등록번호 with its goods lines (물품상세목록, 물품·용역)
  and the public opinions and replies registered on it (규격서 의견). The per-item operations
  (``getThngDetailMetaInfo*``) and the per-agency ones (``getInsttAcctoThngListInfo*``) take no
  registration number and return the same row shape, so they add nothing to one pre-spec.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import anyio
import msgspec

from naramarket.datago import CLIENT, Listing, ListQuery, Record, collect, sandbox_mark
from naramarket.datago.g2b import KST, G2bOperation
from naramarket.kernel import Context, Params, Register, hookimpl, tool

from .records import (
    ALL_KINDS,
    KIND_LABELS,
    KINDS,
    LISTING,
    OPERATIONS,
    OPINIONS,
    SEARCH,
    Opinion,
    PreSpec,
)

__all__ = [
    "OPERATIONS",
    "GetPreSpec",
    "PreSpec",
    "PreSpecDetail",
    "SearchPreSpecs",
    "get_prespec",
    "search_prespecs",
]

Kind = Literal["물품", "공사", "용역", "외자", "goods", "works", "services", "foreign"]
DEFAULT_DAYS = 7
_NUMBER = r"^[0-9A-Za-z-]{1,40}$"
# Bounds sit on the str, the description on the whole optional field (outside anyOf).
Name200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
AgencyCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z]{1,7}$")]
DetailNo = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{8,10}$")]
Number = Annotated[str, msgspec.Meta(pattern=_NUMBER)]


class SearchPreSpecs(ListQuery):
    """Parameters of ``search_prespecs`` (dates are 접수일시, both or neither)."""

    kind: Annotated[
        Kind,
        msgspec.Meta(
            description="업무구분 / kind: 물품 (goods, default), 공사 (works), 용역 (services), "
            "외자 (foreign)"
        ),
    ] = "물품"
    keyword: Annotated[
        Name200 | None, msgspec.Meta(description="품명(사업명) / part of the project or product name")
    ] = None
    agency: Annotated[Name200 | None, msgspec.Meta(description="공고기관명 / part of the agency's name")] = (
        None
    )
    agency_code: Annotated[AgencyCode | None, msgspec.Meta(description="공고기관코드 / agency code")] = None
    demand_agency: Annotated[
        Name200 | None, msgspec.Meta(description="수요기관명 / part of the demand agency's name")
    ] = None
    demand_agency_code: Annotated[
        AgencyCode | None, msgspec.Meta(description="수요기관코드 / demand agency code")
    ] = None
    detail_category_no: Annotated[
        DetailNo | None,
        msgspec.Meta(description="세부품명번호 / detailed product classification no. (물품·용역 only)"),
    ] = None
    software: Annotated[
        bool | None,
        msgspec.Meta(description="SW사업대상 / only software projects (true) or none (false); not 공사"),
    ] = None
    open_for_comment: Annotated[
        bool,
        msgspec.Meta(description="의견등록 가능 / only pre-specs whose comment deadline is still ahead"),
    ] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        kind = KINDS[self.kind]
        if self.detail_category_no and kind not in ("Thng", "Servc"):
            raise ValueError("detail_category_no: the gateway has this filter for 물품 and 용역 only")
        if self.software is not None and kind == "Cnstwk":
            raise ValueError("software: the gateway has no such filter for 공사 pre-specs")


def _wire_params(p: SearchPreSpecs) -> dict[str, str | None]:
    return {
        "inqryDiv": "1",
        "prdctClsfcNoNm": p.keyword,
        "ntceInsttNm": p.agency,
        "ntceInsttCd": p.agency_code,
        "dminsttNm": p.demand_agency,
        "dminsttCd": p.demand_agency_code,
        "dtilPrdctClsfcNo": p.detail_category_no,
        "swBizObjYn": None if p.software is None else ("Y" if p.software else "N"),
    }


def open_at(now: dt.datetime) -> Any:
    """A predicate on a pre-spec: comments are still accepted at ``now``."""
    return lambda row: row.comment_deadline is not None and row.comment_deadline > now


@tool(
    name="search_prespecs",
    title=("사전규격 검색", "Search pre-specifications"),
    description=(
        "나라장터 사전규격(입찰 전에 공개되어 업체가 의견을 등록할 수 있는 규격서)을 접수일시 기간, "
        "업무구분(물품·공사·용역·외자), 공고기관·수요기관, 품명(사업명), 세부품명번호, SW사업 여부로 "
        "찾습니다. "
        "'이번 주 공개된 사전규격 중 아직 의견을 낼 수 있는 것'은 open_for_comment=true. 한 번에 한 "
        "업무구분만 조회하며 기본은 물품입니다. 기본값: 오늘까지 최근 7일 접수분, 최신 접수순, 최대 50건. "
        "더 있으면 complete가 false이고 응답의 next를 그대로 인자로 넘겨 이어받습니다. open_for_comment는 "
        "게이트웨이에 없는 조건이라 읽으며 거르고 total_count는 거르기 전 건수입니다. 사전규격 하나의 품목과 "
        "등록된 의견은 get_prespec. "
        '예: {"kind": "용역", "keyword": "시스템", "open_for_comment": true}',
        "Pre-specifications (사전규격) of 나라장터: specifications an agency publishes before the bid "
        "so suppliers can comment. Searches those received in a period by kind (goods, works, "
        "services, foreign), agency or demand agency, name, detailed product number and software "
        "flag; `open_for_comment: true` keeps only those still accepting comments. One kind per call, "
        "물품 by default. Defaults: received in the last 7 days up to today (KST), newest first, at most "
        "50. When more exist `complete` is false: call again with the answer's `next` as the arguments. "
        "The gateway cannot filter by deadline, so `open_for_comment` reads on and returns the matches "
        "(`total_count` counts rows before it). For one pre-spec's goods lines and registered opinions use "
        'get_prespec. Example: {"kind": "용역", "keyword": "시스템", "open_for_comment": true}',
    ),
    scopes=("g2b:read",),
)
async def search_prespecs(ctx: Context, p: SearchPreSpecs) -> Listing[PreSpec]:
    """Pre-specs of one kind from the 나라장터검색조건 operation."""
    op = SEARCH[KINDS[p.kind]]
    now = dt.datetime.now(KST)
    window = p.dates_or_last(DEFAULT_DAYS, today=now.date())
    # "Still open for comment" is no gateway filter: the library passes over closed ones.
    keep = open_at(now) if p.open_for_comment else None
    page_size = p.page_size or (500 if keep else None)
    return await collect(ctx, op, _wire_params(p), p, window=window, keep=keep, page_size=page_size)


# -- one pre-spec ------------------------------------------------------------------------------------


class GetPreSpec(Params):
    """Parameters of ``get_prespec``."""

    spec_no: Annotated[
        Number,
        msgspec.Meta(
            description="사전규격등록번호 / pre-spec no., e.g. R26BD00012345 (`spec_no` of search_prespecs)"
        ),
    ]
    kind: Annotated[
        Kind | None,
        msgspec.Meta(description="업무구분 / kind, if known (faster); otherwise every kind is asked"),
    ] = None


class PreSpecItem(msgspec.Struct, kw_only=True):
    """One goods line of a pre-spec (물품상세목록 entry)."""

    seq: Annotated[int | None, msgspec.Meta(description="순번 / line no.")] = None
    detail_category_no: Annotated[str, msgspec.Meta(description="세부품명번호 / detailed product no.")] = ""
    name: Annotated[str, msgspec.Meta(description="세부품명 / detailed product name")] = ""


class PreSpecDetail(msgspec.Struct, kw_only=True):
    """One pre-spec with its goods lines and the opinions registered on it."""

    found: Annotated[bool, msgspec.Meta(description="false when no kind has a pre-spec of that number")]
    spec_no: Annotated[str, msgspec.Meta(description="사전규격등록번호 / the number asked for")]
    kind: Annotated[str | None, msgspec.Meta(description="업무구분 / 물품, 공사, 용역 or 외자")] = None
    prespec: Annotated[PreSpec | None, msgspec.Meta(description="the pre-spec")] = None
    open_for_comment: Annotated[
        bool | None, msgspec.Meta(description="true while comments are accepted (deadline ahead)")
    ] = None
    items: Annotated[
        list[PreSpecItem], msgspec.Meta(description="물품상세목록 / goods lines (물품·용역 pre-specs)")
    ] = msgspec.field(default_factory=list)
    opinions: Annotated[
        list[Opinion], msgspec.Meta(description="규격서 의견 / opinions and replies, in order")
    ] = msgspec.field(default_factory=list)
    sandbox: Annotated[
        bool, msgspec.Meta(description="true when this is the built-in sandbox's fake data")
    ] = False

    def summary_text(self, tool: str) -> str:
        """A few lines for a model; every field is in the structured content."""
        head = sandbox_mark(self.sandbox)
        if not self.found or self.prespec is None:
            return f"{head}{tool}: no pre-spec {self.spec_no} in 물품, 공사, 용역 or 외자."
        s = self.prespec
        state = "open for comments" if self.open_for_comment else "closed for comments"
        lines = [
            f"{head}{tool}: {self.kind} pre-spec {s.spec_no} — {s.title}",
            f"{s.agency} (for {s.demand_agency}); budget {s.budget}; received {s.received_at}; "
            f"comments until {s.comment_deadline} ({state})",
            f"{len(self.items)} goods line(s); {len(self.opinions)} opinion(s)/reply(ies); "
            f"bid notices: {s.notice_nos or '-'}.",
        ]
        lines += [f"- [{o.opinion_no}/{o.reply_no}] {o.company}: {o.subject}" for o in self.opinions[:10]]
        lines.append("Every field is in the structured content.")
        return "\n".join(lines)


_DETAIL_LIMIT = 500  # opinions on one pre-spec: far more than any has


async def _rows(ctx: Context, op: G2bOperation[Any], params: dict[str, str | None]) -> list[Any]:
    """Every row of a per-pre-spec lookup (no dates), oldest first."""
    client = ctx.resources[CLIENT]
    listing: Listing[Record] = await client.collect(
        op, params, limit=_DETAIL_LIMIT, order="oldest", budget=ctx.time_left()
    )
    return list(listing.items)


def parse_items(text: str) -> list[PreSpecItem]:
    """``[1^4321150102^컴퓨터서버],[2^…]`` -> goods lines."""
    items = []
    for entry in re.findall(r"\[([^\[\]]*)\]", text or ""):
        parts = [p.strip() for p in entry.split("^")]
        seq = parts[0] if parts else ""
        items.append(
            PreSpecItem(
                seq=int(seq) if seq.isdigit() else None,
                detail_category_no=parts[1] if len(parts) > 1 else "",
                name="^".join(parts[2:]),
            )
        )
    return items


def _plain(record: PreSpec) -> PreSpec:
    """The row as a ``PreSpec`` (without the goods-line text, which the result gives parsed)."""
    return PreSpec(*[getattr(record, name) for name in PreSpec.__struct_fields__])


@tool(
    name="get_prespec",
    title=("사전규격 상세", "Pre-specification details"),
    description=(
        "사전규격등록번호로 사전규격 하나를 조회합니다: 규격 내용, 의견등록 마감과 현재 의견등록 가능 여부, "
        "물품·용역 사전규격의 세부품목(물품상세목록), 등록된 의견과 기관 답변. search_prespecs 결과의 "
        "spec_no를 넣습니다. 업무구분(kind)을 모르면 네 업무구분을 모두 묻습니다. 없는 번호는 found=false. "
        '예: {"spec_no": "R26BD00012345", "kind": "용역"}',
        "One pre-specification by its registration number (사전규격등록번호): the pre-spec, its "
        "comment deadline and whether comments are still open, the goods lines of 물품/용역 pre-specs, "
        "and the opinions suppliers registered with the agency's replies. Pass `spec_no` from a "
        "search_prespecs answer. Without `kind` every kind is asked. An unknown number answers "
        '`found: false`. Example: {"spec_no": "R26BD00012345", "kind": "용역"}',
    ),
    scopes=("g2b:read",),
)
async def get_prespec(ctx: Context, p: GetPreSpec) -> PreSpecDetail:
    """The pre-spec (every kind asked at once unless given), then its opinions."""
    number = p.spec_no
    kinds = (KINDS[p.kind],) if p.kind else ALL_KINDS
    found: dict[str, PreSpec] = {}

    async def look(kind: str) -> None:
        rows = await _rows(ctx, LISTING[kind], {"inqryDiv": "2", "bfSpecRgstNo": number})
        rows = [r for r in rows if r.spec_no == number] or rows
        if rows:
            found[kind] = max(rows, key=lambda r: r.changed_at or dt.datetime.min.replace(tzinfo=KST))

    async with anyio.create_task_group() as tg:
        for each in kinds:
            tg.start_soon(look, each)
    sandbox = ctx.resources[CLIENT].sandbox
    kind = next((k for k in kinds if k in found), None)
    if kind is None:
        return PreSpecDetail(found=False, spec_no=number, sandbox=sandbox)
    record = found[kind]
    opinions = await _rows(ctx, OPINIONS[kind], {"inqryDiv": "2", "bfSpecRgstNo": number})
    opinions.sort(key=lambda o: (o.opinion_no or 0, o.reply_no or 0))
    deadline = record.comment_deadline
    return PreSpecDetail(
        found=True,
        spec_no=number,
        kind=KIND_LABELS[kind],
        prespec=_plain(record),
        open_for_comment=None if deadline is None else deadline > dt.datetime.now(KST),
        items=parse_items(getattr(record, "item_list", "")),
        opinions=opinions,
        sandbox=sandbox,
    )


@hookimpl
def register_tools(register: Register) -> None:
    """Register the pre-spec tools."""
    register(search_prespecs)
    register(get_prespec)
