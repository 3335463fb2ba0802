"""g2b_bids (입찰공고, BidPublicInfoService) end to end on the in-process sandbox.

The plugin is loaded in process without its entry point; every tool is called through REST, SSE
and MCP (official client), results are validated against the tools' output schemas, filters are
checked in the records the sandbox pins them into, Korean labels in the requests that reach the
upstream, and the declared operations, the parameters sent and the record fields against the
packaged operation catalog.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jsonschema
import msgspec
import pytest

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.plugins import make_plugin_manager
from naramarket.plugins import g2b_bids
from naramarket.plugins.g2b_bids import records
from tests.inprocess import Served, serve, sse_events
from tests.plugins.support import Catalogued, catalogued

pytestmark = pytest.mark.anyio

COMMON_PARAMS = {"ServiceKey", "pageNo", "numOfRows", "type"}
TOOLS = ("search_bid_notices", "get_bid_notice")


class Recording(httpx.AsyncBaseTransport):
    """The sandbox transport, keeping every upstream request's (operation, params)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        self.requests.append((url.path.rsplit("/", 1)[-1], dict(parse_qsl(url.query))))
        return await self.inner.handle_async_request(request)


@contextlib.asynccontextmanager
async def served_bids() -> AsyncIterator[tuple[Served, Recording]]:
    upstream = sandbox.create_app(sandbox.SandboxConfig())
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        cache_ttl="list=0,detail=0,stats=0",  # tests compare the requests of repeated calls
    )
    recording = Recording(httpx.ASGITransport(app=upstream))
    manager = make_plugin_manager(allow=(), extra=[("g2b_bids", g2b_bids)])
    kernel = make_kernel(settings, transport=recording, plugin_manager=manager)
    async with serve(create_app(settings, kernel=kernel)) as served:
        yield served, recording


@pytest.fixture
async def bids() -> AsyncIterator[tuple[Served, Recording]]:
    async with served_bids() as pair:
        yield pair


@pytest.fixture
async def http(bids: tuple[Served, Recording]) -> AsyncIterator[httpx.AsyncClient]:
    async with bids[0].http(timeout=30) as client:
        yield client


@pytest.fixture
def requests(bids: tuple[Served, Recording]) -> list[tuple[str, dict[str, str]]]:
    return bids[1].requests


async def output_schemas(http: httpx.AsyncClient) -> dict[str, Any]:
    tools = (await http.get("/api/v1/tools")).json()["tools"]
    return {t["name"]: t["output_schema"] for t in tools}


