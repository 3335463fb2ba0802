"""g2b_statistics (get_procurement_statistics, search_prices, search_standard_unit_prices,
search_open_standard) end to end on the sandbox through REST, SSE and MCP, and against the catalog."""

from __future__ import annotations

import contextlib
import json
import re
import typing
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest

import naramarket.plugins.g2b_statistics as plugin
from naramarket.plugins.g2b_statistics import VIEWS, records
from tests.inprocess import Served, sse_events
from tests.plugins import support
from tests.plugins.support import Recording, call, catalogued_by_path, output_schema

pytestmark = pytest.mark.anyio

SERVICES = ("PubPrcrmntStatInfoService", "PriceInfoService", "PubDataOpnStdService")


def served_plugin(transport: Recording | None = None) -> contextlib.AbstractAsyncContextManager[Served]:
    return support.served_plugin("g2b_statistics", plugin, transport)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with served_plugin() as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.http(timeout=30) as client:
        yield client


def arguments_of(view: str) -> dict[str, Any]:
    if view == "yearly_totals":
        return {"view": view, "year": 2025}
    return {"view": view, "start_month": "2026-01", "end_month": "2026-03", "limit": 20}


@pytest.mark.parametrize("view", list(VIEWS))
async def test_every_statistics_view_answers_normalized_rows(http: httpx.AsyncClient, view: str) -> None:
    body = await call(http, "get_procurement_statistics", arguments_of(view))
    assert body["items"] and body["sandbox"] is True
    row = body["items"][0]
    subject = VIEWS[view][1]
    if subject is not None:
        assert row["subject_code"] or row["subject_name"]
    if view in ("regional_joint_contracts", "regional_limits", "yearly_totals"):
        assert row["figures"] and all(f["label"] and f["field"] for f in row["figures"])
    else:
        assert row["total_count"] is not None and row["breakdown"]
        assert all(c["label"] and not c["label"].endswith("건수") for c in row["breakdown"])


async def test_statistics_rows_keep_the_gateway_values(http: httpx.AsyncClient) -> None:
    body = await call(http, "get_procurement_statistics", arguments_of("by_contract_method"))
    labels = {c["label"] for c in body["items"][0]["breakdown"]}
    assert {"일반경쟁", "제한경쟁", "지명경쟁", "수의계약"} <= labels
    assert all(row["total_count"] == sum(c["count"] for c in row["breakdown"]) for row in body["items"])


async def test_statistics_rows_spread_over_the_months_asked_and_add_up(http: httpx.AsyncClient) -> None:
    arguments = {"view": "by_kind", "start_month": "2025-11", "end_month": "2026-02", "limit": 50}
    rows = (await call(http, "get_procurement_statistics", arguments))["items"]
    monthly = [r for r in rows if r["category"] == "월별"]
    assert [r["period"] for r in monthly] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert len({r["total_amount"] for r in monthly}) == 4  # each month its own figures
    whole = [r for r in rows if r["category"] == "전체"]
    assert len(whole) == 1 and whole[0]["total_amount"] == sum(r["total_amount"] for r in monthly)
    running = [r for r in rows if r["category"] == "누계"]
    assert running[-1]["total_count"] == sum(r["total_count"] for r in monthly)
    # A month's figures do not depend on the range asked.
    one = {"view": "by_kind", "start_month": "2026-01", "end_month": "2026-01"}
    again = (await call(http, "get_procurement_statistics", one))["items"]
    assert [r for r in again if r["category"] == "월별"] == [monthly[2]]


