"""g2b_awards (개찰/낙찰, ScsbidInfoService) end to end on the sandbox: REST, SSE and MCP.

The plugin is loaded in process (no entry point needed) next to a sandbox upstream whose control
endpoint tells which operations were called. A contract test checks every declared operation,
wire parameter and record field against the packaged operation catalog.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import msgspec
import pytest

import naramarket.plugins.g2b_awards as g2b_awards
from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.plugins import make_plugin_manager
from naramarket.plugins.g2b_awards import opening, operations
from tests.inprocess import Served, serve, sse_events
from tests.plugins.support import Catalogued, catalogued
from tests.plugins.test_result_contract import lint

pytestmark = pytest.mark.anyio

SERVICE = "ScsbidInfoService"
MONTH = {"start_date": "2026-10-01", "end_date": "2026-10-31"}


@contextlib.asynccontextmanager
async def served_awards() -> AsyncIterator[tuple[Served, httpx.AsyncClient]]:
    """The real app with only this plugin, on an in-process sandbox; plus the sandbox's control."""
    upstream = sandbox.create_app(sandbox.SandboxConfig())
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
    )
    manager = make_plugin_manager(allow=(), extra=[("g2b_awards", g2b_awards)])
    kernel = make_kernel(settings, transport=httpx.ASGITransport(app=upstream), plugin_manager=manager)
    control = httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream), base_url="http://sandbox")
    async with control, serve(create_app(settings, kernel=kernel)) as served:
        yield served, control


@pytest.fixture
async def app() -> AsyncIterator[tuple[Served, httpx.AsyncClient, httpx.AsyncClient]]:
    async with served_awards() as (served, control), served.http(timeout=30) as http:
        yield served, http, control


