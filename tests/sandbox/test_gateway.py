"""The gateway layer: envelopes, paging, service key (30), routing (12) and required params (08)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from naramarket.sandbox import DEFAULT_SERVICE_KEY

from .helpers import BID_THNG, bid_params, body


def gateway_code(response: httpx.Response) -> str:
    """returnReasonCode of an OpenAPI_ServiceResponse XML error."""
    root = ET.fromstring(response.content)
    assert root.tag == "OpenAPI_ServiceResponse"
    return root.findtext("cmmMsgHeader/returnReasonCode") or ""


@pytest.mark.anyio
async def test_json_answer_has_the_gateway_envelope_and_string_values(client: httpx.AsyncClient) -> None:
    response = await client.get(BID_THNG, params=bid_params(numOfRows="5"))
    payload = response.json()
    assert payload["response"]["header"] == {"resultCode": "00", "resultMsg": "정상"}
    page = payload["response"]["body"]
    assert (page["numOfRows"], page["pageNo"]) == (5, 1)
    assert isinstance(page["totalCount"], int) and page["totalCount"] > 5
    assert len(page["items"]) == 5
    assert all(isinstance(v, str) for item in page["items"] for v in item.values())
    assert response.headers["x-naramarket-sandbox"] == "1"
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.anyio
async def test_without_type_json_the_same_page_comes_as_xml(client: httpx.AsyncClient) -> None:
    as_json = body(await client.get(BID_THNG, params=bid_params(numOfRows="3")))
    response = await client.get(BID_THNG, params=bid_params(numOfRows="3", type=None))
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "response"
    assert root.findtext("header/resultCode") == "00"
    items = root.findall("body/items/item")
    assert [i.findtext("bidNtceNo") for i in items] == [i["bidNtceNo"] for i in as_json["items"]]
    # URLs carry "&", which must arrive escaped and decode back to the JSON value.
    assert items[0].findtext("bidNtceDtlUrl") == as_json["items"][0]["bidNtceDtlUrl"]
    assert root.findtext("body/totalCount") == str(as_json["totalCount"])


@pytest.mark.anyio
async def test_pages_partition_the_result_in_a_stable_order(client: httpx.AsyncClient) -> None:
    whole = body(await client.get(BID_THNG, params=bid_params(numOfRows="999")))
    total = whole["totalCount"]
    paged: list[dict[str, str]] = []
    for page in range(1, total // 7 + 2):
        paged += body(await client.get(BID_THNG, params=bid_params(numOfRows="7", pageNo=str(page))))["items"]
    assert paged == whole["items"]
    assert len({item["bidNtceNo"] for item in paged}) == total


@pytest.mark.anyio
async def test_a_page_past_the_end_is_empty_but_keeps_the_total(client: httpx.AsyncClient) -> None:
    total = body(await client.get(BID_THNG, params=bid_params()))["totalCount"]
    response = await client.get(BID_THNG, params=bid_params(pageNo=str(total // 10 + 2)))
    assert response.json()["response"]["header"]["resultCode"] == "00"
    assert body(response)["items"] == []
    assert body(response)["totalCount"] == total


@pytest.mark.anyio
async def test_a_range_without_records_answers_03_with_empty_string_items(client: httpx.AsyncClient) -> None:
    response = await client.get(
        BID_THNG, params=bid_params(inqryBgnDt="202401010000", inqryEndDt="202401202359")
    )
    assert response.json() == {
        "response": {
            "header": {"resultCode": "03", "resultMsg": "NODATA_ERROR"},
            "body": {"items": "", "numOfRows": 10, "pageNo": 1, "totalCount": 0},
        }
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    "query",
    [
        "type=json&inqryDiv=1",  # no key at all
        "type=json&inqryDiv=1&ServiceKey=not-a-key",
        "type=json&inqryDiv=1&ServiceKey=naramarket%252Bsandbox%252Fkey%253D%253D",  # double-encoded
        "type=json&inqryDiv=1&ServiceKey=naramarket+sandbox/key==",  # "+" unencoded reads as a space
    ],
    ids=["missing", "wrong", "double-encoded", "plus-unencoded"],
)
async def test_bad_service_keys_get_code_30_as_xml_with_403(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"{BID_THNG}?{query}")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/xml")
    assert gateway_code(response) == "30"
    assert b"SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in response.content


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["ServiceKey", "serviceKey", "SERVICEKEY"])
async def test_the_key_parameter_name_is_case_insensitive(client: httpx.AsyncClient, name: str) -> None:
    query = f"type=json&inqryDiv=1&{name}=naramarket%2Bsandbox%2Fkey%3D%3D"
    response = await client.get(f"{BID_THNG}?{query}")
    assert response.json()["response"]["header"]["resultCode"] == "00"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path",
    [
        "/1230000/ad/BidPublicInfoService/getBidPblancListInfoThng02",  # unknown operation
        "/1230000/ao/BidPublicInfoService/getBidPblancListInfoThng",  # wrong prefix
        "/1230000/BidPublicInfoService04/getBidPblancListInfoThng",  # pre-2025 path
        "/1230000/at/ShoppingMallPrdctInfoService05/getMASCntrctPrdctInfoList",  # renamed service
    ],
)
async def test_unknown_services_get_code_12_with_400(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, params={"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json"})
    assert response.status_code == 400
    assert gateway_code(response) == "12"


@pytest.mark.anyio
async def test_missing_required_params_get_08_in_the_provider_error_envelope(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(BID_THNG, params=bid_params(inqryDiv=None))
    assert response.status_code == 200
    assert response.json() == {
        "nkoneps.com.response.ResponseError": {
            "header": {"resultCode": "08", "resultMsg": "필수값 입력 에러"}
        }
    }
    half_range = await client.get(BID_THNG, params=bid_params(inqryEndDt=None))
    assert half_range.json()["nkoneps.com.response.ResponseError"]["header"]["resultCode"] == "08"


@pytest.mark.anyio
async def test_without_date_params_the_whole_record_set_is_returned(client: httpx.AsyncClient) -> None:
    everything = body(await client.get(BID_THNG, params=bid_params(inqryBgnDt=None, inqryEndDt=None)))
    july = body(await client.get(BID_THNG, params=bid_params()))
    assert everything["totalCount"] > 5 * july["totalCount"]


@pytest.mark.anyio
async def test_a_search_by_notice_number_finds_that_notice(client: httpx.AsyncClient) -> None:
    params = bid_params(inqryDiv="2", inqryBgnDt=None, inqryEndDt=None, bidNtceNo="R25BK00940072")
    page = body(await client.get(BID_THNG, params=params))
    assert page["totalCount"] == 1
    assert page["items"][0]["bidNtceNo"] == "R25BK00940072"
    assert "bidPbancNo=R25BK00940072" in page["items"][0]["bidNtceDtlUrl"]
