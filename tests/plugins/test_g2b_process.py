"""g2b_process (get_procurement_process, CntrctProcssIntgOpenService) end to end on the sandbox.

The plugin is loaded in process without its entry point (with g2b_bids beside it, to follow a
notice found by search_bid_notices); the tool is called through REST, SSE and MCP (both wires),
results are validated against its output schema, every kind of number is checked in the requests
that reach the upstream, and the operations, parameters sent and record fields against the
packaged operation catalog.

The sandbox fills 낙찰자정보목록 and 계약정보목록 only for a notice of the operation's own kind whose
opening (contract) has passed; the documented strings themselves are exercised by a transport that
writes the reference document's examples into the sandbox's answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import typing
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jsonschema
import pytest

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.plugins import make_plugin_manager
from naramarket.plugins import g2b_awards, g2b_bids, g2b_contracts, g2b_process
from naramarket.plugins.g2b_process import numbers, records, stages
from tests.inprocess import Served, serve, sse_events
from tests.plugins.support import Catalogued, catalogued_by_path

pytestmark = pytest.mark.anyio

TOOL = "get_procurement_process"
PROCESS_OPS = [f"getCntrctProcssIntgOpen{k}" for k in ("Thng", "Cnstwk", "Servc", "Frgcpt")]
# The reference document's examples of the two composite fields.
WINNERS = "[1^한신정보주식회사^6098141001^정상진^108878780^88.041^38^2016-03-07 12:00]"
CONTRACTS = (
    "[1^2016031744700^인터넷운영 가상화시스템 구입^경상남도 창원시^경상남도 창원시"
    "^제한경쟁^108878780^2016-03-09]"
)

Rewrite = Callable[[str, dict[str, Any]], None]


class Recording(httpx.AsyncBaseTransport):
    """The sandbox upstream, remembering each request's (operation, params); ``rewrite`` edits items."""

    def __init__(self, config: sandbox.SandboxConfig | None = None, rewrite: Rewrite | None = None) -> None:
        self.inner = httpx.ASGITransport(app=sandbox.create_app(config or sandbox.SandboxConfig()))
        self.rewrite = rewrite
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        operation = url.path.rsplit("/", 1)[-1]
        self.requests.append((operation, dict(parse_qsl(url.query))))
        response = await self.inner.handle_async_request(request)
        if self.rewrite is None:
            return response
        body = json.loads(await response.aread())
        for item in body.get("response", {}).get("body", {}).get("items") or []:
            self.rewrite(operation, item)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, json=body)


@contextlib.asynccontextmanager
async def served_process(transport: Recording | None = None) -> AsyncIterator[tuple[Served, Recording]]:
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        cache_ttl="list=0,detail=0,stats=0",  # tests compare the requests of repeated calls
        load_plugins=frozenset(),
    )
    recording = transport or Recording()
    manager = make_plugin_manager(allow=(), extra=[("g2b_process", g2b_process), ("g2b_bids", g2b_bids)])
    kernel = make_kernel(settings, transport=recording, plugin_manager=manager)
    async with serve(create_app(settings, kernel=kernel)) as served:
        yield served, recording


@pytest.fixture
async def served() -> AsyncIterator[tuple[Served, Recording]]:
    async with served_process() as pair:
        yield pair


@pytest.fixture
async def http(served: tuple[Served, Recording]) -> AsyncIterator[httpx.AsyncClient]:
    async with served[0].http(timeout=30) as client:
        yield client


async def output_schema(http: httpx.AsyncClient) -> dict[str, Any]:
    tools = {t["name"]: t for t in (await http.get("/api/v1/tools")).json()["tools"]}
    return typing.cast(dict[str, Any], tools[TOOL]["output_schema"])


async def call(http: httpx.AsyncClient, arguments: dict[str, Any], tool: str = TOOL) -> dict[str, Any]:
    r = await http.post(f"/api/v1/tools/{tool}", json=arguments)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    if tool == TOOL:
        jsonschema.validate(body, await output_schema(http))
    return body


