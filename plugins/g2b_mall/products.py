"""``search_mall_products`` (MAS, 일반단가, 제3자단가 contract products) and ``get_product``.

The three contract-product operations take 품명, 물품식별번호, 계약업체명 (LIKE), 제품인증여부 and
registration or change dates; every other filter (제조사, 가격 범위, 중소기업자간경쟁제품, 우수조달물품,
규격 검색어, 세부품명번호) has no gateway parameter and is applied here on each row, reading on until
``limit`` rows match (``collect``'s ``keep``).

``get_product`` adds the product's attribute table from two places: the official 품목개별속성정보
(물품목록정보서비스 ``getPrdctIndvAtrbInfoList02``) and, unless turned off, the mall's own web page
of product attributes (``selectPdctAtrbInfo.do`` under ``NARAMARKET_MALL_BASE``): an **unofficial**
page of the mall's web site, not a data.go.kr API, which may change or disappear without notice.
It goes through the same client limits (rate limit, concurrency cap, time-outs) as every request.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Final, Literal

import anyio
import msgspec

from naramarket.datago import (
    CLIENT,
    YEAR,
    Listing,
    ListQuery,
    Record,
    UpstreamError,
    collect,
    collect_merged,
    sandbox_mark,
    wire,
)
from naramarket.datago.g2b import ALL_KINDS, KST, G2bOperation
from naramarket.kernel import Context, Params, tool

from . import MAS_PRODUCTS, MallProduct
from .hints import all_of, category_hint, fold, hinted

__all__ = [
    "ATTRIBUTES",
    "MALL_ATTRIBUTE_PAGE",
    "PRODUCT_KINDS",
    "GetProduct",
    "ProductDetail",
    "SearchMallProducts",
    "get_product",
    "search_mall_products",
]


def _products(name: str) -> G2bOperation[MallProduct]:
    return G2bOperation(
        MAS_PRODUCTS.service,
        name,
        record=MallProduct,
        range_limit=YEAR,
        dedupe_on=("contract_no", "contract_seq", "product_id"),
        order_by="registered_at",
        date_params=("rgstDtBgnDt", "rgstDtEndDt"),
    )


PRODUCT_KINDS: Final[dict[str, G2bOperation[MallProduct]]] = {
    "MAS": MAS_PRODUCTS,
    "단가": _products("getUcntrctPrdctInfoList"),
    "제3자단가": _products("getThptyUcntrctPrdctInfoList"),
}
KIND_NAMES: Final = {
    "MAS": "MAS", "다수공급자": "MAS", "다수공급자계약": "MAS",
    "단가": "단가", "일반단가": "단가", "일반단가계약": "단가", "unit_price": "단가",
    "제3자단가": "제3자단가", "제3자단가계약": "제3자단가", "third_party": "제3자단가",
}  # fmt: skip
ProductKind = Literal[
    "MAS", "다수공급자", "다수공급자계약", "단가", "일반단가", "일반단가계약", "unit_price",
    "제3자단가", "제3자단가계약", "third_party", "전체", "all",
]  # fmt: skip
DEFAULT_DAYS = 365
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Price = Annotated[int, msgspec.Meta(ge=0)]


class SearchMallProducts(ListQuery):
    """Parameters of ``search_mall_products`` (dates are 등록일시, both or neither)."""

    kind: Annotated[
        ProductKind,
        msgspec.Meta(
            description="계약구분 / contract kind: MAS (다수공급자계약, default), 단가 (일반단가계약, "
            "unit_price), 제3자단가 (제3자단가계약, third_party), or 전체/all (the three merged, "
            "newest first)"
        ),
    ] = "MAS"
    category: Annotated[
        Text | None,
        msgspec.Meta(
            description="품명 / the gateway's product category name (partial match), e.g. 데스크톱컴퓨터; "
            "find it with search_categories"
        ),
    ] = None
    product_id: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{8,10}$")] | None,
        msgspec.Meta(description="물품식별번호 / product identification no. (8 digits)"),
    ] = None
    supplier: Annotated[
        Text | None,
        msgspec.Meta(description="계약업체명 / contractor's name (partial match, by the gateway)"),
    ] = None
    maker: Annotated[
        Text | None,
        msgspec.Meta(
            description="제조사 / manufacturer's name, partial match. The gateway has no such filter: "
            "rows are read and filtered here (total_count counts rows before it)"
        ),
    ] = None
    spec_keyword: Annotated[
        Text | None,
        msgspec.Meta(
            description="규격 검색어 / words in the specification (all must occur), e.g. 'i7 16GB'. "
            "Filtered here, not by the gateway"
        ),
    ] = None
    detail_category_no: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{10}$")] | None,
        msgspec.Meta(description="세부품명번호 / 10-digit detailed category no. Filtered here"),
    ] = None
    price_min: Annotated[
        Price | None, msgspec.Meta(description="계약가격 하한 / price at least this, KRW. Filtered here")
    ] = None
    price_max: Annotated[
        Price | None, msgspec.Meta(description="계약가격 상한 / price at most this, KRW. Filtered here")
    ] = None
    sme: Annotated[
        bool | None,
        msgspec.Meta(
            description="중소기업자간경쟁제품 / true: SME-competition products only, false: leave them "
            "out. Filtered here"
        ),
    ] = None
    excellent: Annotated[
        bool | None,
        msgspec.Meta(
            description="우수조달물품 / true: excellent procurement products only, false: leave them "
            "out. Filtered here"
        ),
    ] = None
    certified: Annotated[
        bool | None,
        msgspec.Meta(description="제품인증 / true: products with a certification (by the gateway)"),
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.price_min is not None and self.price_max is not None and self.price_max < self.price_min:
            raise ValueError("price_max: is below price_min")


def wire_params(p: SearchMallProducts) -> dict[str, str | None]:
    """The gateway's parameters for a product search (the rest is ``keep``)."""
    return {
        "prdctClsfcNoNm": p.category,
        "prdctIdntNo": p.product_id,
        "cntrctCorpNm": p.supplier,
        "prodctCertYn": None if p.certified is None else ("Y" if p.certified else "N"),
    }


