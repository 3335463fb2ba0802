"""g2b_items (search_categories) end to end on the sandbox, and its codes as filters elsewhere.

The done-when of issue 11: the lookup turns "노트북", "데스크톱", "복합기", "CCTV" into the codes
the sandbox uses, and those codes then find records in the mall and bid tools.
"""

from __future__ import annotations

import contextlib
import json
import typing
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest

import naramarket.plugins.g2b_bids as bids
import naramarket.plugins.g2b_items as plugin
import naramarket.plugins.g2b_mall as mall
from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, SANDBOX_MALL_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.host import make_plugin_manager
from tests.inprocess import Served, serve, sse_events
from tests.plugins import support
from tests.plugins.support import GATEWAY_PREFIX, Recording, call, catalogued_by_path

pytestmark = pytest.mark.anyio

WORDS = {  # word -> the 품명 the sandbox's vocabulary holds for it
    "노트북": "노트북컴퓨터",
    "데스크톱": "데스크톱컴퓨터",
    "복합기": "복합기",
    "CCTV": "영상감시장치",
}
YEAR_SPAN = {"start_date": "2026-01-01", "end_date": "2026-11-30"}


def served_plugin(transport: Recording | None = None) -> contextlib.AbstractAsyncContextManager[Served]:
    return support.served_plugin("g2b_items", plugin, transport)


@contextlib.asynccontextmanager
async def served_three() -> AsyncIterator[Served]:
    """The app with g2b_items, g2b_mall and g2b_bids on the sandbox."""
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        mall_base=SANDBOX_MALL_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        load_plugins=frozenset(),
    )
    manager = make_plugin_manager(
        allow=(), extra=[("g2b_items", plugin), ("g2b_mall", mall), ("g2b_bids", bids)]
    )
    kernel = make_kernel(settings, transport=Recording(), plugin_manager=manager)
    async with serve(create_app(settings, kernel=kernel)) as served:
        yield served


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with served_plugin() as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.http(timeout=60) as client:
        yield client


@pytest.mark.parametrize(("word", "name"), list(WORDS.items()))
async def test_everyday_words_turn_into_the_codes_of_the_sandbox_vocabulary(
    http: httpx.AsyncClient, word: str, name: str
) -> None:
    body = await call(http, "search_categories", {"words": word})
    assert body["sandbox"] is True and body["categories"], body
    best = body["categories"][0]
    item = next(i for i in sandbox.vocab.GOODS if i.name == name)
    assert (best["class_no"], best["name"]) == (item.class_no, name)
    assert best["details"] and all(d["detail_no"].startswith(item.class_no) for d in best["details"])
    assert best["details"][0]["detail_no"] == item.class_no + "01"
    assert best["service_life_years"] is not None
    assert best["use_with"]["search_mall_products"] == {"category": name}
    assert best["use_with"]["search_bid_notices"]["detail_item_no"].startswith(item.class_no)


async def test_cctv_finds_its_detailed_category_and_unknown_words_find_nothing(
    http: httpx.AsyncClient,
) -> None:
    body = await call(http, "search_categories", {"words": "CCTV"})
    details = {d["name"]: d for d in body["categories"][0]["details"]}
    assert details["CCTV카메라"]["matched"] is True  # the 세부품명 search found it by the word itself
    assert "영상감시장치" in body["searched"]  # and the synonym found the 품명
    none = await call(http, "search_categories", {"words": "존재하지않는물건"})
    assert none["categories"] == [] and none["searched"] == ["존재하지않는물건"]


async def test_the_codes_found_work_as_filters_in_the_mall_and_bid_tools() -> None:
    async with served_three() as served, served.http(timeout=60) as http:
        for word, name in WORDS.items():
            found = (await call(http, "search_categories", {"words": word}))["categories"][0]
            use = found["use_with"]
            products = await call(http, "search_mall_products", {**use["search_mall_products"], **YEAR_SPAN})
            assert products["items"] and {i["category"] for i in products["items"]} == {name}, word
            assert {i["category_no"] for i in products["items"]} == {found["class_no"]}
            listed = await call(http, "crawl_list", {**use["crawl_list"], "limit": 5})
            assert listed["items"] and listed["items"][0]["category"] == name
            notices = await call(
                http, "search_bid_notices", {**use["search_bid_notices"], **YEAR_SPAN, "limit": 5}
            )
            assert notices["items"], word
            assert all(name in n["title"] for n in notices["items"]), [n["title"] for n in notices["items"]]
            for detail in found["details"]:  # every 세부품명 filters as its 품명
                by_detail = await call(
                    http,
                    "search_bid_notices",
                    {"kind": "물품", "detail_item_no": detail["detail_no"], **YEAR_SPAN},
                )
                assert by_detail["items"] and all(name in n["title"] for n in by_detail["items"])


async def test_sse_and_mcp_give_the_same_answer_as_rest(served: Served, http: httpx.AsyncClient) -> None:
    rest = await call(http, "search_categories", {"words": "노트북"})
    async with http.stream("POST", "/api/v1/tools/search_categories/stream", json={"words": "노트북"}) as r:
        events = sse_events((await r.aread()).decode())
    assert events[-1][1] == "result" and events[-1][2] == rest
    async with served.mcp() as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        result = await client.call_tool("search_categories", {"words": "노트북"})
        bad = await client.call_tool("search_categories", {"words": ""})
    assert result.is_error is not True and result.structured_content == rest
    jsonschema.validate(result.structured_content, tools["search_categories"].output_schema)
    assert "43211503 노트북컴퓨터" in result.content[0].text
    assert bad.is_error is True and "words" in json.loads(bad.content[0].text)["detail"]
    description = tools["search_categories"].description or ""
    assert "예:" in description and "Example:" in description


@pytest.mark.parametrize(
    ("arguments", "field"), [({}, "words"), ({"words": ""}, "words"), ({"words": "a", "limit": 0}, "limit")]
)
async def test_bad_params_are_refused_before_any_upstream_request(
    arguments: dict[str, Any], field: str
) -> None:
    transport = Recording()
    async with served_plugin(transport) as served, served.http(timeout=30) as http:
        r = await http.post("/api/v1/tools/search_categories", json=arguments)
    assert r.status_code == 422 and field in r.json()["detail"]
    assert transport.requests == []


def wire_fields(record: type[Any]) -> set[str]:
    hints = typing.get_type_hints(record, include_extras=True)
    return {
        meta.extra_json_schema["x-upstream-field"]
        for name in record.__struct_fields__
        for meta in typing.get_args(hints[name])[1:]
    }


async def test_operations_fields_and_params_against_the_catalog() -> None:
    operations = catalogued_by_path("ThngListInfoService02", "PrdctMngInfoService")
    for op in plugin.OPERATIONS:
        path = GATEWAY_PREFIX + op.path
        assert path in operations, path
        assert wire_fields(op.record) <= operations[path].fields, op.name
    transport = Recording()
    async with served_plugin(transport) as served, served.http(timeout=60) as http:
        await call(http, "search_categories", {"words": "CCTV 복합기"})
    used = set()
    for path, query in transport.requests:
        assert set(query) <= operations[path].params and operations[path].required <= set(query), path
        used.add(path)
    assert used == {GATEWAY_PREFIX + op.path for op in plugin.OPERATIONS}
