"""Sandbox honesty: a search for what its world does not hold finds nothing, and nothing is future.

The real gateway answers a 품명, institution, company or title nobody has with resultCode 03
(``items`` empty, totalCount 0), and serves no record registered after the moment of the request.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from naramarket.sandbox import DEFAULT_SERVICE_KEY, SandboxConfig, create_app
from naramarket.sandbox.catalog import load_catalog
from naramarket.sandbox.dates import EPOCH, KST, day_number, minute_now
from naramarket.sandbox.fields import date_stem
from naramarket.sandbox.schema import is_scheduled

from .helpers import BID_THNG, MAS, bid_params, body, client_for, fetch_all, make_config

PPS_SEARCH = "/1230000/ad/BidPublicInfoService/getBidPblancListInfoThngPPSSrch"
SHOPPING_ITEMS = "/1230000/at/ShoppingMallPrdctInfoService/getSpcifyPrdlstPrcureInfoList"
NO_DATA_JSON = {
    "response": {
        "header": {"resultCode": "03", "resultMsg": "NODATA_ERROR"},
        "body": {"items": "", "numOfRows": 10, "pageNo": 1, "totalCount": 0},
    }
}


def mas(**params: str) -> dict[str, str]:
    return {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json", **params}


def app_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox")


# -- unknown names answer "no data" ----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "params"),
    [
        (MAS, mas(prdctClsfcNoNm="asdfgh")),
        (MAS, mas(prdctClsfcNoNm="PC")),  # not a 품명 of the sandbox's vocabulary
        (MAS, mas(cntrctCorpNm="없는업체")),
        (PPS_SEARCH, bid_params(ntceInsttNm="가나다시청")),
        (PPS_SEARCH, bid_params(dminsttNm="asdf")),
        (PPS_SEARCH, bid_params(bidNtceNm="qwerty")),
        (PPS_SEARCH, bid_params(prtcptLmtRgnNm="아틀란티스")),
    ],
)
async def test_a_name_the_world_does_not_hold_answers_03_in_json(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 200
    assert response.json() == NO_DATA_JSON  # byte-shape of the recorded live 03 answer


@pytest.mark.anyio
async def test_an_unknown_category_answers_03_in_xml_too(client: httpx.AsyncClient) -> None:
    params = {"ServiceKey": DEFAULT_SERVICE_KEY, "prdctClsfcNoNm": "asdfgh", "numOfRows": "100"}
    response = await client.get(MAS, params=params)
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "response"
    assert root.findtext("header/resultCode") == "03"
    assert root.findtext("header/resultMsg") == "NODATA_ERROR"
    assert root.findall("body/items/item") == [] and root.find("body/items") is not None
    assert root.findtext("body/totalCount") == "0"


@pytest.mark.anyio
async def test_an_unknown_category_stays_empty_whatever_the_rows_setting() -> None:
    async with client_for(make_config(rows={"getMASCntrctPrdctInfoList": 5000})) as http:
        response = await http.get(MAS, params=mas(prdctClsfcNoNm="asdfgh"))
    assert response.json()["response"]["header"]["resultCode"] == "03"


# -- real names, and parts of them, find records carrying them --------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("category", ["데스크톱컴퓨터", "노트북컴퓨터", "복사용지", "책상"])
async def test_a_real_category_finds_records_of_it(client: httpx.AsyncClient, category: str) -> None:
    page = body(await client.get(MAS, params=mas(prdctClsfcNoNm=category, numOfRows="100")))
    assert page["totalCount"] > 0
    assert {item["prdctClsfcNoNm"] for item in page["items"]} == {category}


@pytest.mark.anyio
async def test_part_of_a_category_finds_every_category_containing_it(client: httpx.AsyncClient) -> None:
    page = body(await client.get(MAS, params=mas(prdctClsfcNoNm="컴퓨터", numOfRows="200")))
    names = {item["prdctClsfcNoNm"] for item in page["items"]}
    assert {"데스크톱컴퓨터", "노트북컴퓨터"} <= names  # real 품명, never the bare search term
    assert all("컴퓨터" in name for name in names)


@pytest.mark.anyio
async def test_case_and_spacing_do_not_matter(client: httpx.AsyncClient) -> None:
    plain = body(await client.get(MAS, params=mas(prdctClsfcNoNm="LED조명기구")))
    folded = body(await client.get(MAS, params=mas(prdctClsfcNoNm=" led조명기구 ")))
    assert plain["totalCount"] > 0 and {i["prdctClsfcNoNm"] for i in folded["items"]} == {"LED조명기구"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("param", "term"),
    [
        ("ntceInsttNm", "강원"),  # 강원대학교, 강원특별자치도 속초시, 강원특별자치도 춘천시
        ("ntceInsttNm", "조달청"),
        ("dminsttNm", "교육청"),
    ],
)
async def test_part_of_an_institution_name_finds_its_notices(
    client: httpx.AsyncClient, param: str, term: str
) -> None:
    items = body(await client.get(PPS_SEARCH, params=bid_params(numOfRows="100", **{param: term})))["items"]
    assert items and all(term in item[param] for item in items)


@pytest.mark.anyio
@pytest.mark.parametrize("term", ["노트북", "데스크톱컴퓨터", "구매", "긴급", "강원대학교", "강원특별자치도"])
async def test_a_title_keyword_finds_titles_containing_it(client: httpx.AsyncClient, term: str) -> None:
    items = body(await client.get(PPS_SEARCH, params=bid_params(numOfRows="100", bidNtceNm=term)))["items"]
    assert items and all(term in item["bidNtceNm"] for item in items)


@pytest.mark.anyio
async def test_a_region_search_matches_part_of_a_region(client: httpx.AsyncClient) -> None:
    assert body(await client.get(PPS_SEARCH, params=bid_params(prtcptLmtRgnNm="서울")))["items"]
    params = mas(inqryDiv="1", inqryPrdctDiv="1", inqryBgnDate="20250301", inqryEndDate="20250331")
    items = body(await client.get(SHOPPING_ITEMS, params={**params, "dminsttRgnNm": "수원"}))["items"]
    assert items and {item["dminsttRgnNm"] for item in items} == {"경기도 수원시"}


@pytest.mark.anyio
async def test_codes_and_numbers_keep_finding_records(client: httpx.AsyncClient) -> None:
    # An institution code the vocabulary lacks still finds (made-up) records: codes are not judged.
    by_code = body(await client.get(PPS_SEARCH, params=bid_params(ntceInsttCd="1482021")))["items"]
    assert by_code and {item["ntceInsttCd"] for item in by_code} == {"1482021"}
    params = bid_params(inqryDiv="2", inqryBgnDt=None, inqryEndDt=None, bidNtceNo="R25BK00940072")
    assert body(await client.get(BID_THNG, params=params))["items"][0]["bidNtceNo"] == "R25BK00940072"


# -- no timestamp after "now" ----------------------------------------------------------------------


def _required(op_name: str) -> dict[str, str]:
    op = load_catalog().operations[op_name]
    params = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json"}
    for param in op.params:
        if param.required and param.name not in op.date_params:
            params[param.name] = param.sample or "1"
    return params


def _recent_range(fmt: str, today: dt.date) -> tuple[str, str]:
    """Yesterday to the end of today (ahead of now) in ``fmt``; within every limit (1 day)."""
    yesterday = today - dt.timedelta(days=1)
    return {
        "datetime": (yesterday.strftime("%Y%m%d0000"), today.strftime("%Y%m%d2359")),
        "date": (yesterday.strftime("%Y%m%d"), today.strftime("%Y%m%d")),
        "month": (today.strftime("%Y%m"), today.strftime("%Y%m")),
        "year": (today.strftime("%Y"), today.strftime("%Y")),
    }[fmt]


def _late_values(item: dict[str, str], now: dt.datetime) -> list[str]:
    """Fields of ``item`` holding a date after ``now`` that may not (all but scheduled dates)."""
    stamp = now.strftime("%Y%m%d%H%M%S")
    late = []
    for name, value in item.items():
        if not re.search(r"(Dt|Date|Ym|Year)$", name) or is_scheduled(date_stem(name)):
            continue
        digits = re.sub(r"\D", "", value)
        if value[:2] in ("19", "20") and len(digits) in (4, 6, 8, 12, 14) and digits > stamp[: len(digits)]:
            late.append(f"{name}={value}")
    return late


def test_past_events_are_not_scheduled_dates() -> None:
    for name in (
        "rgstDt",
        "chgDt",
        "bidNtceDt",
        "inptDt",
        "rcptDt",
        "cntrctCnclsDate",
        "fnlSucsfDate",
        "rlOpengDt",
    ):
        assert not is_scheduled(date_stem(name)), name
    for name in ("bidClseDt", "opengDt", "bidBeginDt", "cntrctEndDate", "dlvrTmlmtDate"):
        assert is_scheduled(date_stem(name)), name


@pytest.mark.anyio
async def test_no_operation_serves_a_record_or_an_event_after_now() -> None:
    catalog = load_catalog()
    today = dt.datetime.now(KST).date()
    served = 0
    async with client_for(SandboxConfig()) as http:  # the default period: the year up to today
        for name, op in catalog.operations.items():
            params = _required(name)
            for date_range in op.date_ranges:
                params[date_range.begin], params[date_range.end] = _recent_range(date_range.format, today)
            path = f"/1230000/{op.prefix}/{op.service}/{name}"
            first = (await http.get(path, params={**params, "numOfRows": "1"})).json()["response"]
            if first["header"]["resultCode"] == "03":
                continue
            total = first["body"]["totalCount"]
            last_page = {**params, "numOfRows": "50", "pageNo": str((total - 1) // 50 + 1)}
            items = body(await http.get(path, params=last_page))["items"]  # the newest records
            now = dt.datetime.now(KST)
            assert items, name
            assert not [late for item in items if (late := _late_values(item, now))], name
            served += 1
    assert served > 100


@pytest.mark.anyio
async def test_every_configured_record_lies_before_the_hour_the_app_was_created() -> None:
    async with client_for(SandboxConfig(rows={"getMASCntrctPrdctInfoList": 450})) as http:
        items = await fetch_all(http, MAS, mas())
    hour = dt.datetime.now(KST).strftime("%Y-%m-%d %H:00")
    assert len(items) == 450 and max(item["rgstDt"] for item in items) < hour


@pytest.mark.anyio
async def test_the_newest_records_stop_before_the_clock_and_their_events_are_empty_until_then() -> None:
    july_15_noon = day_number(dt.date(2025, 7, 15)) * 1440 + 12 * 60
    app = create_app(make_config(rows={"getBidPblancListInfoThng": 50000}))
    app.state.clock = lambda: july_15_noon
    async with app_client(app) as http:
        items = await fetch_all(http, BID_THNG, bid_params())
    assert items and "2025-07-15 11:00" <= items[-1]["bidNtceDt"] < "2025-07-15 12:00"
    clock = dt.datetime(2025, 7, 15, 12, 0)
    assert not [late for item in items if (late := _late_values(item, clock))]
    # A change that has not happened yet is empty; scheduled deadlines may well lie ahead.
    recent = [item for item in items if item["bidNtceDt"] >= "2025-07-10"]
    assert any(item["chgDt"] == "" for item in recent)
    assert all(item["chgDt"] != "" for item in items if item["bidNtceDt"] < "2025-06-20")
    assert any(item["bidClseDt"] > "2025-07-15 12:00" for item in recent)


@pytest.mark.anyio
async def test_as_the_clock_moves_records_are_added_and_none_change() -> None:
    day = day_number(dt.date(2025, 7, 15)) * 1440
    app = create_app(make_config(rows={"getMASCntrctPrdctInfoList": 20000}))
    pages = []
    async with app_client(app) as http:
        for minute in (day + 9 * 60, day + 12 * 60, day + 17 * 60):
            app.state.clock = lambda minute=minute: minute
            july = mas(rgstDtBgnDt="202507010000", rgstDtEndDt="202507312359", numOfRows="9999")
            pages.append(body(await http.get(MAS, params=july))["items"])
    ids = [[item["prdctIdntNo"] for item in page] for page in pages]
    assert len(ids[0]) < len(ids[1]) < len(ids[2])
    assert ids[1][: len(ids[0])] == ids[0] and ids[2][: len(ids[1])] == ids[1]
    stamps = [item["rgstDt"][:16] for item in pages[0]]  # seconds are drawn within the minute
    assert stamps == sorted(stamps) and stamps[-1] < "2025-07-15 09:00"


@pytest.mark.anyio
@pytest.mark.parametrize("cut_hour", [0, 9, 13, 18])
async def test_splitting_a_range_that_reaches_past_the_clock_gives_the_records_of_the_whole(
    cut_hour: int,
) -> None:
    now = minute_now()
    today = (EPOCH + dt.timedelta(days=now // 1440)).strftime("%Y%m%d")
    begin = (EPOCH + dt.timedelta(days=now // 1440 - 20)).strftime("%Y%m%d0000")
    app = create_app(SandboxConfig(rows={"getMASCntrctPrdctInfoList": 20000}))
    app.state.clock = lambda: now  # fixed, so no record appears between the three scans
    params = mas(prdctClsfcNoNm="노트북컴퓨터")
    async with app_client(app) as http:
        whole = await fetch_all(http, MAS, {**params, "rgstDtBgnDt": begin, "rgstDtEndDt": f"{today}2359"})
        left = await fetch_all(
            http, MAS, {**params, "rgstDtBgnDt": begin, "rgstDtEndDt": f"{today}{cut_hour:02d}00"}
        )
        right = await fetch_all(
            http, MAS, {**params, "rgstDtBgnDt": f"{today}{cut_hour:02d}01", "rgstDtEndDt": f"{today}2359"}
        )
    assert whole and left + right == whole


@pytest.mark.anyio
async def test_a_period_end_in_the_future_counts_as_today() -> None:
    async with client_for(SandboxConfig(period_start="20250101", period_end="20991231")) as http:
        resolved = (await http.get("/_sandbox/config")).json()["resolved_period"]
    assert resolved == ["2025-01-01", dt.datetime.now(KST).date().isoformat()]
    with pytest.raises(ValueError, match="after today"):
        SandboxConfig(period_start="20990101")
