"""g2b_mall's tools beyond ``crawl_list`` end to end on the sandbox (REST, SSE, MCP), and against the
packaged catalog: every declared operation, every wire parameter sent, and bad params refused
before any upstream request."""

from __future__ import annotations

import contextlib
import json
import typing
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest

import naramarket.plugins.g2b_mall as plugin
from naramarket.plugins.g2b_mall import MAS_PRODUCTS, orders, products, records
from tests.inprocess import Served, sse_events
from tests.plugins import support
from tests.plugins.support import GATEWAY_PREFIX, Recording, call, catalogued_by_path

pytestmark = pytest.mark.anyio

YEAR_SPAN = {"start_date": "2026-01-01", "end_date": "2026-11-30"}
MONTH = {"start_date": "2026-10-01", "end_date": "2026-10-31"}
# One call per tool, with arguments that find records on the sandbox.
CALLS: dict[str, dict[str, Any]] = {
    "search_mall_products": {"category": "데스크톱컴퓨터", "limit": 20, **YEAR_SPAN},
    "search_mall_registrations": {"category": "복합기", "limit": 10, **YEAR_SPAN},
    "search_delivery_requests": {"limit": 10, **MONTH},
    "search_delivery_items": {"category": "데스크톱컴퓨터", "limit": 10, **MONTH},
    "search_venture_orders": {"limit": 10, **YEAR_SPAN},
    "search_item_procurements": {"category": "책상", "limit": 10, **MONTH},
    "search_item_procurement_totals": {"category_no": "56101703", "limit": 10, **YEAR_SPAN},
}
LISTS = list(CALLS)


def served_plugin(transport: Recording | None = None) -> contextlib.AbstractAsyncContextManager[Served]:
    return support.served_plugin("g2b_mall", plugin, transport)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with served_plugin() as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.http(timeout=60) as client:
        yield client


async def a_product_id(http: httpx.AsyncClient) -> str:
    body = await call(http, "search_mall_products", {"category": "노트북컴퓨터", "limit": 1, **YEAR_SPAN})
    return str(body["items"][0]["product_id"])


async def a_request_no(http: httpx.AsyncClient) -> str:
    return str(
        (await call(http, "search_delivery_requests", {"limit": 1, **MONTH}))["items"][0]["request_no"]
    )


# -- REST ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LISTS)
async def test_every_list_tool_answers_records_on_rest(http: httpx.AsyncClient, name: str) -> None:
    body = await call(http, name, CALLS[name])
    assert body["items"] and body["sandbox"] is True
    assert len(body["items"]) <= CALLS[name]["limit"]
    if "hint" in body:
        assert body["hint"] is None  # records were found: nothing to suggest


