"""MCP resources (operation catalog, one operation, field glossary) and analyst prompts, through the
official MCP client against the app with every first-party plugin on the in-process sandbox."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from mcp import MCPError

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.datago.g2b import load_catalog
from naramarket.kernel import Settings
from naramarket.kernel.host import make_plugin_manager
from naramarket.plugins import g2b_bids
from tests.inprocess import Served, serve

pytestmark = pytest.mark.anyio


def settings() -> Settings:
    return Settings.from_env(
        {}, sandbox=True, api_base=SANDBOX_API_BASE, service_key=sandbox.DEFAULT_SERVICE_KEY, rate_limit=0
    )


@contextlib.asynccontextmanager
async def served(manager=None) -> AsyncIterator[Served]:
    config = settings()
    transport = httpx.ASGITransport(app=sandbox.create_app())
    kernel = make_kernel(config, transport=transport, plugin_manager=manager)
    async with serve(create_app(config, kernel=kernel)) as app:
        yield app


async def test_the_catalog_resource_lists_every_operation_and_one_operation_reads_in_full():
    async with served() as app, app.mcp() as client:
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        assert {"naramarket://catalog", "naramarket://glossary"} <= set(listed)
        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["naramarket://catalog/{operation}"]
        catalog = json.loads((await client.read_resource("naramarket://catalog")).contents[0].text)
        names = [op["name"] for s in catalog["services"] for op in s["operations"]]
        assert len(names) == len(load_catalog().operations) == 191
        one = json.loads(
            (await client.read_resource("naramarket://catalog/getBidPblancListInfoServcPPSSrch"))
            .contents[0]
            .text
        )
        assert one["service"] == "BidPublicInfoService"
        params = {p["name"]: p for p in one["params"]}
        assert params["inqryDiv"]["required"] is True and "bidNtceNm" in params
        assert one["date_ranges"][0]["pattern"] == "YYYYMMDDHHMM"
        assert any(f["name"] == "bidNtceNo" for f in one["fields"])
        with pytest.raises(MCPError) as unknown:
            await client.read_resource("naramarket://catalog/getNothing")
    assert unknown.value.code == -32602 and unknown.value.data == {"uri": "naramarket://catalog/getNothing"}


async def test_the_glossary_names_each_answer_field_with_its_gateway_field():
    async with served() as app, app.mcp() as client:
        text = (await client.read_resource("naramarket://glossary")).contents[0].text
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| ")]
    by_field = {(r[0].strip("| "), r[1]): r for r in rows}
    notice = by_field[("notice_no", "bidNtceNo")]
    assert notice[2].startswith("입찰공고번호") and "search_bid_notices" in notice[3]
    assert by_field[("notice_no", "ntceNo")]  # the same English name from another service's field
    # derived fields (the notice's kind, set from the operation) have no gateway field to list
    assert not any(r[0].strip("| ") == "kind" and "search_bid_notices" in r[3] for r in rows)


async def test_prompts_fill_their_arguments_and_name_the_tools_to_use():
    async with served() as app, app.mcp() as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert {
            "find_bid_notices",
            "follow_notice",
            "agency_award_rates",
            "supplier_profile",
            "prespec_watch",
            "price_check",
        } == set(prompts)
        args = {a.name: a.required for a in prompts["find_bid_notices"].arguments}
        assert args == {"topic": True, "region": False}
        got = await client.get_prompt("find_bid_notices", {"topic": "CCTV 유지보수", "region": "경기도"})
        text = got.messages[0].content.text
        assert "'CCTV 유지보수'" in text and "경기도" in text and "search_bid_notices" in text
        with pytest.raises(MCPError, match="topic"):
            await client.get_prompt("find_bid_notices", {})
        with pytest.raises(MCPError, match="Unknown prompt"):
            await client.get_prompt("no_such_prompt", {})


async def test_a_prompt_is_offered_only_when_its_tools_are_loaded():
    manager = make_plugin_manager(allow=(), extra=[("g2b_bids", g2b_bids)])
    async with served(manager) as app, app.mcp() as client:
        prompts = {p.name for p in (await client.list_prompts()).prompts}
    assert prompts == {"find_bid_notices"}
