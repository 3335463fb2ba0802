"""Hypothesis against the MCP scope gate: whatever the body, a JSON-RPC or problem answer, never a
crash or a 500 (issue 15, finding 7); and a call the token may not make never reaches the SDK."""

from __future__ import annotations

import json
from typing import Any

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naramarket.adapters.auth import PRINCIPAL
from naramarket.adapters.mcp import ScopeGate
from naramarket.app import make_kernel
from naramarket.kernel import Principal
from tests.auth_support import auth_plugins, auth_settings
from tests.fuzz.conftest import CASES, SERVER_ERRORS

KERNEL = make_kernel(auth_settings(__import__("pathlib").Path("/nonexistent")), plugin_manager=auth_plugins())
READER = Principal("fuzzer", frozenset({"g2b:read"}))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
names = st.sampled_from(["read_echo", "admin_echo", "nope", ""]) | json_values
messages = st.fixed_dictionaries(
    {
        "jsonrpc": st.just("2.0"),
        "id": st.integers() | st.text(max_size=5) | st.none(),
        "method": st.sampled_from(["tools/call", "tools/list", "initialize", "ping"]) | json_values,
    },
    optional={
        "params": st.fixed_dictionaries({}, optional={"name": names, "arguments": json_values}) | json_values
    },
)
bodies = (
    messages.map(lambda m: json.dumps(m).encode())
    | st.lists(messages, max_size=4).map(lambda m: json.dumps(m).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=200)
    | st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n)
    | messages.map(lambda m: json.dumps(m).encode("utf-16"))
)


async def through_gate(body: bytes) -> tuple[int, bool]:
    """The gate's status for ``body``, and whether it let the request through to the SDK."""
    reached: list[bool] = []
    sent: list[dict[str, Any]] = []

    async def sdk(scope: Any, receive: Any, send: Any) -> None:
        reached.append(True)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/mcp", "headers": [], PRINCIPAL: READER}
    await ScopeGate(sdk, KERNEL)(scope, receive, send)
    return sent[0]["status"], bool(reached)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(bodies)
def test_the_gate_never_crashes_and_never_passes_a_forbidden_call(body: bytes) -> None:
    CASES["MCP scope gate"] += 1
    try:
        status, reached = anyio.run(through_gate, body)
    except Exception:
        SERVER_ERRORS["MCP scope gate"] += 1
        raise
    assert status < 500
    forbidden = b'"admin_echo"' in body and b'"tools/call"' in body
    if reached and forbidden:
        try:
            decoded = json.loads(body)
        except ValueError:
            return
        batch = decoded if isinstance(decoded, list) else [decoded]
        for message in batch:
            params = message.get("params") if isinstance(message, dict) else None
            assert not (
                isinstance(params, dict)
                and message.get("method") == "tools/call"
                and params.get("name") == "admin_echo"
            ), "a call the token may not make reached the SDK"
