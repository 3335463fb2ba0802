"""The mall's other operations: registered products, 납품요구 (orders) and their lines, 벤처나라
orders, and 특정품목 purchases with their monthly totals."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

import anyio
import msgspec

from naramarket.datago import CLIENT, Listing, ListQuery, collect, sandbox_mark
from naramarket.datago.g2b import KST
from naramarket.kernel import Context, Params, tool

from .hints import category_hint, hinted
from .records import (
    DELIVERY_ITEMS,
    DELIVERY_REQUESTS,
    ITEM_PROCUREMENT_TOTALS,
    ITEM_PROCUREMENTS,
    REGISTERED,
    VENTURE_ORDERS,
    DeliveryItem,
    DeliveryRequest,
    ItemProcurement,
    ItemProcurementTotal,
    RegisteredProduct,
    VentureOrder,
)

__all__ = [
    "DeliveryRequestDetail",
    "get_delivery_request",
    "search_delivery_items",
    "search_delivery_requests",
    "search_item_procurement_totals",
    "search_item_procurements",
    "search_mall_registrations",
    "search_venture_orders",
]

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Number = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z_-]{1,20}$")]
AgencyCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z]{1,7}$")]
Bizno = Annotated[str, msgspec.Meta(pattern=r"^\d{3}-?\d{2}-?\d{5}$")]
AgencyType = Literal[
    "국가기관", "지자체", "교육기관", "공기업", "준정부기관", "기타공공기관", "지방공기업", "기타기관",
    "지자체 출자출연기관",
]  # fmt: skip
AGENCY_TYPES: Final = {
    "국가기관": "01", "지자체": "02", "교육기관": "03", "공기업": "51", "준정부기관": "52",
    "기타공공기관": "53", "지방공기업": "71", "기타기관": "72", "지자체 출자출연기관": "81",
}  # fmt: skip
METHODS: Final = {"일반경쟁": "1", "제한경쟁": "2", "지명경쟁": "3", "수의계약": "4"}
Method = Literal["일반경쟁", "제한경쟁", "지명경쟁", "수의계약"]

_CONTINUE = (
    "더 있으면 complete가 false이고 응답의 next를 그대로 인자로 넘겨 이어받습니다.",
    "When more exist `complete` is false: call again with the answer's `next` as the arguments.",
)


def _yn(flag: bool | None) -> str | None:
    return None if flag is None else ("Y" if flag else "N")


def _today() -> dt.date:
    return dt.datetime.now(KST).date()


# -- registered products ----------------------------------------------------------------------------


class SearchMallRegistrations(ListQuery):
    """Parameters of ``search_mall_registrations`` (dates are 등록일자, both or neither)."""

    category: Annotated[Text | None, msgspec.Meta(description="품명 / category name (partial match)")] = None
    detail_category: Annotated[
        Text | None, msgspec.Meta(description="세부품명 / detailed category name (partial match)")
    ] = None
    spec: Annotated[Text | None, msgspec.Meta(description="물품규격명 / words of the specification")] = None
    contract_no: Annotated[
        Number | None,
        msgspec.Meta(description="쇼핑계약번호 / products of this shopping contract (dates not used)"),
    ] = None
    mas: Annotated[bool | None, msgspec.Meta(description="다수공급자계약 / true: MAS products only")] = None
    excellent: Annotated[
        bool | None, msgspec.Meta(description="우수제품 / true: excellent products only")
    ] = None
    certified: Annotated[
        bool | None, msgspec.Meta(description="제품인증 / true: certified products only")
    ] = None
    include_cancelled: Annotated[
        bool, msgspec.Meta(description="등록해지 포함 / also products whose registration was cancelled")
    ] = False


@tool(
    name="search_mall_registrations",
    title=("쇼핑몰 품목 등록 내역", "Shopping-mall product registrations"),
    description=(
        "나라장터 종합쇼핑몰에 등록된 품목(계약 종류 무관)을 등록일자, 품명·세부품명·규격명, 쇼핑계약번호, "
        "다수공급자계약·우수제품·제품인증 여부로 찾습니다. '이번 달 새로 등록된 복합기'나 '이 쇼핑계약의 "
        "품목'을 볼 때 씁니다. 기본값: 오늘까지 최근 30일 등록분(최대 12개월씩 나눠 조회), 최신순, 최대 "
        f"50건. {_CONTINUE[0]} "
        '예: {"category": "복합기", "start_date": "2026-01-01", "end_date": "2026-03-31"}',
        "Products registered in the 나라장터 shopping mall (any contract kind) by registration date, "
        "category / detailed category / specification words, shopping contract no., and MAS, excellent "
        "and certified flags. Use it for 'multifunction printers newly registered this month' or 'the "
        "products of this shopping contract'. Defaults: registered in the last 30 days up to today (KST; "
        f"longer ranges are split into 12-month calls), newest first, at most 50. {_CONTINUE[1]} "
        'Example: {"category": "복합기", "start_date": "2026-01-01", "end_date": "2026-03-31"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_mall_registrations(ctx: Context, p: SearchMallRegistrations) -> Listing[RegisteredProduct]:
    """Registered products by 등록일자 (inqryDiv 1) or by shopping contract (inqryDiv 2)."""
    if p.contract_no:
        params: dict[str, str | None] = {"inqryDiv": "2", "shopngCntrctNo": p.contract_no}
        window: tuple[dt.date | None, dt.date | None] = (None, None)
    else:
        params = {"inqryDiv": "1", "shopngCntrctNo": None}
        window = p.dates_or_last(30, today=_today())
    params |= {
        "prdctClsfcNoNm": p.category,
        "dtilPrdctClsfcNoNm": p.detail_category,
        "prdctIdntNoNm": p.spec,
        "masYn": _yn(p.mas),
        "exclcProdctYn": _yn(p.excellent),
        "prodctCertYn": _yn(p.certified),
        "regtCncelYn": "Y" if p.include_cancelled else None,
    }
    listing = await collect(ctx, REGISTERED, params, p, window=window)
    hint = category_hint(listing, category=p.category, detail_category=p.detail_category)
    return hinted(listing, hint)


# -- 납품요구 ----------------------------------------------------------------------------------------


class SearchDeliveryRequests(ListQuery):
    """Parameters of ``search_delivery_requests`` (dates are 납품요구접수일자, both or neither)."""

    agency: Annotated[Text | None, msgspec.Meta(description="수요기관명 / demand agency name (partial)")] = (
        None
    )
    agency_code: Annotated[AgencyCode | None, msgspec.Meta(description="수요기관코드 / agency code")] = None
    contract_no: Annotated[
        Number | None, msgspec.Meta(description="계약번호 / requests under this contract (dates not used)")
    ] = None


@tool(
    name="search_delivery_requests",
    title=("납품요구 검색", "Search delivery requests (mall orders)"),
    description=(
        "수요기관이 나라장터 종합쇼핑몰에서 낸 납품요구(주문)를 납품요구접수일자, 수요기관(이름 일부 또는 "
        "코드), 계약번호로 찾습니다. '이 기관이 이번 달 쇼핑몰에서 산 것', '이 계약으로 들어온 주문'을 볼 때 "
        "씁니다. 한 건의 품목 내역은 get_delivery_request, 품목 단위 검색은 search_delivery_items. 기본값: "
        f"오늘까지 최근 30일 접수분(한 달씩 나눠 조회), 최신순, 최대 50건. {_CONTINUE[0]} "
        '예: {"agency": "강원대학교", "start_date": "2026-03-01", "end_date": "2026-03-31"}',
        "Delivery requests (orders) agencies placed in the 나라장터 shopping mall, by date received, "
        "demand agency (part of the name, or the code) or contract no. Use it for 'what this agency "
        "bought in the mall this month' or 'the orders under this contract'. One request's lines: "
        "get_delivery_request; search by product: search_delivery_items. Defaults: received in the last "
        f"30 days up to today (KST; month by month), newest first, at most 50. {_CONTINUE[1]} "
        'Example: {"agency": "강원대학교", "start_date": "2026-03-01", "end_date": "2026-03-31"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_delivery_requests(ctx: Context, p: SearchDeliveryRequests) -> Listing[DeliveryRequest]:
    """Requests by 접수일자 (inqryDiv 1) or by contract (inqryDiv 3)."""
    base: dict[str, str | None] = {"dminsttNm": p.agency, "dminsttCd": p.agency_code}
    if p.contract_no:
        return await collect(
            ctx,
            DELIVERY_REQUESTS,
            {"inqryDiv": "3", "cntrctNo": p.contract_no, **base},
            p,
            window=(None, None),
        )
    window = p.dates_or_last(30, today=_today())
    return await collect(ctx, DELIVERY_REQUESTS, {"inqryDiv": "1", **base}, p, window=window)


class SearchDeliveryItems(ListQuery):
    """Parameters of ``search_delivery_items`` (dates are 납품요구접수일자, both or neither)."""

    category: Annotated[
        Text | None, msgspec.Meta(description="품명 / category name, e.g. 데스크톱컴퓨터")
    ] = None
    detail_category: Annotated[Text | None, msgspec.Meta(description="세부품명 / detailed category name")] = (
        None
    )
    spec: Annotated[Text | None, msgspec.Meta(description="물품규격명 / words of the specification")] = None


@tool(
    name="search_delivery_items",
    title=("납품요구 품목 검색", "Search delivery-request lines by product"),
    description=(
        "납품요구(쇼핑몰 주문)의 품목 내역을 납품요구접수일자와 품명·세부품명·규격명으로 찾습니다: 어느 "
        "기관이 어떤 규격을 몇 개, 단가 얼마에 샀는지. '최근 한 달 데스크톱컴퓨터 구매 단가'를 볼 때 씁니다. "
        "품명은 나라장터 품명이어야 하니 모르면 search_categories. 기본값: 오늘까지 최근 30일(한 달씩), "
        f"최신순, 최대 50건. {_CONTINUE[0]} "
        '예: {"category": "데스크톱컴퓨터", "limit": 100}',
        "The product lines of delivery requests (mall orders) by date received and category / detailed "
        "category / specification words: which agency bought which specification, how many, at what "
        "unit price. Use it for 'unit prices paid for desktop computers in the last month'. The category "
        "is the gateway's 품명: look it up with search_categories. Defaults: received in the last 30 days "
        f"up to today (KST; month by month), newest first, at most 50. {_CONTINUE[1]} "
        'Example: {"category": "데스크톱컴퓨터", "limit": 100}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_delivery_items(ctx: Context, p: SearchDeliveryItems) -> Listing[DeliveryItem]:
    """Lines by 접수일자 (inqryDiv 1; the name filters work only in that mode)."""
    params: dict[str, str | None] = {
        "inqryDiv": "1",
        "prdctClsfcNoNm": p.category,
        "dtilPrdctClsfcNoNm": p.detail_category,
        "prdctIdntNoNm": p.spec,
    }
    listing = await collect(ctx, DELIVERY_ITEMS, params, p, window=p.dates_or_last(30, today=_today()))
    return hinted(listing, category_hint(listing, category=p.category, detail_category=p.detail_category))


class GetDeliveryRequest(Params):
    """Parameters of ``get_delivery_request``."""

    request_no: Annotated[
        Number, msgspec.Meta(description="납품요구번호 / delivery request no., e.g. R25TB00728925")
    ]


class DeliveryRequestDetail(msgspec.Struct, kw_only=True):
    """One delivery request with its product lines."""

    found: Annotated[bool, msgspec.Meta(description="false when there is no request of that number")]
    request_no: Annotated[str, msgspec.Meta(description="납품요구번호 / the number asked for")]
    request: Annotated[DeliveryRequest | None, msgspec.Meta(description="the request (latest change)")] = None
    versions: Annotated[
        list[DeliveryRequest], msgspec.Meta(description="every change round of the request")
    ] = msgspec.field(default_factory=list)
    items: Annotated[list[DeliveryItem], msgspec.Meta(description="the product lines")] = msgspec.field(
        default_factory=list
    )
    sandbox: Annotated[bool, msgspec.Meta(description="true when this is the sandbox's fake data")] = False

    def summary_text(self, tool: str) -> str:
        """A few lines for a model; every field is in the structured content."""
        head = sandbox_mark(self.sandbox)
        if not self.found or self.request is None:
            return f"{head}{tool}: no delivery request {self.request_no}."
        r = self.request
        lines = [f"{head}{tool}: {r.request_no} — {r.title} ({r.agency}, {r.amount} KRW, {r.received_on})"]
        lines += [f"- {i.spec}: {i.quantity} {i.unit} × {i.unit_price} = {i.amount}" for i in self.items]
        return "\n".join(lines)


class _All(ListQuery):
    """Internal: every row of a lookup by number."""


@tool(
    name="get_delivery_request",
    title=("납품요구 상세", "Delivery request details"),
    description=(
        "납품요구번호로 납품요구(쇼핑몰 주문) 하나를 조회합니다: 요청 내용(수요기관, 업체, 금액, 납품기한, "
        "변경차수)과 품목 내역(규격, 수량, 단가, 금액). search_delivery_requests 결과의 request_no를 "
        '넣습니다. 없는 번호는 found=false. 예: {"request_no": "R25TB00728925"}',
        "One delivery request (mall order) by number: the request (agency, contractor, amount, due date, "
        "change rounds) and its product lines (specification, quantity, unit price, amount). Pass "
        "`request_no` from a search_delivery_requests answer. An unknown number answers `found: false`. "
        'Example: {"request_no": "R25TB00728925"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def get_delivery_request(ctx: Context, p: GetDeliveryRequest) -> DeliveryRequestDetail:
    """The request's versions and its lines (inqryDiv 2 = 납품요구번호), asked concurrently."""
    by_number: dict[str, str | None] = {"inqryDiv": "2", "dlvrReqNo": p.request_no}
    versions: list[DeliveryRequest] = []
    items: list[DeliveryItem] = []

    async def requests() -> None:
        listing = await collect(ctx, DELIVERY_REQUESTS, by_number, _All(limit=100), window=(None, None))
        versions.extend(r for r in listing.items if r.request_no == p.request_no)

    async def lines() -> None:
        listing = await collect(ctx, DELIVERY_ITEMS, by_number, _All(limit=500), window=(None, None))
        items.extend(i for i in listing.items if i.request_no == p.request_no)

    async with anyio.create_task_group() as tg:
        tg.start_soon(requests)
        tg.start_soon(lines)
    sandbox = ctx.resources[CLIENT].sandbox
    if not versions:
        return DeliveryRequestDetail(found=False, request_no=p.request_no, sandbox=sandbox)
    latest = max(versions, key=lambda r: int(r.change_no) if r.change_no.isdigit() else 0)
    items.sort(key=lambda i: i.line_no if i.line_no is not None else 0)
    return DeliveryRequestDetail(
        found=True, request_no=p.request_no, request=latest, versions=versions, items=items, sandbox=sandbox
    )