async def test_filters_the_gateway_lacks_are_applied_to_every_row(http: httpx.AsyncClient) -> None:
    whole = await call(
        http, "search_mall_products", {"category": "데스크톱컴퓨터", "limit": 300, **YEAR_SPAN}
    )
    prices = sorted(i["price"] for i in whole["items"])
    low, high = prices[len(prices) // 4], prices[3 * len(prices) // 4]
    maker = whole["items"][0]["maker"]
    arguments = {"category": "데스크톱컴퓨터", "limit": 300, "price_min": low, "price_max": high, **YEAR_SPAN}
    ranged = await call(http, "search_mall_products", arguments)
    expected = [i["product_id"] for i in whole["items"] if low <= i["price"] <= high]
    assert whole["complete"] and ranged["complete"]
    assert [i["product_id"] for i in ranged["items"]] == expected and expected
    sme = await call(http, "search_mall_products", {**arguments, "sme": True, "excellent": False})
    assert sme["items"] and all(i["sme_competition"] and not i["excellent_product"] for i in sme["items"])
    by_maker = await call(
        http, "search_mall_products", {**arguments, "maker": maker.replace("주식회사 ", "")}
    )
    assert by_maker["items"] and all(maker in i["maker"] for i in by_maker["items"])
    spec = await call(http, "search_mall_products", {**arguments, "spec_keyword": "i5 16gb"})
    assert spec["items"] and all("i5" in i["spec"] and "16GB" in i["spec"] for i in spec["items"])


async def test_supplier_and_certified_go_to_the_gateway(http: httpx.AsyncClient) -> None:
    some = await call(http, "search_mall_products", {"category": "복합기", "limit": 1, **YEAR_SPAN})
    supplier = some["items"][0]["company"]
    body = await call(
        http,
        "search_mall_products",
        {"category": "복합기", "supplier": supplier, "certified": True, **YEAR_SPAN},
    )
    assert body["items"] and {i["company"] for i in body["items"]} == {supplier}


@pytest.mark.parametrize("kind", ["MAS", "단가", "third_party", "all"])
async def test_each_contract_kind_answers(http: httpx.AsyncClient, kind: str) -> None:
    body = await call(
        http, "search_mall_products", {"kind": kind, "category": "복사용지", "limit": 15, **YEAR_SPAN}
    )
    assert body["items"] and all(i["category"] == "복사용지" for i in body["items"])
    dates = [i["registered_at"] for i in body["items"]]
    assert dates == sorted(dates, reverse=True)


async def test_a_category_nobody_sells_points_to_search_categories(http: httpx.AsyncClient) -> None:
    body = await call(http, "search_mall_products", {"category": "씨씨티비", **YEAR_SPAN})
    assert body["items"] == [] and body["complete"] is True
    assert "search_categories" in body["hint"]
    items = await call(http, "search_delivery_items", {"category": "씨씨티비", **MONTH})
    assert items["items"] == [] and "search_categories" in items["hint"]


async def test_get_product_agrees_with_its_search_row_and_its_attribute_pages(
    http: httpx.AsyncClient,
) -> None:
    product_id = await a_product_id(http)
    detail = await call(http, "get_product", {"product_id": product_id, "kind": "MAS"})
    assert detail["found"] is True and detail["product"]["product_id"] == product_id
    product = detail["product"]
    official = {a["name"]: a["value"] for a in detail["attributes"]}
    page = {a["name"]: a["value"] for a in detail["mall_attributes"]}
    assert detail["mall_page_error"] is None
    # The official table and the mall page describe the same product the contract row shows.
    for table in (official, page):
        assert table["품명"] == product["category"]
        assert table["제조사"] == product["maker"]
        assert [v for k, v in sorted(table.items()) if k.startswith("규격")] == product["spec"].split(", ")[
            1:
        ]
    assert all(a["product_id"] == product_id for a in detail["attributes"])
    without_page = await call(http, "get_product", {"product_id": product_id, "mall_page": False})
    assert without_page["mall_attributes"] == [] and without_page["attributes"] == detail["attributes"]


async def test_get_product_reads_the_mall_page_under_the_mall_base_through_the_client() -> None:
    transport = Recording()
    async with served_plugin(transport) as served, served.http(timeout=60) as http:
        product_id = await a_product_id(http)
        await call(http, "get_product", {"product_id": product_id})
    pages = [(path, q) for path, q in transport.requests if path.startswith("/mall/")]
    assert pages == [("/mall" + products.MALL_ATTRIBUTE_PAGE, {})]  # POST JSON, no service key


async def test_get_delivery_request_has_its_lines(http: httpx.AsyncClient) -> None:
    number = await a_request_no(http)
    detail = await call(http, "get_delivery_request", {"request_no": number})
    assert detail["found"] is True and detail["request"]["request_no"] == number
    assert detail["versions"] and detail["items"]
    assert all(i["request_no"] == number for i in detail["items"])


async def test_item_procurements_take_one_product_level(http: httpx.AsyncClient) -> None:
    by_detail = await call(
        http, "search_item_procurements", {"detail_category_no": "5610170301", **YEAR_SPAN}
    )
    assert by_detail["items"] and {i["detail_category_no"] for i in by_detail["items"]} == {"5610170301"}
    totals = await call(
        http, "search_item_procurement_totals", {"category": "책상", "lump_sum": False, **YEAR_SPAN}
    )
    assert totals["items"] and all(i["category"] == "책상" for i in totals["items"])


# -- bad params, refused before any upstream request -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "arguments", "field"),
    [
        ("search_mall_products", {"kind": "lease"}, "kind"),
        ("search_mall_products", {"price_min": 10, "price_max": 5}, "price_max"),
        ("search_mall_products", {"price_min": -1}, "price_min"),
        ("search_mall_products", {"product_id": "12ab"}, "product_id"),
        ("search_mall_products", {"detail_category_no": "123"}, "detail_category_no"),
        ("search_mall_products", {"start_date": "2026-01-01"}, "start_date"),
        ("search_mall_products", {"brand": "x"}, "brand"),
        ("get_product", {}, "product_id"),
        ("get_product", {"product_id": "x"}, "product_id"),
        ("search_mall_registrations", {"category": ""}, "category"),
        ("search_delivery_requests", {"agency_code": "toolongcode"}, "agency_code"),
        ("get_delivery_request", {"request_no": "R 1"}, "request_no"),
        ("search_delivery_items", {"limit": 0}, "limit"),
        ("search_venture_orders", {"agency_region": ""}, "agency_region"),
        ("search_item_procurements", {}, "category"),
        ("search_item_procurements", {"category": "책상", "spec": "A4"}, "category"),
        ("search_item_procurements", {"category": "책상", "method": "경매"}, "method"),
        ("search_item_procurement_totals", {"category_no": "5610"}, "category_no"),
        ("search_item_procurement_totals", {"category": "책상", "company_no": "12"}, "company_no"),
    ],
)
async def test_bad_params_are_refused_before_any_upstream_request(
    name: str, arguments: dict[str, Any], field: str
) -> None:
    transport = Recording()
    async with served_plugin(transport) as served, served.http(timeout=30) as http:
        r = await http.post(f"/api/v1/tools/{name}", json=arguments)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_params" and field in problem["detail"]
    assert transport.requests == []


