"""nuri (누리장터, Prvt* services) end to end on the sandbox: REST, SSE and MCP.

The plugin is loaded in process (no entry point needed) next to a sandbox upstream whose control
endpoint tells which operations were called. A contract test checks every declared operation,
wire parameter and record field against the packaged operation catalog.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import jsonschema
import msgspec
import pytest

import naramarket.plugins.nuri as nuri
from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.plugins import make_plugin_manager
from naramarket.plugins.nuri import records
from tests.inprocess import Served, serve, sse_events
from tests.plugins.support import Catalogued, catalogued
from tests.plugins.test_result_contract import lint

pytestmark = pytest.mark.anyio

MONTH = {"start_date": "2026-10-01", "end_date": "2026-10-31"}
TOOLS = {"search_nuri_bid_notices", "search_nuri_awards", "search_nuri_contracts"}
NARA_TOOL = {
    "search_nuri_bid_notices": "search_bid_notices",
    "search_nuri_awards": "search_awards",
    "search_nuri_contracts": "search_contracts",
}


@contextlib.asynccontextmanager
async def served_nuri() -> AsyncIterator[tuple[Served, httpx.AsyncClient]]:
    """The real app with only this plugin, on an in-process sandbox; plus the sandbox's control."""
    upstream = sandbox.create_app(sandbox.SandboxConfig())
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
    )
    manager = make_plugin_manager(allow=(), extra=[("nuri", nuri)])
    kernel = make_kernel(settings, transport=httpx.ASGITransport(app=upstream), plugin_manager=manager)
    control = httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream), base_url="http://sandbox")
    async with control, serve(create_app(settings, kernel=kernel)) as served:
        yield served, control


@pytest.fixture
async def app() -> AsyncIterator[tuple[Served, httpx.AsyncClient, httpx.AsyncClient]]:
    async with served_nuri() as (served, control), served.http(timeout=30) as http:
        yield served, http, control


