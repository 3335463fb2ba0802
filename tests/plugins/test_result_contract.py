"""The result contract of every list tool, through the official MCP client on both wires.

Bounded by default (and small enough for a model's context), newest first across date windows,
and continuable: following `next` gives exactly the full set — after a limit, a time budget, a
failed page or the daily quota — with no gap and no repeat. Each tool's schemas pass a lint.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from importlib.metadata import distribution
from typing import Any

import anyio
import httpx
import jsonschema
import pytest

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.host import json_schema
from tests.inprocess import Served, serve

pytestmark = pytest.mark.anyio

# Every first-party plugin (this distribution's entry points), whatever else is installed.
FIRST_PARTY = frozenset(
    ep.name for ep in distribution("naramarket-mcp").entry_points if ep.group == "naramarket"
)
ROWS = 230  # products of the query below in the sandbox (one operation, the last year)
QUERY = {"category": "노트북컴퓨터"}  # the tool's default window: the last 12 months
# The arguments a default call of each list tool needs (its required filters only).
DEFAULT_CALLS: dict[str, dict[str, Any]] = {
    "crawl_list": {"category": "데스크톱컴퓨터"},
    "search_bid_notices": {"kind": "물품"},
    "search_awards": {"kind": "물품"},
    "search_contracts": {},
    "get_procurement_statistics": {"view": "by_kind"},
    "search_open_standard": {"dataset": "bids"},
    "search_prices": {},
    "search_standard_unit_prices": {},
    "search_prespecs": {},
    "search_procurement_requests": {},
    "search_order_plans": {},
    "search_agencies": {},
    "search_industries": {},
    "search_nuri_bid_notices": {"kind": "물품"},
    "search_nuri_awards": {},
    "search_nuri_contracts": {},
    "search_mall_products": {},
    "search_mall_registrations": {},
    "search_delivery_requests": {},
    "search_delivery_items": {},
    "search_venture_orders": {},
    "search_item_procurements": {"category": "책상"},
    "search_item_procurement_totals": {"category": "책상"},
    "call_operation": {
        "service": "BidPublicInfoService",
        "operation": "getBidPblancListInfoThng",
        "params": {"inqryDiv": "1"},
    },
}
MCP_BUDGET_BYTES = 1 << 20  # what the official Python client accepts in one event
MCP_BUDGET_TOKENS = 25_000


def estimated_tokens(text: str) -> float:
    """A tokenizer-free estimate: ~4 ASCII characters a token, one token per Hangul syllable or
    other non-ASCII character (BPE vocabularies seldom merge Hangul)."""
    ascii_chars = sum(1 for c in text if ord(c) < 128)
    return ascii_chars / 4 + (len(text) - ascii_chars)


def identity(item: dict[str, Any]) -> tuple[str, str, str]:
    return (item["contract_no"], item["contract_seq"], item["product_id"])


@contextlib.asynccontextmanager
async def served_on(
    config: sandbox.SandboxConfig, **settings: Any
) -> AsyncIterator[tuple[Served, httpx.AsyncClient]]:
    """The real app (g2b_mall) on an in-process sandbox configured as asked; plus the sandbox's control."""
    upstream = sandbox.create_app(config)
    values = {
        "sandbox": True,
        "api_base": SANDBOX_API_BASE,
        "service_key": sandbox.DEFAULT_SERVICE_KEY,
        "rate_limit": 0,
        "load_plugins": FIRST_PARTY,
        **settings,
    }
    app_settings = Settings.from_env({}, **values)
    kernel = make_kernel(app_settings, transport=httpx.ASGITransport(app=upstream))
    control = httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream), base_url="http://sandbox")
    async with control, serve(create_app(app_settings, kernel=kernel)) as served:
        yield served, control


def config(**overrides: Any) -> sandbox.SandboxConfig:
    return sandbox.SandboxConfig(**{"rows": {"getMASCntrctPrdctInfoList": ROWS}, **overrides})


