"""Every tool x {no token, wrong scope, right scope} x {REST, SSE, MCP}: 401 / 403 / 200, with challenges.

"Every tool" is the kernel's registry as served: the installed plugins (``g2b_mall``'s
``crawl_list``, against the sandbox upstream) plus the two test tools with distinct scopes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from naramarket.adapters.oauth import AuthStore
from naramarket.kernel.host import load_tools
from tests.auth_support import (
    ADMIN,
    READ,
    auth_app,
    auth_plugins,
    client_token,
    mcp_call,
    mcp_session,
    sse_json,
)
from tests.conftest import LiveServer, start_server

REGISTRY = load_tools(auth_plugins(installed=True))
TOOLS = {t.name: t.scopes for t in REGISTRY}
ALL_SCOPES = frozenset(s for scopes in TOOLS.values() for s in scopes)
# Arguments for a successful call; a tool with required parameters must be listed here.
ARGUMENTS: dict[str, dict[str, Any]] = {
    "read_echo": {"text": "x"},
    "admin_echo": {"text": "x"},
    "crawl_list": {"category": "데스크톱컴퓨터", "limit": 10},
    "search_bid_notices": {"kind": "물품", "limit": 5},
    "search_awards": {"kind": "물품", "limit": 5},
    "search_contracts": {"limit": 5},
    "analyze_mall_prices": {"category": "데스크톱컴퓨터"},
    "get_procurement_statistics": {"view": "by_kind", "limit": 5},
    "search_open_standard": {"dataset": "contracts", "limit": 5},
    "search_prespecs": {"limit": 5},
    "search_procurement_requests": {"limit": 5},
    "search_order_plans": {"limit": 5},
    "search_agencies": {"limit": 5},
    "search_industries": {"limit": 5},
    "search_operations": {"query": "입찰공고"},
    "describe_operation": {"operation": "getBidPblancListInfoThng"},
    "call_operation": {
        "service": "BidPublicInfoService",
        "operation": "getBidPblancListInfoThng",
        "params": {"inqryDiv": "1"},
        "limit": 5,
    },
    "get_bid_notice": {"notice_no": "R26BK01234567", "kind": "물품"},
    "get_opening_results": {"notice_no": "R26BK01234567", "kind": "물품"},
    "get_contract": {"contract_no": "R26TA01234567", "kind": "물품"},
    "get_prespec": {"spec_no": "R26BD01234567", "kind": "물품"},
    "get_procurement_process": {"number": "R26BK01234567", "kind": "물품"},
    "get_supplier": {"business_no": "1018109147"},
    "search_nuri_bid_notices": {"kind": "물품", "limit": 5},
    "search_nuri_awards": {"limit": 5},
    "search_nuri_contracts": {"limit": 5},
    "get_product": {"product_id": "24334671", "mall_page": False},
    "get_delivery_request": {"request_no": "R25TB00728925"},
    "search_item_procurements": {"category": "책상", "limit": 5},
    "search_item_procurement_totals": {"category": "책상", "limit": 5},
    "search_categories": {"words": "노트북"},
    "start_export": {"tool": "crawl_list", "params": {"category": "데스크톱컴퓨터", "limit": 10}},
}
CASES = ["none", "wrong", "right"]
ONLY_READ, ONLY_ADMIN = frozenset({READ}), frozenset({ADMIN})


def test_the_matrix_covers_the_real_tools():
    assert {"crawl_list", "read_echo", "admin_echo"} <= set(TOOLS)
    assert TOOLS["crawl_list"] == (READ,)
    assert all(scopes for scopes in TOOLS.values()), "a tool without scopes: the matrix needs a case"


class Tokens:
    """Access tokens by granted scope set, each from its own client (issued once, on demand)."""

    def __init__(self, live: LiveServer, data_dir: Any) -> None:
        self.live, self.data_dir = live, data_dir
        self._tokens: dict[frozenset[str], str] = {}

    def __getitem__(self, scopes: frozenset[str]) -> str:
        if scopes not in self._tokens:
            store = AuthStore(self.data_dir)
            client, secret = store.add_client("matrix " + " ".join(sorted(scopes)), sorted(scopes))
            store.close()
            assert secret is not None
            self._tokens[scopes] = client_token(self.live.url, client.client_id, secret)
        return self._tokens[scopes]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Tokens]]:
    data_dir = tmp_path_factory.mktemp("auth")
    live = start_server(auth_app(data_dir, installed=True))
    yield live, Tokens(live, data_dir)
    live.stop()


def challenge(response: httpx.Response) -> dict[str, str]:
    header = response.headers["www-authenticate"]
    assert header.startswith("Bearer ")
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def check(response: httpx.Response, case: str, tool: str, url: str, mcp: bool = False) -> None:
    suffix = "/mcp" if mcp else ""
    if case == "none":
        assert response.status_code == 401, response.text
        params = challenge(response)
        assert params["resource_metadata"] == f"{url}/.well-known/oauth-protected-resource{suffix}"
        assert set(params["scope"].split()) == ALL_SCOPES
        assert "error" not in params  # RFC 6750 3.1: no error code when no token was sent
        assert response.headers["content-type"].startswith("application/problem+json")
    elif case == "wrong":
        assert response.status_code == 403, response.text
        params = challenge(response)
        assert params["error"] == "insufficient_scope"
        assert params["scope"].split() == list(TOOLS[tool])
        assert params["resource_metadata"] == f"{url}/.well-known/oauth-protected-resource{suffix}"
        assert response.json()["code"] == "insufficient_scope"
    else:
        assert response.status_code == 200, response.text


def _headers(tokens: Tokens, case: str, tool: str) -> dict[str, str]:
    if case == "none":
        return {}
    needed = frozenset(TOOLS[tool])
    # "wrong": every scope there is except the tool's own (still a valid, authenticated token)
    scopes = (ALL_SCOPES - needed) if case == "wrong" else needed
    return {"Authorization": f"Bearer {tokens[scopes]}"}


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize("case", CASES)
def test_rest(server, tool, case):
    live, tokens = server
    r = httpx.post(
        f"{live.url}/api/v1/tools/{tool}",
        json=ARGUMENTS.get(tool, {}),
        headers=_headers(tokens, case, tool),
        timeout=30,
    )
    check(r, case, tool, live.url)
    if case == "right" and tool.endswith("_echo"):
        assert r.json()["subject"].startswith("nmc_")  # the principal reached the handler


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize("case", CASES)
def test_sse(server, tool, case):
    live, tokens = server
    r = httpx.post(
        f"{live.url}/api/v1/tools/{tool}/stream",
        json=ARGUMENTS.get(tool, {}),
        headers=_headers(tokens, case, tool),
        timeout=30,
    )
    check(r, case, tool, live.url)
    if case == "right":
        assert "event: result" in r.text and "event: error" not in r.text


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize("case", CASES)
def test_mcp(server, tool, case):
    live, tokens = server
    with httpx.Client(base_url=live.url, timeout=30) as http:
        init, session = mcp_session(http, _headers(tokens, case, tool))
        if case == "none":
            check(init, case, tool, live.url, mcp=True)
            r = mcp_call(http, {}, tool, ARGUMENTS.get(tool, {}))  # straight to tools/call
            check(r, case, tool, live.url, mcp=True)
            return
        assert init.status_code == 200
        r = mcp_call(http, session, tool, ARGUMENTS.get(tool, {}))
        check(r, case, tool, live.url, mcp=True)
        if case == "right":
            result = sse_json(r)["result"]
            assert result["isError"] is False, result
            assert result["structuredContent"]


def test_tools_list_needs_a_token_but_no_tool_scope(server):
    live, tokens = server
    assert httpx.get(f"{live.url}/api/v1/tools").status_code == 401
    ok = httpx.get(f"{live.url}/api/v1/tools", headers={"Authorization": f"Bearer {tokens[ONLY_READ]}"})
    assert ok.status_code == 200
    assert httpx.get(f"{live.url}/api/v1/health").status_code == 200  # liveness stays public


def test_bad_token_is_invalid_token_everywhere(server):
    live, _ = server
    headers = {"Authorization": "Bearer not-a-jwt"}
    paths = [p for t in sorted(TOOLS) for p in (f"/api/v1/tools/{t}", f"/api/v1/tools/{t}/stream")]
    for path in [*paths, "/api/v1/crawl/list", "/mcp"]:
        r = httpx.post(f"{live.url}{path}", json={}, headers=headers)
        assert r.status_code == 401
        assert challenge(r)["error"] == "invalid_token"


def test_mcp_session_is_bound_to_its_principal(server):
    live, tokens = server
    with httpx.Client(base_url=live.url) as http:
        _, session = mcp_session(http, {"Authorization": f"Bearer {tokens[ONLY_READ]}"})
        stolen = {**session, "Authorization": f"Bearer {tokens[ONLY_ADMIN]}"}
        assert mcp_call(http, stolen, "admin_echo", {}).status_code == 404  # as if it did not exist
        assert http.delete("/mcp", headers=stolen).status_code == 404  # nor can another close it
        assert mcp_call(http, session, "read_echo", {}).status_code == 200  # its owner still can


def test_protected_resource_metadata(server):
    live, _ = server
    for suffix in ("", "/mcp"):
        meta = httpx.get(f"{live.url}/.well-known/oauth-protected-resource{suffix}").json()
        assert meta["resource"] == live.url + suffix
        assert meta["authorization_servers"] == [live.url]
        assert set(meta["scopes_supported"]) == ALL_SCOPES


def test_loopback_server_with_auth_unset_is_open(tmp_path):
    live = start_server(auth_app(tmp_path, auth=None))
    try:
        r = httpx.post(f"{live.url}/api/v1/tools/admin_echo", json={"text": "x"})
        assert r.status_code == 200
        assert r.json()["subject"] is None  # the local user
    finally:
        live.stop()
