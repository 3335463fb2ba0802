"""g2b_analytics end to end on the sandbox: each aggregate equals the same aggregate computed here
from a full scan of the raw rows, read through the list tools (crawl_list, search_awards,
search_contracts) by following their `next`; every tool through REST, SSE and MCP; the operations
against the packaged catalog.

The app is served with the analytics plugin and the three list plugins, loaded in process.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import statistics
import typing
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest

import naramarket.plugins.g2b_analytics as plugin
import naramarket.plugins.g2b_awards as awards_plugin
import naramarket.plugins.g2b_contracts as contracts_plugin
import naramarket.plugins.g2b_mall as mall_plugin
from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.host import make_plugin_manager
from naramarket.plugins.g2b_analytics import records
from tests.inprocess import Served, serve, sse_events
from tests.plugins.support import Recording, call, catalogued_by_path, output_schema

pytestmark = pytest.mark.anyio

QUARTER = {"start_date": "2026-07-01", "end_date": "2026-09-30"}
YEAR = {"start_date": "2025-12-01", "end_date": "2026-11-30"}
PLUGINS = [
    ("g2b_analytics", plugin),
    ("g2b_mall", mall_plugin),
    ("g2b_awards", awards_plugin),
    ("g2b_contracts", contracts_plugin),
]


@contextlib.asynccontextmanager
async def served_plugins(
    transport: Recording | None = None, config: sandbox.SandboxConfig | None = None, **settings: Any
) -> AsyncIterator[Served]:
    transport = transport or Recording()
    if config is not None:
        transport.inner = httpx.ASGITransport(app=sandbox.create_app(config))
    options: dict[str, Any] = {
        "sandbox": True,
        "api_base": SANDBOX_API_BASE,
        "service_key": sandbox.DEFAULT_SERVICE_KEY,
        "rate_limit": 0,
        "load_plugins": frozenset(),
        **settings,
    }
    kernel = make_kernel(
        Settings.from_env({}, **options),
        transport=transport,
        plugin_manager=make_plugin_manager(allow=(), extra=PLUGINS),
    )
    async with serve(create_app(Settings.from_env({}, **options), kernel=kernel)) as served:
        yield served


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with served_plugins() as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.http(timeout=60) as client:
        yield client


async def every_row(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """All raw rows of a list tool, following `next` until complete."""
    rows: list[dict[str, Any]] = []
    arguments = {**arguments, "limit": 500}
    for _ in range(1000):
        body = await call(http, name, arguments)
        rows += body["items"]
        if body["complete"]:
            return rows
        assert body["reason"] == "limit", body
        arguments = body["next"]
    raise AssertionError("the scan did not end")


def summary(values: list[float]) -> dict[str, Any]:
    """What the tool's NumberSummary should say, computed with the standard library."""
    if len(values) == 1:
        p25 = median = p75 = values[0]
    else:
        p25, median, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return {
        "count": len(values),
        "sum": pytest.approx(sum(values)),
        "mean": pytest.approx(statistics.fmean(values)),
        "min": min(values),
        "p25": pytest.approx(p25),
        "median": pytest.approx(median),
        "p75": pytest.approx(p75),
        "max": max(values),
        "exact": True,
    }


def ranked(groups: dict[str, list[float]], by: str) -> list[str]:
    if by == "sum":
        return sorted(groups, key=lambda k: (-sum(groups[k]), -len(groups[k]), k))
    return sorted(groups, key=lambda k: (-len(groups[k]), -sum(groups[k]), k))


# -- the aggregates equal a full scan of the raw rows --------------------------------------------------


@pytest.mark.parametrize("group_by", ["maker", "company"])
async def test_mall_price_statistics_equal_a_full_scan(http: httpx.AsyncClient, group_by: str) -> None:
    arguments = {"category": "데스크톱컴퓨터", **YEAR}
    answer = await call(http, "analyze_mall_prices", {**arguments, "group_by": group_by, "top": 100})
    rows = await every_row(http, "crawl_list", arguments)
    assert len(rows) > 100  # more than one upstream page: the scan pages and merges
    prices = [r["price"] for r in rows if r["price"] is not None]
    assert answer["scan"]["complete"] is True and answer["scan"]["rows_read"] == len(rows)
    assert answer["price"] == summary(prices)
    groups: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        groups[r[group_by] or "(미상 / unknown)"].append(r["price"])
    assert answer["groups_total"] == len(groups)
    expected = ranked(groups, "count")[:100]
    assert [g["key"] for g in answer["groups"]] == expected
    for g in answer["groups"]:
        assert g["count"] == len(groups[g["key"]])
        assert g["value"] == summary(groups[g["key"]])
    assert answer["sample"] == []


