"""kernel/envelope.py: every body data.go.kr sends decodes to the same records or a typed error."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naramarket.datago import (
    KST,
    AccessDenied,
    InvalidParameter,
    KeyExpired,
    KeyNotRegistered,
    QuotaExceeded,
    RangeTooWide,
    RateLimited,
    Record,
    ServiceNotFound,
    UnregisteredIp,
    UpstreamError,
    UpstreamUnavailable,
    wire,
)
from naramarket.datago.envelope import decode_page
from naramarket.datago.g2b import G2B
from naramarket.datago.records import codec_for
from naramarket.kernel.host import problem

from .fakes import (
    FIXTURES,
    MISSING,
    gateway_json,
    gateway_xml,
    provider_error_json,
    success_json,
    success_xml,
)


class Notice(Record):
    """Three text fields of a bid notice: enough to tell records apart."""

    notice_no: Annotated[str, wire("bidNtceNo")] = ""
    title: Annotated[str, wire("bidNtceNm")] = ""
    agency: Annotated[str, wire("ntceInsttNm")] = ""


NOTICE = codec_for(Notice)
WIRE_NAMES = {"notice_no": "bidNtceNo", "title": "bidNtceNm", "agency": "ntceInsttNm"}


def expected(item: dict[str, str]) -> Notice:
    """What a wire item must decode to: its declared fields, trimmed; absent fields empty."""
    return Notice(**{attr: item.get(wire, "").strip() for attr, wire in WIRE_NAMES.items()})


# -- items shapes: one property per shape, JSON and XML ---------------------------------------------

# Text that XML 1.0 can carry (no C0 controls but tab/newline/CR, no surrogates or non-characters),
# plus values a lax decoder might mistake for numbers, booleans or null.
_xml_char = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn")) | st.sampled_from("\t\n\r")
wire_value = st.text(_xml_char, max_size=12) | st.sampled_from(
    ["", " ", "null", "true", "N", "1.0", "1e5", "007", "42,800,000", " R25BK00000001 "]
)
wire_item = st.fixed_dictionaries(
    # Always an undeclared field too: the record's view must skip what it does not read.
    {"opengCorpInfo": st.just("베이스테크 주식회사^3258701326^이명석^120350000^99.462")},
    optional={wire: wire_value for wire in WIRE_NAMES.values()},
)

# shape -> (how to render the items, how many items that shape can hold)
SHAPES: dict[str, tuple[Any, tuple[int, int]]] = {
    "list": (lambda items: items, (0, 6)),
    "item-list": (lambda items: {"item": items}, (0, 6)),
    "item-object": (lambda items: {"item": items[0]}, (1, 1)),
    "bare-object": (lambda items: items[0], (1, 1)),
    "empty-string": (lambda items: "", (0, 0)),
    "missing": (lambda items: MISSING, (0, 0)),
}


@pytest.mark.parametrize(
    "shape",
    [
        "list",
        "item-list",
        "item-object",
        "bare-object",
        "empty-string",
        "missing",
    ],
)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_items_shape_decodes_to_the_same_records(shape: str, data: st.DataObject) -> None:
    render, (low, high) = SHAPES[shape]
    items = data.draw(st.lists(wire_item, min_size=low, max_size=high), label="items")
    want = [expected(item) for item in items]

    from_json = decode_page(success_json(render(items), total=len(items)), NOTICE, G2B)
    xml_items = None if shape == "missing" else items
    from_xml = decode_page(success_xml(xml_items, total=len(items)), NOTICE, G2B)

    assert from_json.items == want
    assert from_xml.items == want
    assert from_json.total_count == from_xml.total_count == len(items)


# -- no data ---------------------------------------------------------------------------------------


def test_nodata_03_is_an_empty_page_not_an_error() -> None:
    page = decode_page((FIXTURES / "nodata__03_items_empty_string.json").read_bytes(), NOTICE, G2B)
    assert page.items == []
    assert page.total_count == 0


def test_nodata_03_in_xml_is_an_empty_page() -> None:
    body = (
        b"<response><header><resultCode>03</resultCode><resultMsg>NODATA_ERROR</resultMsg></header>"
        b"<body><items/><numOfRows>10</numOfRows><pageNo>1</pageNo><totalCount>0</totalCount></body>"
        b"</response>"
    )
    assert decode_page(body, NOTICE, G2B).items == []


# -- provider errors (HTTP 200, nkoneps.com.response.ResponseError) ---------------------------------


@pytest.mark.parametrize(
    ("code", "error", "stable_code"),
    [
        ("06", InvalidParameter, "invalid_parameter"),
        ("07", RangeTooWide, "range_too_wide"),
        ("08", InvalidParameter, "invalid_parameter"),
    ],
)
@pytest.mark.parametrize("form", ["json", "xml"])
def test_provider_error_envelope_is_a_typed_error_not_zero_items(
    code: str, error: type[UpstreamError], stable_code: str, form: str
) -> None:
    if form == "json":
        body = provider_error_json(code)
    else:
        body = (
            "<nkoneps.com.response.ResponseError><header>"
            f"<resultCode>{code}</resultCode><resultMsg>x</resultMsg></header>"
            "</nkoneps.com.response.ResponseError>"
        ).encode()
    with pytest.raises(error) as caught:
        decode_page(body, NOTICE, G2B)
    assert caught.value.code == stable_code
    assert caught.value.upstream_code == code
    assert problem(caught.value)["upstream_code"] == code


@pytest.mark.parametrize("code", ["01", "02", "04", "05"])
def test_provider_failures_are_upstream_unavailable(code: str) -> None:
    body = json.dumps({"response": {"header": {"resultCode": code, "resultMsg": "ERROR"}}}).encode()
    with pytest.raises(UpstreamUnavailable) as caught:
        decode_page(body, NOTICE, G2B)
    assert caught.value.upstream_code == code


def test_unknown_result_code_is_a_generic_upstream_error_with_its_code() -> None:
    body = json.dumps({"response": {"header": {"resultCode": "99", "resultMsg": "UNKNOWN"}}}).encode()
    with pytest.raises(UpstreamError) as caught:
        decode_page(body, NOTICE, G2B)
    assert (caught.value.code, caught.value.upstream_code) == ("upstream_error", "99")


# -- gateway errors (OpenAPI_ServiceResponse, XML or JSON) ------------------------------------------

GATEWAY_ERRORS: dict[str, tuple[type[UpstreamError], str]] = {
    "12": (ServiceNotFound, "service_not_found"),
    "20": (AccessDenied, "access_denied"),
    "22": (QuotaExceeded, "quota_exceeded"),
    "23": (RateLimited, "rate_limited"),
    "30": (KeyNotRegistered, "key_not_registered"),
    "31": (KeyExpired, "key_expired"),
    "32": (UnregisteredIp, "unregistered_ip"),
}


@given(code=st.sampled_from(sorted(GATEWAY_ERRORS)), form=st.sampled_from(["xml", "json"]))
def test_gateway_errors_map_to_typed_errors_with_stable_codes(code: str, form: str) -> None:
    error, stable_code = GATEWAY_ERRORS[code]
    body = gateway_xml(code) if form == "xml" else gateway_json(code)
    with pytest.raises(error) as caught:
        decode_page(body, NOTICE, G2B)
    assert type(caught.value) is error
    assert caught.value.code == stable_code
    assert caught.value.upstream_code == code
    assert problem(caught.value)["code"] == stable_code


def test_key_not_registered_explains_the_fix() -> None:
    with pytest.raises(KeyNotRegistered) as caught:
        decode_page(gateway_xml("30"), NOTICE, G2B)
    assert "NARAMARKET_SERVICE_KEY" in caught.value.detail
    assert "Decoding" in caught.value.detail


# -- malformed bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"Internal Server Error",
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b"[]",
        b'{"unexpected": {"shape": true}}',
        b'{"response": {"header": {"resultCode": "00"}, "body": {"items": [1, 2]}}}',
        b'{"response": {"header": {"resultCode": "00"}, "body": {"items": [{"bidNtceNo": {"x": 1}}]}}}',
    ],
    ids=repr,
)
def test_unreadable_bodies_are_upstream_unavailable(body: bytes) -> None:
    with pytest.raises(UpstreamUnavailable):
        decode_page(body, NOTICE, G2B)


SUCCESS_BODIES = {
    "json": success_json([{"bidNtceNo": "R25BK00000001", "bidNtceNm": "데스크톱컴퓨터 구매"}], total=1),
    "xml": success_xml([{"bidNtceNo": "R25BK00000001", "bidNtceNm": "데스크톱컴퓨터 구매"}], total=1),
    "fixture": (FIXTURES / "ScsbidInfoService__getOpengResultListInfoCnstwk.json").read_bytes().strip(),
}


@given(kind=st.sampled_from(sorted(SUCCESS_BODIES)), cut=st.floats(0, 1, exclude_max=True))
def test_truncated_bodies_are_upstream_unavailable(kind: str, cut: float) -> None:
    body = SUCCESS_BODIES[kind].strip()
    with pytest.raises(UpstreamUnavailable):
        decode_page(body[: int(len(body) * cut)], NOTICE, G2B)


# -- the recorded fixtures --------------------------------------------------------------------------


class OpeningResult(Record):
    """The fields every 개찰결과 fixture shares."""

    notice_no: Annotated[str, wire("bidNtceNo")] = ""
    notice_order: Annotated[str, wire("bidNtceOrd")] = ""
    opened_at: Annotated[dt.datetime | None, wire("opengDt")] = None


OPENING_FIXTURES = sorted(p.name for p in FIXTURES.glob("ScsbidInfoService__*.json"))


@pytest.mark.parametrize("name", OPENING_FIXTURES)
def test_recorded_success_fixtures_decode(name: str) -> None:
    raw = json.loads((FIXTURES / name).read_bytes())["response"]["body"]
    page = decode_page((FIXTURES / name).read_bytes(), codec_for(OpeningResult), G2B)
    assert page.total_count == raw["totalCount"]
    assert [r.notice_no for r in page.items] == [item["bidNtceNo"] for item in raw["items"]]
    assert all(r.notice_order == "000" for r in page.items)
    for record, item in zip(page.items, raw["items"], strict=True):
        if item.get("opengDt"):
            assert record.opened_at is not None
            assert record.opened_at.strftime("%Y-%m-%d %H:%M:%S") == item["opengDt"]
            assert record.opened_at.utcoffset() == dt.timedelta(hours=9)


@pytest.mark.parametrize(
    ("name", "error", "upstream_code"),
    [
        ("error__nkoneps_ResponseError_06.json", InvalidParameter, "06"),
        ("error__nkoneps_ResponseError_07.json", RangeTooWide, "07"),
        ("gateway__OpenAPI_ServiceResponse_23.xml", RateLimited, "23"),
        ("gateway__OpenAPI_ServiceResponse_30.json", KeyNotRegistered, "30"),
    ],
)
def test_recorded_error_fixtures_raise_their_typed_error(
    name: str, error: type[UpstreamError], upstream_code: str
) -> None:
    with pytest.raises(error) as caught:
        decode_page((FIXTURES / name).read_bytes(), NOTICE, G2B)
    assert caught.value.upstream_code == upstream_code


class MasProduct(Record):
    """Typed fields of the official getMASCntrctPrdctInfoList example."""

    product_id: Annotated[str, wire("prdctIdntNo")] = ""
    price: Annotated[int | None, wire("cntrctPrceAmt")] = None
    order_price: Annotated[int | None, wire("orderCalclPrceAmt")] = None
    delivery_days: Annotated[int | None, wire("dlvrTmlmtDaynum")] = None
    sme_competition: Annotated[bool | None, wire("smetprCmptProdctYn")] = None
    excellent_product: Annotated[bool | None, wire("exclncPrcrmntPrdctYn")] = None
    contract_date: Annotated[dt.date | None, wire("cntrctDate")] = None
    contract_end: Annotated[dt.date | None, wire("cntrctEndDate")] = None
    registered_at: Annotated[dt.datetime | None, wire("rgstDt")] = None
    changed_at: Annotated[dt.datetime | None, wire("chgDt")] = None


def test_official_xml_example_decodes_to_typed_values() -> None:
    body = (FIXTURES / "doc__ShoppingMallPrdctInfoService__getMASCntrctPrdctInfoList.xml").read_bytes()
    page = decode_page(body, codec_for(MasProduct), G2B)
    assert page.total_count == 1
    assert page.items == [
        MasProduct(
            product_id="22692416",
            price=42_800_000,
            order_price=None,
            delivery_days=40,
            sme_competition=True,
            excellent_product=False,
            contract_date=dt.date(2025, 6, 24),
            contract_end=dt.date(2026, 6, 30),
            registered_at=dt.datetime(2025, 7, 1, 6, 30, 20, tzinfo=KST),
            changed_at=None,
        )
    ]
