"""Records: deterministic, realistic, carrying the searched values, and split-consistent by date."""

from __future__ import annotations

import datetime as dt
import re
import time

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from naramarket.sandbox import DEFAULT_SERVICE_KEY

from .helpers import BID_THNG, MAS, bid_params, body, client_for, fetch_all, make_config

SHOPPING_ITEMS = "/1230000/at/ShoppingMallPrdctInfoService/getSpcifyPrdlstPrcureInfoList"


@pytest.mark.anyio
async def test_same_seed_same_records_other_seed_other_records() -> None:
    pages = []
    for seed in (7, 7, 8):
        async with client_for(make_config(seed=seed)) as http:
            pages.append(body(await http.get(BID_THNG, params=bid_params(numOfRows="20")))["items"])
    assert pages[0] == pages[1]
    assert pages[0] != pages[2]


@pytest.mark.anyio
async def test_bid_notices_look_like_real_ones(client: httpx.AsyncClient) -> None:
    items = body(await client.get(BID_THNG, params=bid_params(numOfRows="50")))["items"]
    for item in items:
        assert re.fullmatch(r"R25BK\d{8}", item["bidNtceNo"])
        assert item["bidNtceOrd"] == "000"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", item["bidNtceDt"])
        assert "202507" <= item["bidNtceDt"].replace("-", "")[:8] <= "20250731"
        assert item["bidClseDt"] > item["bidNtceDt"]
        assert item["opengDt"] > item["bidClseDt"]
        assert item["presmptPrce"].isdigit() and item["asignBdgtAmt"].isdigit()
        assert item["ntceInsttNm"] and re.fullmatch(r"[0-9A-Z]\d{6}|[A-Z]\d{6}", item["ntceInsttCd"])
        assert re.search(r"[가-힣]", item["bidNtceNm"])
        assert item["bidNtceDtlUrl"].startswith("https://www.g2b.go.kr/")
        assert f"bidPbancNo={item['bidNtceNo']}" in item["bidNtceDtlUrl"]
        assert item["intrbidYn"] in ("Y", "N")
    assert len(items) > 20
    assert len({item["ntceInsttNm"] for item in items}) > 5
    assert len({item["presmptPrce"] for item in items}) > 0.8 * len(items)


@pytest.mark.anyio
async def test_dates_print_in_the_format_of_the_fields_sample(client: httpx.AsyncClient) -> None:
    # The doc example of this 쇼핑몰 operation prints YYYYMMDD, unlike most services.
    params = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json", "inqryDiv": "1", "inqryPrdctDiv": "1"}
    params |= {"inqryBgnDate": "20250301", "inqryEndDate": "20250331"}
    items = body(await client.get(SHOPPING_ITEMS, params=params))["items"]
    assert items and all(re.fullmatch(r"202503\d{2}", item["cntrctDlvrReqDate"]) for item in items)


@pytest.mark.anyio
async def test_a_category_search_returns_records_of_that_category() -> None:
    config = make_config(rows={"getMASCntrctPrdctInfoList": 5000})
    params = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json", "prdctClsfcNoNm": "데스크톱컴퓨터"}
    async with client_for(config) as http:
        page = body(await http.get(MAS, params={**params, "numOfRows": "999"}))
    assert page["totalCount"] == 5000
    assert {item["prdctClsfcNoNm"] for item in page["items"]} == {"데스크톱컴퓨터"}
    assert {item["prdctClsfcNo"] for item in page["items"]} == {"43211507"}
    assert all(item["prdctSpecNm"].startswith("데스크톱컴퓨터") for item in page["items"])
    assert all(item["rgstDt"].startswith("2025-") for item in page["items"])


@pytest.mark.anyio
async def test_a_searched_institution_is_carried_by_the_records(client: httpx.AsyncClient) -> None:
    # An institution the sandbox does not know answers 03 instead (test_honesty).
    params = bid_params(numOfRows="30", ntceInsttNm="국립한밭대학교")
    path = "/1230000/ad/BidPublicInfoService/getBidPblancListInfoThngPPSSrch"
    items = body(await client.get(path, params=params))["items"]
    assert items and {item["ntceInsttNm"] for item in items} == {"국립한밭대학교"}
    assert {item["ntceInsttCd"] for item in items} == {"7008093"}


@pytest.mark.anyio
async def test_a_999_row_page_is_fast() -> None:
    async with client_for(make_config(rows={"getBidPblancListInfoThng": 50000})) as http:
        params = bid_params(numOfRows="999")
        await http.get(BID_THNG, params=params)  # first call builds the per-operation caches
        started = time.perf_counter()
        page = body(await http.get(BID_THNG, params={**params, "pageNo": "2"}))
        elapsed = time.perf_counter() - started
    assert len(page["items"]) == 999
    assert elapsed < 0.25  # ~15 ms on a laptop for 101 fields x 999 rows, JSON encoding included


def _minute(day: int, minute: int) -> str:
    moment = dt.datetime(2025, 1, 1) + dt.timedelta(days=day, minutes=minute)
    return moment.strftime("%Y%m%d%H%M")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start_day=st.integers(0, 300),
    length=st.integers(1, 60 * 24 * 60),  # up to ~60 days, in minutes
    split=st.floats(0.0, 1.0),
    filtered=st.booleans(),
)
@example(start_day=10, length=60 * 24 * 59, split=0.37, filtered=False)  # ~1,150 records: 2 pages each
def test_splitting_a_date_range_returns_the_same_records(
    start_day: int, length: int, split: float, filtered: bool
) -> None:
    import anyio

    begin = _minute(start_day, 0)
    end = _minute(start_day, length)
    middle = max(1, int(length * split))
    left_end, right_begin = _minute(start_day, middle - 1), _minute(start_day, middle)
    params = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json"}
    if filtered:
        params["prdctClsfcNoNm"] = "노트북컴퓨터"

    async def union_equals_whole() -> None:
        async with client_for(make_config(rows={"getMASCntrctPrdctInfoList": 5000})) as http:
            whole = await fetch_all(http, MAS, {**params, "rgstDtBgnDt": begin, "rgstDtEndDt": end})
            left = await fetch_all(http, MAS, {**params, "rgstDtBgnDt": begin, "rgstDtEndDt": left_end})
            right = await fetch_all(http, MAS, {**params, "rgstDtBgnDt": right_begin, "rgstDtEndDt": end})
        assert left + right == whole
        stamps = [re.sub(r"\D", "", item["rgstDt"])[:12] for item in whole]
        assert all(begin <= stamp <= end for stamp in stamps)

    anyio.run(union_equals_whole)


@pytest.mark.anyio
async def test_the_bidders_of_one_notice_come_ranked(client: httpx.AsyncClient) -> None:
    path = "/1230000/as/ScsbidInfoService/getOpengResultListInfoOpengCompt"
    params = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json", "bidNtceNo": "R25BK01027145"}
    page = body(await client.get(path, params={**params, "numOfRows": "100"}))
    ranks = [item["opengRank"] for item in page["items"]]
    assert 3 <= len(ranks) == page["totalCount"]
    assert ranks == [str(n) for n in range(1, len(ranks) + 1)]
    assert {item["bidNtceNo"] for item in page["items"]} == {"R25BK01027145"}
    reserve = "/1230000/as/ScsbidInfoService/getOpengResultListInfoServcPreparPcDetail"
    prices = body(await client.get(reserve, params={**params, "inqryDiv": "2", "numOfRows": "100"}))
    assert prices["totalCount"] == 15  # 복수예비가격 are always 15
