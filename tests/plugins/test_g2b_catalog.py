"""g2b_catalog: find, describe and call any of the 191 catalogued operations, in process on the sandbox.

``call_operation`` answers every operation with its required parameters, and refuses bad ones
(unknown names, missing required values, wrong date formats, too-wide ranges) before any upstream
request: the sandbox's own counters show none arrived.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import jsonschema
import pytest

import naramarket.plugins.g2b_catalog as g2b_catalog
from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.datago.g2b import OperationInfo, load_catalog
from naramarket.kernel import InvalidParams, Settings
from naramarket.kernel.host import Kernel, make_plugin_manager
from tests.inprocess import Served, serve, sse_events
from tests.plugins.support import catalogued

pytestmark = pytest.mark.anyio

OPERATIONS = load_catalog().operations
# The sandbox's records span the year up to today: a recent month, and the quarter before it.
_FIRST = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
MONTH_START, MONTH_END = _FIRST, _FIRST.replace(day=28)
QUARTER_START = (_FIRST - dt.timedelta(days=80)).replace(day=1)
CHANGES = {
    "service": "CntrctInfoService",
    "operation": "getCntrctInfoListThngChgHstry",
    "params": {"inqryDiv": "1"},
    "limit": 15,
}


@contextlib.asynccontextmanager
async def app() -> AsyncIterator[tuple[Served, Kernel, httpx.AsyncClient]]:
    """The real app with only g2b_catalog, over an in-process sandbox; plus the sandbox's control."""
    upstream = sandbox.create_app(sandbox.SandboxConfig())
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        load_plugins=frozenset(),
    )
    kernel = make_kernel(
        settings,
        transport=httpx.ASGITransport(app=upstream),
        plugin_manager=make_plugin_manager(allow=(), extra=[("g2b_catalog", g2b_catalog)]),
    )
    control = httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream), base_url="http://sandbox")
    async with control, serve(create_app(settings, kernel=kernel)) as served:
        yield served, kernel, control


@pytest.fixture
async def served() -> AsyncIterator[tuple[Served, Kernel, httpx.AsyncClient]]:
    async with app() as running:
        yield running


async def upstream_requests(control: httpx.AsyncClient) -> int:
    return int((await control.get("/_sandbox/stats")).json()["total_requests"])


def mode_of(op: OperationInfo) -> str | None:
    """A 조회구분 that searches by date if there is one (it exercises the windows), else the first."""
    span = op.date_range
    dated = {span.begin, span.end} if span else set()
    for mode in op.modes:
        if any(mode in p.required_when for p in op.own_params if p.name in dated):
            return mode
    return next(iter(op.modes), None)


def required_of(op: OperationInfo, mode: str | None) -> list[str]:
    """The parameters a call in ``mode`` must give itself (dates are filled by the tool)."""
    span = op.date_range
    dated = {span.begin, span.end} if span else set()
    return [
        p.name
        for p in op.own_params
        if p.name not in dated and (p.enforced or (mode is not None and mode in p.required_when))
    ]


def arguments(op: OperationInfo) -> dict[str, Any]:
    mode = mode_of(op)
    params = {name: op.param(name).sample or "1" for name in required_of(op, mode)}  # type: ignore[union-attr]
    if mode is not None:
        params["inqryDiv"] = mode
    return {"service": op.service, "operation": op.name, "params": params, "limit": 3, "page_size": 3}


