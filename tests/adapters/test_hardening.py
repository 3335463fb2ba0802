"""Issue 15's attack pass, replayed: each finding's attack against the real app, and the defence.

1 bounded cost (spans, request budget; hang-ups: test_caller_owned_scans.py), 2 fair MCP sessions,
3 no key leak when the upstream echoes it, 5 cross-site requests, 6 foreign token algorithms, 7
hostile MCP bodies, 8 extreme dates, 9 purge of expired OAuth rows. Slowloris (4) and shutdown (10)
need a real socket server: tests/e2e/test_hardening_served.py.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import anyio
import httpx
import jwt
import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from naramarket import sandbox
from naramarket.adapters.oauth import AuthStore
from naramarket.adapters.oauth.store import Grant
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Context, Params, Settings, hookimpl, tool
from naramarket.kernel.host import make_plugin_manager
from tests.auth_support import MCP_HEADERS, auth_app, sse_json
from tests.conftest import FIRST_PARTY
from tests.inprocess import Served, serve, sse_events, wait_until

pytestmark = pytest.mark.anyio

KEY = sandbox.DEFAULT_SERVICE_KEY
OP = "getMASCntrctPrdctInfoList"
CRAWL = {"category": "데스크톱컴퓨터"}


@contextlib.asynccontextmanager
async def sandboxed(config: sandbox.SandboxConfig, **settings: Any) -> AsyncIterator[tuple[Served, Any]]:
    """The real app (g2b_mall) over an in-process sandbox with ``config``; yields it and the sandbox."""
    upstream = sandbox.create_app(config)
    values: dict[str, Any] = {
        "sandbox": True,
        "api_base": SANDBOX_API_BASE,
        "service_key": KEY,
        "rate_limit": 0,
        "load_plugins": FIRST_PARTY,
        **settings,
    }
    resolved = Settings.from_env({}, **values)
    kernel = make_kernel(resolved, transport=httpx.ASGITransport(app=upstream))
    async with serve(create_app(resolved, kernel=kernel)) as served:
        yield served, upstream


def upstream_requests(upstream: Any) -> int:
    return int(upstream.state.stats.total)


# 1. Bounded cost ---------------------------------------------------------------------------------


async def test_a_200_year_span_is_refused_on_every_surface_before_any_upstream_request():
    """The attack: 500-year spans (one upstream call per year at least); dates now stop at 1900, so
    the widest span left is 201 years — still over the 200 windows one call may span."""
    span = {**CRAWL, "start_date": "1900-01-01", "end_date": "2100-12-31"}
    async with sandboxed(sandbox.SandboxConfig()) as (served, upstream), served.http() as http:
        rest = await http.post("/api/v1/tools/crawl_list", json=span)
        stream = await http.post("/api/v1/tools/crawl_list/stream", json=span)
        async with served.mcp() as client:
            result = await client.call_tool("crawl_list", span)
        assert upstream_requests(upstream) == 0
    assert rest.status_code == 422 and rest.json()["code"] == "invalid_params"
    assert "NARAMARKET_CALL_REQUESTS" in rest.json()["detail"]
    (_, _, data), *_ = [e for e in sse_events(stream.text) if e[1] == "error"]
    assert data["code"] == "invalid_params"
    assert result.is_error and json.loads(result.content[0].text)["code"] == "invalid_params"


async def test_a_call_stops_at_its_upstream_request_budget_and_says_how_to_continue():
    config = sandbox.SandboxConfig(rows={OP: 2_000})
    ask = {**CRAWL, "limit": 500, "page_size": 1}  # 500 pages wanted, 7 allowed
    async with sandboxed(config, call_requests=7) as (served, upstream), served.http() as http:
        first = (await http.post("/api/v1/tools/crawl_list", json=ask)).json()
        spent = upstream_requests(upstream)
        second = (await http.post("/api/v1/tools/crawl_list", json=first["next"])).json()
    assert spent == 7
    assert (first["complete"], first["reason"]) == (False, "request_budget")
    assert 0 < len(first["items"]) <= 7
    ids = {i["product_id"] for i in first["items"]}
    assert second["items"] and not ids & {i["product_id"] for i in second["items"]}  # continues, no repeats


# 8. Extreme dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "span", [("9999-01-01", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("2024-01-01", "9999-12-31")]
)
async def test_extreme_dates_are_a_422_not_a_500(span):
    body = {**CRAWL, "start_date": span[0], "end_date": span[1]}
    async with sandboxed(sandbox.SandboxConfig()) as (served, _), served.http() as http:
        r = await http.post("/api/v1/tools/crawl_list", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_params"


# 3. One redaction for every output --------------------------------------------------------------


def leaks(text: str) -> list[str]:
    """The spellings of the service key found in ``text``."""
    once = quote(KEY, safe="")
    spellings = {KEY, once, quote(once, safe=""), quote_plus(KEY), "naramarket+sandbox", "sandbox/key"}
    return [s for s in spellings if s in text]


async def test_an_upstream_that_echoes_the_key_leaks_it_on_no_surface():
    config = sandbox.SandboxConfig(fault_rate=1.0, faults=("echo_key",))
    async with sandboxed(config) as (served, upstream), served.http() as http:
        rest = await http.post("/api/v1/tools/crawl_list", json=CRAWL)
        stream = await http.post("/api/v1/tools/crawl_list/stream", json=CRAWL)
        async with served.mcp() as client:
            result = await client.call_tool("crawl_list", CRAWL)
        metrics = await http.get("/metrics")
        assert upstream.state.stats.faults["echo_key"] >= 3  # the upstream did echo, every time
    assert rest.status_code == 502
    assert rest.json()["upstream_code"] == "unknown"
    errors = [e for e in sse_events(stream.text) if e[1] == "error"]
    assert errors and errors[0][2]["code"] == "upstream_error"
    assert result.is_error
    outputs = {
        "REST problem": rest.text,
        "SSE error event": stream.text,
        "MCP error result": result.content[0].text,
        "/metrics": metrics.text,
    }
    assert {surface: leaks(text) for surface, text in outputs.items()} == {surface: [] for surface in outputs}


def test_the_cli_prints_no_echoed_key(tmp_path):
    """``naramarket call`` against a sandbox that echoes the key (served on a loopback port)."""
    import subprocess
    import sys

    from tests.conftest import sandbox_environ, start_server

    upstream = start_server(sandbox.create_app(sandbox.SandboxConfig(fault_rate=1.0, faults=("echo_key",))))
    try:
        env = sandbox_environ(
            NARAMARKET_SANDBOX="0",
            NARAMARKET_API_BASE=f"{upstream.url}/1230000",
            NARAMARKET_SERVICE_KEY=KEY,
            NARAMARKET_DATA_DIR=str(tmp_path),
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "naramarket",
                "call",
                "crawl_list",
                "category=데스크톱컴퓨터",
                "--verbose",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        upstream.stop()
    assert done.returncode != 0
    assert "upstream_error" in done.stderr
    assert leaks(done.stdout + done.stderr) == []


# 5. Cross-site requests --------------------------------------------------------------------------


async def test_cross_site_requests_are_refused_on_rest_and_sse(make_app):
    app = make_app(cors_origins=frozenset({"https://dashboard.example"}))
    call = {"count": 1}
    async with serve(app) as served, served.http() as http:
        rebound = await http.post("/api/v1/tools/fake_list", json=call, headers={"Host": "evil.example"})
        rebound_sse = await http.post(
            "/api/v1/tools/fake_list/stream", json=call, headers={"Host": "evil.example:8000"}
        )
        foreign = await http.post(
            "/api/v1/tools/fake_list", json=call, headers={"Origin": "https://evil.example"}
        )
        simple = await http.post(
            "/api/v1/tools/fake_list", content=b'{"count": 1}', headers={"Content-Type": "text/plain"}
        )
        form = await http.post("/api/v1/tools/fake_list", data={"count": "1"})
        own_page = await http.post(
            "/api/v1/tools/fake_list", json=call, headers={"Origin": "http://127.0.0.1:8000"}
        )
        dashboard = await http.post(
            "/api/v1/tools/fake_list", json=call, headers={"Origin": "https://dashboard.example"}
        )
        preflight = await http.options(
            "/api/v1/tools/fake_list",
            headers={"Origin": "https://dashboard.example", "Access-Control-Request-Method": "POST"},
        )
        probe = await http.get("/api/v1/health", headers={"Host": "10.1.2.3:8000"})
    assert (rebound.status_code, rebound.json()["code"]) == (403, "forbidden_host")
    assert (rebound_sse.status_code, rebound_sse.json()["code"]) == (403, "forbidden_host")
    assert (foreign.status_code, foreign.json()["code"]) == (403, "forbidden_origin")
    assert "access-control-allow-origin" not in foreign.headers
    assert (simple.status_code, simple.json()["code"]) == (415, "unsupported_media_type")
    assert form.status_code == 415
    assert own_page.status_code == 200 and "access-control-allow-origin" not in own_page.headers
    assert dashboard.status_code == 200
    assert dashboard.headers["access-control-allow-origin"] == "https://dashboard.example"
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert probe.status_code == 200  # orchestrators probe by pod IP


async def test_remembered_verdicts_never_mix_requests_up(make_app):
    """The guard remembers its verdict per Host and Content-Type: asking again in any order gives
    the same answers, a GET is never judged by a POST's Content-Type, and a refused Host stays so."""
    app = make_app()
    call = b'{"count": 1}'
    asks = [
        ("post", "/api/v1/tools/fake_list", {"Content-Type": "text/plain"}, 415),
        ("post", "/api/v1/tools/fake_list", {"Content-Type": "application/json"}, 200),
        ("get", "/api/v1/tools", {"Content-Type": "text/plain"}, 200),
        (
            "post",
            "/api/v1/tools/fake_list",
            {"Host": "evil.example", "Content-Type": "application/json"},
            403,
        ),
        ("post", "/api/v1/tools/fake_list", {"Content-Type": "application/problem+json"}, 200),
    ]
    async with serve(app) as served, served.http() as http:
        for _ in range(3):
            for ask in (*asks, *reversed(asks)):
                method, path, headers, status = ask
                kwargs = {"content": call} if method == "post" else {}
                answer = await http.request(method.upper(), path, headers=headers, **kwargs)
                assert answer.status_code == status, (ask, answer.text)


