"""물품목록·물품관리 — 나라장터 product classification (ThngListInfoService02, PrdctMngInfoService).

A first-party plugin, built only on ``naramarket.kernel`` and ``naramarket.datago``.

``search_categories`` turns everyday Korean (or English) words into the gateway's own codes and
names: 물품분류번호 (8 digits), the exact 품명 the mall tools search by, and 세부품명번호 (10 digits)
the bid tools filter by, so an agent goes from "노트북" to 노트북컴퓨터 / 43211503 / 4321150301.
It asks 물품분류8단위 (품명, LIKE) and 물품분류10단위 (세부품명, LIKE) for each word and for the
official names a small table of everyday words maps to (``SYNONYMS``: CCTV → 영상감시장치 …, words
the gateway's names do not contain), then the 세부품명 of each class found (품명 목록 조회), and the
내용연수 (service life) of 물품관리정보서비스.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import anyio
import msgspec

from naramarket.datago import CLIENT, ListQuery, Record, collect, sandbox_mark, wire
from naramarket.datago.g2b import G2bOperation
from naramarket.kernel import Context, Params, Register, hookimpl, tool

__all__ = ["OPERATIONS", "SYNONYMS", "Category", "CategoryMatches", "SearchCategories", "search_categories"]

SERVICE: Final = "ao/ThngListInfoService02"

# Everyday words -> the official 품명 / 세부품명 words that hold them (checked on the sandbox; on the
# real catalogue each is a LIKE search, so a word missing there simply finds nothing).
SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "cctv": ("영상감시장치", "감시카메라", "CCTV"),
    "씨씨티비": ("영상감시장치", "감시카메라"),
    "감시카메라": ("영상감시장치", "감시카메라"),
    "노트북": ("노트북컴퓨터",),
    "랩톱": ("노트북컴퓨터",),
    "laptop": ("노트북컴퓨터",),
    "데스크톱": ("데스크톱컴퓨터",),
    "데스크탑": ("데스크톱컴퓨터",),
    "pc": ("데스크톱컴퓨터",),
    "컴퓨터": ("컴퓨터",),
    "복합기": ("복합기",),
    "프린터": ("프린터", "복합기"),
    "모니터": ("모니터",),
    "태블릿": ("태블릿컴퓨터",),
    "서버": ("컴퓨터서버",),
    "에어컨": ("냉난방기",),
    "aed": ("자동심장충격기",),
}


class ClassRow(Record):
    """One 물품분류번호 (8 digits) with its 품명."""

    class_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    name: Annotated[str, wire("prdctClsfcNoNm", "품명 / category name")] = ""
    english: Annotated[str, wire("prdctClsfcNoEngNm", "영문품명 / English name")] = ""
    description: Annotated[str, wire("prdctClsfcNoNmDscrpt", "품명해설 / description")] = ""
    in_use: Annotated[bool | None, wire("useYn", "사용여부 / in use")] = None


class DetailRow(Record):
    """One 세부품명번호 (10 digits) with its 세부품명."""

    detail_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""
    name: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed name")] = ""
    english: Annotated[str, wire("dtilPrdctClsfcNoEngNm", "세부영문품명 / English name")] = ""
    in_use: Annotated[bool | None, wire("useYn", "사용여부 / in use")] = None


class NameRow(Record):
    """One (물품분류번호, 세부품명번호) pair of 품명 목록 조회."""

    class_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    name: Annotated[str, wire("prdctClsfcNoNm", "품명 / category name")] = ""
    english: Annotated[str, wire("prdctClsfcNoEngNm", "영문품명 / English name")] = ""
    detail_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""
    detail_name: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed name")] = ""
    detail_english: Annotated[str, wire("dtilPrdctClsfcNoEngNm", "세부영문품명 / English name")] = ""


class LifeRow(Record):
    """One 물품분류번호's 내용연수 (service life)."""

    class_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    years: Annotated[int | None, wire("uslfsvc", "내용연수 / service life, years")] = None


CLASSES: Final = G2bOperation(SERVICE, "getPrdctClsfcNoUnit8Info02", record=ClassRow, dedupe_on=("class_no",))
DETAILS: Final = G2bOperation(
    SERVICE, "getPrdctClsfcNoUnit10Info02", record=DetailRow, dedupe_on=("detail_no",)
)
NAMES: Final = G2bOperation(
    SERVICE,
    "getThngPrdnmLocplcAccotListInfoInfoPrdnmSearch02",
    record=NameRow,
    dedupe_on=("class_no", "detail_no"),
)
SERVICE_LIFE: Final = G2bOperation(
    "ao/PrdctMngInfoService", "getPrdctClsfcNoUslfsvc", record=LifeRow, dedupe_on=("class_no",)
)
OPERATIONS: Final = (CLASSES, DETAILS, NAMES, SERVICE_LIFE)