async def test_every_catalogued_operation_answers_with_its_required_parameters(served) -> None:
    _, kernel, control = served
    answers: dict[str, Any] = {}

    async def call(op: OperationInfo) -> None:
        answers[op.name] = await kernel.dispatcher.call("call_operation", arguments(op))

    async with anyio.create_task_group() as tg:
        for op in OPERATIONS:
            tg.start_soon(call, op)
    assert len(answers) == 191
    with_rows = {name for name, a in answers.items() if a.items}
    assert len(with_rows) >= 180, sorted(set(answers) - with_rows)
    for name, answer in answers.items():
        op = load_catalog().operation(None, name)
        assert op is not None and answer.operation == name and answer.sandbox is True
        assert len(answer.items) <= 3
        assert all(set(row) <= {f.name for f in op.fields} for row in answer.items)
        if answer.ordered_by in ("rgstDt", "bidNtceDate", "opengDate", "cntrctCnclsDate"):
            # Newest first where the date is known. (Only the sandbox's own timestamp is monotonic
            # in its upstream order; other dates, e.g. inptDt, are sorted within each page only.)
            dates = [row[answer.ordered_by] for row in answer.items]
            assert dates == sorted(dates, reverse=True), name
    operations = (await control.get("/_sandbox/stats")).json()["operations"]
    assert set(operations) == {op.name for op in OPERATIONS}


def refusals(op: OperationInfo) -> list[tuple[dict[str, Any], list[str]]]:
    """Bad arguments for ``op`` and the words the refusal must contain."""
    good = arguments(op)
    mode = mode_of(op)
    cases = []
    for name in required_of(op, mode):
        params = {k: v for k, v in good["params"].items() if k != name}
        cases.append(({**good, "params": params}, [name, "required"]))
    real = sorted(op.param_names)
    cases.append(({**good, "params": {**good["params"], "bogusParam": "1"}}, ["bogusParam", *real]))
    for span in op.date_ranges:
        bad = (
            {span.begin: "2025-10-01", span.end: "2025-10-02"}
            if span.begin != span.end
            else {span.begin: "x"}
        )
        cases.append(({**good, "params": {**good["params"], **bad}}, [span.begin, span.pattern]))
        if span.limit is not None:
            wide = {
                span.begin: span.strftime and "20200101"[: len(span.pattern)].ljust(len(span.pattern), "0")
            }
            wide[span.end] = "20250101"[: len(span.pattern)].ljust(len(span.pattern), "0")
            cases.append(({**good, "params": {**good["params"], **wide}}, [span.begin, "spans more than"]))
    return cases


async def test_bad_parameters_are_refused_before_any_upstream_request(served) -> None:
    _, kernel, control = served
    failures: list[str] = []
    count = 0

    async def refuse(arguments: dict[str, Any], words: list[str]) -> None:
        try:
            await kernel.dispatcher.call("call_operation", arguments)
        except InvalidParams as exc:
            missing = [w for w in words if w not in str(exc)]
            if missing:
                failures.append(f"{arguments['operation']}: {missing} not in {exc}")
        else:
            failures.append(f"{arguments['operation']}: {arguments['params']} was accepted")

    async with anyio.create_task_group() as tg:
        for op in OPERATIONS:
            for case, words in refusals(op):
                count += 1
                tg.start_soon(refuse, case, words)
    assert not failures, failures[:5]
    assert count > 191 * 2
    assert await upstream_requests(control) == 0


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"service": "NoSuchService", "operation": "x"}, ["service", "NoSuchService"]),
        (
            {"service": "CntrctInfoService", "operation": "getCntrctInfoListThngChgHstri"},
            ["getCntrctInfoListThngChgHstry"],
        ),
        ({"service": "ScsbidInfoService", "operation": "getCntrctInfoListThng"}, ["CntrctInfoService"]),
        ({**CHANGES, "params": {"inqryDiv": "9"}}, ["inqryDiv", "1=변경일시"]),
        ({**CHANGES, "params": {"inqryDiv": "1", "pageNo": "2"}}, ["pageNo", "next"]),
        ({**CHANGES, "params": {"inqryDiv": "2"}}, ["untyCntrctNo", "inqryDiv=2"]),
        ({**CHANGES, "params": {"inqryDiv": "1", "inqryBgnDt": "202510010000"}}, ["both"]),
        (
            {
                **CHANGES,
                "start_date": "2025-10-01",
                "end_date": "2025-10-02",
                "params": {"inqryDiv": "1", "inqryBgnDt": "202510010000", "inqryEndDt": "202510022359"},
            },
            ["either"],
        ),
        (
            {
                "service": "CntrctProcssIntgOpenService",
                "operation": "getCntrctProcssIntgOpenThng",
                "params": {"inqryDiv": "1", "bidNtceNo": "R25BK00000001"},
                "start_date": "2025-10-01",
                "end_date": "2025-10-02",
            },
            ["no date range"],
        ),
    ],
)
async def test_refusals_say_what_is_wrong(served, arguments, words) -> None:
    _, kernel, control = served
    with pytest.raises(InvalidParams) as caught:
        await kernel.dispatcher.call("call_operation", arguments)
    assert all(w in str(caught.value) for w in words), str(caught.value)
    assert await upstream_requests(control) == 0