# 6. Token algorithms -----------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
async def test_an_rsa_token_naming_the_servers_key_is_a_401(tmp_path, alg):
    async with serve(auth_app(tmp_path)) as served, served.http() as http:
        kid = (await http.get("/auth/jwks.json")).json()["keys"][0]["kid"]
        now = int(time.time())
        claims = {
            "iss": served.base_url,
            "aud": served.base_url,
            "sub": "mallory",
            "iat": now,
            "exp": now + 60,
        }
        claims |= {"jti": "x", "scope": "g2b:read"}
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims, rsa_key, algorithm=alg, headers={"kid": kid})
        r = await http.post("/api/v1/tools/read_echo", json={}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


# 2 and 7. MCP sessions and hostile bodies --------------------------------------------------------

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}


async def token_for(http: httpx.AsyncClient, data_dir: Path, *scopes: str) -> str:
    store = AuthStore(data_dir)
    client, secret = store.add_client("hardening", list(scopes))
    store.close()
    assert secret is not None
    r = await http.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def initialize(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.post("/mcp", json=INIT, headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"})


async def test_opening_an_mcp_session_needs_a_tool_scope(tmp_path):
    async with serve(auth_app(tmp_path)) as served, served.http() as http:
        scopeless = await initialize(http, await token_for(http, tmp_path))
        reader = await initialize(http, await token_for(http, tmp_path, "g2b:read"))
    assert scopeless.status_code == 403
    assert 'error="insufficient_scope"' in scopeless.headers["www-authenticate"]
    assert reader.status_code == 200 and reader.headers["mcp-session-id"]


async def test_one_principal_cannot_take_every_mcp_session(tmp_path):
    app = auth_app(tmp_path, mcp_sessions_per_principal=3)
    async with serve(app) as served, served.http() as http:
        hog = await token_for(http, tmp_path, "g2b:read")
        opened = [await initialize(http, hog) for _ in range(3)]
        refused = await initialize(http, hog)
        other = await initialize(http, await token_for(http, tmp_path, "g2b:read"))
        # Ending a session makes room again.
        sid = opened[0].headers["mcp-session-id"]
        headers = {
            "Authorization": f"Bearer {hog}",
            "mcp-session-id": sid,
            "mcp-protocol-version": "2025-06-18",
        }
        assert (await http.delete("/mcp", headers=headers)).status_code == 200
        again = await initialize(http, hog)
    assert [r.status_code for r in opened] == [200, 200, 200]
    assert (refused.status_code, refused.json()["code"]) == (429, "too_many_sessions")
    assert other.status_code == 200  # everyone else still gets in
    assert again.status_code == 200


class Slow(Params):
    seconds: float = 0.5


class Slept(msgspec.Struct):
    slept: float


@tool(name="slow_read", title=("느림", "Slow"), description=("잠듭니다.", "Sleeps."), scopes=("g2b:read",))
async def slow_read(ctx: Context, p: Slow) -> Slept:
    await anyio.sleep(p.seconds)
    return Slept(p.seconds)


class SlowPlugin:
    @staticmethod
    @hookimpl
    def register_tools(register):  # type: ignore[no-untyped-def]
        register(slow_read)


async def test_one_principal_cannot_run_unbounded_concurrent_calls(tmp_path):
    settings = Settings.from_env(
        {}, auth="on", rate_limit=0, data_dir=str(tmp_path), mcp_calls_per_principal=2
    )
    manager = make_plugin_manager([], extra=[("slow", SlowPlugin)])
    app = create_app(settings, kernel=make_kernel(settings, plugin_manager=manager))
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "slow_read", "arguments": {}},
    }
    async with serve(app) as served, served.http() as http:
        token = await token_for(http, tmp_path, "g2b:read")
        init = await initialize(http, token)
        session = {
            **MCP_HEADERS,
            "Authorization": f"Bearer {token}",
            "mcp-session-id": init.headers["mcp-session-id"],
            "mcp-protocol-version": "2025-06-18",
        }
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        await http.post("/mcp", json=note, headers=session)
        answers: list[httpx.Response] = []

        async def one(request_id: int) -> None:
            answers.append(await http.post("/mcp", json={**call, "id": request_id}, headers=session))

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for request_id in range(10, 14):
                    tg.start_soon(one, request_id)
                    await anyio.sleep(0.02)
            after = await http.post("/mcp", json={**call, "id": 20}, headers=session)
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 200, 429, 429]
    assert all(r.json()["code"] == "too_many_calls" for r in answers if r.status_code == 429)
    assert after.status_code == 200 and sse_json(after)["result"]["structuredContent"] == {"slept": 0.5}