async def call(http: httpx.AsyncClient, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    r = await http.post(f"/api/v1/tools/{tool}", json=arguments)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def operations_called(control: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = (await control.get("/_sandbox/stats")).json()["operations"]
    return {name: n for name, n in counts.items() if n}


def newest_first(values: list[Any]) -> bool:
    present = [v for v in values if v]
    return present == sorted(present, reverse=True)


# -- search_nuri_bid_notices -----------------------------------------------------------------------


async def test_notices_over_rest_are_bounded_newest_first_and_continuable(app) -> None:
    _, http, control = app
    body = await call(http, "search_nuri_bid_notices", {"kind": "용역", **MONTH, "limit": 20})
    assert len(body["items"]) == 20 and body["complete"] is False and body["reason"] == "limit"
    assert body["next"]["kind"] == "용역" and body["next"]["cursor"] and body["sandbox"] is True
    item = body["items"][0]
    assert item["notice_no"] and item["title"] and item["notice_agency"]
    assert isinstance(item["budget"], int)
    posted = [i["posted_at"] for i in body["items"]]
    assert newest_first(posted) and all("2026-10-01" <= p[:10] <= "2026-10-31" for p in posted)
    more = await call(http, "search_nuri_bid_notices", body["next"])
    assert more["items"]
    seen = {(i["notice_no"], i["notice_round"]) for i in body["items"]}
    assert not {(i["notice_no"], i["notice_round"]) for i in more["items"]} & seen
    assert set(await operations_called(control)) == {"getPrvtBidPblancListInfoServcPPSSrch"}


async def test_notice_filters_filter(app) -> None:
    _, http, _ = app
    titled = await call(http, "search_nuri_bid_notices", {"kind": "용역", **MONTH, "title": "청소"})
    assert titled["items"] and all("청소" in i["title"] for i in titled["items"])
    agency = await call(http, "search_nuri_bid_notices", {"kind": "용역", **MONTH, "notice_agency": "교육청"})
    assert agency["items"] and all("교육청" in i["notice_agency"] for i in agency["items"])
    ref = await call(http, "search_nuri_bid_notices", {"kind": "물품", **MONTH, "reference_no": "REF-1"})
    assert ref["items"] and {i["reference_no"] for i in ref["items"]} == {"REF-1"}
    nowhere = await call(http, "search_nuri_bid_notices", {"kind": "용역", **MONTH, "title": "없는공고XYZ"})
    assert nowhere["items"] == [] and nowhere["complete"] is True


@pytest.mark.parametrize(
    ("kind", "operation"),
    [
        ("물품", "getPrvtBidPblancListInfoThngPPSSrch"),
        ("goods", "getPrvtBidPblancListInfoThngPPSSrch"),
        ("공사", "getPrvtBidPblancListInfoCnstwkPPSSrch"),
        ("works", "getPrvtBidPblancListInfoCnstwkPPSSrch"),
        ("용역", "getPrvtBidPblancListInfoServcPPSSrch"),
        ("기타", "getPrvtBidPblancListInfoEtcPPSSrch"),
        ("other", "getPrvtBidPblancListInfoEtcPPSSrch"),
    ],
)
async def test_korean_and_english_kinds_choose_the_operation(app, kind: str, operation: str) -> None:
    _, http, control = app
    await call(http, "search_nuri_bid_notices", {"kind": kind, "limit": 5})
    assert set(await operations_called(control)) == {operation}


async def test_a_notice_from_a_search_answer_by_its_number(app) -> None:
    _, http, control = app
    found = await call(http, "search_nuri_bid_notices", {"kind": "공사", **MONTH, "limit": 3})
    number = found["items"][0]["notice_no"]
    one = await call(http, "search_nuri_bid_notices", {"kind": "공사", "notice_no": number.lower()})
    assert one["items"] and {i["notice_no"] for i in one["items"]} == {number}
    assert "getPrvtBidPblancListInfoCnstwk" in await operations_called(control)


def test_notice_labels_become_gateway_codes() -> None:
    p = msgspec.convert(
        {"kind": "services", "open_only": True, "min_estimated_price": 1000, "region": "서울"},
        nuri.SearchNuriBidNotices,
    )
    wire = {k: v for k, v in nuri.notice_params(p).items() if v is not None}
    assert wire == {
        "inqryDiv": "1",  # 공고게시일시
        "bidClseExcpYn": "Y",
        "presmptPrceBgn": "1000",
        "prtcptLmtRgnNm": "서울",
    }
    by_number = msgspec.convert({"kind": "기타", "notice_no": "r26bk00000001"}, nuri.SearchNuriBidNotices)
    assert nuri.notice_params(by_number) == {"inqryDiv": "4", "bidNtceNo": "R26BK00000001"}


# -- search_nuri_awards ----------------------------------------------------------------------------


async def test_awards_over_rest_are_bounded_newest_first_and_continuable(app) -> None:
    _, http, control = app
    body = await call(http, "search_nuri_awards", {**MONTH, "limit": 10})
    assert len(body["items"]) == 10 and body["complete"] is False and body["next"]["cursor"]
    item = body["items"][0]
    assert item["notice_no"] and item["winner"] and item["kind"]
    assert isinstance(item["amount"], int) and isinstance(item["rate"], float)
    assert newest_first([i["opened_at"] for i in body["items"]])
    more = await call(http, "search_nuri_awards", body["next"])
    key = ("notice_no", "notice_round", "classification_no", "rebid_no")
    seen = {tuple(i[k] for k in key) for i in body["items"]}
    assert more["items"] and not {tuple(i[k] for k in key) for i in more["items"]} & seen
    assert set(await operations_called(control)) == {"getPrvtScsbidListSttusPPSSrch"}


async def test_award_filters_filter(app) -> None:
    _, http, _ = app
    agency = await call(http, "search_nuri_awards", {**MONTH, "demand_agency": "교육청"})
    assert agency["items"] and all("교육청" in i["demand_agency"] for i in agency["items"])
    titled = await call(http, "search_nuri_awards", {**MONTH, "title": "컴퓨터"})
    assert titled["items"] and all("컴퓨터" in i["title"] for i in titled["items"])
    first = (await call(http, "search_nuri_awards", {**MONTH, "limit": 1}))["items"][0]
    name_part = first["winner"].replace("주식회사", "").replace("(유)", "").strip()[:4]
    by_name = await call(http, "search_nuri_awards", {**MONTH, "winner": name_part})
    assert by_name["items"] and all(name_part in i["winner"] for i in by_name["items"])
    bizno = first["winner_info"].split("^")[1]
    dashed = f"{bizno[:3]}-{bizno[3:5]}-{bizno[5:]}"
    by_number = await call(http, "search_nuri_awards", {**MONTH, "winner": dashed})
    assert by_number["items"] and all(i["winner_info"].split("^")[1] == bizno for i in by_number["items"])
    goods = await call(http, "search_nuri_awards", {**MONTH, "kind": "goods", "limit": 5})
    assert goods["items"] and {i["kind"] for i in goods["items"]} == {"물품"}


def test_kind_and_winner_are_matched_on_each_row() -> None:
    p = msgspec.convert({"kind": "공사", "winner": "한빛"}, nuri.SearchNuriAwards)
    keep = nuri.award_filter(p)
    assert keep is not None
    assert keep(nuri.NuriAward(kind="공사", winner="(주)한빛건설"))
    assert not keep(nuri.NuriAward(kind="용역", winner="(주)한빛건설"))
    assert not keep(nuri.NuriAward(kind="공사", winner="세광상사"))
    by_no = nuri.award_filter(msgspec.convert({"winner": "402-81-75432"}, nuri.SearchNuriAwards))
    assert by_no is not None
    assert by_no(nuri.NuriAward(winner="한결", winner_info="한결^4028175432^류건구^0^0"))
    assert not by_no(nuri.NuriAward(winner="한결", winner_info="한결^4028175433^류건구^0^0"))
    assert nuri.award_filter(nuri.SearchNuriAwards()) is None


async def test_the_award_and_contract_of_a_notice_from_a_notice_search(app) -> None:
    _, http, _ = app
    notices = await call(http, "search_nuri_bid_notices", {"kind": "용역", **MONTH, "limit": 1})
    number = notices["items"][0]["notice_no"]
    body = await call(http, "search_nuri_awards", {"notice_no": number})
    assert body["items"] and {i["notice_no"] for i in body["items"]} == {number}
    assert body["complete"] is True
    contracts = await call(http, "search_nuri_contracts", {"notice_no": number})
    assert contracts["complete"] is True and contracts["items"]
    p = msgspec.convert({"notice_no": "R26BK00000777"}, nuri.SearchNuriAwards)
    assert {k: v for k, v in nuri.award_params(p).items() if v} == {
        "inqryDiv": "3",  # 입찰공고번호
        "bidNtceNo": "R26BK00000777",
    }


# -- search_nuri_contracts -------------------------------------------------------------------------


async def test_contracts_over_rest_are_bounded_newest_first_and_continuable(app) -> None:
    _, http, control = app
    body = await call(http, "search_nuri_contracts", {**MONTH, "limit": 15})
    assert len(body["items"]) == 15 and body["complete"] is False and body["next"]["cursor"]
    item = body["items"][0]
    assert item["contract_no"] and item["name"] and isinstance(item["amount"], int)
    concluded = [i["concluded_on"] for i in body["items"]]
    assert newest_first(concluded) and all("2026-10-01" <= d <= "2026-10-31" for d in concluded)
    more = await call(http, "search_nuri_contracts", body["next"])
    assert more["items"] and not {i["contract_no"] for i in more["items"]} & {
        i["contract_no"] for i in body["items"]
    }
    assert set(await operations_called(control)) == {"getPrvtCntrctInfoListPPSSrch"}


async def test_contract_filters_filter(app) -> None:
    _, http, _ = app
    named = await call(http, "search_nuri_contracts", {**MONTH, "name": "컴퓨터"})
    assert named["items"] and all("컴퓨터" in i["name"] for i in named["items"])
    ref = await call(http, "search_nuri_contracts", {**MONTH, "reference_no": "ABC1"})
    assert ref["items"] and {i["reference_no"] for i in ref["items"]} == {"ABC1"}
    first = (await call(http, "search_nuri_contracts", {**MONTH, "limit": 1}))["items"][0]
    company = first["companies"].strip("[]").split("^")[3]
    by_company = await call(http, "search_nuri_contracts", {**MONTH, "company": company[:4], "limit": 5})
    assert by_company["items"] and all(company[:4] in i["companies"] for i in by_company["items"])
    nobody = await call(http, "search_nuri_contracts", {**MONTH, "company": "없는회사XYZ"})
    assert nobody["items"] == [] and nobody["complete"] is True and nobody["total_count"] > 0


def test_contracts_by_number_and_row_filters() -> None:
    assert nuri.contract_params(msgspec.convert({"contract_no": "R26TA0001"}, nuri.SearchNuriContracts)) == {
        "inqryDiv": "2",
        "cntrctNo": "R26TA0001",
    }
    keep = nuri.contract_filter(msgspec.convert({"kind": "용역"}, nuri.SearchNuriContracts))
    assert (
        keep is not None and keep(nuri.NuriContract(kind="용역")) and not keep(nuri.NuriContract(kind="물품"))
    )


# -- every surface ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        ("search_nuri_bid_notices", {"kind": "외자"}, "kind"),
        ("search_nuri_bid_notices", {}, "kind"),
        ("search_nuri_bid_notices", {"kind": "용역", "start_date": "2026-10-01"}, "start_date"),
        (
            "search_nuri_bid_notices",
            {"kind": "용역", "min_estimated_price": 10, "max_estimated_price": 5},
            "max_estimated_price",
        ),
        ("search_nuri_bid_notices", {"kind": "용역", "industry_code": "41"}, "industry_code"),
        ("search_nuri_bid_notices", {"kind": "용역", "notice_no": "R2?"}, "notice_no"),
        ("search_nuri_awards", {"winner": "12345"}, "winner"),
        ("search_nuri_awards", {"kind": "건설"}, "kind"),
        ("search_nuri_awards", {"limit": 0}, "limit"),
        ("search_nuri_contracts", {"contract_no": "R26TA0001", "notice_no": "R26BK0001"}, "notice_no"),
        ("search_nuri_contracts", {"colour": "red"}, "colour"),
    ],
)
async def test_bad_params_are_invalid_params_naming_the_field(
    app, bad: tuple[str, dict[str, Any], str]
) -> None:
    _, http, control = app
    tool, arguments, field = bad
    r = await http.post(f"/api/v1/tools/{tool}", json=arguments)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_params" and field in problem["detail"]
    assert await operations_called(control) == {}, "refused before any upstream request"


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("search_nuri_bid_notices", {"kind": "용역", **MONTH, "limit": 25, "page_size": 10}),
        ("search_nuri_awards", {**MONTH, "limit": 12, "page_size": 5}),
        ("search_nuri_contracts", {**MONTH, "limit": 12, "page_size": 5}),
    ],
)
async def test_each_tool_over_sse_streams_the_rest_answer(app, tool: str, arguments: dict[str, Any]) -> None:
    _, http, _ = app
    rest = await call(http, tool, arguments)
    async with http.stream("POST", f"/api/v1/tools/{tool}/stream", json=arguments) as r:
        assert r.status_code == 200
        events = sse_events((await r.aread()).decode())
    assert events[-1][1] == "result"
    streamed = [d for _, kind, d in events if kind == "item"]
    result = {k: v for k, v in events[-1][2].items() if k != "items_streamed"}
    assert {**result, "items": streamed} == rest and len(streamed) == arguments["limit"]


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_every_tool_over_mcp_matches_its_output_schema(mode: str) -> None:
    calls = {
        "search_nuri_bid_notices": {"kind": "용역", **MONTH, "limit": 5},
        "search_nuri_awards": {**MONTH, "limit": 5},
        "search_nuri_contracts": {**MONTH, "limit": 5},
    }
    texts = {}
    async with served_nuri() as (served, _), served.mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == TOOLS
        for name, arguments in calls.items():
            result = await client.call_tool(name, arguments)
            assert result.is_error is not True, result.content[0].text
            jsonschema.validate(result.structured_content, tools[name].output_schema)
            assert len(result.structured_content["items"]) == 5
            texts[name] = result.content[0].text
    for name, described in tools.items():
        assert lint(described.input_schema, f"{name}.input") == []
        assert lint(described.output_schema or {}, f"{name}.output") == []
        assert (described.title or "").startswith("누리장터"), described.title
        description = described.description or ""
        assert "나라장터(공공조달) 기록이 아닙니다" in description
        assert "NOT 나라장터" in description and NARA_TOOL[name] in description
    assert "| posted_at | notice_no | title |" in texts["search_nuri_bid_notices"]
    assert "| opened_at | notice_no | title | winner |" in texts["search_nuri_awards"]
    assert "| concluded_on | contract_no | name |" in texts["search_nuri_contracts"]
    assert all(t.startswith("[SANDBOX") and len(t) < 4000 for t in texts.values())