async def test_mall_prices_answer_no_rows_unless_a_sample_is_asked(http: httpx.AsyncClient) -> None:
    arguments = {"category": "데스크톱컴퓨터", **YEAR}
    answer = await call(http, "analyze_mall_prices", {**arguments, "sample": 3})
    assert len(answer["sample"]) == 3 and all(s["category"] for s in answer["sample"])
    nothing = await call(http, "analyze_mall_prices", {"category": "존재하지않는품명", **YEAR})
    assert nothing["price"]["count"] == 0 and nothing["scan"] == {
        **nothing["scan"],
        "rows_read": 0,
        "complete": True,
    }


async def award_rows(http: httpx.AsyncClient, kinds: list[str], **filters: Any) -> list[dict[str, Any]]:
    rows = []
    for kind in kinds:
        rows += [
            {**r, "_kind": kind} for r in await every_row(http, "search_awards", {"kind": kind, **filters})
        ]
    return rows


async def test_top_winners_equal_a_full_scan_of_the_awards(http: httpx.AsyncClient) -> None:
    kinds = ["물품", "용역"]
    answer = await call(http, "rank_suppliers", {"kinds": kinds, "top": 15, **QUARTER})
    rows = await award_rows(http, kinds, **QUARTER)
    assert answer["scan"] == {**answer["scan"], "complete": True, "rows_read": len(rows)}
    groups: dict[str, list[float]] = defaultdict(list)
    names: dict[str, str] = {}
    for r in rows:
        key = r["winner_bizno"].replace("-", "") or r["winner"] or "(미상 / unknown)"
        groups[key].append(r["amount"])
        names.setdefault(key, r["winner"])
    assert answer["suppliers_total"] == len(groups)
    assert [s["key"] for s in answer["suppliers"]] == ranked(groups, "count")[:15]
    for s in answer["suppliers"]:
        assert s["count"] == len(groups[s["key"]]) and s["label"] == names[s["key"]]
        assert s["value"]["sum"] == pytest.approx(sum(groups[s["key"]]))
        assert s["share"] == pytest.approx(100 * len(groups[s["key"]]) / len(rows), abs=1e-3)
    assert answer["amount"] == summary([r["amount"] for r in rows])


def lead(companies: str) -> tuple[str, str]:
    entries = [e.split("^") for e in re.findall(r"\[([^\[\]]*)\]", companies)]
    first = next((e for e in entries if e[1] == "대표"), entries[0])
    return first[9].replace("-", ""), first[3]


async def test_top_contractors_by_amount_equal_a_full_scan_of_the_contracts(http: httpx.AsyncClient) -> None:
    kinds = ["공사", "용역"]
    arguments = {"source": "contracts", "kinds": kinds, "by": "amount", "agency": "조달청", **QUARTER}
    answer = await call(http, "rank_suppliers", arguments)
    rows = []
    for kind in kinds:
        rows += await every_row(
            http, "search_contracts", {"kind": kind, "agency": "조달청", "agency_role": "수요기관", **QUARTER}
        )
    assert rows and answer["scan"]["rows_read"] == len(rows) and answer["scan"]["complete"]
    groups: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        bizno, name = lead(r["companies"])
        groups[bizno or name].append(r["amount"])
    assert [s["key"] for s in answer["suppliers"]] == ranked(groups, "sum")[:20]
    assert [s["value"]["sum"] for s in answer["suppliers"]] == [
        pytest.approx(sum(groups[k])) for k in ranked(groups, "sum")[:20]
    ]


