"""The MCP fast lane (``adapters/mcp_lane.py``) answers what the SDK would, word for word.

The same requests go to two apps, one with the lane and one with it turned off (every request
through the SDK's transport), at every handshake protocol version; the JSON-RPC messages that come
back must be equal. Progress, cancellation, resumption and the scope checks through the lane are
exercised with the official client in ``test_mcp.py``, ``test_mcp_resume.py`` and
``test_hardening.py`` (the lane is on in every app ``create_app`` makes).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from naramarket.adapters import mcp_lane
from naramarket.adapters.mcp_lane import FastLane
from tests.adapters.conftest import fake_app
from tests.inprocess import serve

pytestmark = pytest.mark.anyio

HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}

REQUESTS: list[dict[str, Any]] = [
    {"method": "tools/list"},
    {"method": "tools/list", "params": {}},
    {"method": "ping"},
    {"method": "tools/call", "params": {"name": "fake_list", "arguments": {"count": 3}}},
    {"method": "tools/call", "params": {"name": "fake_list", "arguments": {"count": 120, "chunk": 50}}},
    {"method": "tools/call", "params": {"name": "fake_list", "arguments": {"count": -1}}},  # isError
    {"method": "tools/call", "params": {"name": "fake_fail", "arguments": {"kind": "upstream"}}},
    {"method": "tools/call", "params": {"name": "fake_fail", "arguments": {"kind": "bug"}}},
    {"method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}},  # JSON-RPC error
    {"method": "tools/call", "params": {"name": "fake_list"}},  # no arguments: a tool error
    {
        "method": "tools/call",
        "params": {
            "name": "fake_list",
            "arguments": {"count": 30, "chunk": 10},
            "_meta": {"progressToken": "p"},
        },
    },
    # Shapes the lane leaves to the SDK; they must still answer the same.
    {"method": "tools/call", "params": {"name": 5}},
    {"method": "tools/call", "params": {"name": "fake_list", "arguments": [1]}},
    {"method": "tools/call", "params": {"name": "fake_list", "extra": 1}},
    {"method": "tools/list", "params": {"cursor": 7}},
    {"method": "resources/list"},
]


def lane_of(app: Any) -> FastLane:
    lane = app.sessions.app  # the session guard wraps the lane (naramarket.app.create_app)
    assert isinstance(lane, FastLane)
    return lane


def messages(response: Any) -> list[Any]:
    """The JSON-RPC messages of an answer (an SSE stream or a JSON body), event ids left out."""
    if response.headers["content-type"].startswith("application/json"):
        return [response.json()]
    found = []
    for block in response.text.replace("\r\n", "\n").split("\n\n"):
        data = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
        if data and data[0]:
            found.append(json.loads("\n".join(data)))
    return found


def without_trace_ids(found: list[Any]) -> list[Any]:
    """Messages without the trace ids problem documents carry while a tracer provider is set (each
    call has its own; OpenTelemetry's provider is process-wide, so an earlier test's stays set)."""
    text = json.dumps(found)
    return list(json.loads(re.sub(r',\s*\\?"trace_id\\?":\s*\\?"[0-9a-f]{32}\\?"', "", text)))


@pytest.fixture(autouse=True)
def no_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lane steps aside while a tracer provider is set (the SDK's spans are wanted then), and
    OpenTelemetry's provider is process-wide: an earlier test that set one must not turn it off."""
    monkeypatch.setattr(mcp_lane, "tracing_on", lambda: False)


@asynccontextmanager
async def session(lane_on: bool, version: str) -> AsyncIterator[tuple[Any, dict[str, str], list[str]]]:
    """An initialized session at ``version``; yields the client, its headers and the SDK's log."""
    app = fake_app()
    lane = lane_of(app)
    lane.enabled = lane_on
    to_sdk: list[str] = []
    sdk = lane.sdk

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        to_sdk.append(scope["method"])
        await sdk(scope, receive, send)

    lane.sdk = counting
    async with serve(app) as served, served.http() as client:
        init = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        }
        opened = await client.post("/mcp", json=init, headers=HEADERS)
        assert opened.status_code == 200
        headers = {**HEADERS, "mcp-session-id": opened.headers["mcp-session-id"]}
        if version != HANDSHAKE_PROTOCOL_VERSIONS[0]:
            headers["mcp-protocol-version"] = version
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        assert (await client.post("/mcp", json=note, headers=headers)).status_code == 202
        to_sdk.clear()
        yield client, headers, to_sdk


