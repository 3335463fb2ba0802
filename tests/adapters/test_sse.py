"""SSE adapter: typed events, the same records as REST, errors as events or problem+json."""

from __future__ import annotations

import json

import httpx
import pytest

PARAMS = {"category": "노트북컴퓨터", "page_size": 40, "max_pages": 3}


def read_events(response: httpx.Response) -> list[tuple[str, object]]:
    events, name, data = [], None, []
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and name is not None:
            events.append((name, json.loads("\n".join(data))))
            name, data = None, []
    return events


@pytest.fixture
def client(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as c:
        yield c


def test_stream_sends_progress_items_then_the_result(client):
    with client.stream("POST", "/api/v1/tools/crawl_list/stream", json=PARAMS) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = read_events(r)
    kinds = [k for k, _ in events]
    assert kinds[-1] == "result"
    assert "progress" in kinds
    items = [d for k, d in events if k == "item"]
    result = events[-1][1]
    assert items == result["items"]
    progress = [d for k, d in events if k == "progress"]
    assert progress[-1]["done"] == len(items)


def test_stream_and_rest_return_the_same_records(client):
    rest = client.post("/api/v1/tools/crawl_list", json=PARAMS).json()
    with client.stream("POST", "/api/v1/tools/crawl_list/stream", json=PARAMS) as r:
        result = read_events(r)[-1][1]
    assert result == rest


def test_invalid_params_are_refused_before_the_stream_opens(client):
    r = client.post("/api/v1/tools/crawl_list/stream", json={"category": ""})
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_params"
    r = client.post("/api/v1/tools/missing/stream", json={})
    assert r.status_code == 404