def process_requests(recording: Recording) -> list[tuple[str, dict[str, str]]]:
    return [(op, q) for op, q in recording.requests if op.startswith("getCntrctProcssIntgOpen")]


# -- REST -----------------------------------------------------------------------------------------


async def test_rest_a_notice_number_gives_its_stages_and_what_is_missing(http: httpx.AsyncClient) -> None:
    body = await call(http, {"number": "R25BK00000123"})
    assert body["number"] == "R25BK00000123" and body["number_kind"] == "notice"
    assert body["kind"] == "물품" and body["kinds_asked"] == ["물품", "공사", "용역", "외자"]
    assert body["sandbox"] is True and body["via_contract"] is None
    (track,) = body["processes"]
    assert track["notice"]["notice_no"] == "R25BK00000123" and track["notice"]["posted_at"]
    assert track["prespec"]["prespec_no"].startswith("R") and track["prespec"]["opinion_deadline"]
    assert track["request"]["request_no"] and track["order_plan"]["unified_no"]
    assert track["order_plan"]["order_month"][4] == "-"  # YYYY-MM
    assert track["title"] == track["notice"]["title"]
    assert track["reached"] == "notice" and track["award"] == [] and track["contracts"] == []
    assert [m.split(":")[0] for m in track["missing"]] == ["opening", "award", "contract"]
    assert any("get_opening_results" in n for n in body["notes"])


@pytest.mark.parametrize(
    ("arguments", "number_kind", "inquiry", "param", "value"),
    [
        ({"number": "R25BK00000123"}, "notice", "1", "bidNtceNo", "R25BK00000123"),
        ({"number": "r25bk00000123"}, "notice", "1", "bidNtceNo", "R25BK00000123"),
        ({"number": "20160234982"}, "notice", "1", "bidNtceNo", "20160234982"),
        ({"number": "R25BM00000007"}, "notice", "1", "bidNtceNo", "R25BM00000007"),
        ({"number": "R25BD00000001"}, "prespec", "2", "bfSpecRgstNo", "R25BD00000001"),
        ({"number": "333556"}, "prespec", "2", "bfSpecRgstNo", "333556"),
        ({"number": "R25DD00000001"}, "order_plan", "3", "orderPlanNo", "R25DD00000001"),
        ({"number": "1-3-2023-Z009268-000004"}, "order_plan", "3", "orderPlanNo", "1-3-2023-Z009268-000004"),
        ({"number": "R25DC00000001"}, "request", "4", "prcrmntReqNo", "R25DC00000001"),
        ({"number": "2523304577"}, "request", "4", "prcrmntReqNo", "2523304577"),
        ({"number": "16GA0289"}, "request", "4", "prcrmntReqNo", "16GA0289"),
        ({"number": "ABC-123", "number_kind": "조달요청"}, "request", "4", "prcrmntReqNo", "ABC-123"),
        ({"number": "12345678", "number_kind": "사전규격"}, "prespec", "2", "bfSpecRgstNo", "12345678"),
        ({"number": "20160234982", "number_kind": "request"}, "request", "4", "prcrmntReqNo", "20160234982"),
    ],
)
async def test_each_kind_of_number_asks_its_inquiry_mode(
    served: tuple[Served, Recording],
    http: httpx.AsyncClient,
    arguments: dict[str, Any],
    number_kind: str,
    inquiry: str,
    param: str,
    value: str,
) -> None:
    body = await call(http, {**arguments, "kind": "용역"})
    assert body["number_kind"] == number_kind and body["number"] == value and body["kind"] == "용역"
    for operation, query in process_requests(served[1]):
        assert operation == "getCntrctProcssIntgOpenServc"
        assert query["inqryDiv"] == inquiry and query[param] == value
        assert {"bidNtceNo", "bfSpecRgstNo", "orderPlanNo", "prcrmntReqNo"} & set(query) == {param}
    echoed = {
        "notice": lambda t: t["notice"]["notice_no"],
        "prespec": lambda t: t["prespec"]["prespec_no"],
        "order_plan": lambda t: t["order_plan"]["plan_no"],
        "request": lambda t: t["request"]["request_no"],
    }[number_kind]
    assert {echoed(t) for t in body["processes"]} == {value}  # the sandbox pins the number asked


