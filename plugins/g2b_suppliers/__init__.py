"""사용자정보·업종 — 나라장터 suppliers, demand agencies and industries (UsrInfoService02, 5 operations;
IndstrytyBaseLawrgltInfoService, 1 operation).

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one,
built only on ``naramarket.kernel`` and ``naramarket.datago``.

- ``get_supplier``: one supplier (조달업체) by 사업자등록번호 or by name: its registration
  (기본정보), licensed industries (업종), registered products (공급물품) and 부정당제재 in force.
  By number, the four operations are asked at once (``inqryDiv`` 사업자등록번호 mode). By name, the
  기본정보 operation is searched by 업체명 over every registration date since 나라장터 opened (the
  gateway takes a name only with a 등록일 range); a name several suppliers match is refused with
  their numbers, so the caller picks one.
- ``search_agencies``: demand agencies (수요기관) by name, code or 사업자등록번호, newest registration
  (or change) first.
- ``search_industries``: industry codes (업종코드) with their legal basis (근거법령, 조항, 관련규정),
  by Korean words of the industry's name, its code or its field of law.

UsrInfoService02's reference lists no response fields: the records read the fields of the retired
UsrInfoService (the catalog flags them ``fields_invented``), which is also what the sandbox sends.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Final, Literal, TypeVar

import anyio
import msgspec

from naramarket.datago import CLIENT, Listing, ListQuery, Record, collect, sandbox_mark
from naramarket.datago.g2b import KST, G2bOperation
from naramarket.kernel import Context, InvalidParams, NotFound, Params, Register, hookimpl, tool

from .records import (
    AGENCIES_BY_CHANGE,
    AGENCIES_BY_REGISTRATION,
    INDUSTRIES,
    OPERATIONS,
    SANCTIONS,
    SUPPLIER_INDUSTRIES,
    SUPPLIER_PRODUCTS,
    SUPPLIERS,
    SUPPLIERS_BY_NAME,
    Agency,
    Industry,
    Sanction,
    Supplier,
    SupplierIndustry,
    SupplierProduct,
)

__all__ = [
    "OPERATIONS",
    "GetSupplier",
    "SearchAgencies",
    "SearchIndustries",
    "SupplierNotFound",
    "SupplierProfile",
    "get_supplier",
    "search_agencies",
    "search_industries",
]

R = TypeVar("R", bound=Record)

# 나라장터 opened in 2002: a name or code search over registrations starts here.
ALL_TIME: Final = dt.date(2001, 1, 1)
DEFAULT_DAYS: Final = 30  # search_agencies without a name, code or dates: the last 30 days
PART_ROWS: Final = 200  # rows read per part of a profile: far more than a supplier has
NAME_ROWS: Final = 200  # registrations read to resolve a name
_BIZNO = r"^\d{3}-?\d{2}-?\d{5}$"
BusinessNo = Annotated[str, msgspec.Meta(pattern=_BIZNO)]
Name = Annotated[str, msgspec.Meta(min_length=2, max_length=100)]
AgencyName = Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
AgencyCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z]{7}$")]
DateBasis = Literal["등록", "변경", "registered", "changed"]


def _digits(business_no: str) -> str:
    return business_no.replace("-", "")


def _fold(text: str) -> str:
    return re.sub(r"\s+|\(주\)|주식회사|\(유\)|유한회사", "", text).casefold()


def _today() -> dt.date:
    return dt.datetime.now(KST).date()


async def _rows(
    ctx: Context,
    op: G2bOperation[R],
    params: dict[str, str | None],
    limit: int,
    window: tuple[dt.date, dt.date] | None = None,
) -> Listing[R]:
    """At most ``limit`` rows of a lookup, newest first where the operation has a date to order by."""
    return await ctx.resources[CLIENT].collect(
        op, params, window=window, limit=limit, order="newest", budget=ctx.time_left()
    )


# -- get_supplier ------------------------------------------------------------------------------------


class SupplierNotFound(NotFound):
    """No supplier of that number or name."""


class GetSupplier(Params):
    """Parameters of ``get_supplier``: a 사업자등록번호 or a name (one of them)."""

    business_no: Annotated[
        BusinessNo | None,
        msgspec.Meta(description="사업자등록번호 / business registration no., 10 digits, dashes allowed"),
    ] = None
    name: Annotated[
        Name | None,
        msgspec.Meta(
            description="업체명 / company name or part of it, e.g. 다온전자; refused with the candidates "
            "when several suppliers match"
        ),
    ] = None

    def __post_init__(self) -> None:
        if (self.business_no is None) == (self.name is None):
            raise ValueError("business_no, name: give one of them")


class SupplierProfile(msgspec.Struct, kw_only=True):
    """One supplier: registration, licensed industries, products and sanctions in force."""

    business_no: Annotated[str, msgspec.Meta(description="사업자등록번호 / business registration no.")]
    supplier: Annotated[
        Supplier | None,
        msgspec.Meta(
            description="기본정보 / the registration (latest change); null if only other parts know it"
        ),
    ] = None
    industries: Annotated[
        list[SupplierIndustry],
        msgspec.Meta(description="업종 / licensed industries, one per industry code, main one first"),
    ] = msgspec.field(default_factory=list)
    products: Annotated[
        list[SupplierProduct],
        msgspec.Meta(description="공급물품 / registered products, one per 세부품명번호"),
    ] = msgspec.field(default_factory=list)
    sanctions: Annotated[
        list[Sanction],
        msgspec.Meta(
            description="부정당제재 / debarments in force (the gateway omits expired or lifted ones), "
            "latest start first"
        ),
    ] = msgspec.field(default_factory=list)
    sanctioned_now: Annotated[
        bool, msgspec.Meta(description="true when a sanction's period covers today (KST)")
    ] = False
    truncated: Annotated[
        list[str],
        msgspec.Meta(description=f"parts with more than {PART_ROWS} rows upstream, cut there"),
    ] = msgspec.field(default_factory=list)
    fields_invented: Annotated[
        bool,
        msgspec.Meta(
            description="always true: UsrInfoService02 documents no response fields; these follow "
            "the retired UsrInfoService"
        ),
    ] = True
    sandbox: Annotated[
        bool, msgspec.Meta(description="true when this is the built-in sandbox's fake data")
    ] = False

    def summary_text(self, tool: str) -> str:
        """A few lines for a model; every field is in the structured content."""
        head = sandbox_mark(self.sandbox)
        s = self.supplier
        who = f"{s.name} (CEO {s.ceo or '-'}, {s.region or '-'})" if s else "(no 기본정보 row)"
        industries = ", ".join(f"{i.code} {i.name}" for i in self.industries[:8]) or "-"
        products = ", ".join(p.detail_item for p in self.products[:8]) or "-"
        sanctions = (
            "; ".join(f"{x.start}~{x.end} {x.agency}: {x.reason}" for x in self.sanctions[:3]) or "none"
        )
        lines = [
            f"{head}{tool}: supplier {self.business_no} {who}",
            f"industries ({len(self.industries)}): {industries}",
            f"products ({len(self.products)}): {products}",
            f"sanctions in force: {'YES' if self.sanctioned_now else 'no'} — {sanctions}",
        ]
        if self.truncated:
            lines.append(f"Cut at {PART_ROWS} rows: {', '.join(self.truncated)}.")
        lines.append("Every field is in the structured content.")
        return "\n".join(lines)


async def _resolve_name(ctx: Context, name: str) -> str:
    """The one supplier number a name stands for (an exact name wins over partial matches)."""
    found = await _rows(
        ctx, SUPPLIERS_BY_NAME, {"inqryDiv": "1", "corpNm": name}, NAME_ROWS, window=(ALL_TIME, _today())
    )
    candidates: dict[str, str] = {}
    for row in found.items:
        if row.business_no:
            candidates.setdefault(_digits(row.business_no), row.name)
    if not candidates:
        raise SupplierNotFound(f"name: no supplier named like {name!r} (업체명을 찾지 못했습니다)")
    exact = [no for no, n in candidates.items() if _fold(n) == _fold(name)]
    if len(exact) == 1 or len(candidates) == 1:
        return exact[0] if exact else next(iter(candidates))
    listed = ", ".join(f"{n} ({no})" for no, n in list(candidates.items())[:10])
    more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
    raise InvalidParams(
        f"name: {len(candidates)} suppliers match {name!r}: {listed}{more}; call again with business_no"
    )


def _unique(rows: list[R], key: Any) -> list[R]:
    seen: set[Any] = set()
    out = []
    for row in rows:
        k = key(row)
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


@tool(
    name="get_supplier",
    title=("조달업체 정보", "Supplier profile"),
    description=(
        "나라장터 조달업체 한 곳을 사업자등록번호(10자리, 하이픈 허용) 또는 업체명으로 조회합니다: 기본정보"
        "(대표자, 주소, 업무구분), 등록 업종(업종코드·대표업종·유효기간), 공급물품(세부품명), 현재 유효한 "
        "부정당제재. 입찰·계약 상대 업체를 확인하거나 제재 여부를 볼 때 씁니다. 업체명은 나라장터 개통 이후 "
        "모든 등록분에서 찾으며, 여러 업체가 맞으면 후보(이름·번호)를 알려 주고 거절합니다. 없는 업체는 "
        "not_found. 각 목록은 최대 200건. 응답 필드는 구 UsrInfoService 기준입니다"
        "(신규 명세에 필드 목록 없음). "
        '예: {"business_no": "751-88-43014"}',
        "One 나라장터 supplier by business registration number (10 digits, dashes allowed) or by name: its "
        "registration (CEO, address, lines of business), licensed industries (code, main industry, "
        "validity), registered products (세부품명) and the 부정당제재 (debarments) in force. Use it to check "
        "a bidder or contractor, or whether it is sanctioned. A name is searched among all registrations "
        "since 나라장터 opened; when several suppliers match it is refused with the candidates' names and "
        "numbers. An unknown supplier answers not_found. Each list holds at most 200 rows. Fields follow "
        "the retired UsrInfoService (the current spec lists none). "
        'Example: {"business_no": "751-88-43014"}',
    ),
    scopes=("g2b:read",),
)
async def get_supplier(ctx: Context, p: GetSupplier) -> SupplierProfile:
    """The four parts of a supplier, asked concurrently by its number."""
    number = _digits(p.business_no) if p.business_no else await _resolve_name(ctx, p.name or "")
    by_number: dict[str, str | None] = {"inqryDiv": "1", "bizno": number}
    registration: dict[str, str | None] = {"inqryDiv": "3", "bizno": number}  # 사업자등록번호 기준
    parts: dict[str, Listing[Any]] = {}

    async def fetch(part: str, op: G2bOperation[Any], params: dict[str, str | None]) -> None:
        parts[part] = await _rows(ctx, op, params, PART_ROWS)

    async with anyio.create_task_group() as tg:
        tg.start_soon(fetch, "supplier", SUPPLIERS, registration)
        tg.start_soon(fetch, "industries", SUPPLIER_INDUSTRIES, by_number)
        tg.start_soon(fetch, "products", SUPPLIER_PRODUCTS, by_number)
        tg.start_soon(fetch, "sanctions", SANCTIONS, by_number)
    if not any(listing.items for listing in parts.values()):
        raise SupplierNotFound(f"business_no: no supplier {number} (사업자등록번호를 찾지 못했습니다)")
    epoch = dt.datetime(1900, 1, 1, tzinfo=KST)
    suppliers: list[Supplier] = parts["supplier"].items
    industries: list[SupplierIndustry] = sorted(
        parts["industries"].items, key=lambda i: (not i.representative, i.code)
    )
    products: list[SupplierProduct] = parts["products"].items
    sanctions: list[Sanction] = sorted(
        _unique(parts["sanctions"].items, lambda x: (x.start, x.end, x.agency, x.reason)),
        key=lambda x: x.start or dt.date.min,
        reverse=True,
    )
    today = _today()
    return SupplierProfile(
        business_no=number,
        supplier=max(suppliers, key=lambda s: s.changed_at or s.registered_at or epoch, default=None),
        industries=_unique(industries, lambda i: i.code or i.name),
        products=_unique(products, lambda x: x.detail_item_no or x.item),
        sanctions=sanctions,
        sanctioned_now=any((x.start or dt.date.min) <= today <= (x.end or dt.date.max) for x in sanctions),
        truncated=[part for part, listing in parts.items() if not listing.complete],
        sandbox=ctx.resources[CLIENT].sandbox,
    )


# -- search_agencies ---------------------------------------------------------------------------------


class SearchAgencies(ListQuery):
    """Parameters of ``search_agencies`` (dates are 등록일시, or 변경일시 with ``date_basis``)."""

    name: Annotated[
        AgencyName | None,
        msgspec.Meta(description="수요기관명 / agency name or part of it, e.g. 조달청"),
    ] = None
    code: Annotated[
        AgencyCode | None, msgspec.Meta(description="수요기관코드 / 7-character agency code, e.g. 1230000")
    ] = None
    business_no: Annotated[
        BusinessNo | None,
        msgspec.Meta(description="사업자등록번호 / the agency's business registration no. (dates not used)"),
    ] = None
    date_basis: Annotated[
        DateBasis,
        msgspec.Meta(
            description="기준일 / what the dates filter: 등록 (registered, default) or 변경 (changed)"
        ),
    ] = "등록"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.business_no is not None:
            for field in ("name", "code", "start_date"):
                if getattr(self, field) is not None:
                    raise ValueError(f"{field}: not used with business_no (사업자등록번호 조회)")


@tool(
    name="search_agencies",
    title=("수요기관 검색", "Search demand agencies"),
    description=(
        "나라장터 수요기관을 기관명(일부), 수요기관코드 또는 사업자등록번호로 찾습니다: 코드, 소관구분, "
        "최상위기관, 주소, 연락처. 기관코드를 알아내 다른 도구(입찰공고·계약 검색)의 기관 조건에 넣을 때 "
        "씁니다. 기관명·코드를 주고 날짜를 비우면 나라장터 개통 이후 모든 등록분에서 찾고, 아무 조건도 "
        "없으면 최근 30일 등록분입니다. date_basis=변경이면 날짜가 변경일시를 거릅니다. 기본값: 최신순, "
        "최대 50건; 더 있으면 complete가 false이고 next를 그대로 넘겨 이어받습니다. 응답 필드는 구 "
        'UsrInfoService 기준입니다. 예: {"name": "조달청", "limit": 10}',
        "Demand agencies (수요기관) of 나라장터 by name (or part of it), agency code or business "
        "registration number: code, jurisdiction type, top-level agency, address, phone. Use it to find "
        "an agency's code for the agency filters of other tools (bid notices, contracts). With a name or "
        "code and no dates it searches every registration since 나라장터 opened; with no condition at "
        "all, the last 30 days of registrations. date_basis=변경 makes the dates filter the change date. "
        "Defaults: newest first, at most 50; when more exist `complete` is false: call again with "
        "`next` as the arguments. Fields follow the retired UsrInfoService. "
        'Example: {"name": "조달청", "limit": 10}',
    ),
    scopes=("g2b:read",),
)
async def search_agencies(ctx: Context, p: SearchAgencies) -> Listing[Agency]:
    """Agencies by number (inqryDiv 3) or by registration/change dates (1/2) with name and code."""
    if p.business_no is not None:
        return await collect(
            ctx, AGENCIES_BY_REGISTRATION, {"inqryDiv": "3", "bizno": _digits(p.business_no)}, p
        )
    changed = p.date_basis in ("변경", "changed")
    today = _today()
    if p.start_date is not None and p.end_date is not None:
        window = (p.start_date, p.end_date)
    elif p.name or p.code:
        window = (ALL_TIME, today)
    else:
        window = p.dates_or_last(DEFAULT_DAYS, today=today)
    params: dict[str, str | None] = {
        "inqryDiv": "2" if changed else "1",
        "dminsttNm": p.name,
        "dminsttCd": p.code,
    }
    return await collect(
        ctx, AGENCIES_BY_CHANGE if changed else AGENCIES_BY_REGISTRATION, params, p, window=window
    )


# -- search_industries -------------------------------------------------------------------------------


class SearchIndustries(ListQuery):
    """Parameters of ``search_industries`` (dates, optional, are 업종등록일시)."""

    keyword: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None,
        msgspec.Meta(description="업종명 / words of the industry's name, e.g. 정보통신공사업"),
    ] = None
    code: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{4}$")] | None,
        msgspec.Meta(description="업종코드 / 4-digit industry code, e.g. 0036"),
    ] = None
    category_code: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{1,23}$")] | None,
        msgspec.Meta(description="업종분류코드 / field-of-law code, e.g. 41"),
    ] = None
    in_use: Annotated[
        bool | None,
        msgspec.Meta(
            description="업종사용여부 / true: industries in use only, false: retired only; default both"
        ),
    ] = None


@tool(
    name="search_industries",
    title=("업종 및 근거법규 검색", "Search industries and their legal basis"),
    description=(
        "나라장터 업종(업종코드)과 근거법규(근거법령·조항·관련규정·포함면허·법령 URL)를 업종명 단어, "
        "업종코드(4자리) 또는 업종분류코드로 찾습니다. 입찰 참가자격(면허·업종 제한)을 이해하거나 업종코드를 "
        "알아낼 때 씁니다. 날짜는 업종등록일을 거르며 비우면 전체 업종표입니다. 기본값: 최신 등록순, 최대 "
        '50건; 더 있으면 next로 이어받습니다. 예: {"keyword": "정보통신", "in_use": true}',
        "나라장터 industries (업종코드) with their legal basis (act, article, related rules, included "
        "licences, link to the act) by words of the industry's name, its 4-digit code or its field-of-law "
        "code. Use it to understand a bid's licence/industry restriction or to find an industry code. "
        "Dates filter the industry's registration date; without them the whole table is searched. "
        "Defaults: newest registration first, at most 50; when more exist call again with `next`. "
        'Example: {"keyword": "정보통신", "in_use": true}',
    ),
    scopes=("g2b:read",),
)
async def search_industries(ctx: Context, p: SearchIndustries) -> Listing[Industry]:
    """The 업종·근거법규 table, filtered as asked."""
    params: dict[str, str | None] = {
        "indstrytyNm": p.keyword,
        "indstrytyCd": p.code,
        "indstrytyClsfcCd": p.category_code,
        "indstrytyUseYn": None if p.in_use is None else ("Y" if p.in_use else "N"),
    }
    return await collect(ctx, INDUSTRIES, params, p)


@hookimpl
def register_tools(register: Register) -> None:
    """Register the supplier, agency and industry tools."""
    register(get_supplier)
    register(search_agencies)
    register(search_industries)
