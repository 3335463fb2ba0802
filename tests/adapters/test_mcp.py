"""MCP adapter with the official MCP Python client over streamable HTTP, in process against the
fake plugin: both protocol eras, results and errors, progress, cancellation, Host checks, scopes.

``crawl_list`` over MCP is checked in ``tests/plugins/test_g2b_mall.py``; stdio and real sockets
in ``tests/e2e/test_served.py``.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import jsonschema
import pytest
from mcp import MCPError

from tests.adapters.fake_plugin import ADMIN, LEAK
from tests.inprocess import serve, wait_until

pytestmark = pytest.mark.anyio

ERAS = ["legacy", "2026-07-28"]
MCP_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


@pytest.mark.parametrize("mode", ERAS)
async def test_list_and_call_in_both_eras(served, mode):
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        result = await client.call_tool("fake_list", {"count": 12, "chunk": 5})
    assert set(tools) == {"fake_list", "fake_admin", "fake_fail"}
    listing = tools["fake_list"]
    assert listing.title == "가짜 목록 / Fake listing"
    assert listing.description.startswith("번호 붙은")
    assert listing.input_schema["required"] == ["count"]
    annotations = listing.annotations
    assert annotations is not None
    assert (annotations.read_only_hint, annotations.open_world_hint) == (True, False)
    admin = tools["fake_admin"].annotations
    assert admin is not None
    assert (admin.read_only_hint, admin.destructive_hint, admin.idempotent_hint) == (False, True, False)
    assert result.is_error is not True
    structured = result.structured_content
    assert structured is not None
    jsonschema.validate(structured, listing.output_schema)  # structuredContent matches outputSchema
    assert json.loads(result.content[0].text) == structured
    assert [i["n"] for i in structured["items"]] == list(range(12))


async def test_mcp_and_rest_return_the_same_result(served, http):
    async with served.mcp() as client:
        result = await client.call_tool("fake_list", {"count": 30})
    rest = (await http.post("/api/v1/tools/fake_list", json={"count": 30})).json()
    assert result.structured_content == rest


@pytest.mark.parametrize("mode", ERAS)
async def test_progress_reaches_the_client(served, mode):
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with served.mcp(mode=mode) as client:
        result = await client.call_tool(
            "fake_list", {"count": 30, "chunk": 10}, progress_callback=on_progress
        )
    assert result.is_error is not True
    assert progress == [(10, 30, "10/30"), (20, 30, "20/30"), (30, 30, "30/30")]


@pytest.mark.parametrize(
    ("arguments", "code", "words"),
    [
        ({"name": "fake_list", "arguments": {"count": -1}}, "invalid_params", "count"),
        ({"name": "fake_fail", "arguments": {"kind": "bug"}}, "internal_error", "fake_fail"),
        ({"name": "fake_fail", "arguments": {"kind": "upstream"}}, "upstream_unavailable", "down"),
    ],
)
async def test_tool_failure_is_is_error_with_a_problem(served, arguments, code, words):
    async with served.mcp() as client:
        result = await client.call_tool(arguments["name"], arguments["arguments"])
    assert result.is_error is True
    problem = json.loads(result.content[0].text)
    assert problem["code"] == code
    assert words in problem["detail"]
    assert LEAK not in result.content[0].text


@pytest.mark.parametrize("mode", ERAS)
async def test_unknown_tool_is_a_json_rpc_error(served, mode):
    async with served.mcp(mode=mode) as client:
        with pytest.raises(MCPError) as info:
            await client.call_tool("no_such_tool", {})
    assert info.value.code == -32602


async def test_instructions_describe_the_tools_and_do_not_claim_sandbox(served):
    async with served.mcp() as client:
        instructions = client.instructions
    assert instructions and "나라장터" in instructions
    assert "SANDBOX" not in instructions  # the fake plugin's app is not the sandbox


@pytest.mark.parametrize("mode", ERAS)
async def test_a_cancelled_call_stops_the_tool_and_the_server_answers_the_next(served, activity, mode):
    async with served.mcp(mode=mode) as client:
        with anyio.move_on_after(0.2) as scope:
            await client.call_tool("fake_list", {"count": 10_000, "chunk": 1, "delay": 0.01})
        assert scope.cancelled_caught
        await wait_until(lambda: activity.cancelled)
        chunks = activity.chunks
        await anyio.sleep(0.1)
        assert activity.chunks == chunks, "the tool kept running after the call was cancelled"
        result = await client.call_tool("fake_list", {"count": 3})
    assert result.structured_content is not None and len(result.structured_content["items"]) == 3
    assert (activity.started, activity.finished, activity.cancelled) == (2, 1, 1)


async def test_dns_rebinding_is_refused(http):
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    r = await http.post("/mcp", headers={**MCP_HEADERS, "Host": "evil.example"}, json=ping)
    assert r.status_code in (403, 421)
    r = await http.post("/mcp", headers={**MCP_HEADERS, "Origin": "http://evil.example"}, json=ping)
    assert r.status_code == 403


async def test_a_configured_public_host_is_accepted(make_app):
    headers = {**MCP_HEADERS, "mcp-protocol-version": "2025-11-25"}
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    app = make_app(allowed_hosts=frozenset({"naramarket.example.kr"}))
    async with serve(app) as served, served.http() as http:
        allowed = await http.post("/mcp", headers={**headers, "Host": "naramarket.example.kr"}, json=ping)
        refused = await http.post("/mcp", headers={**headers, "Host": "other.example.kr"}, json=ping)
    assert refused.status_code in (403, 421)
    assert allowed.status_code not in (403, 421)


async def raw_session(http: Any, headers: dict[str, str]) -> dict[str, str]:
    """initialize + initialized over plain HTTP; returns the headers of the session."""
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    r = await http.post("/mcp", json=init, headers={**MCP_HEADERS, **headers})
    assert r.status_code == 200, r.text
    session = {**headers, "mcp-session-id": r.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert (await http.post("/mcp", json=note, headers={**MCP_HEADERS, **session})).status_code == 202
    return session


async def test_a_tools_scope_is_enforced_at_the_http_level(guarded):
    http = guarded.http
    assert (await http.post("/mcp", json={}, headers=MCP_HEADERS)).status_code == 401
    session = await raw_session(http, await guarded.bearer("fake:other"))
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "fake_admin", "arguments": {"text": "x"}},
    }
    r = await http.post("/mcp", json=call, headers={**MCP_HEADERS, **session})
    assert r.status_code == 403  # the client can step up: the challenge names the scope
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    assert f'scope="{ADMIN}"' in r.headers["www-authenticate"]
    async with guarded.served.mcp(headers=await guarded.bearer(ADMIN)) as client:
        result = await client.call_tool("fake_admin", {"text": "x"})
    assert result.is_error is not True
    assert result.structured_content is not None and result.structured_content["text"] == "x"