async def call(http: httpx.AsyncClient, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    r = await http.post(f"/api/v1/tools/{tool}", json=arguments)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def operations_called(control: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = (await control.get("/_sandbox/stats")).json()["operations"]
    return {name: n for name, n in counts.items() if n}


# -- search_awards ---------------------------------------------------------------------------------


async def test_search_awards_over_rest_is_bounded_newest_first_and_continuable(app) -> None:
    _, http, _ = app
    body = await call(http, "search_awards", {"kind": "물품", **MONTH, "limit": 20})
    assert len(body["items"]) == 20 and body["complete"] is False and body["reason"] == "limit"
    assert body["next"]["kind"] == "물품" and body["next"]["cursor"] and body["sandbox"] is True
    item = body["items"][0]
    assert item["notice_no"].startswith("R") and item["winner"] and item["winner_bizno"].isdigit()
    assert isinstance(item["amount"], int) and isinstance(item["rate"], float)
    opened = [i["opened_at"] for i in body["items"]]
    assert opened == sorted(opened, reverse=True)  # newest opening first
    more = await call(http, "search_awards", body["next"])
    assert not {i["notice_no"] for i in more["items"]} & {i["notice_no"] for i in body["items"]}


async def test_filters_filter(app) -> None:
    _, http, _ = app
    agency = await call(http, "search_awards", {"kind": "물품", **MONTH, "demand_agency": "교육청"})
    assert agency["items"] and all("교육청" in i["demand_agency"] for i in agency["items"])
    winner = await call(http, "search_awards", {"kind": "용역", **MONTH, "winner_bizno": "123-45-67890"})
    assert winner["items"] and {i["winner_bizno"] for i in winner["items"]} == {"1234567890"}
    titled = await call(http, "search_awards", {"kind": "물품", **MONTH, "title": "컴퓨터"})
    assert titled["items"] and all("컴퓨터" in i["title"] for i in titled["items"])
    coded = await call(http, "search_awards", {"kind": "공사", **MONTH, "demand_agency_code": "6410000"})
    assert coded["items"] and {i["demand_agency_code"] for i in coded["items"]} == {"6410000"}
    nowhere = await call(http, "search_awards", {"kind": "물품", **MONTH, "demand_agency": "없는기관XYZ"})
    assert nowhere["items"] == [] and nowhere["complete"] is True


@pytest.mark.parametrize(
    ("kind", "operation"),
    [
        ("물품", "getScsbidListSttusThngPPSSrch"),
        ("공사", "getScsbidListSttusCnstwkPPSSrch"),
        ("works", "getScsbidListSttusCnstwkPPSSrch"),
        ("용역", "getScsbidListSttusServcPPSSrch"),
        ("외자", "getScsbidListSttusFrgcptPPSSrch"),
        ("foreign", "getScsbidListSttusFrgcptPPSSrch"),
    ],
)
async def test_korean_and_english_kinds_choose_the_operation(app, kind: str, operation: str) -> None:
    _, http, control = app
    await call(http, "search_awards", {"kind": kind, "limit": 5})
    assert set(await operations_called(control)) == {operation}


def test_labels_become_gateway_codes() -> None:
    p = msgspec.convert(
        {
            "kind": "물품",
            "region": "경기",
            "international": True,
            "mas": False,
            "winner_bizno": "123-45-67890",
            "min_estimated_price": 1000,
        },
        g2b_awards.SearchAwards,
    )
    wire = {k: v for k, v in g2b_awards.award_params(p).items() if v is not None}
    assert wire == {
        "inqryDiv": "2",  # 개찰일시
        "prtcptLmtRgnCd": "41",
        "intrntnlDivCd": "2",
        "masYn": "N",
        "bizno": "1234567890",
        "presmptPrceBgn": "1000",
    }
    assert operations.region_code("서울특별시") == "11" and operations.region_code("00") == "00"
    by_number = msgspec.convert({"kind": "공사", "notice_no": "R25BK00000001"}, g2b_awards.SearchAwards)
    assert g2b_awards.award_params(by_number)["inqryDiv"] == "3"  # 입찰공고번호


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("search_awards", {"kind": "건설"}, "kind"),
        ("search_awards", {}, "kind"),
        ("search_awards", {"kind": "물품", "winner_bizno": "12345"}, "winner_bizno"),
        ("search_awards", {"kind": "물품", "winner_bizno": "(주)한빛환경산업"}, "winner_bizno"),
        ("search_awards", {"kind": "물품", "region": "화성"}, "region"),
        ("search_awards", {"kind": "물품", "start_date": "2026-10-01"}, "start_date"),
        (
            "search_awards",
            {"kind": "물품", "min_estimated_price": 10, "max_estimated_price": 5},
            "max_estimated_price",
        ),
        ("search_awards", {"kind": "물품", "limit": 0}, "limit"),
        ("get_opening_results", {"notice_no": "R25?"}, "notice_no"),
        ("get_opening_results", {"notice_no": "R25BK00000001", "notice_round": "1a"}, "notice_round"),
        ("get_opening_results", {"notice_no": "R25BK00000001", "kind": "가구"}, "kind"),
        ("get_opening_results", {"notice_no": "R25BK00000001", "max_bidders": 5000}, "max_bidders"),
    ],
)
async def test_bad_params_are_invalid_params_naming_the_field(
    app, tool: str, arguments: dict[str, Any], field: str
) -> None:
    _, http, control = app
    r = await http.post(f"/api/v1/tools/{tool}", json=arguments)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_params" and field in problem["detail"]
    assert await operations_called(control) == {}, "refused before any upstream request"


async def test_search_awards_over_sse_streams_the_rest_answer(app) -> None:
    _, http, _ = app
    arguments = {"kind": "용역", **MONTH, "limit": 30, "page_size": 10}
    rest = await call(http, "search_awards", arguments)
    async with http.stream("POST", "/api/v1/tools/search_awards/stream", json=arguments) as r:
        assert r.status_code == 200
        events = sse_events((await r.aread()).decode())
    assert events[-1][1] == "result"
    streamed = [d for _, kind, d in events if kind == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest and len(streamed) == 30


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_both_tools_over_mcp_match_their_output_schemas(mode: str) -> None:
    async with served_awards() as (served, _), served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"search_awards", "get_opening_results"}
        found = await client.call_tool("search_awards", {"kind": "공사", **MONTH, "limit": 5})
        assert found.is_error is not True, found.content[0].text
        jsonschema.validate(found.structured_content, tools["search_awards"].output_schema)
        notice = found.structured_content["items"][0]["notice_no"]
        got = await client.call_tool("get_opening_results", {"notice_no": notice, "kind": "공사"})
        assert got.is_error is not True, got.content[0].text
        jsonschema.validate(got.structured_content, tools["get_opening_results"].output_schema)
    for name, described in tools.items():
        assert lint(described.input_schema, f"{name}.input") == []
        assert lint(described.output_schema or {}, f"{name}.output") == []
    text = got.content[0].text
    assert text.startswith("[SANDBOX") and notice in text and "| rank | company |" in text
    assert len(text) < 4000  # the compact text, not the whole JSON again


