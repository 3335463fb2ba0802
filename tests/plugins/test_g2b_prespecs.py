"""g2b_prespecs (search_prespecs, get_prespec) end to end on the sandbox, and against the catalog.

The plugin is loaded in process without its entry point; every surface (REST, SSE, MCP) is served
by the real app on the in-process sandbox upstream.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import typing
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest

import naramarket.plugins.g2b_prespecs as plugin
from naramarket.plugins.g2b_prespecs import records
from tests.inprocess import Served, sse_events
from tests.plugins import support
from tests.plugins.support import Catalogued, Recording, call, catalogued_by_path, output_schema

pytestmark = pytest.mark.anyio

SEASON = {"start_date": "2026-09-01", "end_date": "2026-11-30"}


def served_plugin(transport: Recording | None = None) -> contextlib.AbstractAsyncContextManager[Served]:
    return support.served_plugin("g2b_prespecs", plugin, transport)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with served_plugin() as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.http(timeout=30) as client:
        yield client


# -- REST -----------------------------------------------------------------------------------------


async def test_rest_search_defaults_to_goods_of_the_last_week_newest_first(http: httpx.AsyncClient) -> None:
    body = await call(http, "search_prespecs", {})
    assert body["items"] and body["sandbox"] is True and body["order"] == "newest"
    assert {i["kind"] for i in body["items"]} == {"물품"}
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    received = [i["received_at"] for i in body["items"]]
    assert received == sorted(received, reverse=True)
    assert all(dt.date.fromisoformat(r[:10]) >= today - dt.timedelta(days=6) for r in received)
    first = body["items"][0]
    assert first["spec_no"].startswith("R") and first["title"] and isinstance(first["budget"], int)


@pytest.mark.parametrize("kind", ["용역", "물품"])
async def test_range_order_and_next_give_exactly_the_whole_range(http: httpx.AsyncClient, kind: str) -> None:
    arguments: dict[str, Any] = {"kind": kind, **SEASON, "limit": 500}
    whole = await call(http, "search_prespecs", arguments)
    received = [i["received_at"] for i in whole["items"]]
    assert whole["complete"] is True and received == sorted(received, reverse=True)
    assert all("2026-09-01" <= r[:10] <= "2026-11-30" for r in received)
    pieces: list[str] = []
    arguments = {**arguments, "limit": 17}
    for _ in range(50):
        body = await call(http, "search_prespecs", arguments)
        pieces += [i["spec_no"] for i in body["items"]]
        if body["complete"]:
            break
        arguments = body["next"]
    assert pieces == [i["spec_no"] for i in whole["items"]]


async def test_korean_and_english_kind_labels_pick_the_same_operation(http: httpx.AsyncClient) -> None:
    korean = await call(http, "search_prespecs", {"kind": "용역", "limit": 5, **SEASON})
    english = await call(http, "search_prespecs", {"kind": "services", "limit": 5, **SEASON})
    assert [i["spec_no"] for i in korean["items"]] == [i["spec_no"] for i in english["items"]]
    assert korean["items"] and all("용역" in i["kind"] for i in korean["items"])
    works = await call(http, "search_prespecs", {"kind": "공사", "limit": 5, **SEASON})
    assert {i["kind"] for i in works["items"]} == {"공사"}


async def test_filters_filter(http: httpx.AsyncClient) -> None:
    base = {"kind": "물품", "limit": 30, **SEASON}
    keyword = await call(http, "search_prespecs", {**base, "keyword": "컴퓨터"})
    assert keyword["items"] and all("컴퓨터" in i["title"] for i in keyword["items"])
    demand = await call(http, "search_prespecs", {**base, "demand_agency": "대학교"})
    assert demand["items"] and all("대학교" in i["demand_agency"] for i in demand["items"])
    agency = await call(http, "search_prespecs", {**base, "agency": "조달청"})
    assert agency["items"] and all("조달청" in i["agency"] for i in agency["items"])
    software = await call(http, "search_prespecs", {**base, "software": True})
    assert software["items"] and all(i["software"] is True for i in software["items"])
    detail = await call(http, "search_prespecs", {**base, "detail_category_no": "4321150701"})
    assert detail["items"] and all(i["title"] == "데스크톱컴퓨터" for i in detail["items"])
    nothing = await call(http, "search_prespecs", {**base, "keyword": "존재하지않는품명"})
    assert nothing["items"] == [] and nothing["complete"] is True


async def test_open_for_comment_keeps_only_pre_specs_still_taking_comments(http: httpx.AsyncClient) -> None:
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    month = {"kind": "물품", "start_date": str(today - dt.timedelta(days=29)), "end_date": str(today)}
    every = await call(http, "search_prespecs", {**month, "limit": 500})
    open_ = await call(http, "search_prespecs", {**month, "limit": 500, "open_for_comment": True})
    expected = [
        i["spec_no"]
        for i in every["items"]
        if i["comment_deadline"] and dt.datetime.fromisoformat(i["comment_deadline"]) > now
    ]
    assert expected and len(expected) < len(every["items"])  # the sandbox has both kinds this month
    assert [i["spec_no"] for i in open_["items"]] == expected
    assert open_["total_count"] >= len(expected) and open_["complete"] is True  # rows before the filter
    few = await call(http, "search_prespecs", {**month, "limit": 2, "open_for_comment": True})
    assert [i["spec_no"] for i in few["items"]] == expected[:2]
    rest = await call(http, "search_prespecs", few["next"])
    assert [i["spec_no"] for i in rest["items"]] == expected[2 : 2 + len(rest["items"])]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "기타"}, "kind"),
        ({"kind": "공사", "software": True}, "software"),
        ({"kind": "외자", "detail_category_no": "4321150701"}, "detail_category_no"),
        ({"detail_category_no": "12ab"}, "detail_category_no"),
        ({"agency_code": "toolongcode"}, "agency_code"),
        ({"keyword": ""}, "keyword"),
        ({"end_date": "2026-10-01"}, "end_date"),
        ({"open_for_comment": "maybe"}, "open_for_comment"),
        ({"comment": True}, "comment"),
    ],
)
async def test_bad_search_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    r = await http.post("/api/v1/tools/search_prespecs", json=arguments)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_params" and field in problem["detail"]


async def test_get_prespec_of_a_search_answer(http: httpx.AsyncClient) -> None:
    found = await call(http, "search_prespecs", {"kind": "용역", "limit": 3, **SEASON})
    number = found["items"][0]["spec_no"]
    detail = await call(http, "get_prespec", {"spec_no": number, "kind": "용역"})
    assert detail["found"] is True and detail["kind"] == "용역" and detail["sandbox"] is True
    assert detail["prespec"]["spec_no"] == number
    assert "item_list" not in detail["prespec"]  # given parsed, as `items`
    assert detail["items"] and detail["items"][0]["seq"] == 1
    assert len(detail["items"][0]["detail_category_no"]) == 10 and detail["items"][0]["name"]
    assert detail["opinions"] and all(o["spec_no"] == number for o in detail["opinions"])
    assert detail["open_for_comment"] in (True, False)
    works = await call(http, "get_prespec", {"spec_no": number, "kind": "공사"})
    assert works["items"] == []  # 공사 pre-specs have no 물품상세목록
    anyone = await call(http, "get_prespec", {"spec_no": number})  # no kind: all four asked
    assert anyone["found"] is True and anyone["kind"] in {"물품", "공사", "용역", "외자"}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({}, "spec_no"), ({"spec_no": "R26 BD"}, "spec_no"), ({"spec_no": "R1", "kind": "x"}, "kind")],
)
async def test_bad_get_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    r = await http.post("/api/v1/tools/get_prespec", json=arguments)
    assert r.status_code == 422 and field in r.json()["detail"]


# -- SSE ------------------------------------------------------------------------------------------


async def stream(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> list[Any]:
    async with http.stream("POST", f"/api/v1/tools/{name}/stream", json=arguments) as r:
        assert r.status_code == 200
        return sse_events((await r.aread()).decode())


@pytest.mark.parametrize(
    "arguments",
    [{"kind": "물품", "limit": 40, **SEASON}, {"kind": "물품", "limit": 5, "open_for_comment": True}],
    ids=["plain", "open-for-comment"],
)
async def test_sse_streams_the_same_records_as_rest(
    http: httpx.AsyncClient, arguments: dict[str, Any]
) -> None:
    rest = await call(http, "search_prespecs", arguments)
    events = await stream(http, "search_prespecs", arguments)
    assert events[-1][1] == "result"
    streamed = [d for _, kind, d in events if kind == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest


async def test_sse_get_prespec(http: httpx.AsyncClient) -> None:
    number = (await call(http, "search_prespecs", {"limit": 1, **SEASON}))["items"][0]["spec_no"]
    events = await stream(http, "get_prespec", {"spec_no": number, "kind": "물품"})
    assert events[-1][1] == "result"
    result = events[-1][2]
    assert result["found"] is True and result["prespec"]["spec_no"] == number
    jsonschema.validate(result, await output_schema(http, "get_prespec"))


# -- MCP ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_search_then_get(served: Served, mode: str) -> None:
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert {"search_prespecs", "get_prespec"} <= set(tools)
        search = await client.call_tool("search_prespecs", {"kind": "용역", "limit": 10, **SEASON})
        assert search.is_error is not True, search.content[0].text
        jsonschema.validate(search.structured_content, tools["search_prespecs"].output_schema)
        text = search.content[0].text
        assert text.startswith("[SANDBOX") and "| received_at | spec_no | title |" in text
        number = search.structured_content["items"][0]["spec_no"]
        detail = await client.call_tool("get_prespec", {"spec_no": number, "kind": "용역"})
        assert detail.is_error is not True, detail.content[0].text
        jsonschema.validate(detail.structured_content, tools["get_prespec"].output_schema)
        assert detail.structured_content["prespec"]["spec_no"] == number
        assert f"용역 pre-spec {number}" in detail.content[0].text
        bad = await client.call_tool("search_prespecs", {"kind": "공사", "software": False})
    assert bad.is_error is True and "software" in json.loads(bad.content[0].text)["detail"]
    for name in ("search_prespecs", "get_prespec"):
        description = tools[name].description or ""
        assert "예:" in description and "Example:" in description
        assert tools[name].annotations is not None and tools[name].annotations.read_only_hint is True


# -- against the catalog ----------------------------------------------------------------------------


def catalog_operations() -> dict[str, Catalogued]:
    return catalogued_by_path("HrcspSsstndrdInfoService")


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
        ("search_prespecs", {"kind": kind, "keyword": "컴퓨터", "agency": "조달청", "agency_code": "1230000",
                             "demand_agency": "대학교", "demand_agency_code": "7008093", **SEASON})
        for kind in ("물품", "공사", "용역", "외자")
    ] + [
        ("search_prespecs", {"kind": kind, "software": True, "detail_category_no": "4321150701",
                             "open_for_comment": True})
        for kind in ("물품", "용역")
    ] + [("search_prespecs", {"kind": "외자", "software": False})] + [
        ("get_prespec", {"spec_no": "R26BD00012345", "kind": kind})
        for kind in ("물품", "공사", "용역", "외자")
    ] + [("get_prespec", {"spec_no": "R26BD00012345"})]  # fmt: skip
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
