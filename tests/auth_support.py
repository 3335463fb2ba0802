"""Shared pieces of the auth tests: a two-tool plugin with distinct scopes, an auth-on app, helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import msgspec

from naramarket.app import create_app, make_kernel
from naramarket.kernel import Context, Params, Settings, hookimpl, tool
from naramarket.kernel.host import make_plugin_manager

READ, ADMIN = "g2b:read", "g2b:admin"


class Echo(Params):
    text: str = "hi"


class Echoed(msgspec.Struct):
    text: str
    subject: str | None


@tool(
    name="read_echo",
    title=("읽기", "Read echo"),
    description=("되돌려 줍니다.", "Echoes."),
    scopes=(READ,),
)
async def read_echo(ctx: Context, p: Echo) -> Echoed:
    return Echoed(p.text, ctx.principal.subject if ctx.principal else None)


@tool(
    name="admin_echo",
    title=("관리", "Admin echo"),
    description=("관리자만.", "Admins only."),
    scopes=(ADMIN,),
)
async def admin_echo(ctx: Context, p: Echo) -> Echoed:
    return Echoed(p.text.upper(), ctx.principal.subject if ctx.principal else None)


class AuthTestPlugin:
    @staticmethod
    @hookimpl
    def register_tools(register):  # type: ignore[no-untyped-def]
        register(read_echo)
        register(admin_echo)


def auth_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings with auth on, state in ``data_dir``, independent of the developer's environment."""
    values: dict[str, Any] = {"auth": "on", "rate_limit": 0, "data_dir": str(data_dir), **overrides}
    return Settings.from_env({}, **values)


def auth_plugins(installed: bool = False) -> Any:
    """A plugin manager with the two test tools (and, if ``installed``, every installed plugin)."""
    return make_plugin_manager(None if installed else [], extra=[("authtest", AuthTestPlugin)])


def auth_app(data_dir: Path, *, installed: bool = False, **overrides: Any) -> Any:
    """The real app (REST, SSE, MCP, OAuth) over the two test tools.

    With ``installed`` the installed plugins (``g2b_mall``'s ``crawl_list`` …) are served too,
    against the in-process sandbox upstream.
    """
    if installed:
        overrides.setdefault("sandbox", True)
    settings = auth_settings(data_dir, **overrides)
    return create_app(settings, kernel=make_kernel(settings, plugin_manager=auth_plugins(installed)))


def client_token(url: str, client_id: str, secret: str, scope: str | None = None) -> str:
    """An access token by client_credentials (client_secret_basic)."""
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    r = httpx.post(f"{url}/auth/token", data=data, auth=(client_id, secret))
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def sse_json(response: httpx.Response) -> Any:
    """The JSON-RPC message of a streamable-HTTP answer (SSE or plain JSON)."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    messages = [
        json.loads(line[5:])
        for line in response.text.splitlines()
        if line.startswith("data:") and line[5:].strip()
    ]
    for message in messages:  # the response, not a notification sent before it
        if "result" in message or "error" in message:
            return message
    if messages:
        return messages[0]
    raise AssertionError(f"no JSON-RPC message in {response.text!r}")


def mcp_session(http: httpx.Client, headers: dict[str, str]) -> tuple[httpx.Response, dict[str, str]]:
    """initialize + initialized over raw HTTP; returns the initialize response and session headers."""
    init = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "auth-tests", "version": "1"},
        },
    }
    r = http.post("/mcp", json=init, headers={**MCP_HEADERS, **headers})
    if r.status_code != 200:
        return r, {}
    session = {**headers, "mcp-session-id": r.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert http.post("/mcp", json=note, headers={**MCP_HEADERS, **session}).status_code == 202
    return r, session


def mcp_call(
    http: httpx.Client, session: dict[str, str], name: str, arguments: dict[str, Any]
) -> httpx.Response:
    """A tools/call over raw HTTP."""
    body = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
    return http.post("/mcp", json=body, headers={**MCP_HEADERS, **session})
