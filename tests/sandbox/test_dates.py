"""Date params: format errors (06) and range limits (07), per the catalog's documented limits."""

from __future__ import annotations

import httpx
import pytest

from naramarket.sandbox import DEFAULT_SERVICE_KEY
from naramarket.sandbox.catalog import Limit
from naramarket.sandbox.dates import exceeds, parse_bound

from .helpers import BID_THNG, MAS, bid_params

CONTRACT_PPS = "/1230000/ao/CntrctInfoService/getCntrctInfoListThngPPSSrch"
OPEN_STD_AWARDS = "/1230000/ao/PubDataOpnStdService/getDataSetOpnStdScsbidInfo"
OPEN_STD_CONTRACTS = "/1230000/ao/PubDataOpnStdService/getDataSetOpnStdCntrctInfo"


def result_code(response: httpx.Response) -> str:
    payload = response.json()
    envelope = payload.get("response") or payload["nkoneps.com.response.ResponseError"]
    return envelope["header"]["resultCode"]


def key(**params: str) -> dict[str, str]:
    return {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json", **params}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("begin", "end"),
    [
        ("2025070100", "202507312359"),  # too short
        ("202513010000", "202512312359"),  # month 13
        ("202502300000", "202503012359"),  # 30 February
        ("202507012460", "202507312359"),  # minute 60
        ("20250701", "20250731"),  # a date where a date-time is expected
        ("2025-07-01", "2025-07-31"),
    ],
)
async def test_malformed_datetimes_get_06(client: httpx.AsyncClient, begin: str, end: str) -> None:
    response = await client.get(BID_THNG, params=bid_params(inqryBgnDt=begin, inqryEndDt=end))
    assert response.status_code == 200
    assert response.json() == {
        "nkoneps.com.response.ResponseError": {
            "header": {"resultCode": "06", "resultMsg": "DATE Format 에러"}
        }
    }


@pytest.mark.anyio
async def test_date_params_of_contract_search_take_yyyymmdd(client: httpx.AsyncClient) -> None:
    as_date = key(inqryDiv="1", inqryBgnDate="20250701", inqryEndDate="20250731")
    as_datetime = key(inqryDiv="1", inqryBgnDate="202507010000", inqryEndDate="202507312359")
    assert result_code(await client.get(CONTRACT_PPS, params=as_date)) == "00"
    assert result_code(await client.get(CONTRACT_PPS, params=as_datetime)) == "06"


@pytest.mark.anyio
async def test_provider_errors_come_as_xml_without_type_json(client: httpx.AsyncClient) -> None:
    response = await client.get(BID_THNG, params=bid_params(type=None, inqryBgnDt="2025"))
    assert response.status_code == 200
    assert response.text.endswith(
        "<nkoneps.com.response.ResponseError><header><resultCode>06</resultCode>"
        "<resultMsg>DATE Format 에러</resultMsg></header></nkoneps.com.response.ResponseError>"
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("end", "code"),
    [("202507312359", "00"), ("202508010000", "00"), ("202508020000", "07"), ("202512312359", "07")],
)
async def test_bid_lists_refuse_more_than_a_calendar_month(
    client: httpx.AsyncClient, end: str, code: str
) -> None:
    response = await client.get(BID_THNG, params=bid_params(inqryEndDt=end))
    assert result_code(response) == code


@pytest.mark.anyio
async def test_a_reversed_range_gets_07(client: httpx.AsyncClient) -> None:
    response = await client.get(
        BID_THNG, params=bid_params(inqryBgnDt="202507100000", inqryEndDt="202507010000")
    )
    assert result_code(response) == "07"


@pytest.mark.anyio
async def test_documented_limits_day_week_and_year(client: httpx.AsyncClient) -> None:
    # The doc's own example of the one-day limit (opengBgnDt 0701 0000 to opengEndDt 0702 2359).
    day_ok = key(bsnsDivCd="3", opengBgnDt="202507010000", opengEndDt="202507022359")
    day_over = key(bsnsDivCd="3", opengBgnDt="202507010000", opengEndDt="202507030000")
    assert result_code(await client.get(OPEN_STD_AWARDS, params=day_ok)) in ("00", "03")
    assert result_code(await client.get(OPEN_STD_AWARDS, params=day_over)) == "07"
    week_ok = key(cntrctCnclsBgnDate="20250301", cntrctCnclsEndDate="20250308")
    week_over = key(cntrctCnclsBgnDate="20250301", cntrctCnclsEndDate="20250309")
    assert result_code(await client.get(OPEN_STD_CONTRACTS, params=week_ok)) in ("00", "03")
    assert result_code(await client.get(OPEN_STD_CONTRACTS, params=week_over)) == "07"
    year_ok = key(rgstDtBgnDt="202501010000", rgstDtEndDt="202601010000")
    year_over = key(rgstDtBgnDt="202501010000", rgstDtEndDt="202601020000")
    assert result_code(await client.get(MAS, params=year_ok)) == "00"
    assert result_code(await client.get(MAS, params=year_over)) == "07"


@pytest.mark.anyio
async def test_open_standard_awards_require_their_dates(client: httpx.AsyncClient) -> None:
    response = await client.get(OPEN_STD_AWARDS, params=key(bsnsDivCd="3"))
    assert result_code(response) == "08"


def test_bounds_are_inclusive_at_the_params_granularity() -> None:
    day = parse_bound("20250731", "date", end=True)
    minute = parse_bound("202507312359", "datetime", end=True)
    assert day == minute
    assert parse_bound("202507", "month", end=True) == minute
    assert parse_bound("2025", "year", end=False) == parse_bound("202501010000", "datetime", end=False)


def test_month_limits_follow_the_calendar() -> None:
    one_month = Limit("month", 1, "doc")
    jan_31 = parse_bound("202501310000", "datetime", end=False)
    assert jan_31 is not None
    feb_28 = parse_bound("202502282359", "datetime", end=True)
    mar_01 = parse_bound("202503010000", "datetime", end=True)
    assert feb_28 is not None and mar_01 is not None
    assert not exceeds((jan_31, feb_28), one_month)
    assert exceeds((jan_31, mar_01), one_month)