@pytest.mark.parametrize("version", HANDSHAKE_PROTOCOL_VERSIONS)
async def test_the_lane_answers_every_request_as_the_sdk_does(version):
    answers: dict[bool, list[tuple[int, str, list[Any]]]] = {}
    for lane_on in (False, True):
        async with session(lane_on, version) as (client, headers, to_sdk):
            answers[lane_on] = []
            for n, request in enumerate(REQUESTS, start=1):
                r = await client.post("/mcp", json={"jsonrpc": "2.0", "id": n, **request}, headers=headers)
                found = without_trace_ids(messages(r))
                answers[lane_on].append((r.status_code, r.headers["content-type"].split(";")[0], found))
            if lane_on:  # the first eleven are the lane's; the odd ones went to the SDK
                assert len(to_sdk) == len(REQUESTS) - 11
    for n, (sdk, lane) in enumerate(zip(answers[False], answers[True], strict=True)):
        assert lane == sdk, f"request {REQUESTS[n]} at {version}"
    progress = [m for m in answers[True][10][2] if m.get("method") == "notifications/progress"]
    assert [p["params"]["progress"] for p in progress] == [10, 20, 30]


async def test_a_session_used_with_another_credential_or_unknown_is_not_found():
    async with session(True, "2025-11-25") as (client, headers, to_sdk):
        call = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "fake_list", "arguments": {"count": 1}},
        }
        gone = {**headers, "mcp-session-id": "0" * 32}
        r = await client.post("/mcp", json=call, headers=gone)
        assert r.status_code == 404
        r = await client.post("/mcp", json=call, headers={**headers, "host": "evil.example"})
        assert r.status_code == 421  # the SDK's DNS-rebinding check, not the lane
        r = await client.post("/mcp", json=call, headers={**headers, "accept": "application/json"})
        assert r.status_code == 406
        r = await client.post("/mcp", json=call, headers={**headers, "mcp-protocol-version": "1999-01-01"})
        assert r.status_code == 400
        assert to_sdk == ["POST"] * 4
        deleted = await client.delete("/mcp", headers=headers)
        assert deleted.status_code == 200
        r = await client.post("/mcp", json=call, headers=headers)
        assert r.status_code == 404  # a terminated session: the SDK answers, the lane stays out


async def test_a_silent_call_in_the_lane_keeps_its_stream_alive(monkeypatch):
    monkeypatch.setattr(mcp_lane, "PING", 0.05)
    async with session(True, "2025-11-25") as (client, headers, to_sdk):
        arguments = {"count": 6, "chunk": 1, "delay": 0.05}
        call = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "fake_list", "arguments": arguments},
        }
        r = await client.post("/mcp", json=call, headers=headers)
        assert to_sdk == []
    assert r.text.count(": ping") >= 2  # comments a proxy sees as traffic; clients skip them
    (answer,) = messages(r)
    assert [i["n"] for i in answer["result"]["structuredContent"]["items"]] == list(range(6))


@pytest.mark.parametrize("lane_on", [True, False])
async def test_deleting_the_session_stops_its_running_calls(lane_on):
    """A DELETE ends the session's calls still running, in the lane as in the SDK: the call's
    stream closes (no answer: the session is gone) and its tool stops reading upstream."""
    async with session(lane_on, "2025-11-25") as (client, headers, to_sdk):
        slow = {"count": 10_000, "chunk": 1, "delay": 0.01}  # ~100 s if nothing stops it
        call = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "fake_list", "arguments": slow},
        }
        answered: list[Any] = []
        ended = anyio.Event()

        async def run_call() -> None:
            answered.append(await client.post("/mcp", json=call, headers=headers, timeout=60))
            ended.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(run_call)
            await anyio.sleep(0.5)
            deleted = await client.delete("/mcp", headers=headers)
            assert deleted.status_code == 200
            with anyio.fail_after(10):
                await ended.wait()
        (r,) = answered
        assert [m for m in messages(r) if "result" in m] == []  # the call did not run to its end
        assert ("POST" in to_sdk) != lane_on  # the call went where the parameter says