async def test_a_round_given_or_as_suffix_is_sent_and_kept(
    served: tuple[Served, Recording], http: httpx.AsyncClient
) -> None:
    suffixed = await call(http, {"number": "R25BK00000123-001"})
    given = await call(http, {"number": "R25BK00000123", "round": "001"})
    assert suffixed["number"] == given["number"] == "R25BK00000123"
    sent = [q for _, q in process_requests(served[1])]
    assert sent[0]["bidNtceOrd"] == "001" and sent[4]["bidNtceOrd"] == "001"  # 4 kinds asked per call
    assert suffixed["processes"][0]["notice"]["round"] == "001"
    plain = await call(http, {"number": "R25BK00000123", "kind": "물품"})
    assert "bidNtceOrd" not in process_requests(served[1])[-1][1]  # default: every round
    assert plain["processes"]


@pytest.mark.parametrize(
    ("kind", "operation"),
    [("물품", "Thng"), ("goods", "Thng"), ("공사", "Cnstwk"), ("works", "Cnstwk"), ("용역", "Servc"),
     ("services", "Servc"), ("외자", "Frgcpt"), ("foreign", "Frgcpt")],
)  # fmt: skip
async def test_korean_and_english_kinds_choose_the_operation(
    served: tuple[Served, Recording], http: httpx.AsyncClient, kind: str, operation: str
) -> None:
    body = await call(http, {"number": "R25BK00000123", "kind": kind})
    assert body["kind"] == records.KIND_LABELS[operation] and body["kinds_asked"] == [body["kind"]]
    assert [op for op, _ in process_requests(served[1])] == [f"getCntrctProcssIntgOpen{operation}"]


async def test_a_notice_from_search_bid_notices_is_followed(http: httpx.AsyncClient) -> None:
    found = await call(http, {"kind": "공사", "limit": 3}, tool="search_bid_notices")
    notice = found["items"][0]
    number, round_ = notice["notice_no"], notice["round"]
    body = await call(http, {"number": number, "kind": "공사", "round": round_})
    assert body["kind"] == "공사" and body["number_kind"] == "notice"
    assert [(t["notice"]["notice_no"], t["notice"]["round"]) for t in body["processes"]] == [(number, round_)]
    again = await call(http, {"number": f"{number}-{round_}", "kind": "works"})
    assert again["processes"] == body["processes"]


async def test_a_contract_number_is_followed_through_its_notice(
    served: tuple[Served, Recording], http: httpx.AsyncClient
) -> None:
    body = await call(http, {"number": "R25TA00000001", "kind": "물품"})
    assert body["number_kind"] == "contract" and body["kind"] == "물품"
    link = body["via_contract"]
    assert link["contract_no"] == "R25TA00000001" and link["title"] and link["notice_no"]
    lookups = [(op, q) for op, q in served[1].requests if op.startswith("getCntrctInfoList")]
    assert lookups == [("getCntrctInfoListThng", lookups[0][1])]
    assert lookups[0][1]["inqryDiv"] == "2" and lookups[0][1]["untyCntrctNo"] == "R25TA00000001"
    ((_, query),) = process_requests(served[1])
    assert query["inqryDiv"] == "1" and query["bidNtceNo"] == link["notice_no"]
    assert [t["notice"]["notice_no"] for t in body["processes"]] == [link["notice_no"]]
    assert body["notes"][0].startswith("contract: R25TA00000001 is not (yet) in the 계약정보목록")
    legacy = await call(http, {"number": "2016050000077"})  # 13 digits: a 통합계약번호
    assert legacy["number_kind"] == "contract" and legacy["via_contract"]["contract_no"] == "2016050000077"