# -- get_opening_results ---------------------------------------------------------------------------


async def test_opening_results_of_a_notice_from_a_search_answer(app) -> None:
    _, http, control = app
    awards = await call(http, "search_awards", {"kind": "물품", **MONTH, "limit": 3})
    notice = awards["items"][0]["notice_no"]
    result = await call(http, "get_opening_results", {"notice_no": notice, "kind": "물품"})
    assert result["found"] is True and result["notice_no"] == notice and result["kind"] == "물품"
    assert result["status"] and result["title"] and result["notice_round"] == "000"
    bidders = result["bidders"]
    assert bidders and result["bidders_total"] >= len(bidders)
    assert {b["notice_no"] for b in bidders} == {notice}
    assert {b["notice_round"] for b in bidders} == {"000"}  # the latest round, asked of the gateway
    ranks = [b["rank"] for b in bidders]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert all(isinstance(b["bid_amount"], int) and isinstance(b["bid_rate"], float) for b in bidders)
    prices = result["reserve_prices"]
    assert len(prices) == 15 and [p["sequence"] for p in prices] == list(range(1, 16))
    assert isinstance(result["planned_price"], int) and isinstance(result["base_amount"], int)
    assert result["award"]["notice_no"] == notice and result["award"]["winner"]
    assert result["complete"] is True and result["missing"] == [] and result["sandbox"] is True
    used = await operations_called(control)
    assert {
        "getOpengResultListInfoThng",
        "getOpengResultListInfoOpengCompt",
        "getOpengResultListInfoFailing",
        "getOpengResultListInfoRebid",
        "getOpengResultListInfoThngPreparPcDetail",
        "getScsbidListSttusThng",
    } <= set(used)
    assert not any("Cnstwk" in name or "Servc" in name for name in used)


async def test_opening_results_find_the_kind_and_take_the_asked_round(app) -> None:
    _, http, control = app
    result = await call(http, "get_opening_results", {"notice_no": "r25bk00000777", "notice_round": "1"})
    assert result["notice_no"] == "R25BK00000777" and result["notice_round"] == "001"
    assert result["kind"] == "물품"  # the first kind whose opening list knows the notice
    assert result["bidders"] and {b["notice_round"] for b in result["bidders"]} == {"001"}
    assert {"getOpengResultListInfoCnstwk", "getOpengResultListInfoServc"} <= set(
        await operations_called(control)
    )


async def test_opening_results_bound_the_bidders_and_say_so(app) -> None:
    _, http, _ = app
    result = await call(http, "get_opening_results", {"notice_no": "R25BK00000778", "max_bidders": 2})
    assert len(result["bidders"]) == 2 and result["bidders_total"] > 2
    assert result["complete"] is False and any(m.startswith("bidders: limit") for m in result["missing"])


async def test_an_award_search_by_notice_number_finds_that_notice(app) -> None:
    _, http, _ = app
    body = await call(http, "search_awards", {"kind": "용역", "notice_no": "R25BK00000779"})
    assert body["items"] and {i["notice_no"] for i in body["items"]} == {"R25BK00000779"}


# -- contract with the packaged catalog ------------------------------------------------------------


def catalog_operations() -> dict[str, Catalogued]:
    return catalogued(SERVICE)


