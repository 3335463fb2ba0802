"""g2b_contracts (search_contracts, get_contract) end to end on the sandbox, and against the catalog.

The plugin is loaded in process without its entry point; every surface (REST, SSE, MCP) is served
by the real app on the in-process sandbox upstream.
"""

from __future__ import annotations

import contextlib
import json
import typing
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest

import naramarket.plugins.g2b_contracts as plugin
from naramarket.plugins.g2b_contracts import records
from tests.inprocess import Served, sse_events
from tests.plugins import support
from tests.plugins.support import Catalogued, Recording, call, catalogued_by_path, output_schema

pytestmark = pytest.mark.anyio

SANDBOX_COMPANY = "1018109147"  # the sandbox prints the catalog's sample 업체목록 on every contract
MONTH = {"start_date": "2026-10-01", "end_date": "2026-10-31"}


def served_plugin(transport: Recording | None = None) -> contextlib.AbstractAsyncContextManager[Served]:
    return support.served_plugin("g2b_contracts", plugin, transport)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with served_plugin() as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.http(timeout=30) as client:
        yield client


# -- REST -----------------------------------------------------------------------------------------


async def test_rest_search_defaults_to_goods_newest_50(http: httpx.AsyncClient) -> None:
    body = await call(http, "search_contracts", {})
    assert len(body["items"]) == 50 and body["complete"] is False and body["reason"] == "limit"
    assert body["sandbox"] is True and body["order"] == "newest"
    assert body["next"]["cursor"] and body["next"]["kind"] == "물품"
    assert {i["kind"] for i in body["items"]} == {"물품"}
    first = body["items"][0]
    assert first["contract_no"] and first["title"] and isinstance(first["amount"], int)


async def test_korean_and_english_kind_labels_pick_the_same_operation(http: httpx.AsyncClient) -> None:
    korean = await call(http, "search_contracts", {"kind": "공사", "limit": 5, **MONTH})
    english = await call(http, "search_contracts", {"kind": "works", "limit": 5, **MONTH})
    assert [i["contract_no"] for i in korean["items"]] == [i["contract_no"] for i in english["items"]]
    assert {i["kind"] for i in korean["items"]} == {"공사"}
    assert all(i["title"] for i in korean["items"])  # 공사명 (cnstwkNm), not the absent 계약명


async def test_keyword_filters_the_name_of_each_kind(http: httpx.AsyncClient) -> None:
    goods = await call(http, "search_contracts", {"kind": "물품", "keyword": "컴퓨터", "limit": 20, **MONTH})
    works = await call(http, "search_contracts", {"kind": "공사", "keyword": "정비", "limit": 20, **MONTH})
    assert goods["items"] and all("컴퓨터" in i["title"] for i in goods["items"])
    assert works["items"] and all("정비" in i["title"] for i in works["items"])
    nothing = await call(http, "search_contracts", {"keyword": "존재하지않는품명", **MONTH})
    assert nothing["items"] == [] and nothing["complete"] is True


async def test_notice_number_finds_the_contracts_of_that_notice(http: httpx.AsyncClient) -> None:
    body = await call(http, "search_contracts", {"kind": "용역", "notice_no": "R26BK01665859"})
    assert body["items"] and {i["notice_no"] for i in body["items"]} == {"R26BK01665859"}


async def test_company_filter_reads_on_until_the_limit_matches(http: httpx.AsyncClient) -> None:
    by_number = await call(http, "search_contracts", {"company": "101-81-09147", "limit": 7, **MONTH})
    # total_count is what the gateway reported before the tool's own filter.
    assert len(by_number["items"]) == 7 and by_number["total_count"] >= 7
    assert all(SANDBOX_COMPANY in i["companies"] for i in by_number["items"])
    assert by_number["complete"] is False and by_number["next"]["company"] == "101-81-09147"
    by_name = await call(http, "search_contracts", {"company": "현대자동차", "limit": 7, **MONTH})
    assert [i["contract_no"] for i in by_name["items"]] == [i["contract_no"] for i in by_number["items"]]
    none = await call(http, "search_contracts", {"company": "없는업체이름", **MONTH})
    assert none["items"] == [] and none["complete"] is True


