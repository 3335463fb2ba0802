"""g2b_suppliers (get_supplier, search_agencies, search_industries) end to end on the sandbox.

The plugin is loaded in process without its entry point; every surface (REST, SSE, MCP) is served
by the real app on the in-process sandbox upstream. Operations, parameters and record fields are
checked against the packaged catalog; UsrInfoService02's reference lists no response fields, so
there its records are checked against the catalog's invented (``fields_invented``) ones.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import msgspec
import pytest

import naramarket.plugins.g2b_suppliers as plugin
from naramarket.plugins.g2b_suppliers import records
from tests.inprocess import Served, sse_events
from tests.plugins import support
from tests.plugins.support import Catalogued, Recording, call, catalogued_by_path, output_schema

pytestmark = pytest.mark.anyio

DAON = ("주식회사 다온전자", "7518843014")  # a supplier of the sandbox's world


def served_plugin(transport: Recording | None = None) -> contextlib.AbstractAsyncContextManager[Served]:
    return support.served_plugin("g2b_suppliers", plugin, transport)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with served_plugin() as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.http(timeout=30) as client:
        yield client


async def refused(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    r = await http.post(f"/api/v1/tools/{name}", json=arguments)
    assert r.status_code == 422, r.text
    problem: dict[str, Any] = r.json()
    assert problem["code"] == "invalid_params"
    return problem


# -- get_supplier (REST) ---------------------------------------------------------------------------


async def test_supplier_by_number_with_dashes_has_every_part(http: httpx.AsyncClient) -> None:
    body = await call(http, "get_supplier", {"business_no": "751-88-43014"})
    assert body["business_no"] == DAON[1] and body["sandbox"] is True and body["fields_invented"] is True
    assert body["supplier"]["name"] == DAON[0] and body["supplier"]["business_no"] == DAON[1]
    assert body["industries"] and all(i["business_no"] == DAON[1] for i in body["industries"])
    codes = [i["code"] for i in body["industries"]]
    assert len(codes) == len(set(codes))  # one per industry code
    assert body["products"] and all(p["business_no"] == DAON[1] for p in body["products"])
    assert body["sanctions"] and all(s["business_no"] == DAON[1] for s in body["sanctions"])
    starts = [s["start"] for s in body["sanctions"]]
    assert starts == sorted(starts, reverse=True)
    assert isinstance(body["sanctioned_now"], bool)


async def test_supplier_by_name_resolves_the_same_number(http: httpx.AsyncClient) -> None:
    by_name = await call(http, "get_supplier", {"name": "다온전자"})
    by_number = await call(http, "get_supplier", {"business_no": DAON[1]})
    assert by_name["business_no"] == DAON[1] == by_number["business_no"]
    assert by_name["supplier"]["name"] == by_number["supplier"]["name"] == DAON[0]


async def test_an_ambiguous_name_is_refused_with_the_candidates(http: httpx.AsyncClient) -> None:
    problem = await refused(http, "get_supplier", {"name": "전자"})
    assert "name" in problem["detail"] and DAON[1] in problem["detail"] and "business_no" in problem["detail"]


async def test_an_unknown_name_is_not_found(http: httpx.AsyncClient) -> None:
    r = await http.post("/api/v1/tools/get_supplier", json={"name": "없는업체이름"})
    assert r.status_code == 404 and r.json()["code"] == "not_found" and "name" in r.json()["detail"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "business_no"),
        ({"business_no": "1234", "name": "x"}, "business_no"),
        ({"business_no": "123456789"}, "business_no"),
        ({"business_no": "12-345-67890"}, "business_no"),
        ({"name": "x"}, "name"),
        ({"business_no": DAON[1], "name": "다온전자"}, "name"),
        ({"bizno": DAON[1]}, "bizno"),
    ],
)
async def test_bad_supplier_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    assert field in (await refused(http, "get_supplier", arguments))["detail"]


async def test_a_supplier_industry_is_found_by_search_industries(http: httpx.AsyncClient) -> None:
    profile = await call(http, "get_supplier", {"business_no": DAON[1]})
    code = profile["industries"][0]["code"]
    found = await call(http, "search_industries", {"code": code, "limit": 5})
    assert found["items"] and {i["code"] for i in found["items"]} == {code}


# -- search_agencies (REST) ------------------------------------------------------------------------


async def test_agencies_by_name_search_every_registration(http: httpx.AsyncClient) -> None:
    body = await call(http, "search_agencies", {"name": "조달청", "limit": 20})
    names = [a["name"] for a in body["items"]]
    assert names and all("조달청" in n for n in names)
    codes = [a["code"] for a in body["items"]]
    assert len(codes) == len(set(codes))  # one row per agency
    assert "조달청" in names and "1230000" in codes
    dates = [a["registered_at"] for a in body["items"]]
    assert dates == sorted(dates, reverse=True)


async def test_agency_by_code_and_by_business_number(http: httpx.AsyncClient) -> None:
    by_code = await call(http, "search_agencies", {"code": "1230000"})
    assert [a["code"] for a in by_code["items"]] == ["1230000"] and by_code["items"][0]["name"] == "조달청"
    by_number = await call(http, "search_agencies", {"business_no": "123-45-67890", "limit": 5})
    assert by_number["items"] and by_number["sandbox"] is True


async def test_agencies_without_conditions_are_the_last_30_days_and_continue(http: httpx.AsyncClient) -> None:
    first = await call(http, "search_agencies", {"limit": 5})
    assert len(first["items"]) == 5 and first["complete"] is False and first["next"]["cursor"]
    second = await call(http, "search_agencies", first["next"])
    assert second["items"][0]["registered_at"] <= first["items"][-1]["registered_at"]


async def test_agencies_by_change_date_filter_the_change_date(http: httpx.AsyncClient) -> None:
    span = {"start_date": "2026-10-01", "end_date": "2026-10-31"}
    body = await call(http, "search_agencies", {"date_basis": "변경", "limit": 30, **span})
    changed = [a["changed_at"] for a in body["items"]]
    assert changed and changed == sorted(changed, reverse=True)
    english = await call(http, "search_agencies", {"date_basis": "changed", "limit": 30, **span})
    assert english["items"] == body["items"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"code": "123"}, "code"),
        ({"name": "x"}, "name"),
        ({"business_no": "1234567890", "name": "조달청"}, "name"),
        ({"business_no": "1234567890", "start_date": "2026-10-01", "end_date": "2026-10-02"}, "start_date"),
        ({"date_basis": "수정"}, "date_basis"),
        ({"start_date": "2026-10-01"}, "start_date"),
        ({"limit": 501}, "limit"),
    ],
)
async def test_bad_agency_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    assert field in (await refused(http, "search_agencies", arguments))["detail"]


# -- search_industries (REST) ----------------------------------------------------------------------


async def test_industries_filter_by_name_category_and_use(http: httpx.AsyncClient) -> None:
    by_name = await call(http, "search_industries", {"keyword": "정보통신공사업", "limit": 10})
    assert by_name["items"] and {i["name"] for i in by_name["items"]} == {"정보통신공사업"}
    by_category = await call(http, "search_industries", {"category_code": "41", "limit": 10})
    assert by_category["items"] and {i["category_code"] for i in by_category["items"]} == {"41"}
    in_use = await call(http, "search_industries", {"in_use": True, "limit": 10})
    assert in_use["items"] and {i["in_use"] for i in in_use["items"]} == {True}
    retired = await call(http, "search_industries", {"in_use": False, "limit": 10})
    assert retired["items"] and {i["in_use"] for i in retired["items"]} == {False}


async def test_industries_whole_table_newest_first(http: httpx.AsyncClient) -> None:
    whole = await call(http, "search_industries", {"limit": 500})
    assert whole["complete"] is True and whole["total_count"] == len(whole["items"])
    dates = [i["registered_at"] for i in whole["items"]]
    assert dates == sorted(dates, reverse=True)
    first = await call(http, "search_industries", {"limit": 40})
    assert first["complete"] is False and first["next"]["cursor"]
    second = await call(http, "search_industries", first["next"])
    assert second["items"][0]["registered_at"] <= first["items"][-1]["registered_at"]


async def test_industries_continue_exactly_by_next(http: httpx.AsyncClient) -> None:
    whole = await call(http, "search_industries", {"limit": 500})
    assert whole["complete"] is True and whole["total_count"] == len(whole["items"])
    dates = [i["registered_at"] for i in whole["items"]]
    assert dates == sorted(dates, reverse=True)
    pieces: list[Any] = []
    arguments: dict[str, Any] = {"limit": 40}
    for _ in range(50):
        body = await call(http, "search_industries", arguments)
        pieces += body["items"]
        if body["complete"]:
            break
        arguments = body["next"]
    assert pieces == whole["items"]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"code": "41"}, "code"), ({"category_code": "x1"}, "category_code"), ({"in_use": "Y"}, "in_use")],
)
async def test_bad_industry_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    assert field in (await refused(http, "search_industries", arguments))["detail"]


# -- SSE -------------------------------------------------------------------------------------------


async def stream(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> list[Any]:
    async with http.stream("POST", f"/api/v1/tools/{name}/stream", json=arguments) as r:
        assert r.status_code == 200
        return sse_events((await r.aread()).decode())


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("search_agencies", {"name": "조달청", "limit": 15}),
        ("search_industries", {"keyword": "전기", "limit": 12}),
    ],
)
async def test_sse_streams_the_same_records_as_rest(
    http: httpx.AsyncClient, name: str, arguments: dict[str, Any]
) -> None:
    rest = await call(http, name, arguments)
    events = await stream(http, name, arguments)
    assert events[-1][1] == "result"
    streamed = [d for _, kind, d in events if kind == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest


async def test_sse_get_supplier(http: httpx.AsyncClient) -> None:
    events = await stream(http, "get_supplier", {"business_no": DAON[1]})
    assert events[-1][1] == "result"
    result = events[-1][2]
    assert result["supplier"]["business_no"] == DAON[1]
    jsonschema.validate(result, await output_schema(http, "get_supplier"))


# -- MCP -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_every_tool(served: Served, mode: str) -> None:
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert {"get_supplier", "search_agencies", "search_industries"} <= set(tools)
        agencies = await client.call_tool("search_agencies", {"name": "국세청", "limit": 3})
        assert agencies.is_error is not True, agencies.content[0].text
        jsonschema.validate(agencies.structured_content, tools["search_agencies"].output_schema)
        assert (
            agencies.content[0].text.startswith("[SANDBOX") and "| code | name |" in agencies.content[0].text
        )
        industries = await client.call_tool("search_industries", {"keyword": "건축", "limit": 3})
        assert industries.is_error is not True, industries.content[0].text
        jsonschema.validate(industries.structured_content, tools["search_industries"].output_schema)
        supplier = await client.call_tool("get_supplier", {"name": "다온전자"})
        assert supplier.is_error is not True, supplier.content[0].text
        jsonschema.validate(supplier.structured_content, tools["get_supplier"].output_schema)
        assert f"supplier {DAON[1]} {DAON[0]}" in supplier.content[0].text
        bad = await client.call_tool("get_supplier", {"business_no": "12"})
    assert bad.is_error is True and "business_no" in json.loads(bad.content[0].text)["detail"]
    for name in ("get_supplier", "search_agencies", "search_industries"):
        description = tools[name].description or ""
        assert "예:" in description and "Example:" in description
        assert tools[name].annotations is not None and tools[name].annotations.read_only_hint is True


# -- against the catalog ---------------------------------------------------------------------------


def reference() -> dict[str, Catalogued]:
    return catalogued_by_path("UsrInfoService02", "IndstrytyBaseLawrgltInfoService")


def wire_fields(record: type[Any]) -> set[str]:
    (_, components) = msgspec.json.schema_components([record])
    return {prop["x-upstream-field"] for prop in components[record.__name__]["properties"].values()}


def test_declared_operations_and_record_fields_are_catalogued() -> None:
    operations = reference()
    for op in records.OPERATIONS:
        path = f"/1230000/{op.path}"
        assert path in operations, path
        assert set(op.date_params or ()) <= operations[path].params, op.name
        # UsrInfoService02: the reference lists no fields; the catalog's follow the retired service
        assert operations[path].fields_invented == (operations[path].service == "UsrInfoService02"), op.name
        fields = operations[path].fields
        assert wire_fields(op.record) <= fields, (op.name, wire_fields(op.record) - fields)


async def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    transport = Recording()
    calls = [
        ("get_supplier", {"business_no": DAON[1]}),
        ("get_supplier", {"name": "다온전자"}),
        ("search_agencies", {"name": "조달청", "code": "1230000"}),
        ("search_agencies", {"date_basis": "변경", "start_date": "2026-10-01", "end_date": "2026-10-31"}),
        ("search_agencies", {"business_no": "1234567890"}),
        ("search_industries", {"keyword": "건축", "code": "0001", "category_code": "41", "in_use": True,
                               "start_date": "2026-01-01", "end_date": "2026-11-30"}),
    ]  # fmt: skip
    async with served_plugin(transport) as served, served.http(timeout=30) as http:
        for name, arguments in calls:
            r = await http.post(f"/api/v1/tools/{name}", json=arguments)
            assert r.status_code == 200, (name, arguments, r.text)
    operations = reference()
    used = set()
    for path, query in transport.requests:
        assert path in operations, path
        documented, required = operations[path].params, operations[path].required
        assert set(query) <= documented, (path, set(query) - documented)
        assert required <= set(query), (path, required - set(query))
        used.add(path)
    assert used == {f"/1230000/{op.path}" for op in records.OPERATIONS}  # every declared op is exercised