async def rest(http: httpx.AsyncClient, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    r = await http.post(f"/api/v1/tools/{tool}", json=arguments)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def stream(http: httpx.AsyncClient, tool: str, arguments: dict[str, Any]) -> list[Any]:
    async with http.stream("POST", f"/api/v1/tools/{tool}/stream", json=arguments) as r:
        assert r.status_code == 200
        return sse_events((await r.aread()).decode())


def sent(requests: list[tuple[str, dict[str, str]]], suffix: str) -> list[dict[str, str]]:
    return [params for name, params in requests if name.endswith(suffix)]


# --- search_bid_notices ---------------------------------------------------------------------


async def test_search_defaults_are_bounded_newest_first_and_match_the_schema(http, requests):
    body = await rest(http, "search_bid_notices", {"kind": "물품"})
    jsonschema.validate(body, (await output_schemas(http))["search_bid_notices"])
    assert 0 < len(body["items"]) <= 50
    assert body["sandbox"] is True and body["order"] == "newest"
    posted = [i["posted_at"] for i in body["items"]]
    assert posted == sorted(posted, reverse=True)
    today = dt.date.today()
    assert all(dt.date.fromisoformat(p[:10]) >= today - dt.timedelta(days=31) for p in posted)
    if not body["complete"]:
        assert body["next"]["kind"] == "물품" and body["next"]["cursor"]
    calls = sent(requests, "getBidPblancListInfoThngPPSSrch")
    assert calls and all(c["inqryDiv"] == "1" and len(c["inqryBgnDt"]) == 12 for c in calls)


async def test_next_continues_without_gap_or_repeat(http):
    args = {"kind": "용역", "start_date": "2020-01-01", "end_date": dt.date.today().isoformat()}
    whole = await rest(http, "search_bid_notices", {**args, "limit": 60})
    first = await rest(http, "search_bid_notices", {**args, "limit": 25})
    second = await rest(http, "search_bid_notices", first["next"])
    third = await rest(http, "search_bid_notices", {**second["next"], "limit": 10})
    ids = [(i["notice_no"], i["round"]) for i in first["items"] + second["items"] + third["items"]]
    assert ids == [(i["notice_no"], i["round"]) for i in whole["items"]]


async def test_filters_filter_the_records(http, requests):
    body = await rest(
        http,
        "search_bid_notices",
        {"kind": "goods", "keyword": "노트북", "agency": "조달청", "detail_item_no": "4321150301"},
    )
    assert body["items"]
    for item in body["items"]:
        assert "노트북" in item["title"]
        assert "조달청" in item["agency"]
        assert item["detail_item_no"] == "4321150301"
    (params, *_) = sent(requests, "getBidPblancListInfoThngPPSSrch")
    assert params["bidNtceNm"] == "노트북" and params["ntceInsttNm"] == "조달청"
    assert params["dtilPrdctClsfcNo"] == "4321150301"


@pytest.mark.parametrize("kind", ["물품", "용역", None])
async def test_price_range_and_international_filter_the_records(http, kind):
    arguments = {
        "estimated_price_min": 100_000_000,
        "estimated_price_max": 300_000_000,
        "international": True,
    }
    body = await rest(
        http, "search_bid_notices", {**({"kind": kind} if kind else {}), **arguments, "limit": 60}
    )
    assert body["items"]
    for item in body["items"]:
        assert 100_000_000 <= item["estimated_price"] <= 300_000_000, item
        assert item["international"] is True
    domestic = await rest(http, "search_bid_notices", {"kind": "물품", "international": False, "limit": 30})
    assert domestic["items"] and all(i["international"] is False for i in domestic["items"])


async def test_a_name_the_gateway_does_not_know_is_an_empty_complete_answer(http):
    body = await rest(http, "search_bid_notices", {"kind": "공사", "demand_agency": "없는기관이름"})
    assert body["items"] == [] and body["complete"] is True


async def test_korean_labels_and_flags_are_mapped_to_the_gateways_codes(http, requests):
    arguments = {
        "region": "경기도",
        "industry": "0037",
        "demand_agency": "1371577",
        "estimated_price_min": 10_000_000,
        "estimated_price_max": 50_000_000,
        "international": False,
        "open_only": True,
        "limit": 5,
    }
    korean = await rest(http, "search_bid_notices", {"kind": "공사", **arguments})
    asked_in_korean = sent(requests, "getBidPblancListInfoCnstwkPPSSrch")
    english = await rest(http, "search_bid_notices", {"kind": "works", **arguments})
    works = sent(requests, "getBidPblancListInfoCnstwkPPSSrch")
    assert korean == english
    assert asked_in_korean and works == asked_in_korean * 2  # the same requests, label or not
    params = works[0]
    assert params["prtcptLmtRgnCd"] == "41" and "prtcptLmtRgnNm" not in params
    assert params["indstrytyCd"] == "0037" and params["dminsttCd"] == "1371577"
    assert (params["presmptPrceBgn"], params["presmptPrceEnd"]) == ("10000000", "50000000")
    assert (params["intrntnlDivCd"], params["bidClseExcpYn"]) == ("1", "Y")


@pytest.mark.parametrize(
    ("region", "wire"),
    [
        ("서울", ("prtcptLmtRgnCd", "11")),
        ("충북", ("prtcptLmtRgnCd", "43")),
        ("강원도", ("prtcptLmtRgnCd", "51")),
        ("전국", ("prtcptLmtRgnCd", "00")),
        ("45", ("prtcptLmtRgnCd", "45")),
        ("경기 수원", ("prtcptLmtRgnNm", "경기 수원")),
    ],
)
def test_region_labels_map_to_codes_or_a_name_search(region, wire):
    p = g2b_bids.SearchBidNotices(kind="용역", region=region)
    params = g2b_bids.wire_params(p)
    assert params[wire[0]] == wire[1]


def test_names_and_codes_of_agencies_and_industries_go_to_their_own_parameters():
    p = g2b_bids.SearchBidNotices(
        kind="물품", agency="Z001351", demand_agency="국세청", industry="정보통신공사업"
    )
    params = g2b_bids.wire_params(p)
    assert params["ntceInsttCd"] == "Z001351" and "ntceInsttNm" not in params
    assert params["dminsttNm"] == "국세청" and params["indstrytyNm"] == "정보통신공사업"
    assert (
        g2b_bids.wire_params(g2b_bids.SearchBidNotices(kind="물품", international=True))["intrntnlDivCd"]
        == "2"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "전부"}, "kind"),
        ({"kind": "건설"}, "kind"),
        ({"kind": "물품", "detail_item_no": "123"}, "detail_item_no"),
        ({"kind": "물품", "estimated_price_min": 5, "estimated_price_max": 1}, "estimated_price_max"),
        ({"kind": "물품", "estimated_price_min": -1}, "estimated_price_min"),
        ({"kind": "기타", "region": "서울"}, "region"),
        ({"kind": "other", "industry": "토목"}, "industry"),
        ({"kind": "용역", "region": "77"}, "region"),
        ({"kind": "용역", "start_date": "2025-01-01"}, "both"),
        ({"kind": "용역", "keywords": "CCTV"}, "keywords"),
    ],
)
async def test_bad_search_params_are_invalid_params_naming_the_field(http, requests, body, field):
    r = await http.post("/api/v1/tools/search_bid_notices", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_params" and field in problem["detail"]
    assert requests == []  # refused before any upstream request


async def test_search_streams_its_records_over_sse(http):
    arguments = {"kind": "외자", "limit": 30}
    events = await stream(http, "search_bid_notices", arguments)
    assert events[-1][1] == "result"
    streamed = [d for _, k, d in events if k == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    body = await rest(http, "search_bid_notices", arguments)
    assert {**result, "items": streamed} == body
    assert 0 < len(streamed) <= 30 and any(k == "progress" for _, k, _ in events)


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_search_and_get(bids, mode):
    served, _ = bids
    async with served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(TOOLS) <= set(tools)
        found = await client.call_tool("search_bid_notices", {"kind": "용역", "keyword": "청소", "limit": 5})
        assert found.is_error is not True, found.content[0].text
        jsonschema.validate(found.structured_content, tools["search_bid_notices"].output_schema)
        items = found.structured_content["items"]
        assert items and all("청소" in i["title"] for i in items)
        assert (
            "| posted_at | kind | notice_no | title | agency | estimated_price | bid_close_at |"
            in found.content[0].text
        )
        first = items[0]
        got = await client.call_tool(
            "get_bid_notice", {"notice_no": first["notice_no"], "round": first["round"], "kind": "용역"}
        )
        assert got.is_error is not True, got.content[0].text
        jsonschema.validate(got.structured_content, tools["get_bid_notice"].output_schema)
        assert got.structured_content["notice"]["notice_no"] == first["notice_no"]
        text = got.content[0].text
        assert text.startswith("[SANDBOX") and first["notice_no"] in text
        bad = await client.call_tool("get_bid_notice", {"notice_no": "R25BK 0001"})
    assert bad.is_error is True
    problem = json.loads(bad.content[0].text)
    assert problem["code"] == "invalid_params" and "notice_no" in problem["detail"]


# --- get_bid_notice -------------------------------------------------------------------------


async def test_get_a_notice_found_by_search_with_every_detail(http, requests):
    found = await rest(http, "search_bid_notices", {"kind": "물품", "limit": 3})
    first = found["items"][0]
    body = await rest(http, "get_bid_notice", {"notice_no": first["notice_no"], "kind": "물품"})
    jsonschema.validate(body, (await output_schemas(http))["get_bid_notice"])
    notice = body["notice"]
    assert (notice["notice_no"], body["kind"]) == (first["notice_no"], "물품")
    assert body["rounds"] and notice["round"] == body["rounds"][-1]  # the latest round by default
    assert body["status"] == notice["notice_status"]
    assert body["cancelled"] == ("취소" in body["status"])
    assert body["not_available"] == []  # 물품 has every detail operation
    for part in ("base_amounts", "license_limits", "eligible_regions", "purchase_items", "changes"):
        assert all(row["notice_no"] == first["notice_no"] for row in body[part]), part
    assert body["base_amounts"] and body["eligible_regions"] and body["license_limits"]
    assert {a["source"] for a in body["attachments"]} & {"공고규격서", "표준공고서"}
    by_number = {"inqryDiv": "2", "bidNtceNo": first["notice_no"]}
    for op in (
        "getBidPblancListInfoThng",
        "getBidPblancListInfoThngBsisAmount",
        "getBidPblancListInfoChgHstryThng",
        "getBidPblancListInfoEorderAtchFileInfo",
    ):
        (params,) = [p for name, p in requests if name == op]
        assert by_number.items() <= params.items()
    (licence,) = [p for name, p in requests if name == "getBidPblancListInfoLicenseLimit"]
    assert licence["bidNtceOrd"] == notice["round"]


async def test_get_over_sse_is_the_rest_result(http):
    found = await rest(http, "search_bid_notices", {"kind": "공사", "limit": 1})
    arguments = {"notice_no": found["items"][0]["notice_no"], "kind": "works"}
    events = await stream(http, "get_bid_notice", arguments)
    assert events[-1][1] == "result"
    assert events[-1][2] == await rest(http, "get_bid_notice", arguments)
    assert [k for _, k, _ in events].count("progress") >= 2


async def test_kinds_without_an_operation_say_so(http):
    found = await rest(http, "search_bid_notices", {"kind": "기타", "limit": 1})
    body = await rest(http, "get_bid_notice", {"notice_no": found["items"][0]["notice_no"], "kind": "기타"})
    assert body["kind"] == "기타"
    assert body["base_amounts"] == [] and body["purchase_items"] == [] and body["changes"] == []
    missing = " ".join(body["not_available"])
    assert "기초금액" in missing and "구매대상물품" in missing and "변경이력" in missing


async def test_without_a_kind_every_kind_is_asked(http, requests):
    body = await rest(http, "get_bid_notice", {"notice_no": "R25BK00934850"})
    assert body["notice"]["notice_no"] == "R25BK00934850"
    asked = {name for name, p in requests if p.get("bidNtceNo") == "R25BK00934850"}
    assert {f"getBidPblancListInfo{k}" for k in ("Thng", "Cnstwk", "Servc", "Frgcpt", "Etc")} <= asked
    assert body["kind"] == "물품"  # the sandbox knows every number in every kind: the first wins


async def test_a_round_the_notice_lacks_is_not_found_naming_the_round(http):
    r = await http.post(
        "/api/v1/tools/get_bid_notice", json={"notice_no": "R25BK00934850", "round": "7", "kind": "물품"}
    )
    assert r.status_code == 404
    problem = r.json()
    assert problem["code"] == "not_found" and "round" in problem["detail"] and "007" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "notice_no"),
        ({"notice_no": "R25/BK"}, "notice_no"),
        ({"notice_no": "R25BK00934850", "round": "1a"}, "round"),
        ({"notice_no": "R25BK00934850", "kind": "건설"}, "kind"),
    ],
)
async def test_bad_get_params_are_invalid_params_naming_the_field(http, body, field):
    r = await http.post("/api/v1/tools/get_bid_notice", json=body)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_params" and field in r.json()["detail"]