async def test_a_number_with_many_rows_is_bounded_and_says_so(http: httpx.AsyncClient) -> None:
    # The sandbox treats 발주계획번호 (orderPlanNo) as an ordinary filter: hundreds of rows.
    body = await call(http, {"number": "R25DD00000001", "kind": "물품"})
    assert len(body["processes"]) == g2b_process.ROWS
    assert body["notes"][0] == f"more rows than the first {g2b_process.ROWS}: only those are shown"
    posted = [t["notice"]["posted_at"] for t in body["processes"]]
    assert posted == sorted(posted, reverse=True)  # latest notice first


# -- stages from the composite strings ----------------------------------------------------------------


def with_outcome(operation: str, item: dict[str, Any]) -> None:
    if operation.startswith("getCntrctProcssIntgOpen"):
        item["bidwinrInfoList"] = WINNERS
        item["cntrctInfoList"] = (
            CONTRACTS + ",[2^2016031744701^추가 계약^경상남도 창원시^경상남도^수의계약^1,000^20160320]"
        )


async def test_award_opening_and_contracts_are_parsed_into_stages() -> None:
    async with (
        served_process(Recording(rewrite=with_outcome)) as (served, _),
        served.http(timeout=30) as http,
    ):
        body = await call(http, {"number": "R25BK00000123", "kind": "물품"})
    (track,) = body["processes"]
    assert track["reached"] == "contract" and track["missing"] == []
    assert track["opening"] == {"opened_at": "2016-03-07T12:00:00+09:00", "bidders": 38}
    assert track["award"] == [
        {
            "company": "한신정보주식회사",
            "business_no": "6098141001",
            "ceo": "정상진",
            "amount": 108878780,
            "rate": 88.041,
            "bidders": 38,
            "opened_at": "2016-03-07T12:00:00+09:00",
        }
    ]
    first, second = track["contracts"]
    assert first["contract_no"] == "2016031744700" and first["amount"] == 108878780
    assert first["contract_date"] == "2016-03-09" and first["method"] == "제한경쟁"
    assert first["agency"] == first["demand_agency"] == "경상남도 창원시"
    assert second["amount"] == 1000 and second["contract_date"] == "2016-03-20"


def test_composite_strings_tolerate_blanks_and_short_entries() -> None:
    assert stages.parse_winners("") == [] and stages.parse_contracts("[]") == []
    (short,) = stages.parse_winners("[1^업체^123-45-67890]")
    assert short.company == "업체" and short.business_no == "1234567890" and short.amount is None
    (odd,) = stages.parse_contracts("[1^C-1^계약명^기관^수요^일반경쟁^N/A^미정]")
    assert odd.contract_no == "C-1" and odd.amount is None and odd.contract_date is None


def listing_the_contract(operation: str, item: dict[str, Any]) -> None:
    if operation.startswith("getCntrctProcssIntgOpen"):
        item["cntrctInfoList"] = "[1^R25TA00000001^토너 구매^조달청^기상청^일반경쟁^5000000^2026-06-06]"


async def test_a_contract_listed_by_its_notice_is_reached_without_a_note() -> None:
    async with (
        served_process(Recording(rewrite=listing_the_contract)) as (served, _),
        served.http(timeout=30) as http,
    ):
        body = await call(http, {"number": "R25TA00000001", "kind": "물품"})
    (track,) = body["processes"]
    assert track["reached"] == "contract" and track["contracts"][0]["contract_no"] == "R25TA00000001"
    assert track["contracts"][0]["amount"] == 5000000
    assert not any(n.startswith("contract:") for n in body["notes"])


# -- unknown numbers and bad parameters ----------------------------------------------------------------


