"""``naramarket.lean_sdk``: the MCP SDK's package ``__init__`` files run when a name is asked for.

Each case runs in a fresh Python (the deferral acts on ``sys.modules``, which this process has
already filled) and prints what it saw as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys

_PUBLIC = """
import json, sys
def public(module):
    return sorted(n for n in vars(module) if not n.startswith("_"))
"""


def run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _PUBLIC + code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_stdio_server_modules_load_without_the_client_or_the_high_level_server():
    seen = run(
        """
from naramarket.lean_sdk import defer_package_inits
deferred = defer_package_inits()
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
print(json.dumps({"deferred": deferred, "client": "mcp.client" in sys.modules,
                  "mcpserver": "mcp.server.mcpserver" in sys.modules, "server": Server.__module__}))
"""
    )
    assert seen == {
        "deferred": ["mcp", "mcp.server"],
        "client": False,
        "mcpserver": False,
        "server": "mcp.server.lowlevel.server",
    }


def test_a_deferred_package_looks_exactly_like_a_normal_import_once_a_name_is_asked_for():
    """``from mcp import Client`` runs ``mcp/__init__``; then both packages hold the same public
    names, ``__all__`` and objects as in a Python that imported them the usual way."""
    normal = run(
        """
import mcp, mcp.server
print(json.dumps({"mcp": public(mcp), "server": public(mcp.server), "all": mcp.__all__,
                  "server_all": mcp.server.__all__}))
"""
    )
    deferred = run(
        """
from naramarket.lean_sdk import defer_package_inits
defer_package_inits()
import mcp.server.lowlevel
from mcp import Client
from mcp.client.client import Client as Real
import mcp, mcp.server
from mcp.server import MCPServer, Server
print(json.dumps({"mcp": public(mcp), "server": public(mcp.server), "all": mcp.__all__,
                  "server_all": mcp.server.__all__,
                  "same": Client is Real and Server is mcp.server.lowlevel.Server,
                  "getattr_left": "__getattr__" in vars(mcp) or "__getattr__" in vars(mcp.server)}))
"""
    )
    assert deferred.pop("same") is True
    assert deferred.pop("getattr_left") is False
    assert deferred == normal


def test_an_unknown_name_is_an_attribute_error_and_a_loaded_package_is_left_alone():
    seen = run(
        """
import mcp
from naramarket.lean_sdk import defer_package_inits
again = defer_package_inits()
try:
    mcp.no_such_name
except AttributeError as exc:
    error = str(exc)
print(json.dumps({"again": again, "error": error}))
"""
    )
    assert seen == {"again": [], "error": "module 'mcp' has no attribute 'no_such_name'"}


def test_asking_a_deferred_package_for_an_unknown_name_runs_its_init_then_says_so():
    seen = run(
        """
from naramarket.lean_sdk import defer_package_inits
defer_package_inits()
import mcp
try:
    mcp.no_such_name
except AttributeError as exc:
    error = str(exc)
print(json.dumps({"error": error, "client": hasattr(mcp, "Client")}))
"""
    )
    assert seen == {"error": "module 'mcp' has no attribute 'no_such_name'", "client": True}


def test_threads_asking_at_once_all_get_the_name_after_the_whole_init_ran():
    seen = run(
        """
import threading
from naramarket.lean_sdk import defer_package_inits
defer_package_inits()
import mcp.server.lowlevel
import mcp
got, start = [], threading.Barrier(8)
def ask():
    start.wait()
    got.append(mcp.Client.__module__)
threads = [threading.Thread(target=ask) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"got": got}))
"""
    )
    assert seen == {"got": ["mcp.client.client"] * 8}


def test_served_mcp_builds_without_the_client_or_the_high_level_server():
    """``naramarket serve``'s ``/mcp`` (built on its first request) opens a session and answers a
    call with neither the SDK's client nor its high-level server loaded."""
    seen = run(
        """
import os
os.environ["NARAMARKET_SANDBOX"] = "1"
from starlette.testclient import TestClient
from naramarket.app import create_app
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
        "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
CALL = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "describe_operation", "arguments": {"operation": "getBidPblancListInfoServc"}}}
with TestClient(create_app(), base_url="http://127.0.0.1") as c:
    opened = c.post("/mcp", json=INIT, headers=HEADERS)
    session = {**HEADERS, "Mcp-Session-Id": opened.headers.get("mcp-session-id", ""),
               "MCP-Protocol-Version": "2025-06-18"}
    answer = c.post("/mcp", json=CALL, headers=session)
answers = [opened.status_code, answer.status_code, "getBidPblancListInfoServc" in answer.text]
print(json.dumps({"answers": answers, "client": "mcp.client" in sys.modules,
                  "mcpserver": "mcp.server.mcpserver" in sys.modules}))
"""
    )
    assert seen == {"answers": [200, 200, True], "client": False, "mcpserver": False}
