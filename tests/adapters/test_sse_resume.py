"""Resuming an SSE tool stream with ``Last-Event-ID`` (``GET /api/v1/streams/{stream_id}``).

In process against the fake plugin (the stream log in this process), then two real replicas
sharing a real redis-server: a stream cut on one replica resumes on the other.
"""

from __future__ import annotations

import threading
from typing import Any

import anyio
import httpx
import pytest

from naramarket import redis_state
from tests.adapters.conftest import fake_app
from tests.adapters.fake_plugin import ADMIN
from tests.conftest import LiveServer, start_server
from tests.inprocess import sse_events, wait_until
from tests.services import RedisServer

PARAMS = {"count": 95, "chunk": 20}
SLOW = {"count": 10_000, "chunk": 1, "delay": 0.01}


async def stream(http: httpx.AsyncClient, body: Any, **kw: Any) -> tuple[httpx.Response, list]:
    async with http.stream("POST", "/api/v1/tools/fake_list/stream", json=body, **kw) as r:
        text = (await r.aread()).decode()
    return r, sse_events(text)


async def resume(
    http: httpx.AsyncClient, stream_id: str, last: int | None, **kw: Any
) -> tuple[httpx.Response, list]:
    headers = {**kw.pop("headers", {}), **({"Last-Event-ID": str(last)} if last is not None else {})}
    async with http.stream("GET", f"/api/v1/streams/{stream_id}", headers=headers, **kw) as r:
        text = (await r.aread()).decode()
    return r, sse_events(text)


async def cut_after(http: httpx.AsyncClient, items: int, **kw: Any) -> tuple[str, list]:
    """Open a slow stream, read ``items`` item events, then drop the connection."""
    text = ""
    async with http.stream("POST", "/api/v1/tools/fake_list/stream", json=SLOW, **kw) as r:
        stream_id = r.headers["x-stream-id"]
        async for chunk in r.aiter_text():
            text += chunk
            if text.count("event: item") >= items and text.endswith("\n\n"):
                break
    return stream_id, sse_events(text)


@pytest.mark.anyio
async def test_a_finished_stream_replays_from_any_event_id(http):
    r, events = await stream(http, PARAMS)
    stream_id = r.headers["x-stream-id"]
    _, everything = await resume(http, stream_id, None)
    assert everything == events  # from the start: the same events with the same ids
    _, tail = await resume(http, stream_id, events[-3][0])
    assert tail == events[-2:] and tail[-1][1] == "result"
    query = await http.get(f"/api/v1/streams/{stream_id}?after={events[-2][0]}")
    assert sse_events(query.text) == events[-1:]


@pytest.mark.anyio
async def test_a_client_that_lost_its_stream_gets_what_it_missed_and_learns_the_call_stopped(http, activity):
    stream_id, seen = await cut_after(http, 5)
    await wait_until(lambda: activity.cancelled)  # the rule stays: nobody reads, the call stops
    last = seen[-1][0]
    r, missed = await resume(http, stream_id, last)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    ids = [i for i, _, _ in missed]
    assert ids == list(range(last + 1, last + 1 + len(missed)))  # no gap, no repeat
    assert {k for _, k, _ in missed[:-1]} <= {"item", "progress"}
    items = [d["n"] for _, k, d in seen + missed if k == "item"]
    assert items == list(range(len(items)))  # every item once, in order, across the cut
    kind, final = missed[-1][1:]
    assert kind == "error" and final["code"] == "client_gone" and final["status"] == 499
    assert final["instance"] == "/api/v1/tools/fake_list/stream"
    assert (activity.started, activity.finished) == (1, 0)


@pytest.mark.anyio
async def test_unknown_streams_are_a_problem_and_nobody_resumes_someone_elses(guarded):
    r = await guarded.http.get("/api/v1/streams/nope", headers=await guarded.bearer(ADMIN))
    assert r.status_code == 404 and r.json()["code"] == "stream_not_found"
    assert r.headers["content-type"].startswith("application/problem+json")
    mine = await guarded.bearer(ADMIN)
    r, events = await stream(guarded.http, {"count": 3}, headers=mine)
    stream_id = r.headers["x-stream-id"]
    own, again = await resume(guarded.http, stream_id, None, headers=mine)
    assert own.status_code == 200 and again == events
    other = await guarded.http.get(f"/api/v1/streams/{stream_id}", headers=await guarded.bearer(ADMIN))
    assert other.status_code == 404 and other.json()["code"] == "stream_not_found"
    assert (await guarded.http.get(f"/api/v1/streams/{stream_id}")).status_code == 401