async def test_dates_in_the_operations_own_format_and_windows_from_start_and_end(served) -> None:
    _, kernel, _ = served
    own = await kernel.dispatcher.call(
        "call_operation",
        {
            **CHANGES,
            "limit": 500,
            "params": {
                "inqryDiv": "1",
                "inqryBgnDt": f"{MONTH_START:%Y%m%d}0000",
                "inqryEndDt": f"{MONTH_END:%Y%m%d}2359",
            },
        },
    )
    windows = await kernel.dispatcher.call(
        "call_operation",
        {**CHANGES, "limit": 500, "start_date": MONTH_START.isoformat(), "end_date": MONTH_END.isoformat()},
    )
    assert own.items and own.complete and windows.complete
    key = lambda row: row["untyCntrctNo"]  # noqa: E731
    assert sorted(map(key, own.items)) == sorted(map(key, windows.items))
    # A quarter is three month windows (the practice limit): asked as dates it is split, not refused.
    quarter = await kernel.dispatcher.call(
        "call_operation",
        {**CHANGES, "limit": 5, "start_date": QUARTER_START.isoformat(), "end_date": MONTH_END.isoformat()},
    )
    assert quarter.items and quarter.ordered_by == "chgDt"


async def test_next_continues_exactly_newest_first(served) -> None:
    _, kernel, _ = served
    base = {
        "service": "BidPublicInfoService",
        "operation": "getBidPblancListInfoThng",
        "params": {"inqryDiv": "1"},
        "start_date": QUARTER_START.isoformat(),
        "end_date": MONTH_END.isoformat(),
    }
    whole = await kernel.dispatcher.call("call_operation", {**base, "limit": 500})
    assert whole.complete and whole.ordered_by == "rgstDt" and whole.order == "newest"
    assert len(whole.items) > 100, "several month windows of notices"
    pieces: list[dict[str, str]] = []
    arguments: dict[str, Any] = {**base, "limit": 40}
    for _ in range(50):
        answer = await kernel.dispatcher.call("call_operation", arguments)
        pieces += answer.items
        if answer.complete:
            break
        assert answer.reason == "limit" and answer.next["operation"] == base["operation"]
        arguments = answer.next
    assert [r["bidNtceNo"] for r in pieces] == [r["bidNtceNo"] for r in whole.items]
    dates = [r["rgstDt"] for r in pieces]
    assert dates == sorted(dates, reverse=True)


async def test_filters_reach_the_gateway(served) -> None:
    _, kernel, _ = served
    answer = await kernel.dispatcher.call(
        "call_operation",
        {
            "service": "BidPublicInfoService",
            "operation": "getBidPblancListInfoThng",
            "params": {"inqryDiv": "2", "bidNtceNo": "R25BK00940072"},
        },
    )
    assert answer.items and {r["bidNtceNo"] for r in answer.items} == {"R25BK00940072"}
    assert answer.ordered_by is None  # a number search: the upstream's order


# ------------------------------------------------------------------ every surface