async def follow(
    client: Any, arguments: dict[str, Any], *, calls: int = 100, unavailable_ok: bool = False
) -> tuple[list[Any], list[Any]]:
    """Call crawl_list and follow `next` to the end; every item, and every answer.

    With ``unavailable_ok`` an answer that is an ``upstream_unavailable`` error (nothing arrived)
    is asked again with the same arguments, as an agent would.
    """
    items: list[Any] = []
    answers: list[Any] = []
    for _ in range(calls):
        result = await client.call_tool("crawl_list", arguments)
        if unavailable_ok and result.is_error and "upstream_unavailable" in result.content[0].text:
            continue
        assert result.is_error is not True, result.content[0].text
        answer = result.structured_content
        answers.append(answer)
        items += answer["items"]
        if answer["complete"]:
            return items, answers
        assert answer["next"] is not None and answer["reason"]
        arguments = answer["next"]
    raise AssertionError("next never reached the end")


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_default_call_of_every_list_tool_fits_a_models_context(mode: str) -> None:
    async with served_on(config(rows={})) as (served, _), served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        list_tools = {n for n, t in tools.items() if "next" in (t.output_schema or {}).get("properties", {})}
        for name, arguments in DEFAULT_CALLS.items():
            result = await client.call_tool(name, arguments)
            message = json.dumps(result.model_dump(mode="json", by_alias=True), ensure_ascii=False)
            text = result.content[0].text
            assert len(message.encode()) < MCP_BUDGET_BYTES / 4
            assert estimated_tokens(message) < MCP_BUDGET_TOKENS, (name, estimated_tokens(message))
            assert len(text) < 12_000  # the compact text is what the model reads first
            structured = result.structured_content
            assert result.is_error is not True, (name, text)
            jsonschema.validate(structured, tools[name].output_schema)
            assert len(structured["items"]) <= 50  # bounded by default
            assert structured["complete"] or structured["next"], name
    assert list_tools <= set(DEFAULT_CALLS), (
        f"give these list tools a default call: {list_tools - set(DEFAULT_CALLS)}"
    )


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_next_continues_a_limited_scan_to_exactly_the_full_set_newest_first(mode: str) -> None:
    async with served_on(config()) as (served, _), served.mcp(mode=mode) as client:
        whole, _ = await follow(client, {**QUERY, "limit": 500})
        pieces, answers = await follow(client, {**QUERY, "limit": 37})
    assert len(whole) == ROWS and len({identity(i) for i in whole}) == ROWS
    assert [identity(i) for i in pieces] == [identity(i) for i in whole]
    dates = [i["registered_at"] for i in pieces]
    assert dates == sorted(dates, reverse=True)  # newest first across the whole year
    assert {a["reason"] for a in answers[:-1]} == {"limit"}


