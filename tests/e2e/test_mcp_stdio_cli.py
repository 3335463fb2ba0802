"""``naramarket-mcp`` as an MCP client starts it: a subprocess speaking MCP on stdin/stdout.

The flags are what a client configuration (Claude Desktop, Claude Code, ...) passes: ``--sandbox``
needs no ``NARAMARKET_SANDBOX``, ``--service-key-file`` replaces the key variable, and stdout carries
nothing but protocol messages whatever the log level.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from mcp import Client, StdioServerParameters

from naramarket import sandbox
from tests.conftest import BIN, LiveServer, start_server

pytestmark = pytest.mark.anyio

ARGS = {"category": "데스크톱컴퓨터"}  # the tool's defaults for everything else
NOWHERE = "http://127.0.0.1:9/1230000"  # discard port: a call that reaches it fails


@pytest.fixture
def real_env(sandbox_env: dict[str, str]) -> dict[str, str]:
    """No sandbox and no key in the environment; an upstream URL that answers nothing."""
    env = {k: v for k, v in sandbox_env.items() if k not in {"NARAMARKET_SANDBOX", "NARAMARKET_SERVICE_KEY"}}
    env["NARAMARKET_API_BASE"] = NOWHERE
    return env


@pytest.fixture
def upstream() -> Iterator[LiveServer]:
    """The fake data.go.kr on a loopback port (it accepts only ``sandbox.DEFAULT_SERVICE_KEY``)."""
    live = start_server(sandbox.create_app())
    yield live
    live.stop()


@pytest.mark.parametrize(
    "command",
    [("naramarket-mcp", "--sandbox"), ("naramarket", "mcp", "--sandbox")],
    ids=["script", "subcommand"],
)
async def test_sandbox_flag_answers_from_the_sandbox(real_env, command):
    params = StdioServerParameters(command=str(BIN / command[0]), args=list(command[1:]), env=real_env)
    async with Client(params, mode="legacy") as client:
        instructions = client.instructions
        result = await client.call_tool("crawl_list", ARGS)
    assert instructions and "SANDBOX" in instructions
    assert result.is_error is not True, result.content
    assert result.structured_content is not None
    items = result.structured_content["items"]
    assert items and all(i["category"] == "데스크톱컴퓨터" for i in items)


async def test_service_key_file_is_the_key_sent_upstream(real_env, upstream, tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text(sandbox.DEFAULT_SERVICE_KEY + "\n")
    bad.write_text("not-the-key\n")
    env = {**real_env, "NARAMARKET_API_BASE": f"{upstream.url}/1230000", "NARAMARKET_RATE_LIMIT": "0"}
    results = {}
    for name, path in (("good", good), ("bad", bad)):
        params = StdioServerParameters(
            command=str(BIN / "naramarket-mcp"), args=["--service-key-file", str(path)], env=env
        )
        async with Client(params, mode="legacy") as client:
            results[name] = await client.call_tool("crawl_list", {**ARGS, "page_size": 5})
            assert "SANDBOX" not in (client.instructions or "")  # real mode, on a fake upstream
    assert results["good"].is_error is not True, results["good"].content
    assert results["good"].structured_content and results["good"].structured_content["items"]
    assert results["bad"].is_error is True


async def test_load_plugins_flag_overrides_the_environment(sandbox_env):
    params = StdioServerParameters(
        command=str(BIN / "naramarket-mcp"), args=["--sandbox", "--load-plugins", ""], env=sandbox_env
    )
    async with Client(params, mode="legacy") as client:
        assert (await client.list_tools()).tools == []


@pytest.mark.timeout(60)
def test_stdout_carries_only_protocol_messages_at_debug_level(real_env):
    """Raw JSON-RPC lines in, every stdout line out is a JSON-RPC message; the logs are on stderr."""
    requests = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "crawl_list", "arguments": ARGS},
        },
    ]
    proc = subprocess.Popen(
        [str(BIN / "naramarket-mcp"), "--sandbox", "--log-level", "debug"],
        env=real_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for request in requests:
            proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            proc.stdin.flush()
        answers: dict[int, dict] = {}
        while 2 not in answers:
            line = proc.stdout.readline()
            assert line, "the server closed stdout before answering"
            message = json.loads(line)  # anything but JSON-RPC here would break every client
            assert message["jsonrpc"] == "2.0"
            if "id" in message:
                answers[message["id"]] = message
        rest, stderr = proc.communicate(timeout=30)  # closes stdin: the server ends
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    for line in rest.splitlines():
        assert json.loads(line)["jsonrpc"] == "2.0"
    assert "SANDBOX" in answers[1]["result"]["instructions"]
    assert answers[2]["result"]["structuredContent"]["items"]
    assert "SANDBOX mode" in stderr  # the start-up note
    logs = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(log.get("level") == "debug" for log in logs)  # the log lines went to stderr


# The stdio server run in a Python that notes in a file the first import of each watched package
# (a meta path finder sees every import; it only records, it never changes what loads).
# The MCP SDK's client and its high-level MCPServer come with the ``__init__`` of ``mcp`` and
# ``mcp.server``, which the stdio server never needs (naramarket.lean_sdk); the OAuth code and
# httpx come with the CLI's ``users``/``clients``/``keys`` commands.
_WATCHING = """
import sys
watched = {"httpx", "structlog", "opentelemetry.sdk", "mcp.client", "mcp.server.mcpserver",
           "naramarket.adapters.oauth"}