@pytest.mark.parametrize("by", ["region", "month"])
async def test_award_rate_distribution_equals_a_full_scan(http: httpx.AsyncClient, by: str) -> None:
    regions = ["서울", "경기도"]
    answer = await call(
        http,
        "analyze_award_rates",
        {"by": by, "regions": regions, "kinds": ["용역", "공사"], "bin_width": 0.5, **QUARTER},
    )
    groups: dict[str, list[float]] = defaultdict(list)
    every: list[float] = []
    for region, label in (("서울", "서울"), ("경기도", "경기")):
        for r in await award_rows(http, ["용역", "공사"], region=region, **QUARTER):
            key = label if by == "region" else r["opened_at"][:7]
            groups[key].append(r["rate"])
            every.append(r["rate"])
    assert answer["scan"]["complete"] and answer["scan"]["rows_read"] == len(every)
    assert answer["rate"] == summary(every)
    order = sorted(groups) if by == "month" else ranked(groups, "count")
    assert [g["key"] for g in answer["groups"]] == order
    for g in answer["groups"]:
        assert g["value"] == summary(groups[g["key"]])
    bins = Counter(math.floor(rate / 0.5) for rate in every)
    assert [(b["low"], b["count"]) for b in answer["histogram"]] == [(i * 0.5, bins[i]) for i in sorted(bins)]
    assert answer["outside"] == 0


@pytest.mark.parametrize("source", ["awards", "contracts"])
async def test_monthly_series_equals_a_full_scan(http: httpx.AsyncClient, source: str) -> None:
    span = {"start_date": "2026-05-15", "end_date": "2026-09-10"}
    answer = await call(http, "procurement_time_series", {"source": source, "kinds": ["공사"], **span})
    if source == "awards":
        rows = await every_row(http, "search_awards", {"kind": "공사", **span})
        months = [(r["opened_at"][:7], r["amount"]) for r in rows]
    else:
        rows = await every_row(http, "search_contracts", {"kind": "공사", **span})
        months = [(r["concluded_on"][:7], r["amount"]) for r in rows]
    counts = Counter(m for m, _ in months)
    sums: Counter[str] = Counter()
    for m, amount in months:
        sums[m] += amount or 0
    assert [p["month"] for p in answer["months"]] == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09"]
    assert [(p["count"], p["amount"]) for p in answer["months"]] == [
        (counts[p["month"]], sums[p["month"]]) for p in answer["months"]
    ]
    assert answer["total_count"] == len(rows) and answer["scan"]["rows_read"] == len(rows)


# -- bounded and honest ----------------------------------------------------------------------------------


async def test_a_scan_cut_by_the_time_budget_says_so_and_what_to_do() -> None:
    config = sandbox.SandboxConfig(latency=0.05, rows={"getMASCntrctPrdctInfoList": 30_000})
    async with served_plugins(config=config, call_budget=1.0) as s, s.http(timeout=60) as http:
        answer = await call(http, "analyze_mall_prices", {"category": "데스크톱컴퓨터", **YEAR})
    scan = answer["scan"]
    assert scan["complete"] is False and scan["reason"] == "time_budget"
    assert 0 < scan["rows_read"] < 30_000 and answer["price"]["count"] == scan["rows_read"]
    assert scan["missing"] and "export" in scan["advice"]


@pytest.mark.parametrize(
    ("name", "arguments", "field"),
    [
        ("analyze_mall_prices", {}, "category"),
        ("analyze_mall_prices", {"category": "x", "group_by": "colour"}, "group_by"),
        ("analyze_mall_prices", {"category": "x", "sample": 50}, "sample"),
        ("rank_suppliers", {"source": "bids"}, "source"),
        ("rank_suppliers", {"kinds": []}, "kinds"),
        ("rank_suppliers", {"top": 0}, "top"),
        ("analyze_award_rates", {"by": "region"}, "regions"),
        ("analyze_award_rates", {"regions": ["화성"]}, "regions"),
        ("analyze_award_rates", {"bin_width": 0}, "bin_width"),
        ("procurement_time_series", {"start_date": "2026-01-01"}, "start_date"),
    ],
)
async def test_bad_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, name: str, arguments: dict[str, Any], field: str
) -> None:
    r = await http.post(f"/api/v1/tools/{name}", json=arguments)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_params" and field in r.json()["detail"]