async def test_oldest_first_is_the_same_set_the_other_way_round() -> None:
    async with served_on(config()) as (served, _), served.mcp() as client:
        newest, _ = await follow(client, {**QUERY, "limit": 500})
        oldest, _ = await follow(client, {**QUERY, "limit": 100, "order": "oldest"})
    assert [identity(i) for i in oldest] == [identity(i) for i in reversed(newest)]


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_newest_first_holds_across_date_windows(mode: str) -> None:
    two_years = {"category": "노트북컴퓨터", "start_date": "2024-01-01", "end_date": "2025-12-31"}
    rows = sandbox.SandboxConfig(
        rows={"getMASCntrctPrdctInfoList": 300}, period_start="20240101", period_end="20251231"
    )
    async with served_on(rows) as (served, _), served.mcp(mode=mode) as client:
        items, _ = await follow(client, {**two_years, "limit": 120})
    dates = [i["registered_at"] for i in items]
    assert dates == sorted(dates, reverse=True)
    assert dates[0][:4] == "2025" and dates[-1][:4] == "2024"  # two one-year windows, the newer first
    assert len({identity(i) for i in items}) == len(items) == 300


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_next_continues_past_failed_pages_to_exactly_the_full_set(mode: str) -> None:
    faulty = config(fault_rate=0.6, faults=("http_500",), fault_seed=7)
    async with served_on(config()) as (served, _), served.mcp(mode=mode) as client:
        whole, _ = await follow(client, {**QUERY, "limit": 500, "page_size": 20})
    async with served_on(faulty) as (served, control), served.mcp(mode=mode) as client:
        items, answers = await follow(client, {**QUERY, "limit": 500, "page_size": 20}, unavailable_ok=True)
        faults = (await control.get("/_sandbox/stats")).json()["faults"]
    assert sum(faults.values()) > 0
    assert "page_failed" in {a["reason"] for a in answers}, "a page failed every retry at least once"
    failed = next(a for a in answers if a["reason"] == "page_failed")
    assert failed["error"]["code"] == "upstream_unavailable" and "page" in failed["missing"]
    assert [identity(i) for i in items] == [identity(i) for i in whole]


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_next_continues_a_quota_stopped_scan_the_next_day(mode: str) -> None:
    async with served_on(config()) as (served, _), served.mcp(mode=mode) as client:
        whole, _ = await follow(client, {**QUERY, "limit": 500, "page_size": 20})
    async with served_on(config(quota=6)) as (served, control), served.mcp(mode=mode) as client:
        first = (
            await client.call_tool("crawl_list", {**QUERY, "limit": 500, "page_size": 20})
        ).structured_content
        assert (first["complete"], first["reason"]) == (False, "upstream_stopped")
        assert first["error"]["code"] == "quota_exceeded" and first["error"]["upstream_code"] == "22"
        assert 0 < len(first["items"]) < ROWS
        (await control.post("/_sandbox/reset")).raise_for_status()  # a new day: the quota is back
        (await control.put("/_sandbox/config", json={"quota": None})).raise_for_status()
        rest, _ = await follow(client, first["next"])
    assert [identity(i) for i in first["items"] + rest] == [identity(i) for i in whole]


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_a_time_budget_answers_in_time_and_next_finishes_the_job(mode: str) -> None:
    # 23 pages of 10 at 0.5 s each, one at a time: ~11.5 s in all against a 3 s budget. Wide margins
    # both ways (the first pages well inside the budget, the whole well outside it) keep it steady
    # on a loaded machine.
    slow = config(latency=0.5)
    async with served_on(config()) as (served, _), served.mcp(mode=mode) as client:
        whole, _ = await follow(client, {**QUERY, "limit": 500, "page_size": 10})
    async with (
        served_on(slow, call_budget=3.0, max_concurrency=1) as (served, control),
        served.mcp(mode=mode) as client,
    ):
        with anyio.fail_after(10):
            first = (
                await client.call_tool("crawl_list", {**QUERY, "limit": 500, "page_size": 10})
            ).structured_content
        assert (first["complete"], first["reason"]) == (False, "time_budget")
        assert 0 < len(first["items"]) < ROWS
        (await control.put("/_sandbox/config", json={"latency": 0})).raise_for_status()  # fast again
        rest, _ = await follow(client, first["next"])
    assert [identity(i) for i in first["items"] + rest] == [identity(i) for i in whole]


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_progress_counts_toward_what_the_call_will_fetch_with_a_message(mode: str) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with served_on(config()) as (served, _), served.mcp(mode=mode) as client:
        result = await client.call_tool(
            "crawl_list", {**QUERY, "limit": 60, "page_size": 20}, progress_callback=on_progress
        )
    assert len(result.structured_content["items"]) == 60
    assert seen and seen[-1][0] == 60 and all(total == 60 for _, total, _ in seen)
    assert all(message and "records" in message for _, _, message in seen)


def lint(schema: dict[str, Any], where: str) -> list[str]:
    """Every property typed and described; descriptions outside anyOf; formats on dates."""
    problems: list[str] = []
    defs = schema.get("$defs", {})

    def typed(prop: dict[str, Any]) -> bool:
        return any(k in prop for k in ("type", "$ref", "anyOf", "enum", "const"))

    def walk(node: dict[str, Any], path: str) -> None:
        for name, prop in (node.get("properties") or {}).items():
            here = f"{path}.{name}"
            if not typed(prop):
                problems.append(f"{here}: no type")
            target = defs.get(prop.get("$ref", "").rsplit("/", 1)[-1], {}) if "$ref" in prop else {}
            if not (prop.get("description") or target.get("description")):
                problems.append(f"{here}: no description")
            for member in prop.get("anyOf", []):
                if "description" in member:
                    problems.append(f"{here}: description inside anyOf")
            for leaf in [prop, *prop.get("anyOf", [])]:
                if leaf.get("type") == "string" and name.endswith(("_at", "_date")) and "format" not in leaf:
                    problems.append(f"{here}: a date without a format")

    walk(schema, where)
    for name, definition in defs.items():
        walk(definition, f"{where}#{name}")
    return problems


async def test_every_tool_schema_passes_the_lint() -> None:
    async with served_on(config()) as (served, _), served.mcp() as client:
        tools = (await client.list_tools()).tools
    problems = []
    for tool in tools:
        problems += lint(tool.input_schema, f"{tool.name}.input")
        problems += lint(tool.output_schema or {}, f"{tool.name}.output")
        assert json_schema  # the same generator serves OpenAPI
    assert problems == []
