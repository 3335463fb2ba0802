"""g2b_plans (search_procurement_requests, search_order_plans) end to end on the sandbox and the catalog.

The plugin is loaded in process without its entry point; every surface (REST, SSE, MCP) is served
by the real app on the in-process sandbox upstream.
"""

from __future__ import annotations

import contextlib
import json
import typing
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import msgspec
import pytest

import naramarket.plugins.g2b_plans as plugin
from naramarket.plugins.g2b_plans import records
from tests.inprocess import Served, sse_events
from tests.plugins import support
from tests.plugins.support import Catalogued, Recording, call, catalogued_by_path

pytestmark = pytest.mark.anyio

OCTOBER = {"start_date": "2026-10-01", "end_date": "2026-10-31"}


def served_plugin(transport: Recording | None = None) -> contextlib.AbstractAsyncContextManager[Served]:
    return support.served_plugin("g2b_plans", plugin, transport)


@pytest.fixture
async def recording() -> Recording:
    return Recording()


@pytest.fixture
async def served(recording: Recording) -> AsyncIterator[Served]:
    async with served_plugin(recording) as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with served.http(timeout=30) as client:
        yield client


async def refused(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> str:
    r = await http.post(f"/api/v1/tools/{name}", json=arguments)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_params"
    return typing.cast(str, r.json()["detail"])


async def follow(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> list[Any]:
    items: list[Any] = []
    for _ in range(50):
        body = await call(http, name, arguments)
        items += body["items"]
        if body["complete"]:
            return items
        arguments = body["next"]
    raise AssertionError("did not complete")


# -- search_procurement_requests (REST) --------------------------------------------------------------


async def test_requests_default_to_goods_received_in_the_last_30_days(
    http: httpx.AsyncClient, recording: Recording
) -> None:
    body = await call(http, "search_procurement_requests", {"limit": 20})
    assert body["items"] and body["sandbox"] is True and body["order"] == "newest"
    assert {i["kind"] for i in body["items"]} == {"물품"}
    first = body["items"][0]
    assert first["request_no"].startswith("R") and first["title"] and isinstance(first["amount"], int)
    path, query = recording.requests[-1]
    assert path.endswith("/getPrcrmntReqInfoListThngPPSSrch") and query["inqryDiv"] == "1"
    assert query["inqryEndDt"].endswith("2359") and len(query["inqryBgnDt"]) == 12


@pytest.mark.parametrize(
    ("kind", "english", "label"),
    [
        ("물품", "goods", "물품"),
        ("공사", "works", "공사"),
        ("용역", "services", "일반용역"),
        ("일반용역", "services", "일반용역"),
        ("기술용역", "technical_services", "기술용역"),
    ],
)
async def test_korean_and_english_kinds_pick_the_same_operation(
    http: httpx.AsyncClient, kind: str, english: str, label: str
) -> None:
    korean = await call(http, "search_procurement_requests", {"kind": kind, "limit": 5, **OCTOBER})
    other = await call(http, "search_procurement_requests", {"kind": english, "limit": 5, **OCTOBER})
    assert korean["items"] and korean["items"] == other["items"]
    assert {i["kind"] for i in korean["items"]} == {label}


async def test_foreign_requests_read_the_demand_agency_and_english_item(http: httpx.AsyncClient) -> None:
    body = await call(
        http, "search_procurement_requests", {"kind": "외자", "agency": "조달청", "limit": 5, **OCTOBER}
    )
    assert body["items"] and all("조달청" in i["agency"] and i["agency_code"] for i in body["items"])
    assert all(i["item"] and isinstance(i["usd_amount"], float) for i in body["items"])


async def test_request_filters_filter(http: httpx.AsyncClient) -> None:
    goods = await call(
        http,
        "search_procurement_requests",
        {"keyword": "컴퓨터", "agency": "조달청", "contract_type": "총액계약", "limit": 30, **OCTOBER},
    )
    assert goods["items"]
    assert all("컴퓨터" in i["item"] and "조달청" in i["agency"] for i in goods["items"])
    works_filters = {"kind": "공사", "office": "서울지방조달청", "agency_code": "7010000", "limit": 10}
    works = await call(http, "search_procurement_requests", {**works_filters, **OCTOBER})
    assert works["items"] and {(i["office"], i["agency_code"]) for i in works["items"]} == {
        ("서울지방조달청", "7010000")
    }
    none = await call(http, "search_procurement_requests", {"keyword": "존재하지않는품명", **OCTOBER})
    assert none["items"] == [] and none["complete"] is True


async def test_a_request_of_a_search_answer_by_its_number(http: httpx.AsyncClient) -> None:
    found = await call(http, "search_procurement_requests", {"kind": "공사", "limit": 3, **OCTOBER})
    number = found["items"][0]["request_no"]
    one = await call(http, "search_procurement_requests", {"kind": "공사", "request_no": number})
    assert one["items"] and {i["request_no"] for i in one["items"]} == {number}


async def test_requests_are_received_in_the_range_newest_first(http: httpx.AsyncClient) -> None:
    span = {"start_date": "2026-09-01", "end_date": "2026-10-31"}  # two month windows
    whole = await call(http, "search_procurement_requests", {"kind": "공사", "limit": 500, **span})
    assert whole["complete"] is True and whole["pages_fetched"] >= 2
    days = [i["received_at"][:10] for i in whole["items"]]
    assert days and all("2026-09-01" <= d <= "2026-10-31" for d in days)
    assert days == sorted(days, reverse=True)
    assert whole["items"][0]["received_at"] >= whole["items"][-1]["received_at"]


async def test_requests_continue_exactly_by_next(http: httpx.AsyncClient) -> None:
    arguments = {"kind": "물품", "start_date": "2026-09-01", "end_date": "2026-10-31"}
    whole = await call(http, "search_procurement_requests", {**arguments, "limit": 500})
    pieces = await follow(http, "search_procurement_requests", {**arguments, "limit": 37})
    assert [i["request_no"] for i in pieces] == [i["request_no"] for i in whole["items"]]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "기타"}, "kind"),
        ({"kind": "기술용역", "keyword": "정보"}, "keyword"),
        ({"kind": "외자", "office": "본청"}, "office"),
        ({"kind": "공사", "contract_type": "총액계약"}, "contract_type"),
        ({"contract_type": "총액"}, "contract_type"),
        ({"agency_code": "12"}, "agency_code"),
        ({"request_no": "R26DC01311288", "keyword": "컴퓨터"}, "keyword"),
        ({"request_no": "R26 DC"}, "request_no"),
        ({"start_date": "2026-10-01"}, "start_date"),
        ({"limit": 0}, "limit"),
        ({"reqNo": "x"}, "reqNo"),
    ],
)
async def test_bad_request_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    assert field in await refused(http, "search_procurement_requests", arguments)