async def test_company_scan_continues_without_gap_or_repeat(http: httpx.AsyncClient) -> None:
    whole = await call(http, "search_contracts", {"company": SANDBOX_COMPANY, "limit": 500, **MONTH})
    assert whole["complete"] is True
    pieces: list[str] = []
    arguments: dict[str, Any] = {"company": SANDBOX_COMPANY, "limit": 9, **MONTH}
    for _ in range(100):
        body = await call(http, "search_contracts", arguments)
        pieces += [i["contract_no"] for i in body["items"]]
        if body["complete"]:
            break
        arguments = body["next"]
    assert pieces == [i["contract_no"] for i in whole["items"]]
    assert len(set(pieces)) == len(pieces)


async def test_contracts_are_concluded_in_the_range_newest_first_and_next_continues_exactly(
    http: httpx.AsyncClient,
) -> None:
    span = {"kind": "물품", "start_date": "2026-09-01", "end_date": "2026-10-31"}
    whole = await call(http, "search_contracts", {**span, "limit": 500})
    dates = [i["concluded_on"] for i in whole["items"]]
    assert all(d is not None and "2026-09-01" <= d <= "2026-10-31" for d in dates)
    assert dates == sorted(dates, reverse=True)
    pieces: list[str] = []
    arguments: dict[str, Any] = {**span, "limit": 37}
    for _ in range(50):
        body = await call(http, "search_contracts", arguments)
        pieces += [i["contract_no"] for i in body["items"]]
        if body["complete"]:
            break
        arguments = body["next"]
    # Exactly the same contracts, none twice, still newest first; within one day the order may
    # differ, since 계약체결일자 is a date: ties fall on different pages at different page sizes.
    assert sorted(pieces) == sorted(i["contract_no"] for i in whole["items"])
    assert len(pieces) == len(set(pieces))
    day = {i["contract_no"]: i["concluded_on"] for i in whole["items"]}
    assert [day[n] for n in pieces] == sorted((day[n] for n in pieces), reverse=True)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "기타"}, "kind"),
        ({"kind": "외자", "method": "일반경쟁"}, "method"),
        ({"kind": "외자", "central": True}, "central"),
        ({"method": "최저가"}, "method"),
        ({"agency_type": "민간"}, "agency_type"),
        ({"company": "x"}, "company"),
        ({"notice_no": "R26 BK"}, "notice_no"),
        ({"notice_no": "A1", "request_no": "B2"}, "notice_no"),
        ({"start_date": "2026-10-01"}, "start_date"),
        ({"limit": 0}, "limit"),
        ({"supplier": "x"}, "supplier"),
    ],
)
async def test_bad_search_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    r = await http.post("/api/v1/tools/search_contracts", json=arguments)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_params" and field in problem["detail"]


async def test_get_contract_of_a_search_answer(http: httpx.AsyncClient) -> None:
    found = await call(http, "search_contracts", {"kind": "공사", "limit": 3, **MONTH})
    number = found["items"][0]["contract_no"]
    detail = await call(http, "get_contract", {"contract_no": number, "kind": "공사"})
    assert detail["found"] is True and detail["kind"] == "공사" and detail["sandbox"] is True
    assert detail["contract"]["contract_no"] == number and detail["contract"]["title"]
    assert detail["companies"][0]["business_no"] == SANDBOX_COMPANY
    assert detail["companies"][0]["share"] == 100.0
    assert detail["demand_agencies"] and detail["demand_agencies"][0]["code"]
    assert detail["services"] and all(s["contract_no"] == number for s in detail["services"])
    assert isinstance(detail["services"][0]["amount"], int)  # 공사금액 read for 공사
    assert detail["changes"] and all(c["contract_no"] == number for c in detail["changes"])
    assert all(d["contract_no"] == number for d in detail["deletions"])
    assert detail["items"] == []  # goods lines belong to 물품 and 외자 contracts


