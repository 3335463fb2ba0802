"""REST adapter, in process against the fake plugin: tools, calls, aliases, OpenAPI, problem+json.

``crawl_list`` on the sandbox (the report's route, its dates and page limits) is checked in
``tests/plugins/test_g2b_mall.py``.
"""

from __future__ import annotations

import anyio
import msgspec
import pytest

from naramarket.adapters.http import Draining, RequestTimeout, guarded_call
from naramarket.adapters.rest import ToolCalls
from naramarket.app import make_kernel
from naramarket.kernel.host import make_plugin_manager
from tests.adapters import fake_plugin
from tests.adapters.conftest import fake_settings
from tests.adapters.fake_plugin import ADMIN, LEAK

pytestmark = pytest.mark.anyio

PROBLEM_JSON = "application/problem+json"


async def test_a_call_returns_the_tools_result(http):
    r = await http.post("/api/v1/tools/fake_list", json={"count": 25, "chunk": 10})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert [i["n"] for i in body["items"]] == list(range(25))
    assert body == {"items": body["items"], "total_count": 25, "complete": True}


async def test_tool_route_and_alias_return_the_same_result(http):
    a = (await http.post("/api/v1/tools/fake_list", json={"count": 7})).json()
    b = (await http.post("/api/v1/fake/list", json={"count": 7})).json()
    assert a == b
    assert len(a["items"]) == 7


async def test_list_tools_describes_schemas_annotations_and_endpoints(http):
    tools = {t["name"]: t for t in (await http.get("/api/v1/tools")).json()["tools"]}
    assert set(tools) == {"fake_list", "fake_admin", "fake_fail"}
    listing = tools["fake_list"]
    assert listing["plugin"] == "fake"
    assert listing["title"] == "가짜 목록 / Fake listing"  # Korean first
    assert listing["description"].startswith("번호 붙은")
    assert listing["input_schema"]["required"] == ["count"]
    assert listing["input_schema"]["properties"]["chunk"]["maximum"] == 1000
    assert "items" in listing["output_schema"]["properties"]
    assert listing["annotations"] == {
        "readOnlyHint": True,
        "openWorldHint": False,
        "idempotentHint": True,
        "destructiveHint": False,
    }
    assert listing["endpoints"] == {
        "call": "/api/v1/tools/fake_list",
        "stream": "/api/v1/tools/fake_list/stream",
        "aliases": ["/api/v1/fake/list"],
    }
    admin = tools["fake_admin"]
    assert admin["scopes"] == [ADMIN]
    assert admin["annotations"]["readOnlyHint"] is False
    assert admin["annotations"]["destructiveHint"] is True
    assert "aliases" not in admin["endpoints"]


async def test_health_readiness_and_server_info(http):
    health = await http.get("/api/v1/health")
    assert health.json() == {"status": "ok", "sandbox": False}
    assert "x-naramarket-sandbox" not in health.headers  # only sandbox answers are marked
    ready = await http.get("/api/v1/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["checks"]["plugins"] == {"ok": True, "tools": 3}
    info = (await http.get("/api/v1/server/info")).json()
    assert info["sandbox"] is False
    assert info["plugins"] == [{"name": "fake", "version": None}]  # in process: no distribution
    assert [t["name"] for t in info["tools"]] == ["fake_admin", "fake_fail", "fake_list"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "count"),
        ({"count": 5, "chunk": 1001}, "chunk"),
        ({"count": 5, "chunks": 10}, "chunks"),  # unknown fields are refused, not ignored
        ({"count": "five"}, "count"),
    ],
)
async def test_bad_params_are_problem_json_naming_the_field(http, body, field):
    for path in ("/api/v1/tools/fake_list", "/api/v1/fake/list"):
        r = await http.post(path, json=body)
        assert r.status_code == 422
        assert r.headers["content-type"].startswith(PROBLEM_JSON)
        problem = r.json()
        assert problem["code"] == "invalid_params"
        assert field in problem["detail"]
        assert problem["instance"] == path


async def test_malformed_json_and_oversize_bodies_are_problems_not_crashes(http):
    r = await http.post(
        "/api/v1/tools/fake_list", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_params"
    r = await http.post("/api/v1/tools/fake_list", content=b" " * ((1 << 20) + 1))
    assert r.status_code == 422
    assert "1 MiB" in r.json()["detail"]


async def test_unknown_tool_route_and_method_are_problems(http):
    r = await http.post("/api/v1/tools/nope", json={})
    assert r.status_code == 404
    assert r.json()["code"] == "tool_not_found"
    r = await http.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    r = await http.get("/api/v1/tools/fake_list")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"
    assert "POST" in r.headers["allow"]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("bug", 500, "internal_error"),
        ("upstream", 503, "upstream_unavailable"),
        ("late_invalid", 422, "invalid_params"),
    ],
)
async def test_tool_failures_are_problems_with_their_status(http, kind, status, code):
    r = await http.post("/api/v1/tools/fake_fail", json={"kind": kind})
    assert r.status_code == status
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    problem = r.json()
    assert problem["code"] == code
    assert problem["instance"] == "/api/v1/tools/fake_fail"
    assert "hunter2" not in r.text and LEAK not in r.text  # a bug's message stays in the log