# -- SSE and MCP ----------------------------------------------------------------------------------------

CALLS = [
    ("analyze_mall_prices", {"category": "노트북컴퓨터", "group_by": "company_size", **YEAR}),
    ("rank_suppliers", {"kinds": ["공사"], **QUARTER}),
    ("analyze_award_rates", {"kinds": ["물품"], "by": "month", **QUARTER}),
    ("procurement_time_series", {"source": "contracts", "kinds": ["용역"], **QUARTER}),
]


@pytest.mark.parametrize(("name", "arguments"), CALLS, ids=[c[0] for c in CALLS])
async def test_sse_answers_what_rest_answers_with_progress(
    http: httpx.AsyncClient, name: str, arguments: dict[str, Any]
) -> None:
    rest = await call(http, name, arguments)
    async with http.stream("POST", f"/api/v1/tools/{name}/stream", json=arguments) as r:
        assert r.status_code == 200
        events = sse_events((await r.aread()).decode())
    assert events[-1][1] == "result" and events[-1][2] == rest
    assert not any(kind == "item" for _, kind, _ in events)  # an aggregate streams no rows
    progress = [d for _, kind, d in events if kind == "progress"]
    assert progress and "rows read" in progress[-1]["message"]
    jsonschema.validate(events[-1][2], await output_schema(http, name))


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_every_tool(served: Served, mode: str) -> None:
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name, arguments in CALLS:
            result = await client.call_tool(name, arguments)
            assert result.is_error is not True, result.content[0].text
            jsonschema.validate(result.structured_content, tools[name].output_schema)
            text = result.content[0].text
            assert text.startswith("[SANDBOX") and "rows read" in text and f"{name}:" in text
            assert len(text) < 4000  # a small table, not the rows
            description = tools[name].description or ""
            assert "예:" in description and "Example:" in description
            assert tools[name].annotations is not None and tools[name].annotations.read_only_hint is True
        bad = await client.call_tool("analyze_award_rates", {"by": "region"})
    assert bad.is_error is True and "regions" in json.loads(bad.content[0].text)["detail"]


# -- against the catalog ----------------------------------------------------------------------------------


def wire_fields(record: type[Any]) -> set[str]:
    hints = typing.get_type_hints(record, include_extras=True)
    return {
        meta.extra_json_schema["x-upstream-field"]
        for name in record.__struct_fields__
        for meta in typing.get_args(hints[name])[1:]
    }


def test_declared_operations_and_record_fields_are_catalogued() -> None:
    operations = catalogued_by_path("ShoppingMallPrdctInfoService", "ScsbidInfoService", "CntrctInfoService")
    for op in records.OPERATIONS:
        path = f"/1230000/{op.path}"
        assert path in operations, path
        assert wire_fields(op.record) <= operations[path].fields, (op.name, wire_fields(op.record))
        assert op.date_params and set(op.date_params) <= operations[path].params, op.name


async def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    transport = Recording()
    calls = [
        ("analyze_mall_prices", {"category": "복합기", **YEAR}),
        ("rank_suppliers", {"kinds": ["물품", "공사", "용역", "외자"], "agency": "조달청",
                            "keyword": "정비", **QUARTER}),
        ("rank_suppliers", {"source": "계약", "kinds": ["물품", "공사", "용역", "외자"], "agency": "조달청",
                            "keyword": "정비", **QUARTER}),
        ("analyze_award_rates", {"by": "region", "regions": ["41"], "kinds": ["외자"], **QUARTER}),
    ]  # fmt: skip
    async with served_plugins(transport) as served, served.http(timeout=60) as http:
        for name, arguments in calls:
            r = await http.post(f"/api/v1/tools/{name}", json=arguments)
            assert r.status_code == 200, (name, r.text)
    operations = catalogued_by_path("ShoppingMallPrdctInfoService", "ScsbidInfoService", "CntrctInfoService")
    used = set()
    for path, query in transport.requests:
        assert path in operations, path
        assert set(query) <= operations[path].params, (path, set(query) - operations[path].params)
        assert operations[path].required <= set(query), (path, operations[path].required - set(query))
        used.add(path)
    assert used == {f"/1230000/{op.path}" for op in records.OPERATIONS}