class DetailCategory(msgspec.Struct, kw_only=True):
    """One 세부품명 of a category."""

    detail_no: Annotated[
        str, msgspec.Meta(description="세부품명번호 / 10-digit detailed no. (bid tools' detail_item_no)")
    ]
    name: Annotated[str, msgspec.Meta(description="세부품명 / detailed category name")]
    english: Annotated[str, msgspec.Meta(description="세부영문품명 / English name")] = ""
    matched: Annotated[bool, msgspec.Meta(description="true when this 세부품명 itself matched the words")] = (
        False
    )


class Category(msgspec.Struct, kw_only=True):
    """One 물품분류 (품명) that matched, with its 세부품명 and how to search by it."""

    class_no: Annotated[str, msgspec.Meta(description="물품분류번호 / 8-digit classification no.")]
    name: Annotated[str, msgspec.Meta(description="품명 / the exact category name the mall tools take")]
    english: Annotated[str, msgspec.Meta(description="영문품명 / English name")] = ""
    description: Annotated[str, msgspec.Meta(description="품명해설 / description")] = ""
    service_life_years: Annotated[
        int | None, msgspec.Meta(description="내용연수 / service life in years (물품관리정보서비스)")
    ] = None
    matched_by: Annotated[str, msgspec.Meta(description="the search word that found it (after synonyms)")] = (
        ""
    )
    details: Annotated[
        list[DetailCategory], msgspec.Meta(description="세부품명 / its detailed categories")
    ] = msgspec.field(default_factory=list)
    use_with: Annotated[
        dict[str, dict[str, str]],
        msgspec.Meta(description="ready arguments for other tools, by tool name"),
    ] = msgspec.field(default_factory=dict)


class CategoryMatches(msgspec.Struct, kw_only=True):
    """The categories the words found."""

    words: Annotated[str, msgspec.Meta(description="the words asked for")]
    searched: Annotated[
        list[str], msgspec.Meta(description="the terms asked of the gateway (words and synonyms)")
    ]
    categories: Annotated[list[Category], msgspec.Meta(description="the matching categories, best first")]
    sandbox: Annotated[bool, msgspec.Meta(description="true when this is the sandbox's fake data")] = False

    def summary_text(self, tool: str) -> str:
        """A few lines for a model; every field is in the structured content."""
        head = sandbox_mark(self.sandbox)
        if not self.categories:
            return f"{head}{tool}: no 품명 matched {self.words!r} (searched {', '.join(self.searched)})."
        lines = [f"{head}{tool}: {len(self.categories)} categor(ies) for {self.words!r}"]
        for c in self.categories:
            details = ", ".join(f"{d.detail_no} {d.name}" for d in c.details[:5])
            lines.append(f"- {c.class_no} {c.name} ({c.english}) — 세부품명: {details}")
        return "\n".join(lines)


class SearchCategories(Params):
    """Parameters of ``search_categories``."""

    words: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=100, description="찾을 말 / everyday words, e.g. 노트북, CCTV, 복합기"
        ),
    ]
    limit: Annotated[
        int, msgspec.Meta(ge=1, le=50, description="최대 품명 수 / at most this many categories")
    ] = 10


class _All(ListQuery):
    """Internal: every row of a lookup."""


def search_terms(words: str) -> list[str]:
    """The terms to ask the gateway: each word, and what ``SYNONYMS`` maps it to."""
    terms: list[str] = []
    for word in words.split():
        for term in (word, *SYNONYMS.get(word.casefold(), ())):
            if term not in terms:
                terms.append(term)
    return terms


async def _rows(
    ctx: Context, op: G2bOperation[Any], params: dict[str, str | None], limit: int = 200
) -> list[Any]:
    listing = await collect(ctx, op, params, _All(limit=limit), window=(None, None))
    return list(listing.items)