async def test_sessions_of_a_revoked_token_are_dropped(tmp_path):
    app = auth_app(tmp_path)
    async with serve(app) as served, served.http() as http:
        token = await token_for(http, tmp_path, "g2b:read")
        sid = (await initialize(http, token)).headers["mcp-session-id"]
        kept_token = await token_for(http, tmp_path, "g2b:read")
        kept = (await initialize(http, kept_token)).headers["mcp-session-id"]
        guard = app.sessions
        assert await guard.sweep() == 0
        store = AuthStore(tmp_path)
        store.revoke_access(jwt.decode(token, options={"verify_signature": False})["jti"])
        store.close()
        assert await guard.sweep() == 1
        assert sid not in guard.manager._server_instances
        assert kept in guard.manager._server_instances
        gone = await http.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 3, "method": "ping"},
            headers={**MCP_HEADERS, "Authorization": f"Bearer {kept_token}", "mcp-session-id": sid},
        )
    assert gone.status_code in (401, 404)  # the session is gone (and its token refused anyway)


HOSTILE = {
    "params as a list": b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1,2]}',
    "params as a string": b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"admin_echo"}',
    "name as an object": b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":{"a":1}}}',
    "batch of junk": b'[1, "x", null, {"method": 5}]',
    "100k-deep": b"[" * 100_000 + b"]" * 100_000,
    "UTF-16": json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode("utf-16"),
    "UTF-32": json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode("utf-32"),
    "not JSON": b"\xff\xfe{{{",
}


