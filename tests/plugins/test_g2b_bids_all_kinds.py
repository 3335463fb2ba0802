"""search_bid_notices without a kind: every 업무구분 at once, merged newest first, on the sandbox.

What a user notices: each record says its kind; the merged answer is exactly what the per-kind
searches give together, in posting order; ``next`` walks it with nothing repeated or skipped; a
filter the 기타 search lacks leaves 기타 out (and says so in the requests); the same over SSE and
MCP.
"""

# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

import httpx
import jsonschema
import pytest

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.host import make_plugin_manager
from naramarket.plugins import g2b_bids
from tests.inprocess import serve

# The bids module's fixtures (bids, http, requests) are imported to be used as fixtures here.
from tests.plugins.test_g2b_bids import bids, http, requests, rest, sent, stream  # noqa: F401

pytestmark = pytest.mark.anyio

KINDS = ("물품", "공사", "용역", "외자", "기타")
WEEK = {"start_date": "2026-11-23", "end_date": "2026-11-29"}


def posted(item: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(item["posted_at"]).replace(second=0)


async def every_record(http, arguments: dict) -> list[dict]:
    """Follow ``next`` to the end."""
    items: list[dict] = []
    body = await rest(http, "search_bid_notices", arguments)
    items += body["items"]
    for _ in range(100):
        if body["complete"]:
            return items
        body = await rest(http, "search_bid_notices", body["next"])
        items += body["items"]
    raise AssertionError("next never completed")


async def test_without_a_kind_every_kind_is_merged_newest_first(http, requests):
    body = await rest(http, "search_bid_notices", {"limit": 40, **WEEK})
    items = body["items"]
    assert len(items) == 40 and body["complete"] is False and body["reason"] == "limit"
    assert {i["kind"] for i in items} == set(KINDS)  # the sandbox posts every kind every day
    stamps = [posted(i) for i in items]
    assert stamps == sorted(stamps, reverse=True)
    for kind in ("Thng", "Cnstwk", "Servc", "Frgcpt", "Etc"):
        assert sent(requests, f"getBidPblancListInfo{kind}PPSSrch"), kind
    # The first answer is the newest 40 of the union of the per-kind answers.
    union = []
    for kind in KINDS:
        union += (await rest(http, "search_bid_notices", {"kind": kind, "limit": 40, **WEEK}))["items"]
    union.sort(key=lambda i: i["posted_at"], reverse=True)
    # (by minute: notices posted in the same minute may come in either order)
    assert [posted(i) for i in items] == sorted((posted(i) for i in union), reverse=True)[:40]


async def test_next_walks_every_kind_with_nothing_repeated_or_skipped(http):
    merged = await every_record(http, {"limit": 37, **WEEK})
    ids = [(i["notice_no"], i["round"]) for i in merged]
    assert len(ids) == len(set(ids))
    stamps = [posted(i) for i in merged]
    assert stamps == sorted(stamps, reverse=True)
    each = []
    for kind in KINDS:
        each += await every_record(http, {"kind": kind, "limit": 500, **WEEK})
    assert sorted(ids) == sorted((i["notice_no"], i["round"]) for i in each)
    assert {i["kind"] for i in merged} == set(KINDS)


async def test_oldest_first_and_the_english_all_label(http):
    body = await rest(http, "search_bid_notices", {"kind": "all", "order": "oldest", "limit": 30, **WEEK})
    stamps = [posted(i) for i in body["items"]]
    assert stamps == sorted(stamps) and stamps[0].date() == dt.date(2026, 11, 23)
    assert len({i["kind"] for i in body["items"]}) > 1


async def test_a_filter_other_lacks_leaves_other_out(http, requests):
    body = await rest(http, "search_bid_notices", {"region": "경기도", "limit": 20, **WEEK})
    assert body["items"] and "기타" not in {i["kind"] for i in body["items"]}
    assert not sent(requests, "getBidPblancListInfoEtcPPSSrch")
    assert all(p["prtcptLmtRgnCd"] == "41" for p in sent(requests, "PPSSrch"))


async def test_one_kind_records_say_their_kind(http):
    body = await rest(http, "search_bid_notices", {"kind": "services", "limit": 5})
    assert body["items"] and {i["kind"] for i in body["items"]} == {"용역"}


@pytest.mark.parametrize("urgent", [True, False])
async def test_urgent_keeps_or_leaves_out_notices_marked_urgent(http, urgent):
    items = await every_record(http, {"kind": "물품", "urgent": urgent, "limit": 200, **WEEK})
    everything = await every_record(http, {"kind": "물품", "limit": 200, **WEEK})
    assert items and all(("긴급" in i["title"]) is urgent for i in items)
    assert len(items) == sum(("긴급" in i["title"]) is urgent for i in everything)


async def test_all_kinds_over_sse_is_the_rest_answer(http):
    arguments = {"limit": 25, **WEEK}
    events = await stream(http, "search_bid_notices", arguments)
    assert events[-1][1] == "result"
    streamed = [d for _, k, d in events if k == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == await rest(http, "search_bid_notices", arguments)


async def test_all_kinds_over_mcp(bids):
    served, _ = bids
    async with served.mcp() as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        found = await client.call_tool("search_bid_notices", {"limit": 10, **WEEK})
        assert found.is_error is not True, found.content[0].text
        jsonschema.validate(found.structured_content, tools["search_bid_notices"].output_schema)
        items = found.structured_content["items"]
        assert len(items) == 10 and len({i["kind"] for i in items}) > 1
        assert "| posted_at | kind | notice_no |" in found.content[0].text
        following = await client.call_tool("search_bid_notices", found.structured_content["next"])
        assert following.is_error is not True
        more = following.structured_content["items"]
        assert not {i["notice_no"] for i in items} & {i["notice_no"] for i in more}


async def test_an_item_search_that_finds_nothing_points_to_search_categories(http):
    # (a word no 품명, agency or title has: the sandbox answers "no data" as the gateway does)
    body = await rest(http, "search_bid_notices", {"keyword": "존재하지않는품목명"})
    assert body["items"] == [] and body["complete"] is True
    assert "search_categories" in body["hint"]
    found = await rest(http, "search_bid_notices", {"kind": "물품", "limit": 3})
    assert found["items"] and found["hint"] is None


async def test_an_all_kinds_search_stopped_by_its_request_budget_says_so_and_continues():
    # 12 upstream requests a call: the five kinds' pages of 10 need about 15, so the first answer
    # stops at the budget (it used to be a 500) and `next` walks the rest without gap or repeat.
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        call_requests=12,
    )
    kernel = make_kernel(
        settings,
        transport=httpx.ASGITransport(app=sandbox.create_app()),
        plugin_manager=make_plugin_manager(allow=(), extra=[("g2b_bids", g2b_bids)]),
    )
    async with serve(create_app(settings, kernel=kernel)) as served, served.http(timeout=30) as http:
        body = await rest(http, "search_bid_notices", {"limit": 300, "page_size": 10, **WEEK})
        assert body["complete"] is False and body["reason"] == "request_budget"
        items, total = body["items"], body["total_count"]  # every kind's first page told its total
        for _ in range(20):
            if body["complete"]:
                break
            body = await rest(http, "search_bid_notices", body["next"])
            items += body["items"]
    ids = [(i["notice_no"], i["round"]) for i in items]
    assert body["complete"] is True and len(ids) == len(set(ids)) == total