# -- contract with the packaged catalog ------------------------------------------------------------


def catalog_operations() -> dict[str, Catalogued]:
    return catalogued("PrvtBidNtceService", "PrvtScsbidInfoService", "PrvtCntrctInfoService")


def wire_fields(record: type) -> set[str]:
    hints = typing.get_type_hints(record, include_extras=True)
    names = set()
    for name in record.__struct_fields__:
        for meta in typing.get_args(hints[name])[1:]:
            if isinstance(meta, msgspec.Meta) and meta.extra_json_schema:
                names.add(meta.extra_json_schema["x-upstream-field"])
    assert len(names) == len(record.__struct_fields__), f"{record.__name__}: a field without wire()"
    return names


def test_every_operation_is_catalogued_with_the_record_fields_it_reads() -> None:
    ops = catalog_operations()
    assert len(records.OPERATIONS) == 10
    for op in records.OPERATIONS:
        entry = ops.get(op.name)
        assert entry is not None, f"{op.name} is not in the catalog"
        assert entry.path == f"/1230000/{op.path}"
        assert wire_fields(op.record) <= entry.fields, f"{op.name}: {wire_fields(op.record) - entry.fields}"
        if op.date_params:
            assert set(op.date_params) <= entry.params


def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    ops = catalog_operations()

    def params_of(op_name: str) -> set[str]:
        return set(ops[op_name].params)

    def sent(wire: dict[str, str | None]) -> set[str]:
        assert all(v is not None for v in wire.values()), "every filter given reaches the wire"
        return set(wire)

    notices = msgspec.convert(
        {
            "kind": "용역",
            "title": "청소",
            "notice_agency": "입주자대표회의",
            "notice_agency_code": "M030494",
            "demand_agency": "입주자대표회의",
            "demand_agency_code": "M030494",
            "reference_no": "재무회계팀-342",
            "region": "서울",
            "industry": "청소업",
            "industry_code": "1234",
            "min_estimated_price": 1,
            "max_estimated_price": 2,
            "open_only": False,
        },
        nuri.SearchNuriBidNotices,
    )
    for op in records.NOTICE_SEARCH.values():
        assert sent(nuri.notice_params(notices)) | set(op.date_params or ()) <= params_of(op.name)
    by_number = msgspec.convert({"kind": "용역", "notice_no": "R26BK00000001"}, nuri.SearchNuriBidNotices)
    for op in records.NOTICE_BY_NUMBER.values():
        assert sent(nuri.notice_params(by_number)) <= params_of(op.name)
    awards = msgspec.convert(
        {
            "title": "경비",
            "demand_agency": "아파트",
            "demand_agency_code": "M000073",
            "notice_agency": "아파트",
            "notice_agency_code": "M000073",
            "notice_no": "R26BK00000001",
            "region": "서울",
            "industry": "경비업",
            "min_estimated_price": 1,
            "max_estimated_price": 2,
        },
        nuri.SearchNuriAwards,
    )
    award_op = records.AWARD_SEARCH
    assert sent(nuri.award_params(awards)) | set(award_op.date_params or ()) <= params_of(award_op.name)
    contract_op = records.CONTRACT_SEARCH
    for arguments in (
        {"name": "승강기", "agency": "아파트", "agency_code": "M000073", "reference_no": "P1"},
        {"contract_no": "R26TA00000001"},
        {"notice_no": "R26BK00000001"},
    ):
        wire = nuri.contract_params(msgspec.convert(arguments, nuri.SearchNuriContracts))
        assert sent(wire) | set(contract_op.date_params or ()) <= params_of(contract_op.name)


def test_inquiry_modes_are_the_catalogued_ones() -> None:
    ops = catalog_operations()

    def modes(op_name: str) -> Mapping[str, str]:
        return ops[op_name].modes

    for op in records.NOTICE_SEARCH.values():
        assert modes(op.name).get("1") == "공고게시일시" and op.order_by == "posted_at"
    for op in records.NOTICE_BY_NUMBER.values():
        assert modes(op.name).get("4") == "입찰공고번호"
    assert modes(records.AWARD_SEARCH.name).get("2") == "개찰일시"
    assert modes(records.AWARD_SEARCH.name).get("3") == "입찰공고번호"
    contract = modes(records.CONTRACT_SEARCH.name)
    assert (contract.get("1"), contract.get("2"), contract.get("3")) == ("계약일자", "계약번호", "공고번호")
    assert records.CONTRACT_SEARCH.date_format == "%Y%m%d"  # inqryBgnDate is YYYYMMDD
    begin = ops[records.CONTRACT_SEARCH.name].info.param("inqryBgnDate")
    assert begin is not None and len(begin.sample) == 8
