"""The MCP Inspector CLI (a client nobody here wrote) against an auth-on server."""

from __future__ import annotations

import json
import subprocess

import pytest

from naramarket.adapters.oauth import AuthStore
from tests.auth_support import READ, auth_app, client_token
from tests.conftest import start_server
from tests.e2e.test_real_clients import node_tools

pytestmark = pytest.mark.node


def run_inspector(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    tools = node_tools()
    cmd = [tools["NODE22"], tools["INSPECTOR"], "--cli", url, "--format", "json", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_inspector_with_and_without_a_bearer_token(tmp_path):
    store = AuthStore(tmp_path)
    client, secret = store.add_client("inspector", [READ])
    store.close()
    live = start_server(auth_app(tmp_path))
    try:
        token = client_token(live.url, client.client_id, secret)
        header = ["--header", f"Authorization: Bearer {token}"]
        listed = run_inspector(live.mcp_url, *header, "--method", "tools/list")
        assert listed.returncode == 0, listed.stderr
        names = {t["name"] for t in json.loads(listed.stdout)["result"]["tools"]}
        assert names == {"read_echo", "admin_echo"}
        called = run_inspector(
            live.mcp_url,
            *header,
            "--method",
            "tools/call",
            "--tool-name",
            "read_echo",
            "--tool-arg",
            "text=안녕",
        )
        assert called.returncode == 0, called.stderr
        assert json.loads(called.stdout)["result"]["structuredContent"]["text"] == "안녕"
        refused = run_inspector(live.mcp_url, "--stored-auth-only", "--method", "tools/list")
        assert refused.returncode == 3, (refused.returncode, refused.stderr)  # 3 = HTTP 401
        assert json.loads(refused.stderr)["error"]["code"] == "auth_required"
    finally:
        live.stop()
