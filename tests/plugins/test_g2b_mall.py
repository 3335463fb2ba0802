"""g2b_mall's ``crawl_list`` on every surface, in process on the sandbox upstream.

The adapters are tested on their own against a fake plugin (tests/adapters/); here the one
first-party plugin is checked end to end: the report's route, its parameters and dates, and the
same records on REST, SSE and MCP.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from importlib.metadata import version

import jsonschema
import pytest

from naramarket.app import create_app
from tests.conftest import MALL_TOOLS, sandbox_settings
from tests.inprocess import Served, serve, sse_events

pytestmark = pytest.mark.anyio

DESKTOP = {"category": "데스크톱컴퓨터", "page_size": 50, "limit": 100}
LAPTOP = {"category": "노트북컴퓨터", "page_size": 40, "limit": 120}


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with serve(create_app(sandbox_settings())) as s:
        yield s


@pytest.fixture
async def http(served):
    async with served.http(timeout=30) as client:
        yield client


async def stream_result(http, params):
    async with http.stream("POST", "/api/v1/tools/crawl_list/stream", json=params) as r:
        assert r.status_code == 200
        return sse_events((await r.aread()).decode())


async def test_report_route_returns_products_of_the_category(http):
    r = await http.post("/api/v1/crawl/list", json={"category": "데스크톱컴퓨터"})
    assert r.status_code == 200
    body = r.json()
    assert len(body["items"]) == 50, "bounded by default; the sandbox has more desktop computers"
    assert all(item["category"] == "데스크톱컴퓨터" for item in body["items"])
    assert (body["complete"], body["reason"]) == (False, "limit")
    assert body["total_count"] > len(body["items"])
    assert body["next"]["category"] == "데스크톱컴퓨터" and body["next"]["cursor"]
    assert body["sandbox"] is True and body["order"] == "newest"
    dates = [item["registered_at"] for item in body["items"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert isinstance(body["items"][0]["price"], int)


async def test_tool_route_and_report_route_return_the_same_records(http):
    a = (await http.post("/api/v1/tools/crawl_list", json=DESKTOP)).json()
    b = (await http.post("/api/v1/crawl/list", json=DESKTOP)).json()
    assert a == b
    assert len(a["items"]) == 100
    assert a["complete"] is False  # the limit stopped the scan before the end


async def test_rest_sse_and_mcp_return_the_same_records(served, http):
    rest = (await http.post("/api/v1/tools/crawl_list", json=LAPTOP)).json()
    events = await stream_result(http, LAPTOP)
    async with served.mcp() as client:
        mcp = await client.call_tool("crawl_list", LAPTOP)
    assert events[-1][1] == "result"
    streamed = [d for _, k, d in events if k == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest == mcp.structured_content
    assert len(rest["items"]) == 120


async def test_the_stream_sends_each_record_and_progress_before_the_result(http):
    events = await stream_result(http, LAPTOP)
    kinds = [k for _, k, _ in events]
    assert kinds[-1] == "result"
    items = [d for _, k, d in events if k == "item"]
    assert len(items) == 120 and events[-1][2]["items_streamed"] == 120
    progress = [d for _, k, d in events if k == "progress"]
    assert len(progress) >= 3  # at least one per page that gave records
    assert progress[-1]["done"] == len(items) and progress[-1]["total"] == 120
    assert all("records" in p["message"] for p in progress)


async def test_list_tools_describes_crawl_list(http):
    tools = {t["name"]: t for t in (await http.get("/api/v1/tools")).json()["tools"]}
    assert sorted(tools) == list(MALL_TOOLS)  # only g2b_mall is loaded, whatever else is installed
    crawl = tools["crawl_list"]
    assert crawl["plugin"] == "g2b_mall"
    assert crawl["title"].startswith("쇼핑몰")  # Korean first
    assert crawl["scopes"] == ["g2b:read"]
    assert crawl["input_schema"]["required"] == ["category"]
    assert crawl["annotations"]["readOnlyHint"] is True
    assert crawl["annotations"]["openWorldHint"] is True
    assert "items" in crawl["output_schema"]["properties"]
    assert crawl["endpoints"]["aliases"] == ["/api/v1/crawl/list"]


async def test_health_and_server_info_mark_the_sandbox(http):
    health = await http.get("/api/v1/health")
    assert health.json() == {"status": "ok", "sandbox": True}
    assert health.headers["x-naramarket-sandbox"] == "1"
    info = (await http.get("/api/v1/server/info")).json()
    assert info["sandbox"] is True
    assert "sandbox" in info["upstream"]
    assert info["plugins"] == [{"name": "g2b_mall", "version": version("naramarket-mcp")}]
    assert sorted(t["name"] for t in info["tools"]) == list(MALL_TOOLS)
    ready = await http.get("/api/v1/health/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "category"),
        ({"category": ""}, "category"),
        ({"category": "데스크톱컴퓨터", "page_size": 1000}, "page_size"),
        ({"category": "데스크톱컴퓨터", "pagesize": 10}, "pagesize"),
        ({"category": 5}, "category"),
    ],
)
async def test_bad_params_are_problem_json_naming_the_field(http, body, field):
    r = await http.post("/api/v1/crawl/list", json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "invalid_params"
    assert field in problem["detail"]
    assert problem["instance"] == "/api/v1/crawl/list"
    stream = await http.post("/api/v1/tools/crawl_list/stream", json=body)
    assert stream.status_code == 422  # refused before a stream opens


async def test_openapi_describes_crawl_list_from_its_structs(http):
    doc = (await http.get("/openapi.json")).json()
    assert "SANDBOX" in doc["info"]["description"]
    op = doc["paths"]["/api/v1/crawl/list"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    params = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    page_size = params["properties"]["page_size"]
    assert page_size["description"].startswith("페이지당 건수")  # outside anyOf, where clients read it
    assert page_size["anyOf"][0]["maximum"] == 999
    assert params["properties"]["limit"]["maximum"] == 500
    result_ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    result = doc["components"]["schemas"][result_ref.rsplit("/", 1)[-1]]
    assert result["properties"]["items"]["items"]["$ref"] == "#/components/schemas/MallProduct"
    assert "MallProduct" in doc["components"]["schemas"]
    assert "/api/v1/tools/crawl_list/stream" in doc["paths"]


async def test_dates_default_to_the_last_year_and_must_come_in_pairs(http):
    default = (await http.post("/api/v1/crawl/list", json={"category": "복사용지", "limit": 500})).json()
    today = dt.date.today()
    explicit = (
        await http.post(
            "/api/v1/crawl/list",
            json={
                "category": "복사용지",
                "limit": 500,
                "start_date": (today - dt.timedelta(days=400)).isoformat(),
                "end_date": (today + dt.timedelta(days=1)).isoformat(),
            },
        )
    ).json()
    assert default["items"] and default["complete"] is True
    assert {i["product_id"] for i in default["items"]} <= {i["product_id"] for i in explicit["items"]}
    one_sided = await http.post(
        "/api/v1/crawl/list", json={"category": "복사용지", "start_date": "2025-01-01"}
    )
    assert one_sided.status_code == 422
    assert "both" in one_sided.json()["detail"]
    reversed_range = await http.post(
        "/api/v1/crawl/list",
        json={"category": "복사용지", "start_date": "2025-02-01", "end_date": "2025-01-01"},
    )
    assert reversed_range.status_code == 422


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_lists_and_calls_crawl_list(served, mode):
    async with served.mcp(mode=mode) as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool(
            "crawl_list", {"category": "데스크톱컴퓨터", "page_size": 30, "limit": 60}
        )
    assert sorted(t.name for t in tools) == list(MALL_TOOLS)
    tool = next(t for t in tools if t.name == "crawl_list")
    assert tool.annotations is not None and tool.annotations.read_only_hint is True
    assert tool.title and tool.title.startswith("쇼핑몰")
    assert result.is_error is not True
    structured = result.structured_content
    assert structured is not None
    jsonschema.validate(structured, tool.output_schema)
    text = result.content[0].text
    assert text.startswith("[SANDBOX") and "crawl_list: 60 record(s), newest first" in text
    assert "| registered_at | spec | price | maker | company |" in text
    assert len(text) < len(json.dumps(structured, ensure_ascii=False)) / 3  # compact for the model
    assert result.meta is not None and result.meta["naramarket/sandbox"] is True
    assert len(structured["items"]) == 60
    assert all(i["category"] == "데스크톱컴퓨터" for i in structured["items"])


async def test_mcp_invalid_arguments_are_is_error_and_instructions_say_sandbox(served):
    async with served.mcp() as client:
        result = await client.call_tool("crawl_list", {"category": "데스크톱컴퓨터", "page_size": 0})
        instructions = client.instructions
    assert result.is_error is True
    problem = json.loads(result.content[0].text)
    assert problem["code"] == "invalid_params"
    assert "page_size" in problem["detail"]
    assert instructions and "SANDBOX" in instructions
