"""SSE adapter, in process against the fake plugin: typed events, the same result as REST, errors
as events or problem+json, and a client that goes away stops the call.

``crawl_list`` streamed from the sandbox is checked in ``tests/plugins/test_g2b_mall.py``; a
disconnect in the middle of a real upstream scan in ``test_caller_owned_scans.py``.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

from tests.adapters.fake_plugin import ADMIN, LEAK
from tests.inprocess import sse_events, wait_until

pytestmark = pytest.mark.anyio

PARAMS = {"count": 95, "chunk": 20}


async def stream(http: httpx.AsyncClient, path: str, body: Any, **kw: Any) -> tuple[httpx.Response, list]:
    async with http.stream("POST", path, json=body, **kw) as r:
        text = (await r.aread()).decode()
    return r, sse_events(text)


async def test_stream_sends_progress_items_then_the_result(http):
    r, events = await stream(http, "/api/v1/tools/fake_list/stream", PARAMS)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert "content-length" not in r.headers  # a stream: a length of 0 would end it at once
    assert r.headers["cache-control"] == "no-store"
    assert [i for i, _, _ in events] == list(range(1, len(events) + 1))  # ids count up from 1
    kinds = [k for _, k, _ in events]
    assert kinds[-1] == "result" and kinds.count("result") == 1
    items = [d for _, k, d in events if k == "item"]
    result = events[-1][2]
    # Every record as it arrived; the result does not send them all again.
    assert result["items"] == [] and result["items_streamed"] == len(items)
    progress = [d for _, k, d in events if k == "progress"]
    assert [p["done"] for p in progress] == [20, 40, 60, 80, 95]
    assert progress[-1] == {"done": 95, "total": 95, "message": "95/95"}
    # Items arrive before the progress that counts them.
    assert kinds.index("progress") == 20


async def test_stream_and_rest_return_the_same_result(http):
    rest = (await http.post("/api/v1/tools/fake_list", json=PARAMS)).json()
    _, events = await stream(http, "/api/v1/tools/fake_list/stream", PARAMS)
    streamed = [d for _, k, d in events if k == "item"]
    result = dict(events[-1][2])
    assert result.pop("items_streamed") == len(streamed)
    assert {**result, "items": streamed} == rest  # items as events + the result = the REST answer


async def test_refusals_come_before_the_stream_opens(http):
    r = await http.post("/api/v1/tools/fake_list/stream", json={"count": -1})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_params"
    assert r.json()["instance"] == "/api/v1/tools/fake_list/stream"
    r = await http.post("/api/v1/tools/missing/stream", json={})
    assert r.status_code == 404
    assert r.json()["code"] == "tool_not_found"


async def test_a_failure_after_the_stream_opened_is_its_last_event(http):
    r, events = await stream(
        http, "/api/v1/tools/fake_list/stream", {"count": 50, "chunk": 10, "fail_at": 30}
    )
    assert r.status_code == 200
    kinds = [k for _, k, _ in events]
    assert kinds.count("item") == 30
    assert kinds[-1] == "error" and "result" not in kinds
    problem = events[-1][2]
    assert problem["code"] == "internal_error"
    assert problem["instance"] == "/api/v1/tools/fake_list/stream"
    assert LEAK not in json.dumps(events)


@pytest.mark.parametrize(
    ("kind", "code"), [("upstream", "upstream_unavailable"), ("late_invalid", "invalid_params")]
)
async def test_errors_raised_by_the_tool_are_error_events(http, kind, code):
    r, events = await stream(http, "/api/v1/tools/fake_fail/stream", {"kind": kind})
    assert r.status_code == 200
    assert [(k, d["code"]) for _, k, d in events] == [("error", code)]


async def test_a_client_that_goes_away_stops_the_call(served, http, activity):
    body = {"count": 10_000, "chunk": 1, "delay": 0.01}
    async with http.stream("POST", "/api/v1/tools/fake_list/stream", json=body) as r:
        seen = 0
        async for line in r.aiter_lines():
            seen += line.startswith("event: item")
            if seen == 5:
                break
    # The response is closed: the server sees the disconnect and cancels the call.
    await wait_until(lambda: activity.cancelled)
    chunks = activity.chunks
    await anyio.sleep(0.1)  # ten chunks' worth of time
    assert activity.chunks == chunks, "the tool kept running after its caller left"
    assert (activity.started, activity.finished) == (1, 0)
    assert served.errors == []
    # The server goes on answering.
    assert (await http.post("/api/v1/tools/fake_list", json={"count": 2})).status_code == 200


async def test_a_tools_scope_is_enforced_before_the_stream_opens(guarded):
    path = "/api/v1/tools/fake_admin/stream"
    r = await guarded.http.post(path, json={"text": "x"})
    assert r.status_code == 401
    r = await guarded.http.post(path, json={"text": "x"}, headers=await guarded.bearer("fake:other"))
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "insufficient_scope"
    r, events = await stream(guarded.http, path, {"text": "x"}, headers=await guarded.bearer(ADMIN))
    assert r.status_code == 200
    assert [k for _, k, _ in events] == ["result"]
    assert events[0][2]["text"] == "x"