# Two replicas sharing Redis -----------------------------------------------------------------------


@pytest.fixture
def two_replicas(redis_server: RedisServer, activity, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(redis_state, "TIMEOUT", 5.0)  # a loaded machine must not fall back here
    replicas: list[LiveServer] = [start_server(fake_app(redis_url=redis_server.url)) for _ in range(2)]
    yield [live.url for live in replicas]
    for live in replicas:
        live.stop()


def test_a_stream_cut_on_one_replica_resumes_on_the_other(two_replicas, activity):
    a, b = two_replicas
    text = ""
    with httpx.Client(timeout=30) as http:
        with http.stream("POST", f"{a}/api/v1/tools/fake_list/stream", json=SLOW) as r:
            stream_id = r.headers["x-stream-id"]
            for chunk in r.iter_text():
                text += chunk
                if text.count("event: item") >= 5 and text.endswith("\n\n"):
                    break
        seen = sse_events(text)
        anyio.run(wait_until, lambda: activity.cancelled)
        r = http.get(f"{b}/api/v1/streams/{stream_id}", headers={"Last-Event-ID": str(seen[-1][0])})
        missed = sse_events(r.text)
    assert r.status_code == 200
    assert [i for i, _, _ in missed] == list(range(seen[-1][0] + 1, seen[-1][0] + 1 + len(missed)))
    assert missed[-1][1] == "error" and missed[-1][2]["code"] == "client_gone"
    items = [d["n"] for _, k, d in seen + missed if k == "item"]
    assert items == list(range(len(items)))  # every item once, in order, across the cut


def test_a_second_reader_on_another_replica_follows_a_running_stream_to_its_result(two_replicas):
    a, b = two_replicas
    body = {"count": 40, "chunk": 1, "delay": 0.02}
    original: list[str] = []
    with (
        httpx.Client(timeout=30) as http,
        http.stream("POST", f"{a}/api/v1/tools/fake_list/stream", json=body) as r,
    ):
        stream_id = r.headers["x-stream-id"]
        reader = threading.Thread(target=lambda: original.append(r.read().decode()))
        reader.start()
        follower = http.get(f"{b}/api/v1/streams/{stream_id}")  # from the first event, live
        reader.join()
    events, followed = sse_events(original[0]), sse_events(follower.text)
    assert followed == events and followed[-1][1] == "result"


@pytest.mark.anyio
@pytest.mark.parametrize("inline", [True, False])
async def test_finished_streams_are_kept_packed_and_replay_as_written(inline, monkeypatch):
    """The in-process log packs a finished stream's events (compressed; a large stream in a worker
    thread): the log counts a fraction of the bytes it was handed, and a resume from any id gives
    back the events as written."""
    from naramarket.adapters import sse
    from naramarket.adapters.sse import MemoryStreamLog

    monkeypatch.setattr(sse, "PACK_INLINE", 1 << 30 if inline else 0)

    log = MemoryStreamLog(max_bytes=200_000)
    category = "데스크톱".encode()
    record = b'{"product_id":"%d","category":"' + category + b'","price":1203350}'
    written = [(i, "item", record % i) for i in range(1, 2001)]
    written.append((2001, "result", b'{"items":[],"items_streamed":2000}'))
    for start in range(0, len(written), 100):
        await log.append("s1", "alice", written[start : start + 100])
    handed = sum(len(e[2]) for e in written)
    assert log._bytes < handed / 4  # packed: the log holds far less than it was given
    assert await log.read("s1", 0) == ("alice", written, True)
    assert await log.read("s1", 1990) == ("alice", written[1990:], True)
    # A running stream is kept as is until its final event; the bound still holds for all.
    await log.append("s2", None, written[:1000])
    assert log._bytes > handed / 4
    assert (await log.read("s2", 998))[1:] == ([written[998], written[999]], False)
    for n in range(3, 20):
        await log.append(f"s{n}", None, written)
    assert log._bytes <= log.max_bytes and await log.read("s1", 0) is None  # the oldest went first