# --- contract with the packaged catalog -----------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> dict[str, Catalogued]:
    return catalogued("BidPublicInfoService")


def wire_fields(record: type[Any]) -> dict[str, str]:
    """attribute -> wire name of a Record, read from its JSON Schema (x-upstream-field).

    Attributes marked ``derived()`` (``x-derived``: set from the operation, e.g. ``kind``) have none.
    """
    (_, components) = msgspec.json.schema_components([record])
    schema = components[record.__name__]
    properties = schema["properties"].items()
    assert all("x-upstream-field" in prop or prop.get("x-derived") for _, prop in properties)
    return {name: prop["x-upstream-field"] for name, prop in properties if "x-upstream-field" in prop}


# Fields a shared record declares that some kinds' operations do not send (their descriptions say
# which kinds send them); anything else missing from an operation is a mistake.
NOT_SENT = {
    "getBidPblancListInfoEtcPPSSrch": {
        "reNtceYn", "dminsttCd", "chgDt", "bidQlfctRgstDt", "intrbidYn", "indstrytyLmtYn",
        "sucsfbidLwltRate", "chgNtceRsn", "befBidBbancNo", "bfSpecRgstNo", "dtilPrdctClsfcNo",
        "dtilPrdctClsfcNoNm",
    },
    "getBidPblancListInfoCnstwkPPSSrch": {"dtilPrdctClsfcNo", "dtilPrdctClsfcNoNm"},
    "getBidPblancListInfoServcPPSSrch": {"dtilPrdctClsfcNo", "dtilPrdctClsfcNoNm"},
    "getBidPblancListInfoThngBsisAmount": {"odsnLngtrmrcprInsrprm", "sftyMngcst"},
}  # fmt: skip
_DETAIL_ONLY_NOT_OTHER = {
    "ntceInsttOfclNm", "ntceInsttOfclTelNo", "ntceInsttOfclEmailAdrs", "cmmnSpldmdMethdNm",
    "prearngPrceDcsnMthdNm", "stdNtceDocUrl", *(f"ntceSpecFileNm{n}" for n in range(6, 11)),
    *(f"ntceSpecDocUrl{n}" for n in range(6, 11)),
}  # fmt: skip
NOT_SENT |= {
    "getBidPblancListInfoThng": {"bdgtAmt"},
    "getBidPblancListInfoCnstwk": {"dtilPrdctClsfcNo", "dtilPrdctClsfcNoNm", "asignBdgtAmt"},
    "getBidPblancListInfoServc": {"dtilPrdctClsfcNo", "dtilPrdctClsfcNoNm", "bdgtAmt"},
    "getBidPblancListInfoFrgcpt": {"bdgtAmt", "VAT"},
    "getBidPblancListInfoEtc": NOT_SENT["getBidPblancListInfoEtcPPSSrch"]
    | _DETAIL_ONLY_NOT_OTHER
    | {"asignBdgtAmt", "bdgtAmt", "VAT"},
}