# -- search_order_plans (REST) -----------------------------------------------------------------------


async def test_plans_default_to_goods_posted_in_the_last_30_days_with_every_order_month(
    http: httpx.AsyncClient, recording: Recording
) -> None:
    body = await call(http, "search_order_plans", {"limit": 10})
    assert body["items"] and {i["kind"] for i in body["items"]} == {"물품"}
    posted = [i["posted_at"] for i in body["items"]]
    assert posted == sorted(posted, reverse=True)
    path, query = recording.requests[-1]
    assert path.endswith("/getOrderPlanSttusListThngPPSSrch")
    # 발주년월 is always sent: the gateway would otherwise default it to about the current month.
    assert len(query["orderBgnYm"]) == 6 and query["orderBgnYm"] < query["orderEndYm"]


async def test_plans_posted_in_a_range_continue_exactly_by_next(http: httpx.AsyncClient) -> None:
    arguments = {"kind": "용역", "start_date": "2026-09-01", "end_date": "2026-10-31"}
    whole = await call(http, "search_order_plans", {**arguments, "limit": 500})
    assert whole["complete"] is True and whole["items"]
    days = [i["posted_at"][:10] for i in whole["items"]]
    assert all("2026-09-01" <= d <= "2026-10-31" for d in days) and days == sorted(days, reverse=True)
    pieces = await follow(http, "search_order_plans", {**arguments, "limit": 23})
    assert [(i["plan_no"], i["seq"]) for i in pieces] == [(i["plan_no"], i["seq"]) for i in whole["items"]]


async def test_order_months_and_year_filter_the_planned_month(
    http: httpx.AsyncClient, recording: Recording
) -> None:
    months = await call(
        http, "search_order_plans", {"order_from": "2026-03", "order_to": "2026-04", "limit": 100}
    )
    assert months["items"] and {(i["order_year"], i["order_month"]) for i in months["items"]} <= {
        (2026, 3),
        (2026, 4),
    }
    _, query = recording.requests[-1]
    assert (query["orderBgnYm"], query["orderEndYm"]) == ("202603", "202604")
    assert query["inqryBgnDt"] >= "202512010000"  # postings from the December before
    year = await call(http, "search_order_plans", {"kind": "공사", "order_year": 2026, "limit": 20})
    assert year["items"] and {i["order_year"] for i in year["items"]} == {2026}
    single = await call(http, "search_order_plans", {"order_from": "2026-05", "limit": 20})
    assert single["items"] and {i["order_month"] for i in single["items"]} == {5}


