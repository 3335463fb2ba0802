"""Every tool x {no token, wrong scope, right scope} x {REST, SSE, MCP}: 401 / 403 / 200, with challenges."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from naramarket.adapters.oauth import AuthStore
from tests.auth_support import ADMIN, READ, auth_app, client_token, mcp_call, mcp_session, sse_json
from tests.conftest import LiveServer, start_server

TOOLS = {"read_echo": READ, "admin_echo": ADMIN}
WRONG = {READ: ADMIN, ADMIN: READ}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("auth")
    store = AuthStore(data_dir)
    creds = {}
    for scope in (READ, ADMIN):
        client, secret = store.add_client(f"only-{scope}", [scope])
        creds[scope] = (client.client_id, secret)
    store.close()
    live = start_server(auth_app(data_dir))
    tokens = {scope: client_token(live.url, *creds[scope]) for scope in (READ, ADMIN)}
    yield live, tokens
    live.stop()


def challenge(response: httpx.Response) -> dict[str, str]:
    header = response.headers["www-authenticate"]
    assert header.startswith("Bearer ")
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def check(response: httpx.Response, case: str, scope: str, url: str, mcp: bool = False) -> None:
    suffix = "/mcp" if mcp else ""
    if case == "none":
        assert response.status_code == 401, response.text
        params = challenge(response)
        assert params["resource_metadata"] == f"{url}/.well-known/oauth-protected-resource{suffix}"
        assert set(params["scope"].split()) == {READ, ADMIN}
        assert "error" not in params  # RFC 6750 3.1: no error code when no token was sent
    elif case == "wrong":
        assert response.status_code == 403, response.text
        params = challenge(response)
        assert params["error"] == "insufficient_scope"
        assert params["scope"] == scope
        assert params["resource_metadata"].endswith(f"/.well-known/oauth-protected-resource{suffix}")
        assert response.json()["code"] == "insufficient_scope"
    else:
        assert response.status_code == 200, response.text


CASES = ["none", "wrong", "right"]


def _headers(tokens: dict[str, str], case: str, scope: str) -> dict[str, str]:
    if case == "none":
        return {}
    token = tokens[WRONG[scope]] if case == "wrong" else tokens[scope]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize("case", CASES)
def test_rest(server, tool, case):
    live, tokens = server
    scope = TOOLS[tool]
    r = httpx.post(
        f"{live.url}/api/v1/tools/{tool}", json={"text": "x"}, headers=_headers(tokens, case, scope)
    )
    check(r, case, scope, live.url)
    if case == "right":
        assert r.json()["subject"].startswith("nmc_")  # the principal reached the handler


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize("case", CASES)
def test_sse(server, tool, case):
    live, tokens = server
    scope = TOOLS[tool]
    r = httpx.post(
        f"{live.url}/api/v1/tools/{tool}/stream", json={"text": "x"}, headers=_headers(tokens, case, scope)
    )
    check(r, case, scope, live.url)
    if case == "right":
        assert "event: result" in r.text


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize("case", CASES)
def test_mcp(server, tool, case):
    live, tokens = server
    scope = TOOLS[tool]
    with httpx.Client(base_url=live.url) as http:
        init, session = mcp_session(http, _headers(tokens, case, scope))
        if case == "none":
            check(init, case, scope, live.url, mcp=True)
            return
        assert init.status_code == 200
        r = mcp_call(http, session, tool, {"text": "x"})
        check(r, case, scope, live.url, mcp=True)
        if case == "right":
            result = sse_json(r)["result"]
            assert result["isError"] is False
            assert result["structuredContent"]["text"] in {"x", "X"}


def test_tools_list_needs_a_token_but_no_tool_scope(server):
    live, tokens = server
    assert httpx.get(f"{live.url}/api/v1/tools").status_code == 401
    ok = httpx.get(f"{live.url}/api/v1/tools", headers={"Authorization": f"Bearer {tokens[READ]}"})
    assert ok.status_code == 200
    assert httpx.get(f"{live.url}/api/v1/health").status_code == 200  # liveness stays public


def test_bad_token_is_invalid_token_everywhere(server):
    live, _ = server
    headers = {"Authorization": "Bearer not-a-jwt"}
    for path in ("/api/v1/tools/read_echo", "/api/v1/tools/read_echo/stream", "/mcp"):
        r = httpx.post(f"{live.url}{path}", json={}, headers=headers)
        assert r.status_code == 401
        assert challenge(r)["error"] == "invalid_token"


def test_mcp_session_is_bound_to_its_principal(server):
    live, tokens = server
    with httpx.Client(base_url=live.url) as http:
        _, session = mcp_session(http, {"Authorization": f"Bearer {tokens[READ]}"})
        stolen = {**session, "Authorization": f"Bearer {tokens[ADMIN]}"}
        assert mcp_call(http, stolen, "admin_echo", {}).status_code == 404  # as if it did not exist


def test_protected_resource_metadata(server):
    live, _ = server
    for suffix in ("", "/mcp"):
        meta = httpx.get(f"{live.url}/.well-known/oauth-protected-resource{suffix}").json()
        assert meta["resource"] == live.url + suffix
        assert meta["authorization_servers"] == [live.url]
        assert set(meta["scopes_supported"]) == {READ, ADMIN}


def test_loopback_server_with_auth_unset_is_open(tmp_path):
    live = start_server(auth_app(tmp_path, auth=None))
    try:
        r = httpx.post(f"{live.url}/api/v1/tools/admin_echo", json={"text": "x"})
        assert r.status_code == 200
        assert r.json()["subject"] is None  # the local user
    finally:
        live.stop()