def test_declared_operations_and_their_record_fields_are_catalogued(catalog):
    ops = g2b_bids.all_operations()
    assert len({op.name for op in ops}) == len(ops) == 22  # of 25: not the A값, 주력분야 and 혁신장터 ones
    for op in ops:
        assert op.name in catalog, op.name
        assert catalog[op.name].path == f"/1230000/{op.path}"
        params = catalog[op.name].params
        assert set(op.date_params or ()) <= params and "inqryDiv" in params
        fields = set(wire_fields(op.record).values())
        assert fields - catalog[op.name].fields == NOT_SENT.get(op.name, set()), op.name


async def test_every_parameter_sent_is_catalogued(bids, catalog):
    served, recording = bids
    everything = {
        "keyword": "노트북",
        "agency": "조달청",
        "demand_agency": "국세청",
        "region": "서울",
        "industry": "정보통신공사업",
        "estimated_price_min": 1,
        "estimated_price_max": 10**12,
        "detail_item_no": "4321150301",
        "international": False,
        "open_only": True,
        "reference_no": "물품25-49",
        "procurement_request_no": "R25DC00066664",
        "limit": 3,
    }
    async with served.http(timeout=30) as http:
        for kind in ("물품", "공사", "용역", "외자"):
            await http.post("/api/v1/tools/search_bid_notices", json={"kind": kind, **everything})
        await http.post(
            "/api/v1/tools/search_bid_notices",
            json={
                "kind": "기타",
                "keyword": "구매",
                "agency": "조달청",
                "open_only": True,
                "reference_no": "x",
            },
        )
        for kind in ("물품", "공사", "용역", "외자", "기타"):
            await http.post("/api/v1/tools/get_bid_notice", json={"notice_no": "R25BK00934850", "kind": kind})
    names = {name for name, _ in recording.requests}
    assert names == {op.name for op in g2b_bids.all_operations()}  # every declared operation is used
    for name, params in recording.requests:
        documented = catalog[name].params
        assert set(params) - COMMON_PARAMS <= documented, (name, set(params) - documented)
        assert catalog[name].required - COMMON_PARAMS <= set(params), name


def test_the_plugin_registers_its_tools():
    registered: list[Any] = []
    g2b_bids.register_tools(registered.append)
    assert [t.name for t in registered] == list(TOOLS)
    for t in registered:
        assert t.title_ko and t.title_en and "예:" in t.description_ko and "Example:" in t.description_en
    assert records.BidNotice.summary_fields[0] == "posted_at"