async def test_an_unknown_number_is_not_found() -> None:
    nothing = sandbox.SandboxConfig(
        rows={
            **dict.fromkeys(PROCESS_OPS, 0),
            **{f"getCntrctInfoList{k}": 0 for k in ("Thng", "Cnstwk", "Servc", "Frgcpt")},
        }
    )
    async with served_process(Recording(nothing)) as (served, recording), served.http(timeout=30) as http:
        r = await http.post(f"/api/v1/tools/{TOOL}", json={"number": "R25BK09999999"})
        contract = await http.post(f"/api/v1/tools/{TOOL}", json={"number": "R25TA09999999", "kind": "물품"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert "R25BK09999999" in r.json()["detail"] and "물품, 공사, 용역, 외자" in r.json()["detail"]
    assert sorted(op for op, _ in process_requests(recording)) == sorted(PROCESS_OPS)
    assert contract.status_code == 404 and "no contract R25TA09999999" in contract.json()["detail"]


async def test_a_contract_the_service_cannot_follow_is_shown_from_its_own_record() -> None:
    no_process = sandbox.SandboxConfig(rows=dict.fromkeys(PROCESS_OPS, 0))
    async with served_process(Recording(no_process)) as (served, _), served.http(timeout=30) as http:
        body = await call(http, {"number": "R25TA00000001", "kind": "용역"})
    (track,) = body["processes"]
    assert track["reached"] == "contract" and track["kind"] == "용역"
    assert track["contracts"][0]["contract_no"] == "R25TA00000001" and track["contracts"][0]["amount"]
    assert track["notice"]["notice_no"] == body["via_contract"]["notice_no"]
    assert body["notes"][0].startswith("contract: the integrated service has no process")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "number"),
        ({"number": "R25 BK0001"}, "number"),
        ({"number": "x"}, "number"),
        ({"number": "ABCDEFG"}, "number"),  # no shape it could be
        ({"number": "R25TB00000001"}, "number"),  # 납품요구: not a stage this tool follows
        ({"number": "R25BD00000001", "number_kind": "notice"}, "number_kind"),
        ({"number": "R25BK00000001", "number_kind": "입찰"}, "number_kind"),
        ({"number": "R25DC00000001", "round": "000"}, "round"),
        ({"number": "R25BK00000001-001", "round": "002"}, "round"),
        ({"number": "R25BK00000001", "round": "A1"}, "round"),
        ({"number": "R25BK00000001", "kind": "기타"}, "kind"),
        ({"number": "R25BK00000001", "notice_no": "x"}, "notice_no"),
    ],
)
async def test_bad_params_are_invalid_params_naming_the_field(
    served: tuple[Served, Recording], http: httpx.AsyncClient, arguments: dict[str, Any], field: str
) -> None:
    r = await http.post(f"/api/v1/tools/{TOOL}", json=arguments)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_params" and field in problem["detail"]
    assert served[1].requests == []  # refused before any upstream request


def test_number_shapes() -> None:
    resolve = numbers.resolve
    assert resolve(" R26BK01788742-000 ", None) == ("R26BK01788742", "notice", "000")
    assert resolve("20160234982-00", None) == ("20160234982", "notice", "00")
    assert resolve("2016050000077", None).kind == "contract"
    assert resolve("R25TA00000001", "계약").kind == "contract"
    assert resolve("1-3-2023-Z009268-000004", None).round is None  # dashes of a plan, not a round
    with pytest.raises(ValueError, match="number_kind"):
        resolve("R25DC00000001", "prespec")


# -- SSE ------------------------------------------------------------------------------------------------


async def test_sse_streams_progress_and_the_rest_result(http: httpx.AsyncClient) -> None:
    arguments = {"number": "R25BD00000001", "kind": "공사"}
    rest = await call(http, arguments)
    async with http.stream("POST", f"/api/v1/tools/{TOOL}/stream", json=arguments) as r:
        assert r.status_code == 200
        events = sse_events((await r.aread()).decode())
    assert events[-1][1] == "result"
    assert events[-1][2] == rest
    jsonschema.validate(events[-1][2], await output_schema(http))
    assert any(kind == "progress" for _, kind, _ in events)


async def test_sse_reports_a_bad_number_as_invalid_params(http: httpx.AsyncClient) -> None:
    async with http.stream("POST", f"/api/v1/tools/{TOOL}/stream", json={"number": "ABCDEFG"}) as r:
        problem = json.loads(await r.aread())
    assert r.status_code == 422 and problem["code"] == "invalid_params"
    assert "number: cannot tell" in problem["detail"] and "number_kind" in problem["detail"]


