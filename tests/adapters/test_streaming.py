"""A list tool's REST answer is written in pieces (``adapters/streaming.py``), byte for byte the
document one body would hold; checked on ``crawl_list`` over the sandbox, in process and through a
real uvicorn server."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import httpx
import msgspec
import pytest

from naramarket.adapters.http import JSONResponse
from naramarket.adapters.streaming import CHUNK, write_listing
from naramarket.app import create_app
from naramarket.plugins import g2b_mall
from naramarket.testing import Harness
from tests.conftest import sandbox_settings, start_server

pytestmark = pytest.mark.anyio

TODAY = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
ARGUMENTS: dict[str, Any] = {
    "category": "데스크톱컴퓨터",
    "limit": 500,
    "start_date": (TODAY - dt.timedelta(days=364)).isoformat(),
    "end_date": TODAY.isoformat(),
}


async def test_a_listing_written_in_pieces_is_byte_for_byte_the_one_body_answer():
    async with Harness(g2b_mall) as nm:
        result = await nm.call("crawl_list", **ARGUMENTS)
    assert len(result.items) > CHUNK * 2, "the sandbox holds enough desktops for several pieces"
    messages: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await write_listing(result, send)
    start, *bodies = messages
    assert start["status"] == 200 and b"content-length" not in dict(start["headers"])
    assert len(bodies) == math.ceil(len(result.items) / CHUNK) + 1  # the records in pieces, then the rest
    assert [b["more_body"] for b in bodies] == [True] * (len(bodies) - 1) + [False]
    assert b"".join(b["body"] for b in bodies) == JSONResponse(result).body


def test_over_http_a_large_answer_is_chunked_and_a_small_one_keeps_its_length():
    server = start_server(create_app(sandbox_settings()))
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            with http.stream("POST", "/api/v1/tools/crawl_list", json={**ARGUMENTS, "limit": 100}) as r:
                pieces = list(r.iter_raw())
            assert r.status_code == 200 and r.headers["content-type"] == "application/json"
            assert r.headers.get("transfer-encoding") == "chunked" and "content-length" not in r.headers
            body = b"".join(pieces)
            document = msgspec.json.decode(body)
            assert len(document["items"]) == 100 and document["complete"] is False
            assert document["reason"] == "limit" and document["next"]["cursor"]
            # The same bytes as the Listing encoded whole (decoded into its type, encoded again).
            listing_type = g2b_mall.crawl_list.result
            assert JSONResponse(msgspec.json.decode(body, type=listing_type)).body == body
            # Continuing with `next` works from a streamed answer as from any other.
            more = http.post("/api/v1/tools/crawl_list", json=document["next"]).json()
            assert more["items"] and more["complete"] is True
            assert not {i["product_id"] for i in more["items"]} & {i["product_id"] for i in document["items"]}
            small = http.post("/api/v1/tools/crawl_list", json={**ARGUMENTS, "limit": 20})
            assert small.headers["content-length"] == str(len(small.content))
            assert len(small.json()["items"]) == 20
    finally:
        server.stop()