@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
async def test_hostile_mcp_bodies_get_a_json_rpc_error_never_a_500(tmp_path, body):
    async with serve(auth_app(tmp_path)) as served, served.http() as http:
        token = await token_for(http, tmp_path, "g2b:read")
        r = await http.post("/mcp", content=body, headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"})
    assert 400 <= r.status_code < 500, r.text
    assert "error" in r.json()


async def test_a_body_the_sdk_accepts_cannot_slip_past_the_scope_gate(tmp_path):
    """NaN is JSON to the SDK's parser: the gate reads it the same way and still answers 403."""
    call = (
        b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"admin_echo","arguments":{"n":NaN}}}'
    )
    async with serve(auth_app(tmp_path)) as served, served.http() as http:
        token = await token_for(http, tmp_path, "g2b:read")
        init = await initialize(http, token)
        headers = {
            **MCP_HEADERS,
            "Authorization": f"Bearer {token}",
            "mcp-session-id": init.headers["mcp-session-id"],
            "mcp-protocol-version": "2025-06-18",
        }
        r = await http.post("/mcp", content=call, headers=headers)
    assert r.status_code == 403
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]


# 9. Purge of expired OAuth rows -----------------------------------------------------------------


async def test_expired_codes_and_tokens_are_purged_periodically(tmp_path, monkeypatch):
    import naramarket.app

    monkeypatch.setattr(naramarket.app, "PURGE_EVERY", 0.05)
    store = AuthStore(tmp_path)
    grant = Grant("f", "c", "s", ("g2b:read",), None, redirect_uri="http://127.0.0.1/cb", challenge="x")
    store.add_code(grant, ttl=-7200)  # expired two hours ago
    store.add_refresh(grant, ttl=-7200)
    store.add_refresh(grant, ttl=3600)  # still valid: kept

    def rows() -> tuple[int, int]:
        codes = store._run("SELECT COUNT(*) FROM codes")[0][0]
        refresh = store._run("SELECT COUNT(*) FROM refresh_tokens")[0][0]
        return codes, refresh

    assert rows() == (1, 2)
    async with serve(auth_app(tmp_path)):
        await wait_until(lambda: rows() == (0, 1), within=3)
    store.close()