# -- MCP ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_follows_a_number_on_both_wires(served: tuple[Served, Recording], mode: str) -> None:
    async with served[0].mcp(mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        tool = tools[TOOL]
        description = tool.description or ""
        assert "★" in description and "예:" in description and "Example:" in description
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
        result = await client.call_tool(TOOL, {"number": "R25DC00000001", "kind": "물품"})
        assert result.is_error is not True, result.content[0].text
        jsonschema.validate(result.structured_content, tool.output_schema)
        text = result.content[0].text
        assert text.startswith("[SANDBOX") and "조달요청번호 / procurement request no. R25DC00000001" in text
        assert "reached: notice" in text and "missing: opening, award, contract" in text
        assert "조달요청 R25DC00000001" in text and "{" not in text  # compact text, not the JSON again
        bad = await client.call_tool(TOOL, {"number": "R25BD00000001", "number_kind": "contract"})
    assert bad.is_error is True
    problem = json.loads(bad.content[0].text)
    assert problem["code"] == "invalid_params" and "number_kind" in problem["detail"]


async def test_mcp_text_names_winner_and_contract() -> None:
    async with (
        served_process(Recording(rewrite=with_outcome)) as (served, _),
        served.mcp(mode="legacy") as client,
    ):
        result = await client.call_tool(TOOL, {"number": "R25BK00000123", "kind": "물품"})
    text = result.content[0].text
    assert "낙찰 한신정보주식회사 (6098141001) 108,878,780 KRW 88.041%" in text
    assert "계약 2016031744700 108,878,780 KRW 2016-03-09" in text and "reached: contract" in text


# -- against the catalog --------------------------------------------------------------------------------


def catalog_operations() -> dict[str, Catalogued]:
    return catalogued_by_path("CntrctProcssIntgOpenService", "CntrctInfoService")


def wire_fields(record: type[Any]) -> set[str]:
    hints = typing.get_type_hints(record, include_extras=True)
    return {
        meta.extra_json_schema["x-upstream-field"]
        for name in record.__struct_fields__
        for meta in typing.get_args(hints[name])[1:]
    }


def test_declared_operations_and_record_fields_are_catalogued() -> None:
    operations = catalog_operations()
    assert len(records.OPERATIONS) == 8
    for op in records.OPERATIONS:
        path = f"/1230000/{op.path}"
        assert path in operations, path
        fields = operations[path].fields
        assert wire_fields(op.record) <= fields, (op.name, wire_fields(op.record) - fields)
        assert op.date_params is None and op.range_limit is None  # looked up by number, never by date
    every_process_field = operations[f"/1230000/{records.PROCESS['Thng'].path}"].fields
    assert wire_fields(records.ProcessRow) == every_process_field  # every stage fact is read


def test_inquiry_modes_match_the_catalog() -> None:
    operations = catalog_operations()
    for op in records.PROCESS.values():
        modes = operations[f"/1230000/{op.path}"].modes
        for kind, (inquiry, _) in g2b_process.INQUIRY.items():
            word = {"notice": "입찰공고번호", "prespec": "사전규격등록번호", "order_plan": "발주계획번호",
                    "request": "조달요청번호"}[kind]  # fmt: skip
            assert modes.get(inquiry) == word, (op.name, kind, modes)
    for op in records.CONTRACT_LOOKUP.values():
        assert operations[f"/1230000/{op.path}"].modes.get("2") == "통합계약번호", op.name


async def test_every_wire_param_sent_is_a_catalogued_param_of_its_operation() -> None:
    recording = Recording()
    calls: list[dict[str, Any]] = [
        {"number": "R25BK00000123-000"},
        {"number": "R25BD00000001"},
        {"number": "R25DD00000001"},
        {"number": "R25DC00000001"},
        *({"number": "2016050000077", "kind": kind} for kind in ("물품", "공사", "용역", "외자")),
    ]
    async with served_process(recording) as (served, _), served.http(timeout=30) as http:
        for arguments in calls:
            await call(http, arguments)
    operations = catalog_operations()
    used = set()
    for operation, query in recording.requests:
        (path,) = [p for p in operations if p.endswith(f"/{operation}")]
        documented, required = operations[path].params, operations[path].required
        assert set(query) <= documented, (path, set(query) - documented)
        assert required <= set(query), (path, required - set(query))
        used.add(path)
    assert used == {f"/1230000/{op.path}" for op in records.OPERATIONS}  # every declared op is exercised


def test_summary_text_of_a_result_without_stages() -> None:
    result = g2b_process.ProcurementProcess(
        number="R25BK00000001",
        number_kind="notice",
        kind="물품",
        processes=[stages.ProcessTrack(kind="물품", title="", reached="")],
    )
    text = result.summary_text(TOOL)
    assert (
        text.startswith(f"{TOOL}: 입찰공고번호 / bid notice no. R25BK00000001")
        and "(no stage listed)" in text
    )
    assert dt.date(2016, 3, 9) == stages.parse_contracts(CONTRACTS)[0].contract_date


async def test_an_old_notice_is_followed_to_the_award_and_contract_the_other_tools_report() -> None:
    # The sandbox fills 낙찰자정보목록 and 계약정보목록 from its own facts of the notice: the winner
    # search_awards names, the contract get_contract finds (and that names the notice back).
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        load_plugins=frozenset(),
    )
    plugins = [("g2b_process", g2b_process), ("g2b_bids", g2b_bids)]
    plugins += [("g2b_awards", g2b_awards), ("g2b_contracts", g2b_contracts)]
    kernel = make_kernel(
        settings, transport=Recording(), plugin_manager=make_plugin_manager(allow=(), extra=plugins)
    )
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    window = {
        "start_date": str(today - dt.timedelta(days=60)),
        "end_date": str(today - dt.timedelta(days=40)),
    }
    async with serve(create_app(settings, kernel=kernel)) as served, served.http(timeout=30) as http:
        found = await call(http, {"kind": "물품", "limit": 1, **window}, tool="search_bid_notices")
        number = found["items"][0]["notice_no"]
        body = await call(http, {"number": number, "kind": "물품"})
        (track,) = body["processes"]
        assert track["reached"] == "contract" and track["notice"]["notice_no"] == number
        assert not [m for m in track["missing"] if m.split(":")[0] in ("opening", "award", "contract")]
        (winner,) = track["award"]
        (contract,) = track["contracts"]
        assert track["opening"]["opened_at"] == winner["opened_at"] and winner["bidders"]
        assert contract["amount"] == winner["amount"] and contract["title"] == track["notice"]["title"]
        assert contract["contract_date"] < str(today)

        awards = await call(http, {"kind": "물품", "notice_no": number}, tool="search_awards")
        (award,) = awards["items"]
        assert (award["winner"], award["winner_bizno"]) == (winner["company"], winner["business_no"])
        assert (award["amount"], award["rate"]) == (winner["amount"], winner["rate"])
        assert award["opened_at"][:16] == winner["opened_at"][:16]

        detail = await call(http, {"contract_no": contract["contract_no"]}, tool="get_contract")
        assert detail["found"] is True and detail["kind"] == "물품"
        record = detail["contract"]
        assert record["contract_no"] == contract["contract_no"] and record["notice_no"] == number
        assert record["concluded_on"] == contract["contract_date"]
        by_notice = await call(http, {"kind": "물품", "notice_no": number}, tool="search_contracts")
        assert [i["contract_no"] for i in by_notice["items"]] == [contract["contract_no"]]


def test_a_bracketed_title_does_not_break_the_composite_strings() -> None:
    # Titles on the gateway carry brackets ("[긴급] …"): only the entries' own "],[" seams split.
    from naramarket.plugins.g2b_process.stages import _entries

    text = (
        "[1^R26TA01^[긴급] 복사용지 구매^조달청^경기도^일반경쟁^1000^2026-10-01],"
        "[2^R26TA02^b^c^d^e^5^2026-10-02]"
    )
    assert _entries(text) == [
        ["1", "R26TA01", "[긴급] 복사용지 구매", "조달청", "경기도", "일반경쟁", "1000", "2026-10-01"],
        ["2", "R26TA02", "b", "c", "d", "e", "5", "2026-10-02"],
    ]