async def test_rest_search_describe_and_call(served) -> None:
    s, _, _ = served
    async with s.http(timeout=30) as http:
        found = (await http.post("/api/v1/tools/search_operations", json={"query": "입찰공고 물품"})).json()
        assert "getBidPblancListInfoThng" in [m["operation"] for m in found["items"]]
        assert all(
            m["required"] == ["inqryDiv"] for m in found["items"] if m["service"] == "BidPublicInfoService"
        )
        english = (
            await http.post("/api/v1/tools/search_operations", json={"query": "contract change history"})
        ).json()
        assert {m["service"] for m in english["items"]} == {"CntrctInfoService"}
        described = (
            await http.post(
                "/api/v1/tools/describe_operation", json={"operation": "getCntrctInfoListThngChgHstry"}
            )
        ).json()
        assert described["service"] == "CntrctInfoService"
        params = {p["name"]: p for p in described["params"]}
        assert params["inqryDiv"]["required"] is True and params["inqryDiv"]["name_ko"] == "조회구분"
        assert params["inqryBgnDt"]["format"] == "YYYYMMDDHHMM" and params["untyCntrctNo"][
            "required_when"
        ] == ["2"]
        assert described["date_range"]["limit"] == "month"
        assert {"untyCntrctNo": "통합계약번호"}.items() <= {
            f["name"]: f["name_ko"] for f in described["fields"]
        }.items()
        # The description's example is a working call.
        rows = (await http.post("/api/v1/tools/call_operation", json=described["example"])).json()
        assert rows["items"] and rows["operation"] == "getCntrctInfoListThngChgHstry"
        bad = await http.post("/api/v1/tools/call_operation", json={**CHANGES, "params": {"inqryDivv": "1"}})
        assert bad.status_code == 422 and "inqryDiv" in bad.json()["detail"]
        unknown = await http.post("/api/v1/tools/describe_operation", json={"operation": "getNothing"})
        assert unknown.status_code == 422 and "search_operations" in unknown.json()["detail"]


async def test_sse_streams_rows_then_the_result(served) -> None:
    s, _, _ = served
    async with s.http(timeout=30) as http:
        rest = (await http.post("/api/v1/tools/call_operation", json=CHANGES)).json()
        async with http.stream("POST", "/api/v1/tools/call_operation/stream", json=CHANGES) as r:
            assert r.status_code == 200
            events = sse_events((await r.aread()).decode())
        async with http.stream("POST", "/api/v1/tools/search_operations/stream", json={"query": "낙찰"}) as r:
            found = sse_events((await r.aread()).decode())
    assert events[-1][1] == "result"
    streamed = [d for _, k, d in events if k == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest
    assert len(streamed) == 15 and all(isinstance(v, str) for row in streamed for v in row.values())
    assert found[-1][1] == "result" and found[-1][2]["items"]


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_lists_and_calls_the_three_tools(served, mode) -> None:
    s, _, _ = served
    async with s.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        calls = {
            "search_operations": {"query": "사전규격 의견"},
            "describe_operation": {
                "service": "ScsbidInfoService",
                "operation": "getOpengResultListInfoOpengCompt",
            },
            "call_operation": CHANGES,
        }
        results = {name: await client.call_tool(name, args) for name, args in calls.items()}
    assert set(tools) == set(calls)
    for name, result in results.items():
        assert result.is_error is not True, result.content[0].text
        jsonschema.validate(result.structured_content, tools[name].output_schema)
        assert tools[name].title and tools[name].annotations.read_only_hint is True
    text = results["call_operation"].content[0].text
    assert (
        text.startswith("[SANDBOX") and "15 row(s) of CntrctInfoService/getCntrctInfoListThngChgHstry" in text
    )
    assert "| chgDt |" in text
    assert "getPublicPrcureThngOpinionInfoThng" in results["search_operations"].content[0].text
    described = results["describe_operation"].structured_content
    assert (
        described["example"]["params"] == {"bidNtceNo": "R25BK00940072"}
        or "bidNtceNo" in described["example"]["params"]
    )


def test_the_example_of_each_description_uses_catalogued_parameters() -> None:
    for op in OPERATIONS:
        documented = catalogued(op.service)[op.name].params
        assert set(g2b_catalog.example_arguments(op)["params"]) <= documented
        assert set(arguments(op)["params"]) <= documented
