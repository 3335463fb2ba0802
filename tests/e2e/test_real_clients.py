"""Real MCP clients nobody here wrote: the MCP Inspector CLI and the MCP conformance suite.

Both are pinned in package.json and installed by scripts/node-tools.sh (``./dev test`` runs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import BIN, MALL_TOOLS, ROOT

pytestmark = pytest.mark.node


def node_tools() -> dict[str, str]:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "node-tools.sh")], capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


@pytest.fixture(scope="module")
def tools() -> dict[str, str]:
    return node_tools()


def inspector(tools: dict[str, str], *args: str, env: dict[str, str] | None = None) -> dict:
    cmd = [tools["NODE22"], tools["INSPECTOR"], "--cli", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, f"exit {out.returncode}: {out.stderr}"
    return json.loads(out.stdout)


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_inspector_lists_and_calls_over_http(live_server, tools, era):
    base = [live_server.mcp_url, "--protocol-era", era, "--format", "json"]
    listed = inspector(tools, *base, "--method", "tools/list")
    crawl = next(t for t in listed["result"]["tools"] if t["name"] == "crawl_list")
    assert crawl["annotations"]["readOnlyHint"] is True
    assert "outputSchema" in crawl
    called = inspector(
        tools,
        *base,
        "--method",
        "tools/call",
        "--tool-name",
        "crawl_list",
        "--tool-arg",
        "category=데스크톱컴퓨터",
        "limit=10",
    )
    result = called["result"]
    assert result["isError"] is False
    assert len(result["structuredContent"]["items"]) == 10
    assert result["structuredContent"]["items"][0]["category"] == "데스크톱컴퓨터"


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_an_inspector_default_call_is_bounded_compact_and_says_sandbox(live_server, tools, era):
    """What the model sees of a default call: a short text, not the records twice over."""
    called = inspector(
        tools,
        live_server.mcp_url,
        "--protocol-era",
        era,
        "--format",
        "json",
        "--method",
        "tools/call",
        "--tool-name",
        "crawl_list",
        "--tool-arg",
        "category=데스크톱컴퓨터",
    )
    result = called["result"]
    structured = result["structuredContent"]
    text = result["content"][0]["text"]
    assert len(structured["items"]) == 50 and structured["complete"] is False
    assert structured["reason"] == "limit" and structured["next"]["cursor"]
    assert text.startswith("[SANDBOX") and "next" in text
    assert len(json.dumps(result, ensure_ascii=False).encode()) < 256 * 1024
    assert len(text) < len(json.dumps(structured, ensure_ascii=False)) / 3


def test_inspector_over_stdio(tools, sandbox_env):
    # The Inspector gives the server it spawns only a few variables of its own environment (HOME,
    # PATH, ...): ours go through -e.
    server_env = [
        arg for k, v in sandbox_env.items() if k.startswith("NARAMARKET_") for arg in ("-e", f"{k}={v}")
    ]
    listed = inspector(
        tools,
        "--format",
        "json",
        "--method",
        "tools/list",
        *server_env,
        "--",
        str(BIN / "naramarket-mcp"),
        env=sandbox_env,
    )
    assert sorted(t["name"] for t in listed["result"]["tools"]) == list(MALL_TOOLS)


def test_conformance_suite_passes_both_eras(live_server, tools, tmp_path):
    env = {**os.environ, "CONFORMANCE_TIMEOUT": "300"}
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "conformance.sh"), live_server.mcp_url, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=700,
        env=env,
    )
    logs = "\n".join(p.read_text() for p in tmp_path.glob("*.log"))
    assert out.returncode == 0, f"{out.stdout[-3000:]}\n{out.stderr[-2000:]}\n{logs[-4000:]}"