@tool(
    name="search_categories",
    title=("물품분류 찾기", "Find product categories (물품분류번호, 품명, 세부품명번호)"),
    description=(
        "일상어(노트북, CCTV, 복합기 …)를 나라장터의 물품분류번호(8자리), 정확한 품명, "
        "세부품명번호(10자리)로 "
        "바꿉니다. 쇼핑몰 도구(crawl_list, search_mall_products …)는 품명을, 입찰공고 검색은 "
        "세부품명번호(detail_item_no)를 받으니, 품명을 모르면 먼저 이것을 씁니다. 게이트웨이의 품명·세부품명 "
        "LIKE 검색에 흔한 말의 동의어(CCTV→영상감시장치 등)를 더해 찾고, 각 품명의 세부품명과 내용연수, "
        "다른 도구에 넣을 인자(use_with)를 돌려줍니다. 여러 단어는 각각 찾습니다. "
        '예: {"words": "노트북"}',
        "Turns everyday words (노트북, CCTV, 복합기 …) into 나라장터's classification no. (8 digits), the "
        "exact category name (품명) and detailed category nos. (세부품명번호, 10 digits). The mall tools "
        "(crawl_list, search_mall_products …) take the 품명 and the bid-notice search takes the detailed "
        "no. (detail_item_no): use this first when you do not know them. It asks the gateway's LIKE "
        "searches of 품명 and 세부품명 for each word plus common synonyms (CCTV → 영상감시장치 …), and "
        "returns each category's detailed categories, service life and ready arguments for other tools "
        '(use_with). Several words are searched one by one. Example: {"words": "노트북"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_categories(ctx: Context, p: SearchCategories) -> CategoryMatches:
    """Classes and details matching each term, then each class's details and service life."""
    terms = search_terms(p.words)
    classes: dict[str, tuple[ClassRow, str]] = {}
    matched_details: dict[str, tuple[DetailRow, str]] = {}

    async def by_class(term: str) -> None:
        for row in await _rows(ctx, CLASSES, {"prdctClsfcNoNm": term}):
            classes.setdefault(row.class_no, (row, term))

    async def by_detail(term: str) -> None:
        for row in await _rows(ctx, DETAILS, {"dtilPrdctClsfcNoNm": term}):
            matched_details.setdefault(row.detail_no, (row, term))

    async with anyio.create_task_group() as tg:
        for term in terms:
            tg.start_soon(by_class, term)
            tg.start_soon(by_detail, term)
    # A 세부품명 that matched names its class (its first 8 digits): ask for that class too.
    missing = sorted({no[:8] for no in matched_details} - set(classes))

    async def class_of(class_no: str) -> None:
        for row in await _rows(ctx, CLASSES, {"prdctClsfcNoBgnNo": class_no, "prdctClsfcNoEndNo": class_no}):
            term = next(t for n, (_, t) in matched_details.items() if n.startswith(class_no))
            classes.setdefault(row.class_no, (row, term))

    async with anyio.create_task_group() as tg:
        for class_no in missing:
            tg.start_soon(class_of, class_no)
    # Best first: the order of the terms that found them, then the shortest name (the closest).
    order = {t: i for i, t in enumerate(terms)}
    chosen = sorted(classes.values(), key=lambda c: (order.get(c[1], 99), len(c[0].name), c[0].class_no))
    chosen = chosen[: p.limit]
    names: dict[str, list[NameRow]] = {}
    lives: dict[str, int | None] = {}

    async def fill(row: ClassRow) -> None:
        names[row.class_no] = await _rows(ctx, NAMES, {"prdctClsfcNo": row.class_no})
        life = await _rows(
            ctx, SERVICE_LIFE, {"prdctClsfcNoBgnNo": row.class_no, "prdctClsfcNoEndNo": row.class_no}, 5
        )
        lives[row.class_no] = next((r.years for r in life if r.class_no == row.class_no), None)

    async with anyio.create_task_group() as tg:
        for row, _ in chosen:
            tg.start_soon(fill, row)
    categories = []
    for row, term in chosen:
        details = [
            DetailCategory(
                detail_no=n.detail_no,
                name=n.detail_name,
                english=n.detail_english,
                matched=n.detail_no in matched_details,
            )
            for n in names.get(row.class_no, [])
            if n.detail_no.startswith(row.class_no)
        ]
        for number, (detail, _) in matched_details.items():  # matched details the name list lacked
            if number.startswith(row.class_no) and all(d.detail_no != number for d in details):
                details.append(
                    DetailCategory(detail_no=number, name=detail.name, english=detail.english, matched=True)
                )
        details.sort(key=lambda d: d.detail_no)
        first = next((d.detail_no for d in details if d.matched), details[0].detail_no if details else None)
        use_with = {
            "search_mall_products": {"category": row.name},
            "crawl_list": {"category": row.name},
            "search_item_procurements": {"category_no": row.class_no},
        }
        if first:
            use_with["search_bid_notices"] = {"kind": "물품", "detail_item_no": first}
        categories.append(
            Category(
                class_no=row.class_no,
                name=row.name,
                english=row.english,
                description=row.description,
                service_life_years=lives.get(row.class_no),
                matched_by=term,
                details=details,
                use_with=use_with,
            )
        )
    return CategoryMatches(
        words=p.words, searched=terms, categories=categories, sandbox=ctx.resources[CLIENT].sandbox
    )


@hookimpl
def register_tools(register: Register) -> None:
    """Register the classification tools."""
    register(search_categories)