async def test_openapi_is_generated_from_the_structs(http):
    doc = (await http.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    assert "SANDBOX" not in doc["info"].get("description", "")
    call = doc["paths"]["/api/v1/tools/fake_list"]["post"]
    assert doc["paths"]["/api/v1/fake/list"]["post"]["requestBody"] == call["requestBody"]
    ref = call["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    params = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert params["properties"]["chunk"]["maximum"] == 1000
    assert params["required"] == ["count"]
    result_ref = call["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    result = doc["components"]["schemas"][result_ref.rsplit("/", 1)[-1]]
    assert result["properties"]["items"]["items"]["$ref"] == "#/components/schemas/Thing"
    assert "Thing" in doc["components"]["schemas"]
    assert (
        call["responses"]["422"]["content"][PROBLEM_JSON]["schema"]["$ref"] == "#/components/schemas/Problem"
    )
    stream = doc["paths"]["/api/v1/tools/fake_list/stream"]["post"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert (await http.get("/docs")).status_code == 200
    assert (await http.get("/redoc")).status_code == 200


async def test_a_tools_scope_is_enforced_with_a_challenge(guarded):
    http = guarded.http
    r = await http.post("/api/v1/tools/fake_admin", json={"text": "hi"})
    assert r.status_code == 401
    assert "resource_metadata=" in r.headers["www-authenticate"]
    wrong = await http.post(
        "/api/v1/tools/fake_admin", json={"text": "hi"}, headers=await guarded.bearer("fake:other")
    )
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "insufficient_scope"
    assert f'scope="{ADMIN}"' in wrong.headers["www-authenticate"]
    right = await http.post(
        "/api/v1/tools/fake_admin", json={"text": "hi"}, headers=await guarded.bearer(ADMIN)
    )
    assert right.status_code == 200
    assert right.json()["text"] == "hi" and right.json()["subject"].startswith("nmc_")
    # A tool without scopes needs only a valid token; the probes need none.
    listing = await http.post("/api/v1/tools/fake_list", json={"count": 1}, headers=await guarded.bearer())
    assert listing.status_code == 200
    assert (await http.get("/api/v1/health")).status_code == 200


# The call path itself (adapters.rest.ToolCalls), driven as bare ASGI: what a REST client sees
# when it leaves, when the server stops, and when its body is slow or comes in pieces.


def _call_scope(name: str) -> dict:
    return {
        "type": "http",
        "method": "POST",
        "path": f"/api/v1/tools/{name}",
        "headers": [(b"content-type", b"application/json")],
        "server": ("127.0.0.1", 8000),
    }


async def _drive(app, name: str, messages: list, *, then=None) -> tuple[int, bytes]:
    """Send ``messages`` as the request, then wait (``then``: an awaitable giving the next message)."""
    queue = list(messages)
    sent: list[dict] = []

    async def receive() -> dict:
        if queue:
            return queue.pop(0)
        if then is not None:
            return await then()
        await anyio.sleep_forever()

    async def send(message: dict) -> None:
        sent.append(message)

    await app(_call_scope(name), receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
async def calls():
    """``ToolCalls`` over the fake plugin (nothing behind it), and its shutdown hook."""
    kernel = make_kernel(
        fake_settings(), plugin_manager=make_plugin_manager(allow=(), extra=[("fake", fake_plugin)])
    )
    draining = Draining()
    async with kernel:
        yield ToolCalls(None, kernel, draining), draining


async def test_a_rest_call_stops_when_its_client_leaves(calls, activity):
    app, _ = calls

    async def leave_later() -> dict:
        await anyio.sleep(0.2)
        return {"type": "http.disconnect"}

    body = {"type": "http.request", "body": b'{"count": 1000, "chunk": 1, "delay": 0.02}', "more_body": False}
    with anyio.fail_after(10):
        status, _ = await _drive(app, "fake_list", [body], then=leave_later)
    assert status == 499  # nobody reads it
    assert activity.cancelled == 1 and activity.finished == 0 and activity.chunks < 1000


async def test_a_rest_call_running_at_shutdown_ends_with_shutting_down(calls, activity):
    app, draining = calls
    body = {"type": "http.request", "body": b'{"count": 1000, "chunk": 1, "delay": 0.02}', "more_body": False}
    result: list = []
    async with anyio.create_task_group() as tg:

        async def call() -> None:
            result.append(await _drive(app, "fake_list", [body]))

        tg.start_soon(call)
        await anyio.sleep(0.1)
        draining.begin(0.1)
    status, text = result[0]
    assert status == 503 and msgspec.json.decode(text)["code"] == "shutting_down"
    assert activity.cancelled == 1 and activity.finished == 0


async def test_a_body_in_pieces_is_one_call_and_a_slow_body_times_out(calls):
    app, draining = calls
    pieces = [
        {"type": "http.request", "body": b'{"cou', "more_body": True},
        {"type": "http.request", "body": b'nt": 3}', "more_body": False},
    ]
    status, text = await _drive(app, "fake_list", pieces)
    assert status == 200 and [t["n"] for t in msgspec.json.decode(text)["items"]] == [0, 1, 2]

    async def trickle() -> dict:
        await anyio.sleep(0.2)
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def never(body: bytes) -> None:
        raise AssertionError("the work ran without its body")

    with pytest.raises(RequestTimeout, match=r"did not arrive within 0\.05 s"):
        await guarded_call(trickle, draining, never, within=0.05)


async def test_the_servers_own_cancellation_is_not_taken_for_the_clients(calls, activity):
    """The server cancelling a request (its own shutdown time-out) stops the call and goes on as a
    cancellation: the guard converts only the stops it made itself."""
    app, _ = calls
    body = {"type": "http.request", "body": b'{"count": 1000, "chunk": 1, "delay": 0.02}', "more_body": False}
    sent: list = []
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:

            async def call() -> None:
                sent.append(await _drive(app, "fake_list", [body]))

            tg.start_soon(call)
            await anyio.sleep(0.1)
            tg.cancel_scope.cancel()
    assert sent == []  # no answer was made up: the request was cancelled, not answered
    assert activity.cancelled == 1 and activity.finished == 0