# -- 벤처나라 ----------------------------------------------------------------------------------------


class SearchVentureOrders(ListQuery):
    """Parameters of ``search_venture_orders`` (dates are 주문일자, both or neither)."""

    category: Annotated[Text | None, msgspec.Meta(description="품명 / category name (partial match)")] = None
    detail_category: Annotated[Text | None, msgspec.Meta(description="세부품명 / detailed category")] = None
    spec: Annotated[Text | None, msgspec.Meta(description="물품규격명 / words of the specification")] = None
    agency: Annotated[Text | None, msgspec.Meta(description="수요기관명 / demand agency (partial)")] = None
    agency_region: Annotated[
        Text | None, msgspec.Meta(description="수요기관지역명 / the agency's region, e.g. 경상북도")
    ] = None


@tool(
    name="search_venture_orders",
    title=("벤처나라 주문 내역", "벤처나라 (venture products) orders"),
    description=(
        "벤처나라(창업·벤처기업 전용 쇼핑몰) 물품의 주문 거래 내역을 주문일자, 품명·세부품명·규격명, "
        "수요기관, 수요기관 지역으로 찾습니다. '경상북도 기관이 산 벤처 제품'을 볼 때 씁니다. 기본값: "
        f"오늘까지 최근 90일 주문분(최대 36개월씩), 최신순, 최대 50건. {_CONTINUE[0]} "
        '예: {"agency_region": "경상북도", "limit": 20}',
        "Orders of 벤처나라 products (the mall for start-ups and venture companies) by order date, "
        "category / detailed category / specification words, demand agency and the agency's region. "
        "Use it for 'venture products bought by agencies in 경상북도'. Defaults: ordered in the last 90 "
        f"days up to today (KST; 36-month calls), newest first, at most 50. {_CONTINUE[1]} "
        'Example: {"agency_region": "경상북도", "limit": 20}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_venture_orders(ctx: Context, p: SearchVentureOrders) -> Listing[VentureOrder]:
    """Orders by 주문일자 (inqryDiv 1, the only mode)."""
    params: dict[str, str | None] = {
        "inqryDiv": "1",
        "prdctClsfcNoNm": p.category,
        "dtilPrdctClsfcNoNm": p.detail_category,
        "prdctIdntNoNm": p.spec,
        "dminsttNm": p.agency,
        "dminsttRgnNm": p.agency_region,
    }
    listing = await collect(ctx, VENTURE_ORDERS, params, p, window=p.dates_or_last(90, today=_today()))
    return hinted(listing, category_hint(listing, category=p.category, detail_category=p.detail_category))


# -- 특정품목 조달내역 / 집계 ---------------------------------------------------------------------------


class ItemQuery(ListQuery):
    """The product (one of three levels) and the filters both 특정품목 operations share."""

    category: Annotated[Text | None, msgspec.Meta(description="품명 / category name, e.g. 책상")] = None
    category_no: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{8}$")] | None,
        msgspec.Meta(description="물품분류번호 / 8-digit classification no., e.g. 56101703"),
    ] = None
    detail_category: Annotated[Text | None, msgspec.Meta(description="세부품명 / detailed category name")] = (
        None
    )
    detail_category_no: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{10}$")] | None,
        msgspec.Meta(description="세부품명번호 / 10-digit detailed category no."),
    ] = None
    spec: Annotated[Text | None, msgspec.Meta(description="물품규격명 / specification words")] = None
    product_id: Annotated[
        Annotated[str, msgspec.Meta(pattern=r"^\d{8,10}$")] | None,
        msgspec.Meta(description="물품식별번호 / product identification no."),
    ] = None
    central: Annotated[
        bool | None,
        msgspec.Meta(description="조달구분 / true: 중앙조달 (조달청), false: 자체조달 (the agency)"),
    ] = None
    agency: Annotated[Text | None, msgspec.Meta(description="수요기관명 / demand agency (partial)")] = None
    agency_code: Annotated[AgencyCode | None, msgspec.Meta(description="수요기관코드 / agency code")] = None
    agency_type: Annotated[AgencyType | None, msgspec.Meta(description="수요기관구분 / agency type")] = None
    agency_region: Annotated[Text | None, msgspec.Meta(description="수요기관지역명 / agency region")] = None
    company: Annotated[Text | None, msgspec.Meta(description="업체명 / company name")] = None
    company_no: Annotated[Bizno | None, msgspec.Meta(description="사업자등록번호 / business no.")] = None
    excellent: Annotated[
        bool | None, msgspec.Meta(description="우수제품 / true: excellent products only")
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        levels = [
            bool(self.category or self.category_no),
            bool(self.detail_category or self.detail_category_no),
            bool(self.spec or self.product_id),
        ]
        if sum(levels) != 1:
            raise ValueError(
                "category: give the product at exactly one level: category/category_no (품명), "
                "detail_category/detail_category_no (세부품명) or spec/product_id (물품규격)"
            )

    def product_params(self) -> dict[str, str | None]:
        """inqryPrdctDiv and the product parameters of its level."""
        if self.category or self.category_no:
            level = "1"
        elif self.detail_category or self.detail_category_no:
            level = "2"
        else:
            level = "3"
        return {
            "inqryDiv": "1",
            "inqryPrdctDiv": level,
            "prdctClsfcNo": self.category_no,
            "prdctClsfcNoNm": self.category,
            "dtilPrdctClsfcNo": self.detail_category_no,
            "dtilPrdctClsfcNoNm": self.detail_category,
            "prdctIdntNo": self.product_id,
            "prdctIdntNoNm": self.spec,
            "prcrmntDiv": None if self.central is None else ("C" if self.central else "S"),
            "dminsttNm": self.agency,
            "dmndInsttDivCd": AGENCY_TYPES[self.agency_type] if self.agency_type else None,
            "dminsttRgnNm": self.agency_region,
            "corpNm": self.company,
            "exclcProdctYn": _yn(self.excellent),
        }


class SearchItemProcurements(ItemQuery):
    """Parameters of ``search_item_procurements`` (dates are 계약납품요구일자, both or neither)."""

    method: Annotated[Method | None, msgspec.Meta(description="계약방법 / contract method")] = None
    latest_only: Annotated[
        bool, msgspec.Meta(description="최종변경차수만 / only the latest change round of each (default true)")
    ] = True


_ITEM_TEXT = (
    "품목은 품명(category/category_no), 세부품명(detail_category/detail_category_no), 규격(spec/"
    "product_id) 중 한 단계로 정확히 하나를 줍니다(search_categories로 찾기).",
    "Give the product at exactly one level: category or category_no (품명), detail_category or "
    "detail_category_no (세부품명), or spec or product_id (물품규격); look codes up with search_categories.",
)


@tool(
    name="search_item_procurements",
    title=("특정품목 조달내역", "Purchases of a product (총액계약 and 납품요구)"),
    description=(
        "한 품목의 구매 실적(총액계약과 납품요구)을 계약납품요구일자, 중앙/자체조달, 수요기관(이름·코드·구분·"
        "지역), 업체, 우수제품, 계약방법으로 찾습니다: 누가 언제 어느 업체에서 몇 개를 단가 얼마에 샀는지. "
        f"'올해 교육기관의 책상 구매 단가'를 볼 때 씁니다. {_ITEM_TEXT[0]} 기본값: 오늘까지 최근 90일"
        f"(12개월씩), 최종변경차수만, 최신순, 최대 50건. {_CONTINUE[0]} "
        '예: {"category": "책상", "agency_type": "교육기관", "limit": 100}',
        "The purchases of one product (lump-sum contracts and delivery requests) by date, central or "
        "own procurement, demand agency (name, code, type, region), company, excellent flag and contract "
        "method: who bought how many from whom at what unit price and when. Use it for 'unit prices "
        f"schools paid for desks this year'. {_ITEM_TEXT[1]} Defaults: the last 90 days up to today (KST; "
        f"12-month calls), latest change rounds only, newest first, at most 50. {_CONTINUE[1]} "
        'Example: {"category": "책상", "agency_type": "교육기관", "limit": 100}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_item_procurements(ctx: Context, p: SearchItemProcurements) -> Listing[ItemProcurement]:
    """특정품목조달내역 by 계약납품요구일자."""
    params = p.product_params() | {
        "dminsttcD": p.agency_code,  # sic: this operation spells it so
        "bizRegNo": p.company_no.replace("-", "") if p.company_no else None,
        "cntrctMthdCd": METHODS[p.method] if p.method else None,
        "fnlCntrctDlvrReqChgOrdYn": "Y" if p.latest_only else None,
    }
    listing = await collect(ctx, ITEM_PROCUREMENTS, params, p, window=p.dates_or_last(90, today=_today()))
    return hinted(listing, category_hint(listing, category=p.category, detail_category=p.detail_category))


class SearchItemProcurementTotals(ItemQuery):
    """Parameters of ``search_item_procurement_totals`` (dates are 계약납품요구일자, both or neither)."""

    lump_sum: Annotated[
        bool | None,
        msgspec.Meta(description="계약구분 / true: 총액계약 only, false: 납품요구 only, default both"),
    ] = None


@tool(
    name="search_item_procurement_totals",
    title=("특정품목 조달집계", "Monthly purchase totals of a product"),
    description=(
        "한 품목의 월별 조달 집계(합계 수량·금액)를 수요기관·업체별로 조회합니다(특정품목조달집계). '올해 "
        f"월별 책상 구매액'처럼 합계가 필요할 때 씁니다. {_ITEM_TEXT[0]} 기본값: 오늘까지 최근 1년"
        f"(12개월씩), 게이트웨이 순서, 최대 50건. {_CONTINUE[0]} "
        '예: {"category_no": "56101703", "start_date": "2026-01-01", "end_date": "2026-06-30"}',
        "Monthly purchase totals (quantity and amount) of one product by agency and company "
        "(특정품목조달집계). Use it when a sum is wanted, e.g. 'desk purchases by month this year'. "
        f"{_ITEM_TEXT[1]} Defaults: the last 12 months up to today (KST; 12-month calls), in the "
        f"gateway's order, at most 50. {_CONTINUE[1]} "
        'Example: {"category_no": "56101703", "start_date": "2026-01-01", "end_date": "2026-06-30"}',
    ),
    scopes=("g2b:read",),
    read_only=True,
    open_world=True,
)
async def search_item_procurement_totals(
    ctx: Context, p: SearchItemProcurementTotals
) -> Listing[ItemProcurementTotal]:
    """특정품목조달집계 by 계약납품요구일자."""
    params = p.product_params() | {
        "dminsttCd": p.agency_code,
        "bizno": p.company_no.replace("-", "") if p.company_no else None,
        "cntrctDlvrDiv": None if p.lump_sum is None else ("1" if p.lump_sum else "2"),
    }
    listing = await collect(
        ctx, ITEM_PROCUREMENT_TOTALS, params, p, window=p.dates_or_last(365, today=_today())
    )
    return hinted(listing, category_hint(listing, category=p.category, detail_category=p.detail_category))