async def test_price_rows_carry_a_price_notice_number(http: httpx.AsyncClient) -> None:
    body = await call(http, "search_prices", {"source": "materials", "field": "building", "limit": 20})
    numbers = [i["notice_no"] for i in body["items"]]
    assert all(re.fullmatch(r"\d{11}", n) for n in numbers) and len(set(numbers)) == len(numbers)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"view": "by_kind", "agency": "조달청"}, "agency"),
        ({"view": "agency_by_kind", "company": "x"}, "company"),
        ({"view": "by_kind", "start_month": "2025-01"}, "start_month"),
        ({"view": "by_kind", "start_month": "2025-13", "end_month": "2025-12"}, "start_month"),
        ({"view": "by_kind", "year": 2025}, "year"),
        ({"view": "nope"}, "view"),
    ],
)
async def test_bad_statistics_params_are_invalid_params(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    r = await http.post("/api/v1/tools/get_procurement_statistics", json=arguments)
    assert r.status_code == 422 and field in r.json()["detail"], r.text


@pytest.mark.parametrize(
    ("source", "field"),
    [(s, f) for s in ("materials", "market") for f in ("building", "civil", "machinery")]
    + [("시설공통자재", "전기통신")],
)
async def test_prices_of_every_list(http: httpx.AsyncClient, source: str, field: str) -> None:
    body = await call(http, "search_prices", {"source": source, "field": field, "limit": 5})
    assert body["items"] and all(i["category_no"] and i["noticed"] for i in body["items"])
    assert any(i["price"] is not None for i in body["items"])


async def test_prices_refuse_what_the_gateway_lacks(http: httpx.AsyncClient) -> None:
    r = await http.post("/api/v1/tools/search_prices", json={"source": "market", "field": "electric"})
    assert r.status_code == 422 and "field" in r.json()["detail"]
    r = await http.post(
        "/api/v1/tools/search_prices", json={"start_date": "2026-01-01", "end_date": "2026-01-02"}
    )
    assert r.status_code == 422 and "start_date" in r.json()["detail"]


async def test_standard_unit_prices_are_published_in_the_range(http: httpx.AsyncClient) -> None:
    span = {"start_date": "2026-03-01", "end_date": "2026-05-31", "limit": 100}
    body = await call(http, "search_standard_unit_prices", span)
    dates = [i["published_on"] for i in body["items"]]
    assert dates and all("2026-03-01" <= d <= "2026-05-31" for d in dates)
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(
    ("dataset", "days", "limit_days"),
    [("bids", "2026-08-01/2026-09-15", 31), ("awards", "2026-10-01/2026-10-03", 1),
     ("contracts", "2026-10-01/2026-10-20", 7)],
)  # fmt: skip
async def test_open_standard_reads_a_longer_range_in_the_gateways_windows(
    dataset: str, days: str, limit_days: int
) -> None:
    import datetime as dt

    start, end = days.split("/")
    transport = Recording()
    async with served_plugin(transport) as served, served.http(timeout=30) as http:
        body = await call(
            http,
            "search_open_standard",
            {"dataset": dataset, "start_date": start, "end_date": end, "limit": 500},
        )
    assert body["items"]
    date_field = {"bids": "notice_date", "awards": "opening_date", "contracts": "concluded_on"}[dataset]
    assert all(start <= i[date_field] <= end for i in body["items"])
    spans = []
    for _, query in transport.requests:
        begin, finish = [v for k, v in query.items() if k.endswith(("BgnDt", "BgnDate", "EndDt", "EndDate"))]
        spans.append((dt.date.fromisoformat(f"{begin[:4]}-{begin[4:6]}-{begin[6:8]}"),
                      dt.date.fromisoformat(f"{finish[:4]}-{finish[4:6]}-{finish[6:8]}")))  # fmt: skip
    assert len({s for s in spans}) > 1  # more than one window
    assert all((b - a).days < limit_days for a, b in spans)


async def test_sse_streams_the_statistics_rows_rest_answers(http: httpx.AsyncClient) -> None:
    arguments = arguments_of("agency_by_contract_method")
    rest = await call(http, "get_procurement_statistics", arguments)
    async with http.stream("POST", "/api/v1/tools/get_procurement_statistics/stream", json=arguments) as r:
        events = sse_events((await r.aread()).decode())
    assert events[-1][1] == "result"
    streamed = [d for _, kind, d in events if kind == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest
    jsonschema.validate(rest, await output_schema(http, "get_procurement_statistics"))


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_every_tool(served: Served, mode: str) -> None:
    calls = [
        ("get_procurement_statistics", arguments_of("supplier_by_kind")),
        ("search_prices", {"field": "civil", "limit": 5}),
        ("search_standard_unit_prices", {"limit": 5}),
        ("search_open_standard", {"dataset": "contracts", "limit": 5}),
    ]
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name, arguments in calls:
            result = await client.call_tool(name, arguments)
            assert result.is_error is not True, result.content[0].text
            jsonschema.validate(result.structured_content, tools[name].output_schema)
            assert result.content[0].text.startswith("[SANDBOX")
            description = tools[name].description or ""
            assert "예:" in description and "Example:" in description
        bad = await client.call_tool("search_open_standard", {"dataset": "bids", "agency_code": "1230000"})
    assert bad.is_error is True and "agency_code" in json.loads(bad.content[0].text)["detail"]


# -- against the catalog ------------------------------------------------------------------------------


def wire_fields(record: type[Any]) -> set[str]:
    hints = typing.get_type_hints(record, include_extras=True)
    return {
        meta.extra_json_schema["x-upstream-field"]
        for name in record.__struct_fields__
        for meta in typing.get_args(hints[name])[1:]
    }


def test_declared_operations_and_record_fields_are_catalogued() -> None:
    operations = catalogued_by_path(*SERVICES)
    for op in records.OPERATIONS:
        path = f"/1230000/{op.path}"
        assert path in operations, path
        assert wire_fields(op.record) <= operations[path].fields, (op.name, wire_fields(op.record))
        if op.date_params:
            assert set(op.date_params) <= operations[path].params, op.name
    assert {f"/1230000/at/PubPrcrmntStatInfoService/{name}" for name, _ in VIEWS.values()} == {
        p for p in operations if "PubPrcrmntStatInfoService" in p
    }  # every statistics operation has a view


async def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    transport = Recording()
    calls: list[tuple[str, dict[str, Any]]] = [("get_procurement_statistics", arguments_of(v)) for v in VIEWS]
    calls += [
        ("get_procurement_statistics", {**arguments_of("agency_by_kind"), "agency_code": "1230000",
                                        "agency": "조달청", "include_sub_agencies": True,
                                        "system_code": "1000"}),
        ("get_procurement_statistics", {**arguments_of("supplier_by_kind"), "company_no": "1018109147",
                                        "company": "현대"}),
        ("get_procurement_statistics", {**arguments_of("product_by_contract_method"),
                                        "product_no": "43211507", "product": "컴퓨터"}),
        ("search_prices", {"category": "철근", "category_no": "30102201", "product_id": "1",
                           "name": "철근", "field": "machinery"}),
        ("search_open_standard", {"dataset": "contracts", "agency_code": "1230000"}),
        ("search_open_standard", {"dataset": "awards", "kind": "용역"}),
        ("search_open_standard", {"dataset": "bids"}),
        ("search_standard_unit_prices", {}),
    ]  # fmt: skip
    calls += [("search_prices", {"source": s, "field": f}) for (s, f) in records.PRICE_LISTS]
    async with served_plugin(transport) as served, served.http(timeout=30) as http:
        for name, arguments in calls:
            r = await http.post(f"/api/v1/tools/{name}", json=arguments)
            assert r.status_code == 200, (name, arguments, r.text)
    operations = catalogued_by_path(*SERVICES)
    used = set()
    for path, query in transport.requests:
        assert path in operations, path
        assert set(query) <= operations[path].params, (path, set(query) - operations[path].params)
        assert operations[path].required <= set(query), (path, operations[path].required - set(query))
        used.add(path)
    declared = {f"/1230000/{op.path}" for op in records.OPERATIONS}
    statistics = {f"/1230000/at/PubPrcrmntStatInfoService/{name}" for name, _ in VIEWS.values()}
    assert used == declared | statistics
