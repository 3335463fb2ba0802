"""종합쇼핑몰 품목 — 나라장터 shopping-mall products (ShoppingMallPrdctInfoService, all 9 operations).

Tools: ``crawl_list`` (the seed's name and route, below), ``search_mall_products`` and
``get_product`` (``products``: MAS/단가/제3자단가 contract products with filters, one product with
its official and mall-page attribute tables), and in ``orders``: ``search_mall_registrations``,
``search_delivery_requests``, ``get_delivery_request``, ``search_delivery_items``,
``search_venture_orders``, ``search_item_procurements``, ``search_item_procurement_totals``.

A first-party plugin, loaded through the ``naramarket`` entry-point group exactly like a
third-party one. It imports only ``naramarket.kernel`` and the data.go.kr library
``naramarket.datago``.

Why ``getMASCntrctPrdctInfoList`` (다수공급자계약 품목정보) answers "products of a category":
of the service's nine operations it is the one whose search takes 품명 (``prdctClsfcNoNm``) with
no other required parameter, and 다수공급자계약 (MAS) is how the mall sells catalogue goods such as
데스크톱컴퓨터 to public buyers. ``getShoppingMallPrdctInfoList`` also takes 품명 but requires
``inqryDiv`` and a shopping contract number; the 납품요구/특정품목 operations report deliveries
and procurement totals, not the products on offer. Its registration-date range (``rgstDtBgnDt``/
``rgstDtEndDt``, ``YYYYMMDDHHMM``) is limited to one year per call, which the library's date
windows handle.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

import msgspec

from naramarket.datago import YEAR, KstDateTime, Listing, ListQuery, Record, collect, wire
from naramarket.datago.g2b import KST, G2bOperation
from naramarket.kernel import Context, Register, hookimpl, tool

__all__ = ["MAS_PRODUCTS", "CrawlList", "MallProduct", "crawl_list"]


class MallProduct(Record):
    """One product of a 다수공급자계약 (MAS) contract in the 나라장터 shopping mall."""

    # The columns a model sees in the compact MCP text (every field is in structuredContent).
    summary_fields: ClassVar[tuple[str, ...]] = ("registered_at", "spec", "price", "maker", "company")

    product_id: Annotated[str, wire("prdctIdntNo", "물품식별번호 / product identification no.")] = ""
    category: Annotated[str, wire("prdctClsfcNoNm", "품명 / product category name")] = ""
    category_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / classification no.")] = ""
    detail_category_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed no.")] = ""
    spec: Annotated[str, wire("prdctSpecNm", "물품규격명 / specification")] = ""
    unit: Annotated[str, wire("prdctUnit", "물품단위 / unit")] = ""
    price: Annotated[int | None, wire("cntrctPrceAmt", "계약가격금액 / contract price, KRW")] = None
    order_price: Annotated[int | None, wire("orderCalclPrceAmt", "주문산정가격 / order price, KRW")] = None
    discount: Annotated[int | None, wire("dscntAmt", "할인금액 / discount, KRW")] = None
    maker: Annotated[str, wire("prdctMakrNm", "물품제조사명 / manufacturer")] = ""
    origin: Annotated[str, wire("prdctOrgplceNm", "물품원산지명 / country of origin")] = ""
    company: Annotated[str, wire("cntrctCorpNm", "계약업체명 / contractor")] = ""
    company_no: Annotated[str, wire("cntrctCorpNo", "계약업체번호 / contractor business no.")] = ""
    company_size: Annotated[str, wire("entrprsDivNm", "기업구분명 / enterprise size")] = ""
    contract_no: Annotated[str, wire("shopngCntrctNo", "쇼핑계약번호 / shopping contract no.")] = ""
    contract_seq: Annotated[str, wire("shopngCntrctSno", "쇼핑계약순번 / contract line no.")] = ""
    contract_method: Annotated[str, wire("cntrctMthdNm", "계약방법명 / contract method")] = ""
    contract_date: Annotated[dt.date | None, wire("cntrctDate", "계약일자 / contract date")] = None
    contract_start: Annotated[dt.date | None, wire("cntrctBgnDate", "계약시작일자 / start")] = None
    contract_end: Annotated[dt.date | None, wire("cntrctEndDate", "계약종료일자 / end")] = None
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None
    delivery_days: Annotated[int | None, wire("dlvrTmlmtDaynum", "납품기한일수 / delivery days")] = None
    excellent_product: Annotated[
        bool | None, wire("exclncPrcrmntPrdctYn", "우수조달물품여부 / excellent procurement product")
    ] = None
    sme_competition: Annotated[
        bool | None, wire("smetprCmptProdctYn", "중소기업자간경쟁제품여부 / SME-competition product")
    ] = None
    certifications: Annotated[str, wire("prodctCertList", "제품인증목록 / certifications")] = ""
    supply_region: Annotated[str, wire("prdctSplyRgnNm", "물품공급지역명 / supply region")] = ""
    image_url: Annotated[str, wire("prdctImgUrl", "상품이미지URL / image URL")] = ""


DEFAULT_DAYS = 365  # the operation's one-year range limit, ending today

MAS_PRODUCTS = G2bOperation(
    "at/ShoppingMallPrdctInfoService",
    "getMASCntrctPrdctInfoList",
    record=MallProduct,
    range_limit=YEAR,
    dedupe_on=("contract_no", "contract_seq", "product_id"),
    order_by="registered_at",
    date_params=("rgstDtBgnDt", "rgstDtEndDt"),
)


class CrawlList(ListQuery):
    """Parameters of ``crawl_list``: a category, registration dates (both or neither), limit, order."""

    category: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=200, description="품명 / product category, e.g. 데스크톱컴퓨터"
        ),
    ]


@tool(
    name="crawl_list",
    title=("쇼핑몰 품목 목록", "Shopping-mall products by category"),
    description=(
        "나라장터 종합쇼핑몰의 다수공급자계약(MAS) 품목을 품명으로 조회합니다. 특정 물품을 정부가 "
        "어떤 규격·가격·업체로 사는지 볼 때 씁니다. 기본값: 오늘까지 최근 1년 등록분, 최신 등록순, "
        "최대 50건. 더 있으면 complete가 false이고, 응답의 next를 그대로 인자로 넘겨 이어받습니다. "
        '예: {"category": "데스크톱컴퓨터", "limit": 20}',
        "Products the 나라장터 shopping mall sells under multiple-award (MAS) contracts, by category "
        "(품명). Use it to see what specifications, prices and suppliers the government buys a kind "
        "of product from. Defaults: registered in the last 12 months up to today (KST), newest first, "
        "at most 50. When more exist `complete` is false: call again with the answer's `next` as the "
        'arguments. Example: {"category": "데스크톱컴퓨터", "limit": 20}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
    aliases=("/crawl/list",),
)
async def crawl_list(ctx: Context, p: CrawlList) -> Listing[MallProduct]:
    """Products of one category from the MAS contract product list."""
    # Without dates the gateway answers only one day of registrations (its documented fallback),
    # which reads like "almost nothing in this category": ask for the last year instead.
    window = p.dates_or_last(DEFAULT_DAYS, today=dt.datetime.now(KST).date())
    return await collect(ctx, MAS_PRODUCTS, {"prdctClsfcNoNm": p.category}, p, window=window)


@hookimpl
def register_tools(register: Register) -> None:
    """Register the shopping-mall tools."""
    # Imported here: those modules build on this one's record and operation.
    from . import orders, products

    register(crawl_list)
    register(products.search_mall_products)
    register(products.get_product)
    register(orders.search_mall_registrations)
    register(orders.search_delivery_requests)
    register(orders.get_delivery_request)
    register(orders.search_delivery_items)
    register(orders.search_venture_orders)
    register(orders.search_item_procurements)
    register(orders.search_item_procurement_totals)
