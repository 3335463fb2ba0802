"""``/mcp`` is built on its first request (naramarket.lazy_mcp): a served app that nobody reached
over MCP has not loaded the MCP SDK, and the first requests to arrive all get proper answers.

Each scenario runs a real server (uvicorn on a loopback port) in a fresh Python process, because
this test process imported the SDK long ago; the process reports what it saw as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT, sandbox_environ

SCRIPT = textwrap.dedent(
    """
    import json, socket, sys, threading, time

    import anyio, httpx, uvicorn

    from naramarket.app import create_app
    from naramarket.kernel import Settings

    from naramarket.serving import Server, server_config

    scenario = sys.argv[1]
    settings = Settings.from_env(rate_limit=0)
    app = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = Server(server_config(app, settings, log_level="critical"), settings)  # naramarket serve's
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.02)

    HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}

    def init(request_id):
        client = {"name": "t", "version": "1"}
        params = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": client}
        return {"jsonrpc": "2.0", "id": request_id, "method": "initialize", "params": params}

    def message(response):
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        for line in response.text.splitlines():
            if line.startswith("data:") and line[5:].strip():
                found = json.loads(line[5:])
                if "result" in found or "error" in found:
                    return found
        return None

    async def session(http, request_id):
        opened = await http.post("/mcp", json=init(request_id), headers=HEADERS)
        sid = opened.headers.get("mcp-session-id")
        headers = {**HEADERS, "mcp-session-id": sid or "", "mcp-protocol-version": "2025-06-18"}
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        await http.post("/mcp", json=note, headers=headers)
        ask = {"jsonrpc": "2.0", "id": request_id + 100, "method": "tools/list"}
        listed = await http.post("/mcp", json=ask, headers=headers)
        tools = (message(listed) or {}).get("result", {}).get("tools", [])
        return {"status": opened.status_code, "id": (message(opened) or {}).get("id"),
                "server": (message(opened) or {}).get("result", {}).get("serverInfo", {}).get("name"),
                "session": sid, "tools": sorted(t["name"] for t in tools)}

    async def main():
        facts = {}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            health = await http.get("/api/v1/health")
            listed = await http.get("/api/v1/tools")
            facts["rest"] = [health.status_code, listed.status_code]
            facts["sdk_before"] = "mcp.server" in sys.modules
            if scenario == "shutdown":
                # The server starts to stop while the first /mcp request is building the stack.
                first = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
                async with first, anyio.create_task_group() as tg:
                    answers = []

                    async def ask():
                        answers.append(await first.post("/mcp", json=init(1), headers=HEADERS))

                    tg.start_soon(ask)
                    while "naramarket.adapters.mcp" not in sys.modules:
                        await anyio.sleep(0.005)
                    server.should_exit = True
                (answer,) = answers
                facts["answer"] = [answer.status_code, answer.headers.get("content-type"), answer.json()]
                print(json.dumps(facts))
                return
            if scenario == "broken":
                sys.modules["naramarket.adapters.mcp_lane"] = None  # as if the module failed to import
                refused = await http.post("/mcp", json=init(1), headers=HEADERS)
                facts["refused"] = [refused.status_code, refused.headers.get("content-type"), refused.json()]
                facts["rest_after_refusal"] = (await http.get("/api/v1/health")).status_code
                del sys.modules["naramarket.adapters.mcp_lane"]  # repaired: the next request builds it
                facts["sessions"] = [await session(http, 2)]
            else:
                results = [None, None]

                async def one(i):
                    results[i] = await session(http, i + 1)

                async with anyio.create_task_group() as tg:
                    tg.start_soon(one, 0)
                    tg.start_soon(one, 1)
                facts["sessions"] = results
            facts["sdk_after"] = "mcp.server" in sys.modules
            facts["guarded_sessions"] = len(app.sessions.manager._server_instances)
        print(json.dumps(facts))

    anyio.run(main)
    server.should_exit = True
    """
)


def run(scenario: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, scenario],
        cwd=ROOT,
        env=sandbox_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


MALL = ["crawl_list", "get_delivery_request", "get_product"]  # a few of g2b_mall's tools


@pytest.mark.timeout(150)
def test_the_sdk_loads_on_the_first_mcp_request_and_concurrent_first_requests_both_get_sessions():
    facts = run("concurrent")
    assert facts["rest"] == [200, 200]
    assert facts["sdk_before"] is False  # REST answered, MCP not yet asked: the SDK is not loaded
    assert facts["sdk_after"] is True
    first, second = facts["sessions"]
    for opened, request_id in ((first, 1), (second, 2)):
        assert opened["status"] == 200 and opened["id"] == request_id
        assert opened["server"] == "naramarket"
        assert set(MALL) <= set(opened["tools"])
    assert first["session"] and second["session"] and first["session"] != second["session"]
    assert facts["guarded_sessions"] == 2  # one stack, one manager, both sessions in it


@pytest.mark.timeout(150)
def test_a_failed_build_answers_503_and_the_next_request_builds_it():
    facts = run("broken")
    assert facts["sdk_before"] is False
    status, content_type, body = facts["refused"]
    assert status == 503 and content_type == "application/problem+json"
    assert body["code"] == "mcp_unavailable" and body["status"] == 503
    assert facts["rest_after_refusal"] == 200
    (opened,) = facts["sessions"]
    assert opened["status"] == 200 and opened["server"] == "naramarket" and set(MALL) <= set(opened["tools"])


@pytest.mark.timeout(150)
def test_a_request_that_builds_mcp_while_the_server_stops_gets_503_shutting_down():
    """No session opens on a server that began to stop while it built /mcp (its stream would be
    cut): the client gets a problem it can act on and connects again (elsewhere)."""
    facts = run("shutdown")
    status, content_type, body = facts["answer"]
    assert status == 503 and content_type == "application/problem+json"
    assert body["code"] == "shutting_down" and body["status"] == 503