def keep_of(p: SearchMallProducts) -> Any:
    """The filters the gateway lacks, as one predicate on ``MallProduct`` rows (None: none)."""
    maker = fold(p.maker) if p.maker else None
    words = [fold(w) for w in p.spec_keyword.split()] if p.spec_keyword else []
    low, high, sme, excellent, detail = p.price_min, p.price_max, p.sme, p.excellent, p.detail_category_no
    return all_of(
        (lambda r: maker in fold(r.maker)) if maker else None,
        (lambda r: all(w in fold(r.spec) for w in words)) if words else None,
        (lambda r: r.detail_category_no == detail) if detail else None,
        (lambda r: r.price is not None and r.price >= low) if low is not None else None,
        (lambda r: r.price is not None and r.price <= high) if high is not None else None,
        (lambda r: bool(r.sme_competition) == sme) if sme is not None else None,
        (lambda r: bool(r.excellent_product) == excellent) if excellent is not None else None,
    )


@tool(
    name="search_mall_products",
    title=("쇼핑몰 계약 품목 검색", "Search shopping-mall contract products"),
    description=(
        "나라장터 종합쇼핑몰에서 파는 계약 품목(다수공급자계약 MAS, 일반단가계약, 제3자단가계약)을 품명, "
        "물품식별번호, 계약업체, 제조사, 가격 범위, 중소기업자간경쟁제품·우수조달물품·제품인증 여부, 규격 "
        "검색어, 세부품명번호로 찾습니다. '정부가 데스크톱컴퓨터를 어느 업체에서 얼마에 사는지', '300만원 "
        "이하 중소기업 복합기'를 볼 때 씁니다. 품명은 나라장터의 품명이어야 하니(노트북이 아니라 "
        "노트북컴퓨터) 모르면 search_categories로 찾습니다. 제조사·가격·중기/우수·규격·세부품명 조건은 "
        "게이트웨이에 없어 여기서 걸러 냅니다(total_count는 거르기 전 건수). 기본값: MAS, 오늘까지 최근 "
        "1년 등록분, 최신 등록순, 최대 50건. 더 있으면 complete가 false이고 응답의 next를 그대로 인자로 "
        "넘겨 이어받습니다. 한 품목의 속성표는 get_product. "
        '예: {"category": "데스크톱컴퓨터", "price_max": 1200000, "sme": true, "limit": 20}',
        "Products sold in the 나라장터 shopping mall under multiple-award (MAS), unit-price (일반단가) or "
        "third-party unit-price (제3자단가) contracts, by category (품명), product id, contractor, "
        "manufacturer, price range, SME-competition / excellent-product / certification flags, words in "
        "the specification, or detailed category no. Use it for 'who sells desktop computers to the "
        "government and at what price' or 'SME multifunction printers under 3,000,000 KRW'. The category "
        "must be the gateway's 품명 (노트북컴퓨터, not 노트북): look it up with search_categories. Maker, "
        "price, SME/excellent, spec words and detailed no. are not gateway filters: rows are filtered "
        "here (`total_count` counts rows before that). Defaults: MAS, registered in the last 12 months up "
        "to today (KST), newest first, at most 50. When more exist `complete` is false: call again with "
        "the answer's `next` as the arguments. One product's attribute table: get_product. "
        'Example: {"category": "데스크톱컴퓨터", "price_max": 1200000, "sme": true, "limit": 20}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_mall_products(ctx: Context, p: SearchMallProducts) -> Listing[MallProduct]:
    """Contract products of one kind (or the three merged) registered in the window."""
    window = p.dates_or_last(DEFAULT_DAYS, today=dt.datetime.now(KST).date())
    params = wire_params(p)
    keep = keep_of(p)
    page_size = p.page_size or (500 if keep else None)
    if p.kind in ALL_KINDS:
        parts = [(op, params) for op in PRODUCT_KINDS.values()]
        listing = await collect_merged(ctx, parts, p, window=window, keep=keep, page_size=page_size)
    else:
        op = PRODUCT_KINDS[KIND_NAMES[p.kind]]
        listing = await collect(ctx, op, params, p, window=window, keep=keep, page_size=page_size)
    return hinted(listing, category_hint(listing, category=p.category, spec_keyword=p.spec_keyword))


# -- one product ------------------------------------------------------------------------------------


class ProductAttribute(Record):
    """One attribute of a product (품목개별속성): name, value and unit."""

    name: Annotated[str, wire("attrNm", "속성명 / attribute")] = ""
    value: Annotated[str, wire("attrVal", "속성값 / value")] = ""
    unit: Annotated[str, wire("attrUnit", "측정단위 / unit")] = ""
    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    spec: Annotated[str, wire("prdctIdntNoNm", "물품규격명 / specification")] = ""
    detail_category_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""


ATTRIBUTES: Final = G2bOperation(
    "ao/ThngListInfoService02",
    "getPrdctIndvAtrbInfoList02",
    record=ProductAttribute,
    dedupe_on=("name", "value", "unit"),
)
MALL_ATTRIBUTE_PAGE: Final = "/gm/gms/gmsf/GdsDtlInfo/selectPdctAtrbInfo.do"
"""The mall's (unofficial) product-attribute page, below ``NARAMARKET_MALL_BASE``: POST JSON
``{"prdctIdntNo": …}``, answer ``{"resultList": [{"prdctAtrbNm": …, "prdctAtrbVl": …}, …]}``."""
LOOK_BACK_YEARS = 3


class MallAttribute(msgspec.Struct, kw_only=True):
    """One row of the mall web page's attribute table."""

    name: Annotated[str, msgspec.Meta(description="속성명 / attribute (prdctAtrbNm)")]
    value: Annotated[str, msgspec.Meta(description="속성값 / value (prdctAtrbVl)")]


class _PageRow(msgspec.Struct):
    prdctAtrbNm: str = ""
    prdctAtrbVl: str = ""


class _Page(msgspec.Struct):
    resultList: list[_PageRow] = msgspec.field(default_factory=list)


class GetProduct(Params):
    """Parameters of ``get_product``."""

    product_id: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{8,10}$")],
        msgspec.Meta(
            description="물품식별번호 / product identification no. (`product_id` of a product search)"
        ),
    ]
    kind: Annotated[
        ProductKind | None,
        msgspec.Meta(
            description="계약구분 / the contract kind, if known (faster); otherwise all three are asked"
        ),
    ] = None
    mall_page: Annotated[
        bool,
        msgspec.Meta(
            description="쇼핑몰 속성표 / also read the mall web site's attribute table (unofficial, "
            "not data.go.kr; default true)"
        ),
    ] = True


class ProductDetail(msgspec.Struct, kw_only=True):
    """One mall product: its contract rows and its attribute tables."""

    found: Annotated[bool, msgspec.Meta(description="false when no contract product has this id")]
    product_id: Annotated[str, msgspec.Meta(description="물품식별번호 / the id asked for")]
    product: Annotated[
        MallProduct | None, msgspec.Meta(description="the product (its newest contract row)")
    ] = None
    offers: Annotated[
        list[MallProduct],
        msgspec.Meta(description="every contract row of this product found (contractors, prices, kinds)"),
    ] = msgspec.field(default_factory=list)
    attributes: Annotated[
        list[ProductAttribute],
        msgspec.Meta(description="품목개별속성 / the official attribute table (물품목록정보서비스)"),
    ] = msgspec.field(default_factory=list)
    mall_attributes: Annotated[
        list[MallAttribute],
        msgspec.Meta(
            description="쇼핑몰 상세 속성 / the mall web page's attribute table: UNOFFICIAL (a web page of "
            "the mall, not a data.go.kr API); empty when not asked or not available"
        ),
    ] = msgspec.field(default_factory=list)
    mall_page_error: Annotated[
        str | None, msgspec.Meta(description="why the mall page could not be read, if it could not")
    ] = None
    sandbox: Annotated[
        bool, msgspec.Meta(description="true when this is the built-in sandbox's fake data")
    ] = False

    def summary_text(self, tool: str) -> str:
        """A few lines for a model; every field is in the structured content."""
        head = sandbox_mark(self.sandbox)
        if not self.found or self.product is None:
            years = LOOK_BACK_YEARS
            return f"{head}{tool}: no contract product {self.product_id} registered in the last {years} years"
        p = self.product
        lines = [
            f"{head}{tool}: {p.product_id} {p.category} — {p.spec}",
            f"price {p.price} KRW, maker {p.maker}, contractor {p.company}"
            f" ({len(self.offers)} contract row(s))",
        ]
        for attr in self.attributes:
            lines.append(f"- {attr.name}: {attr.value}{(' ' + attr.unit) if attr.unit else ''}")
        if self.mall_attributes:
            lines.append("Mall page (unofficial):")
            lines += [f"- {a.name}: {a.value}" for a in self.mall_attributes]
        if self.mall_page_error:
            lines.append(f"Mall page not read: {self.mall_page_error}")
        return "\n".join(lines)


class _Lookup(ListQuery):
    """Internal: a by-id product search over the look-back window."""


async def _offers(ctx: Context, op: G2bOperation[MallProduct], product_id: str) -> list[MallProduct]:
    today = dt.datetime.now(KST).date()
    window = (today.replace(year=today.year - LOOK_BACK_YEARS), today)
    listing = await collect(ctx, op, {"prdctIdntNo": product_id}, _Lookup(limit=50), window=window)
    return [row for row in listing.items if row.product_id == product_id]


async def mall_attributes(ctx: Context, product_id: str) -> list[MallAttribute]:
    """The mall web page's attribute table of ``product_id`` (unofficial; same client limits)."""
    url = ctx.settings.mall_base.rstrip("/") + MALL_ATTRIBUTE_PAGE
    raw = await ctx.resources[CLIENT].post_json(
        url, {"prdctIdntNo": product_id}, name="mall:selectPdctAtrbInfo"
    )
    try:
        page = msgspec.convert(raw, _Page, strict=False)
    except msgspec.ValidationError as exc:
        raise _PageChanged(f"the mall page's answer has an unexpected shape ({exc})") from None
    return [MallAttribute(name=r.prdctAtrbNm, value=r.prdctAtrbVl) for r in page.resultList if r.prdctAtrbNm]


class _PageChanged(Exception):
    pass


@tool(
    name="get_product",
    title=("쇼핑몰 품목 상세", "Shopping-mall product details"),
    description=(
        "물품식별번호로 쇼핑몰 품목 하나를 조회합니다: 계약 품목 행(계약업체·가격·규격, 여러 계약이면 모두), "
        "물품목록정보서비스의 공식 품목개별속성(속성명·값·단위), 그리고 쇼핑몰 웹사이트의 상세 속성표. "
        "쇼핑몰 속성표는 data.go.kr API가 아닌 쇼핑몰 웹페이지(비공식)를 읽은 것이라 예고 없이 바뀌거나 "
        "없어질 수 있습니다(mall_page=false로 끕니다; 다른 요청과 같은 속도 제한을 따릅니다). 최근 3년 "
        "등록분에서 찾고, 없으면 found=false. "
        '예: {"product_id": "24334671"}',
        "One shopping-mall product by its product identification no. (물품식별번호): its contract rows "
        "(contractor, price, specification; every contract found), the official attribute table "
        "(품목개별속성 of 물품목록정보서비스: name, value, unit), and the attribute table of the mall's "
        "web site. The mall table is read from a web page of the mall, not a data.go.kr API: it is "
        "UNOFFICIAL and may change or vanish without notice (turn it off with mall_page=false); it goes "
        "through the same rate limit as every request. Looks back 3 years of registrations; an unknown "
        'id answers `found: false`. Example: {"product_id": "24334671"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def get_product(ctx: Context, p: GetProduct) -> ProductDetail:
    """The product's contract rows, official attributes and (optionally) the mall page, concurrently."""
    kinds = (
        [PRODUCT_KINDS[KIND_NAMES[p.kind]]]
        if p.kind is not None and p.kind not in ALL_KINDS
        else list(PRODUCT_KINDS.values())
    )
    offers: list[MallProduct] = []
    attributes: list[ProductAttribute] = []
    page: list[MallAttribute] = []
    page_error: list[str] = []

    async def find(op: G2bOperation[MallProduct]) -> None:
        offers.extend(await _offers(ctx, op, p.product_id))

    async def official() -> None:
        listing = await collect(
            ctx, ATTRIBUTES, {"prdctIdntNo": p.product_id}, _Lookup(limit=200), window=(None, None)
        )
        attributes.extend(listing.items)

    async def from_page() -> None:
        try:
            page.extend(await mall_attributes(ctx, p.product_id))
        except (UpstreamError, _PageChanged) as exc:
            page_error.append(str(exc))

    async with anyio.create_task_group() as tg:
        for op in kinds:
            tg.start_soon(find, op)
        tg.start_soon(official)
        if p.mall_page:
            tg.start_soon(from_page)
    sandbox = ctx.resources[CLIENT].sandbox
    if not offers:
        return ProductDetail(found=False, product_id=p.product_id, sandbox=sandbox)
    newest = max(offers, key=lambda r: r.registered_at or dt.datetime.min.replace(tzinfo=KST))
    return ProductDetail(
        found=True,
        product_id=p.product_id,
        product=newest,
        offers=offers,
        attributes=attributes,
        mall_attributes=page,
        mall_page_error=page_error[0] if page_error else None,
        sandbox=sandbox,
    )
