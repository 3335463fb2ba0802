"""MCP adapter with the official MCP Python client: HTTP in both protocol eras, and stdio."""

from __future__ import annotations

import json

import httpx
import jsonschema
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import BIN

ARGS = {"category": "데스크톱컴퓨터", "page_size": 30, "max_pages": 2}


async def list_and_call(client: Client) -> tuple[dict, dict]:
    tools = (await client.list_tools()).tools
    assert [t.name for t in tools] == ["crawl_list"]
    tool = tools[0]
    assert tool.annotations is not None and tool.annotations.read_only_hint is True
    assert tool.title and tool.title.startswith("쇼핑몰")
    result = await client.call_tool("crawl_list", ARGS)
    assert result.is_error is not True
    structured = result.structured_content
    assert structured is not None
    jsonschema.validate(structured, tool.output_schema)  # structuredContent matches outputSchema
    assert json.loads(result.content[0].text) == structured
    return tool.model_dump(by_alias=True), structured


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_http_both_eras_list_and_call(live_server, mode):
    async with Client(live_server.mcp_url, mode=mode) as client:
        _, structured = await list_and_call(client)
    assert len(structured["items"]) == 60
    assert all(i["category"] == "데스크톱컴퓨터" for i in structured["items"])


@pytest.mark.anyio
async def test_mcp_and_rest_return_the_same_records(live_server):
    async with Client(live_server.mcp_url, mode="legacy") as client:
        result = await client.call_tool("crawl_list", ARGS)
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        rest = (await http.post("/api/v1/tools/crawl_list", json=ARGS)).json()
    assert result.structured_content == rest


@pytest.mark.anyio
async def test_tool_failure_is_is_error_with_a_problem(live_server):
    async with Client(live_server.mcp_url, mode="legacy") as client:
        result = await client.call_tool("crawl_list", {"category": "데스크톱컴퓨터", "page_size": 0})
    assert result.is_error is True
    problem = json.loads(result.content[0].text)
    assert problem["code"] == "invalid_params"
    assert "page_size" in problem["detail"]


@pytest.mark.anyio
async def test_unknown_tool_is_a_json_rpc_error(live_server):
    from mcp import MCPError

    async with Client(live_server.mcp_url, mode="legacy") as client:
        with pytest.raises(MCPError) as info:
            await client.call_tool("no_such_tool", {})
    assert info.value.code == -32602


@pytest.mark.anyio
async def test_instructions_say_the_data_is_sandbox(live_server):
    async with Client(live_server.mcp_url, mode="legacy") as client:
        instructions = client.instructions
    assert "SANDBOX" in instructions


@pytest.mark.anyio
async def test_stdio_lists_and_calls(sandbox_env):
    params = StdioServerParameters(command=str(BIN / "naramarket-mcp"), env=sandbox_env)
    async with Client(params, mode="legacy") as client:
        _, structured = await list_and_call(client)
    assert structured["complete"] is False
    assert len(structured["items"]) == 60


@pytest.mark.anyio
async def test_dns_rebinding_is_refused(live_server):
    async with httpx.AsyncClient() as http:
        r = await http.post(
            live_server.mcp_url,
            headers={
                "Host": "evil.example",
                "content-type": "application/json",
                "accept": "application/json, text/event-stream",
            },
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        )
    assert r.status_code in (403, 421)


@pytest.mark.anyio
async def test_configured_public_host_is_accepted_on_mcp():
    from naramarket.app import create_app
    from tests.conftest import sandbox_settings, start_server

    live = start_server(create_app(sandbox_settings(allowed_hosts=frozenset({"naramarket.example.kr"}))))
    try:
        headers = {
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "mcp-protocol-version": "2025-11-25",
        }
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        async with httpx.AsyncClient() as http:
            allowed = await http.post(
                live.mcp_url, headers={**headers, "Host": "naramarket.example.kr"}, json=ping
            )
            refused = await http.post(
                live.mcp_url, headers={**headers, "Host": "other.example.kr"}, json=ping
            )
    finally:
        live.stop()
    assert refused.status_code in (403, 421)
    assert allowed.status_code not in (403, 421)