async def test_plan_filters_filter(http: httpx.AsyncClient) -> None:
    body = await call(
        http,
        "search_order_plans",
        {"kind": "물품", "agency": "조달청", "procurement": "자체조달", "detail_item_no": "4321150701",
         "order_year": 2026, "limit": 20},
    )  # fmt: skip
    assert body["items"]
    assert all("조달청" in i["agency"] and i["procurement"] == "자체조달" for i in body["items"])
    assert {i["detail_item_no"] for i in body["items"]} == {"4321150701"}
    central = await call(http, "search_order_plans", {"procurement": "central", "limit": 5, **OCTOBER})
    assert central["items"] and {i["procurement"] for i in central["items"]} == {"중앙조달"}
    titled = await call(
        http, "search_order_plans", {"kind": "용역", "keyword": "청소", "limit": 10, **OCTOBER}
    )
    assert titled["items"] and all("청소" in i["title"] for i in titled["items"])
    coded = await call(
        http, "search_order_plans", {"kind": "외자", "agency_code": "1230000", "limit": 5, **OCTOBER}
    )
    assert coded["items"] and {i["agency_code"] for i in coded["items"]} == {"1230000"}


async def test_a_plan_of_a_search_answer_by_its_number(http: httpx.AsyncClient, recording: Recording) -> None:
    found = await call(http, "search_order_plans", {"kind": "공사", "limit": 3, **OCTOBER})
    number = found["items"][0]["plan_no"]
    one = await call(http, "search_order_plans", {"kind": "공사", "plan_no": number})
    assert one["items"] and {i["plan_no"] for i in one["items"]} == {number}
    path, query = recording.requests[-1]
    assert path.endswith("/getOrderPlanSttusListCnstwk") and query["inqryDiv"] == "2"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "일반용역"}, "kind"),
        ({"order_from": "2026-13"}, "order_from"),
        ({"order_from": "202603"}, "order_from"),
        ({"order_to": "2026-03"}, "order_to"),
        ({"order_from": "2026-05", "order_to": "2026-03"}, "order_to"),
        ({"order_year": 2026, "order_from": "2026-03"}, "order_year"),
        ({"order_year": 1999}, "order_year"),
        ({"order_year": 2099}, "order_year"),
        ({"kind": "공사", "detail_item_no": "4321150701"}, "detail_item_no"),
        ({"procurement": "조달청"}, "procurement"),
        ({"plan_no": "R26DD01559923", "agency": "조달청"}, "agency"),
        ({"start_date": "2026-10-02", "end_date": "2026-10-01"}, "end_date"),
    ],
)
async def test_bad_plan_params_are_invalid_params_naming_the_field(
    http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    assert field in await refused(http, "search_order_plans", arguments)


# -- SSE -------------------------------------------------------------------------------------------


async def stream(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> list[Any]:
    async with http.stream("POST", f"/api/v1/tools/{name}/stream", json=arguments) as r:
        assert r.status_code == 200
        return sse_events((await r.aread()).decode())


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("search_procurement_requests", {"kind": "공사", "limit": 25, **OCTOBER}),
        ("search_order_plans", {"kind": "외자", "limit": 25, **OCTOBER}),
    ],
)
async def test_sse_streams_the_same_records_as_rest(
    http: httpx.AsyncClient, name: str, arguments: dict[str, Any]
) -> None:
    rest = await call(http, name, arguments)
    events = await stream(http, name, arguments)
    assert events[-1][1] == "result"
    streamed = [d for _, kind, d in events if kind == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest
    assert any(kind == "progress" for _, kind, _ in events)


# -- MCP -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_both_tools(served: Served, mode: str) -> None:
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert {"search_procurement_requests", "search_order_plans"} <= set(tools)
        requests = await client.call_tool(
            "search_procurement_requests", {"kind": "용역", "limit": 5, **OCTOBER}
        )
        assert requests.is_error is not True, requests.content[0].text
        jsonschema.validate(requests.structured_content, tools["search_procurement_requests"].output_schema)
        assert "| received_at | request_no | title |" in requests.content[0].text
        plans = await client.call_tool("search_order_plans", {"order_year": 2026, "limit": 5})
        assert plans.is_error is not True, plans.content[0].text
        jsonschema.validate(plans.structured_content, tools["search_order_plans"].output_schema)
        assert (
            plans.content[0].text.startswith("[SANDBOX")
            and "| posted_at | plan_no |" in plans.content[0].text
        )
        bad = await client.call_tool("search_order_plans", {"order_from": "March"})
    assert bad.is_error is True and "order_from" in json.loads(bad.content[0].text)["detail"]
    for name in ("search_procurement_requests", "search_order_plans"):
        description = tools[name].description or ""
        assert "예:" in description and "Example:" in description
        assert tools[name].annotations is not None and tools[name].annotations.read_only_hint is True


# -- against the catalog ---------------------------------------------------------------------------


def reference() -> dict[str, Catalogued]:
    return catalogued_by_path("PrcrmntReqInfoService", "OrderPlanSttusService")


def wire_fields(record: type[Any]) -> set[str]:
    (_, components) = msgspec.json.schema_components([record])
    return {prop["x-upstream-field"] for prop in components[record.__name__]["properties"].values()}


_GOODS = {"cntrctCnclsStleNm", "rprsntPrdctClsfcNoNm", "rprsntSpecDtlsCntnts", "rprsntQty", "rprsntUnit",
          "rprsntUprc", "rprsntAmt", "bdgtAmt", "rprsntDlvrPlce", "rprsntDedtDate", "leaseYn"}  # fmt: skip
_WORKS = {"rcptBrnofceNm", "cntrctCnclsMthdNm", "cntrctDisposNm", "cnsttyNm", "cnstrtsiteRgnNm",
          "totCnstwkScleAmt", "contrctAmt", "thtmContrctAmt", "thtmBdgtAmt", "govsplyAmt", "cnstwkPrearngAmt",
          "totCnstwkDaynum", "techRvwReqstDate"}  # fmt: skip
_FOREIGN = {"cptalDivNm", "asignDolAmt", "totlPrdctIdntNoNum"}
# Fields the shared request record declares that a kind's operation does not send (each field's
# description names the kinds that send it); anything else missing from an operation is a mistake.
NOT_SENT = {
    "getPrcrmntReqInfoListThngPPSSrch": _WORKS | _FOREIGN | {"presmptPrce", "totSrvceBdgtAmt"},
    "getPrcrmntReqInfoListGnrlServcPPSSrch": _WORKS | _FOREIGN | {"presmptPrce", "totSrvceBdgtAmt"},
    "getPrcrmntReqInfoListCnstwkPPSSrch": _GOODS | _FOREIGN | {"totSrvceBdgtAmt"},
    "getPrcrmntReqInfoListTechServcPPSSrch": _GOODS | _FOREIGN | {"presmptPrce"},
    "getPrcrmntReqInfoListFrgcptPPSSrch": (_GOODS - {"rprsntPrdctClsfcNoNm"})
    | _WORKS
    | {
        "bsnsDivNm",
        "prcrmntReqNm",
        "prcrmntReqOfclNm",
        "prcrmntReqInfoUrl",
        "presmptPrce",
        "totSrvceBdgtAmt",
    },
}


def test_declared_operations_and_record_fields_are_catalogued() -> None:
    operations = reference()
    assert len(records.OPERATIONS) == 13
    for op in records.OPERATIONS:
        path = f"/1230000/{op.path}"
        assert path in operations, path
        assert set(op.date_params or ()) <= operations[path].params, op.name
        fields = operations[path].fields
        assert wire_fields(op.record) - fields == NOT_SENT.get(op.name, set()), op.name


async def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    transport = Recording()
    requests: list[tuple[str, dict[str, Any]]] = [
        ("search_procurement_requests", {"kind": kind, "keyword": "컴퓨터", "agency": "조달청",
                                         "agency_code": "1230000", **OCTOBER})
        for kind in ("물품", "공사", "일반용역", "외자")
    ] + [
        ("search_procurement_requests", {"kind": kind, "office": "서울지방조달청", **OCTOBER})
        for kind in ("물품", "공사", "일반용역", "기술용역")
    ] + [
        ("search_procurement_requests", {"kind": kind, "contract_type": "다수공급자계약", **OCTOBER})
        for kind in ("물품", "일반용역")
    ] + [
        ("search_procurement_requests", {"kind": kind, "request_no": "R26DC01311288"})
        for kind in ("물품", "공사", "기술용역", "외자")
    ]  # fmt: skip
    plans: list[tuple[str, dict[str, Any]]] = [
        ("search_order_plans", {"kind": kind, "order_from": "2026-10", "order_to": "2026-11",
                                "keyword": "구매", "agency": "조달청", "agency_code": "1230000",
                                "procurement": "중앙조달", "region": "대전광역시", **OCTOBER})
        for kind in ("물품", "공사", "용역", "외자")
    ] + [
        ("search_order_plans", {"detail_item_no": "4321150701", "order_year": 2026}),
    ] + [
        ("search_order_plans", {"kind": kind, "plan_no": "R26DD01559923"})
        for kind in ("물품", "공사", "용역", "외자")
    ]  # fmt: skip
    async with served_plugin(transport) as served, served.http(timeout=30) as http:
        for name, arguments in requests + plans:
            r = await http.post(f"/api/v1/tools/{name}", json=arguments)
            assert r.status_code == 200, (name, arguments, r.text)
    operations = reference()
    used = set()
    for path, query in transport.requests:
        assert path in operations, path
        documented, required = operations[path].params, operations[path].required
        assert set(query) <= documented, (path, set(query) - documented)
        assert required <= set(query), (path, required - set(query))
        used.add(path)
    assert used == {f"/1230000/{op.path}" for op in records.OPERATIONS}  # every declared op is exercised