# -- SSE and MCP -------------------------------------------------------------------------------------


async def stream(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> list[Any]:
    async with http.stream("POST", f"/api/v1/tools/{name}/stream", json=arguments) as r:
        assert r.status_code == 200
        return sse_events((await r.aread()).decode())


@pytest.mark.parametrize("name", LISTS)
async def test_sse_streams_the_same_records_as_rest(http: httpx.AsyncClient, name: str) -> None:
    rest = await call(http, name, CALLS[name])
    events = await stream(http, name, CALLS[name])
    assert events[-1][1] == "result"
    streamed = [d for _, kind, d in events if kind == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest


async def test_sse_one_thing_tools(http: httpx.AsyncClient) -> None:
    product_id = await a_product_id(http)
    events = await stream(http, "get_product", {"product_id": product_id})
    assert events[-1][1] == "result" and events[-1][2]["product"]["product_id"] == product_id
    number = await a_request_no(http)
    events = await stream(http, "get_delivery_request", {"request_no": number})
    assert events[-1][1] == "result" and events[-1][2]["request"]["request_no"] == number


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_every_tool(served: Served, mode: str) -> None:
    async with served.http(timeout=60) as http:
        product_id = await a_product_id(http)
        number = await a_request_no(http)
        rest = {name: await call(http, name, CALLS[name]) for name in LISTS}
    one = {"get_product": {"product_id": product_id}, "get_delivery_request": {"request_no": number}}
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name, arguments in [*CALLS.items(), *one.items()]:
            result = await client.call_tool(name, arguments)
            assert result.is_error is not True, (name, result.content[0].text)
            jsonschema.validate(result.structured_content, tools[name].output_schema)
            assert result.content[0].text.startswith("[SANDBOX")
            if name in rest:
                assert result.structured_content == rest[name]
            description = tools[name].description or ""
            assert "예:" in description and "Example:" in description, name
        bad = await client.call_tool("search_mall_products", {"price_min": 5, "price_max": 1})
    assert bad.is_error is True and "price_max" in json.loads(bad.content[0].text)["detail"]
    detail = tools["get_product"].description or ""
    assert "비공식" in detail and "UNOFFICIAL" in detail  # the mall page is said to be unofficial


# -- against the catalog -----------------------------------------------------------------------------

DECLARED = [
    *products.PRODUCT_KINDS.values(),
    products.ATTRIBUTES,
    records.REGISTERED,
    records.DELIVERY_REQUESTS,
    records.DELIVERY_ITEMS,
    records.VENTURE_ORDERS,
    records.ITEM_PROCUREMENTS,
    records.ITEM_PROCUREMENT_TOTALS,
]


def wire_fields(record: type[Any]) -> set[str]:
    hints = typing.get_type_hints(record, include_extras=True)
    names = set()
    for name in record.__struct_fields__:
        for meta in typing.get_args(hints[name])[1:]:
            names.add(meta.extra_json_schema["x-upstream-field"])
    return names


def test_declared_operations_and_record_fields_are_catalogued() -> None:
    operations = catalogued_by_path("ShoppingMallPrdctInfoService", "ThngListInfoService02")
    for op in DECLARED:
        path = GATEWAY_PREFIX + op.path
        assert path in operations, path
        assert wire_fields(op.record) <= operations[path].fields, (
            op.name,
            wire_fields(op.record) - operations[path].fields,
        )
        if op.date_params:
            assert set(op.date_params) <= operations[path].params, op.name
    mall = {GATEWAY_PREFIX + op.path for op in DECLARED if "ShoppingMall" in op.service}
    assert mall == set(catalogued_by_path("ShoppingMallPrdctInfoService"))  # all nine operations
    assert MAS_PRODUCTS in products.PRODUCT_KINDS.values()


async def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    transport = Recording()
    calls: list[tuple[str, dict[str, Any]]] = [
        ("search_mall_products", {"kind": "all", "category": "책상", "product_id": "12345678",
                                  "supplier": "가람", "certified": True, **YEAR_SPAN}),
        ("search_mall_registrations", {"category": "책상", "detail_category": "책상", "spec": "사무용",
                                       "mas": True, "excellent": False, "certified": True,
                                       "include_cancelled": True}),
        ("search_mall_registrations", {"contract_no": "R26TA01555712"}),
        ("search_delivery_requests", {"agency": "강원대학교", "agency_code": "7000055", **MONTH}),
        ("search_delivery_requests", {"contract_no": "001880030"}),
        ("search_delivery_items", {"category": "책상", "detail_category": "책상", "spec": "사무용", **MONTH}),
        ("get_delivery_request", {"request_no": "R25TB00728925"}),
        ("search_venture_orders", {"category": "손세정제", "detail_category": "손세정제", "spec": "500ml",
                                   "agency": "경상북도", "agency_region": "경상북도"}),
        ("search_item_procurements", {"category": "책상", "central": True, "agency": "강원대학교",
                                      "agency_code": "7000055", "agency_type": "교육기관",
                                      "agency_region": "강원",
                                      "company": "가람", "company_no": "201-81-14752", "excellent": False,
                                      "method": "수의계약", **MONTH}),
        ("search_item_procurements", {"detail_category_no": "5610170301", **YEAR_SPAN}),
        ("search_item_procurements", {"product_id": "12345678", "latest_only": False, **MONTH}),
        ("search_item_procurement_totals", {"category_no": "56101703", "agency_code": "7000055",
                                            "company_no": "2018114752", "lump_sum": True, **YEAR_SPAN}),
        ("get_product", {"product_id": "12345678", "mall_page": False}),
    ]  # fmt: skip
    async with served_plugin(transport) as served, served.http(timeout=60) as http:
        for name, arguments in calls:
            r = await http.post(f"/api/v1/tools/{name}", json=arguments)
            assert r.status_code == 200, (name, arguments, r.text)
    operations = catalogued_by_path("ShoppingMallPrdctInfoService", "ThngListInfoService02")
    used = set()
    for path, query in transport.requests:
        assert path in operations, path
        # ``type=json`` goes with every request; one operation's reference table omits it.
        assert set(query) - {"type"} <= operations[path].params, (path, set(query) - operations[path].params)
        # shopngCntrctNo is flagged required, but its doc says "조회구분 2인 경우 필수" (by contract only).
        required = operations[path].required - ({"shopngCntrctNo"} if query.get("inqryDiv") == "1" else set())
        assert required <= set(query), (path, required - set(query))
        used.add(path)
    assert used == {GATEWAY_PREFIX + op.path for op in DECLARED}


def test_tools_module_lists_its_tools() -> None:
    assert set(orders.__all__) >= {"search_delivery_requests", "get_delivery_request"}


# -- one product id, the same product everywhere (sandbox consistency) ---------------------------

FACTS = ("category", "category_no", "detail_category_no", "spec", "maker", "price", "company", "company_no")


def facts_of(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in FACTS}


@pytest.mark.parametrize("kind", ["MAS", "단가", "제3자단가"])
async def test_a_listed_product_id_looks_up_the_same_product(http: httpx.AsyncClient, kind: str) -> None:
    body = await call(
        http, "search_mall_products", {"kind": kind, "category": "데스크톱컴퓨터", "limit": 8, **YEAR_SPAN}
    )
    rows = body["items"]
    assert len(rows) == 8 and len({r["product_id"] for r in rows}) > 1
    for row in rows:
        assert row["category"] == "데스크톱컴퓨터"  # a category search lists ids of that category
        detail = await call(http, "get_product", {"product_id": row["product_id"], "kind": kind})
        assert detail["found"] is True
        assert facts_of(detail["product"]) == facts_of(row)
        assert all(facts_of(offer) == facts_of(row) for offer in detail["offers"])
        table = {a["name"]: a["value"] for a in detail["attributes"]}
        assert table["품명"] == row["category"] and table["제조사"] == row["maker"]


async def test_a_crawl_list_product_id_looks_up_the_same_product(http: httpx.AsyncClient) -> None:
    listed = (
        await http.post(
            "/api/v1/tools/crawl_list", json={"category": "노트북컴퓨터", "limit": 5, **YEAR_SPAN}
        )
    ).json()["items"]
    assert listed
    for row in listed:
        detail = await call(http, "get_product", {"product_id": row["product_id"], "mall_page": False})
        assert facts_of(detail["product"]) == facts_of(row)


async def test_a_supplier_search_lists_ids_of_that_supplier(http: httpx.AsyncClient) -> None:
    first = (await call(http, "search_mall_products", {"limit": 1, **YEAR_SPAN}))["items"][0]
    supplier = first["company"]
    rows = (await call(http, "search_mall_products", {"supplier": supplier, "limit": 5, **YEAR_SPAN}))[
        "items"
    ]
    assert rows and all(r["company"] == supplier for r in rows)
    for row in rows[:3]:
        detail = await call(http, "get_product", {"product_id": row["product_id"], "mall_page": False})
        assert detail["product"]["company"] == supplier


async def test_a_delivery_item_names_a_product_the_mall_lists(http: httpx.AsyncClient) -> None:
    items = (await call(http, "search_delivery_items", {"category": "데스크톱컴퓨터", "limit": 5, **MONTH}))[
        "items"
    ]
    assert items
    for item in items:
        detail = await call(http, "get_product", {"product_id": item["product_id"], "mall_page": False})
        product = detail["product"]
        assert detail["found"] is True and product["category"] == item["category"] == "데스크톱컴퓨터"
        assert product["spec"] == item["spec"] and product["company_no"] == item["company_no"]
        assert product["price"] == item["unit_price"]  # the line pays the product's contract price
        assert item["amount"] == item["unit_price"] * item["quantity"]


async def test_a_product_id_with_another_category_finds_nothing(http: httpx.AsyncClient) -> None:
    product_id = await a_product_id(http)  # a 노트북컴퓨터
    same = await call(
        http, "search_mall_products", {"product_id": product_id, "category": "노트북컴퓨터", **YEAR_SPAN}
    )
    other = await call(
        http, "search_mall_products", {"product_id": product_id, "category": "복합기", **YEAR_SPAN}
    )
    assert [r["product_id"] for r in same["items"]] == [product_id] and other["items"] == []