async def test_get_contract_of_goods_has_its_lines_and_any_kind_is_asked(http: httpx.AsyncClient) -> None:
    found = await call(http, "search_contracts", {"kind": "goods", "limit": 1, **MONTH})
    number = found["items"][0]["contract_no"]
    detail = await call(http, "get_contract", {"contract_no": number})  # no kind: all four asked
    assert detail["found"] is True and detail["kind"] in {"물품", "공사", "용역", "외자"}
    goods = await call(http, "get_contract", {"contract_no": number, "kind": "물품"})
    assert goods["items"] and goods["items"][0]["contract_no"] == number
    assert goods["services"] == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "contract_no"),
        ({"contract_no": "a b"}, "contract_no"),
        ({"contract_no": "1", "kind": "x"}, "kind"),
    ],
)
async def test_bad_get_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    r = await http.post("/api/v1/tools/get_contract", json=arguments)
    assert r.status_code == 422 and field in r.json()["detail"]


# -- SSE ------------------------------------------------------------------------------------------


async def stream(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> list[Any]:
    async with http.stream("POST", f"/api/v1/tools/{name}/stream", json=arguments) as r:
        assert r.status_code == 200
        return sse_events((await r.aread()).decode())


@pytest.mark.parametrize(
    "arguments",
    [{"kind": "용역", "limit": 30, **MONTH}, {"company": SANDBOX_COMPANY, "limit": 12, **MONTH}],
    ids=["plain", "company-filter"],
)
async def test_sse_streams_the_same_records_as_rest(
    http: httpx.AsyncClient, arguments: dict[str, Any]
) -> None:
    rest = await call(http, "search_contracts", arguments)
    events = await stream(http, "search_contracts", arguments)
    assert events[-1][1] == "result"
    streamed = [d for _, kind, d in events if kind == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest
    assert any(kind == "progress" for _, kind, _ in events)


async def test_sse_get_contract(http: httpx.AsyncClient) -> None:
    number = (await call(http, "search_contracts", {"limit": 1, **MONTH}))["items"][0]["contract_no"]
    events = await stream(http, "get_contract", {"contract_no": number, "kind": "물품"})
    assert events[-1][1] == "result"
    result = events[-1][2]
    assert result["found"] is True and result["contract"]["contract_no"] == number
    jsonschema.validate(result, await output_schema(http, "get_contract"))


# -- MCP ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_search_then_get(served: Served, mode: str) -> None:
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert {"search_contracts", "get_contract"} <= set(tools)
        search = await client.call_tool("search_contracts", {"kind": "용역", "limit": 10, **MONTH})
        assert search.is_error is not True, search.content[0].text
        jsonschema.validate(search.structured_content, tools["search_contracts"].output_schema)
        text = search.content[0].text
        assert text.startswith("[SANDBOX") and "| concluded_on | contract_no | title |" in text
        number = search.structured_content["items"][0]["contract_no"]
        detail = await client.call_tool("get_contract", {"contract_no": number, "kind": "용역"})
        assert detail.is_error is not True, detail.content[0].text
        jsonschema.validate(detail.structured_content, tools["get_contract"].output_schema)
        assert detail.structured_content["contract"]["contract_no"] == number
        assert f"용역 contract {number}" in detail.content[0].text
        bad = await client.call_tool("search_contracts", {"kind": "외자", "method": "수의계약"})
    assert bad.is_error is True and "method" in json.loads(bad.content[0].text)["detail"]
    for name in ("search_contracts", "get_contract"):
        description = tools[name].description or ""
        assert "예:" in description and "Example:" in description
        assert tools[name].annotations is not None and tools[name].annotations.read_only_hint is True


# -- against the catalog ----------------------------------------------------------------------------


def catalog_operations() -> dict[str, Catalogued]:
    return catalogued_by_path("CntrctInfoService")


def wire_fields(record: type[Any]) -> set[str]:
    hints = typing.get_type_hints(record, include_extras=True)
    names = set()
    for name in record.__struct_fields__:
        for meta in typing.get_args(hints[name])[1:]:
            names.add(meta.extra_json_schema["x-upstream-field"])
    return names


def test_declared_operations_and_record_fields_are_catalogued() -> None:
    operations = catalog_operations()
    for op in records.OPERATIONS:
        path = f"/1230000/{op.path}"
        assert path in operations, path
        fields = operations[path].fields
        assert wire_fields(op.record) <= fields, (op.name, wire_fields(op.record) - fields)
        if op.date_params:
            assert set(op.date_params) <= operations[path].params, op.name


async def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    transport = Recording()
    calls = [
        ("search_contracts", {"kind": kind, "keyword": "정비", "agency": "조달청", "agency_code": "1230000",
                              "agency_role": "수요기관", "agency_type": "국가기관", **MONTH})
        for kind in ("물품", "공사", "용역", "외자")
    ] + [
        ("search_contracts", {"kind": "물품", "method": "수의계약", "central": False, "company": "현대",
                              **MONTH}),
        ("search_contracts", {"kind": "공사", "request_no": "1215266939"}),
        ("search_contracts", {"kind": "외자", "notice_no": "20160223427"}),
    ] + [("get_contract", {"contract_no": "2016090002306"})] + [
        ("get_contract", {"contract_no": "2016090002306", "kind": kind})
        for kind in ("물품", "공사", "용역", "외자")
    ]  # fmt: skip
    async with served_plugin(transport) as served, served.http(timeout=30) as http:
        for name, arguments in calls:
            r = await http.post(f"/api/v1/tools/{name}", json=arguments)
            assert r.status_code == 200, (name, arguments, r.text)
    operations = catalog_operations()
    used = set()
    for path, query in transport.requests:
        assert path in operations, path
        documented, required = operations[path].params, operations[path].required
        assert set(query) <= documented, (path, set(query) - documented)
        assert required <= set(query), (path, required - set(query))
        used.add(path)
    assert used == {f"/1230000/{op.path}" for op in records.OPERATIONS}  # every declared op is exercised


# -- every kind at once --------------------------------------------------------------------------


async def follow(http: httpx.AsyncClient, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for _ in range(200):
        body = await call(http, "search_contracts", arguments)
        items += body["items"]
        if body["complete"]:
            return items
        arguments = body["next"]
    raise AssertionError("next never completed")


async def test_kind_all_merges_every_kind_newest_first_and_next_walks_the_union(
    http: httpx.AsyncClient,
) -> None:
    week = {"start_date": "2026-10-01", "end_date": "2026-10-07"}
    first = await call(http, "search_contracts", {"kind": "전체", "limit": 30, **week})
    # (`kind` is the gateway's 업무구분명: 물품, 공사, 일반용역/기술용역, 외자)
    assert len({i["kind"] for i in first["items"]}) >= 3 and {"물품", "공사"} <= {
        i["kind"] for i in first["items"]
    }
    dates = [i["contract_date"] for i in first["items"]]
    assert dates == sorted(dates, reverse=True)
    merged = await follow(http, {"kind": "all", "limit": 40, **week})
    each: list[dict[str, Any]] = []
    for kind in ("물품", "공사", "용역", "외자"):
        each += await follow(http, {"kind": kind, "limit": 500, **week})
    key = [(i["kind"], i["contract_no"], i.get("contract_seq", "")) for i in merged]
    assert len(key) == len(set(key))
    assert sorted(key) == sorted((i["kind"], i["contract_no"], i.get("contract_seq", "")) for i in each)
    # A filter 외자 lacks leaves 외자 out instead of refusing the call.
    body = await call(http, "search_contracts", {"kind": "전체", "method": "수의계약", "limit": 20, **week})
    assert body["items"] and "외자" not in {i["kind"] for i in body["items"]}