marker, entry = sys.argv.pop(1), sys.argv.pop(1)
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name in watched:
            watched.discard(name)
            with open(marker, "a") as out:
                out.write(name + "\\n")
        return None
sys.meta_path.insert(0, Watch())
from naramarket.cli import main, mcp_stdio_main
sys.exit(mcp_stdio_main(sys.argv[1:]) if entry == "script" else main(["mcp", *sys.argv[1:]]))
"""


@pytest.mark.parametrize("entry", ["script", "subcommand"])
def test_stdio_loads_httpx_with_the_first_call_and_structlog_not_for_it(sandbox_env, tmp_path, entry):
    """``initialize`` and ``tools/list`` (every plugin loaded) import neither httpx, structlog nor
    the OpenTelemetry SDK: the pooled upstream client opens on the first call that needs
    data.go.kr; the call's own line is JSON on stderr without structlog (which loads with the
    first other line).
    Neither ``naramarket-mcp`` nor ``naramarket mcp`` ever loads the MCP SDK's client, its
    high-level server or naramarket's OAuth code."""
    marker = tmp_path / "imported"
    marker.touch()
    every_plugin = {k: v for k, v in sandbox_env.items() if k != "NARAMARKET_LOAD_PLUGINS"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WATCHING, str(marker), entry, "--sandbox"],
        env=every_plugin,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def ask(request: dict) -> dict:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
        proc.stdin.flush()
        while True:
            line = proc.stdout.readline()
            assert line, "the server closed stdout before answering"
            message = json.loads(line)
            if message.get("id") == request["id"]:
                return message

    try:
        init = ask(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "0"},
                },
            }
        )
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        tools = ask({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        before_call = marker.read_text().split()
        call = ask(
            {
                "jsonrpc": "2.0",
                "id": 3,
                "method": "tools/call",
                "params": {"name": "crawl_list", "arguments": ARGS},
            }
        )
        after_call = marker.read_text().split()
        _, stderr = proc.communicate(timeout=30)  # closes stdin: the server ends (and closes its pool)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "SANDBOX" in init["result"]["instructions"]
    assert {t["name"] for t in tools["result"]["tools"]} >= {"crawl_list", "describe_operation"}
    assert before_call == []
    assert call["result"]["structuredContent"]["items"]
    # The call went upstream through httpx and logged its line; tracing is off: no SDK.
    assert sorted(after_call) == ["httpx"]
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(line.get("tool") == "crawl_list" and line.get("level") == "info" for line in lines)