def wire_fields(record: type) -> set[str]:
    """The gateway fields a record reads; every attribute is wire() or derived() (set by the record)."""
    hints = typing.get_type_hints(record, include_extras=True)
    names, derived = set(), set()
    for name in record.__struct_fields__:
        for meta in typing.get_args(hints[name])[1:]:
            if isinstance(meta, msgspec.Meta) and meta.extra_json_schema:
                if "x-derived" in meta.extra_json_schema:
                    derived.add(name)
                else:
                    names.add(meta.extra_json_schema["x-upstream-field"])
    assert len(names) + len(derived) == len(record.__struct_fields__), (
        f"{record.__name__}: a field without wire()"
    )
    return names


def test_every_operation_is_catalogued_with_the_record_fields_it_reads() -> None:
    ops = catalog_operations()
    unused = {n for n in ops if n.startswith("getOpengResultListInfo") and n.endswith("PPSSrch")}
    assert {op.name for op in operations.OPERATIONS} == set(ops) - unused  # all but 4 of the 23
    for op in operations.OPERATIONS:
        entry = ops.get(op.name)
        assert entry is not None, f"{op.name} is not in the catalog"
        assert entry.path == f"/1230000/{op.path}"
        assert wire_fields(op.record) <= entry.fields, f"{op.name}: {wire_fields(op.record) - entry.fields}"
        if op.date_params:
            assert set(op.date_params) <= entry.params


def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    ops = catalog_operations()
    everything = msgspec.convert(
        {
            "kind": "물품",
            "title": "서버",
            "demand_agency": "경기도",
            "demand_agency_code": "6410000",
            "notice_agency": "조달청",
            "notice_agency_code": "1230000",
            "winner_bizno": "1234567890",
            "notice_no": "R25BK00000001",
            "region": "경기",
            "industry": "토목공사업",
            "industry_code": "4119",
            "min_estimated_price": 1,
            "max_estimated_price": 2,
            "detail_product_no": "4321150101",
            "international": False,
            "mas": True,
            "procurement_request_no": "R25DC00000001",
        },
        g2b_awards.SearchAwards,
    )
    sent = {k for k, v in g2b_awards.award_params(everything).items() if v is not None}
    assert len(sent) == len(g2b_awards.award_params(everything))  # every filter reaches the wire
    for op in operations.AWARD_SEARCH.values():
        params = ops[op.name].params
        assert sent | set(op.date_params or ()) <= params, f"{op.name}: {sent - params}"
    parts = opening.opening_params("R25BK00000001", "000")
    families = {
        "openings": operations.OPENINGS.values(),
        "awards": operations.AWARDS_BY_NOTICE.values(),
        "reserve_prices": operations.RESERVE_PRICES.values(),
        "bidders": [operations.BIDDERS],
        "failures": [operations.FAILURES],
        "rebids": [operations.REBIDS],
    }
    assert set(parts) == set(families)
    for part, ops_of_part in families.items():
        for op in ops_of_part:
            params = ops[op.name].params
            assert set(parts[part]) <= params, f"{op.name}: {set(parts[part]) - params}"


def test_kinds_map_onto_the_catalogued_inquiry_modes() -> None:
    ops = catalog_operations()
    for op in operations.AWARD_SEARCH.values():
        assert ops[op.name].modes.get("2") == "개찰일시", op.name
        assert ops[op.name].modes.get("3") == "입찰공고번호", op.name
    for op in (*operations.AWARDS_BY_NOTICE.values(), *operations.OPENINGS.values()):
        assert ops[op.name].modes.get("4") == "입찰공고번호", op.name
    for op in operations.RESERVE_PRICES.values():
        assert ops[op.name].modes.get("2") == "입찰공고번호", op.name


async def test_kind_all_merges_every_kind_newest_first(app) -> None:
    _, http, _ = app
    body = (await http.post("/api/v1/tools/search_awards", json={"kind": "전체", "limit": 40})).json()
    one = (await http.post("/api/v1/tools/search_awards", json={"kind": "공사", "limit": 5})).json()
    kinds = {i["kind"] for i in body["items"]}
    assert len(kinds) >= 3 and kinds <= {"물품", "공사", "용역", "외자"}
    opened = [i["opened_at"] for i in body["items"]]
    assert opened == sorted(opened, reverse=True)
    assert body["next"]["kind"] == "전체"
    assert {i["kind"] for i in one["items"]} == {"공사"}
