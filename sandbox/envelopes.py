"""Response bodies, byte for byte in the upstream's three envelopes.

- success / no data: ``{"response":{"header":…,"body":…}}`` or ``<response>…`` (HTTP 200)
- provider errors 06/07/08: ``{"nkoneps.com.response.ResponseError":{"header":…}}`` (HTTP 200)
- gateway errors 12/22/23/30: ``<OpenAPI_ServiceResponse>`` XML, even when JSON was asked for
"""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec

__all__ = [
    "JSON_TYPE",
    "XML_TYPE",
    "Reply",
    "gateway_error",
    "no_data",
    "provider_error",
    "success",
]

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "text/xml;charset=UTF-8"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_encode_json = msgspec.json.Encoder().encode

PROVIDER_MESSAGES = {
    "00": "정상",
    "03": "NODATA_ERROR",
    "06": "DATE Format 에러",
    "07": "입력범위값 초과 에러",
    "08": "필수값 입력 에러",
}
_PER_SECOND_KO = "초당 서비스 요청제한 횟수 초과 에러"
# code -> (HTTP status, errMsg, returnAuthMsg). 30 -> 403 and 12 -> 400 were probed live; the
# statuses of 22/23 are unverified (429 chosen). 23's wording follows the recorded fixture.
GATEWAY_ERRORS = {
    "12": (400, "SERVICE ERROR", "NO_OPENAPI_SERVICE_ERROR"),
    "22": (429, "SERVICE ERROR", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR"),
    "23": (429, "LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR", _PER_SECOND_KO),
    "30": (403, "SERVICE ERROR", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR"),
}


class Reply(NamedTuple):
    """A complete HTTP answer."""

    status: int
    content_type: str
    body: bytes
    result_code: str


def success(
    rows: list[dict[str, str]], page_no: int, num_rows: int, total: int, *, as_json: bool, items_shape: str
) -> Reply:
    """Code 00 with one page of items (possibly none, past the last page)."""
    if as_json:
        return _json_response("00", _shape(rows, items_shape), num_rows, page_no, total)
    items = "".join(_xml_item(row) for row in rows)
    return _xml_response("00", f"<items>{items}</items>", num_rows, page_no, total)


def no_data(page_no: int, num_rows: int, *, as_json: bool) -> Reply:
    """Code 03: ``items`` is an empty string and totalCount 0 (recorded live)."""
    if as_json:
        return _json_response("03", "", num_rows, page_no, 0)
    return _xml_response("03", "<items/>", num_rows, page_no, 0)


def provider_error(code: str, *, as_json: bool) -> Reply:
    """06/07/08 in the ``nkoneps.com.response.ResponseError`` envelope, HTTP 200."""
    header = {"resultCode": code, "resultMsg": PROVIDER_MESSAGES[code]}
    if as_json:
        body = _encode_json({"nkoneps.com.response.ResponseError": {"header": header}})
        return Reply(200, JSON_TYPE, body, code)
    xml = (
        f"{_XML_DECL}<nkoneps.com.response.ResponseError><header><resultCode>{code}</resultCode>"
        f"<resultMsg>{header['resultMsg']}</resultMsg></header></nkoneps.com.response.ResponseError>"
    )
    return Reply(200, XML_TYPE, xml.encode(), code)


def gateway_error(code: str) -> Reply:
    """A data.go.kr gateway refusal (12, 22, 23, 30): always XML."""
    status, err_msg, auth_msg = GATEWAY_ERRORS[code]
    xml = (
        f"{_XML_DECL}<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>{err_msg}</errMsg>"
        f"<returnAuthMsg>{auth_msg}</returnAuthMsg><returnReasonCode>{code}</returnReasonCode>"
        "</cmmMsgHeader></OpenAPI_ServiceResponse>"
    )
    return Reply(status, XML_TYPE, xml.encode(), code)


def _shape(rows: list[dict[str, str]], items_shape: str) -> Any:
    """The JSON ``items`` value; the variants exist to test client tolerance."""
    single = len(rows) == 1
    if items_shape == "item_list" or (items_shape == "item_object" and not single):
        return {"item": rows}
    if items_shape == "item_object":
        return {"item": rows[0]}
    if items_shape == "object" and single:
        return rows[0]
    return rows


def _json_response(code: str, items: Any, num_rows: int, page_no: int, total: int) -> Reply:
    body = {"items": items, "numOfRows": num_rows, "pageNo": page_no, "totalCount": total}
    header = {"resultCode": code, "resultMsg": PROVIDER_MESSAGES[code]}
    envelope = {"response": {"header": header, "body": body}}
    return Reply(200, JSON_TYPE, _encode_json(envelope), code)


def _xml_response(code: str, items: str, num_rows: int, page_no: int, total: int) -> Reply:
    xml = (
        f"{_XML_DECL}<response><header><resultCode>{code}</resultCode><resultMsg>{PROVIDER_MESSAGES[code]}"
        f"</resultMsg></header><body>{items}<numOfRows>{num_rows}</numOfRows><pageNo>{page_no}</pageNo>"
        f"<totalCount>{total}</totalCount></body></response>"
    )
    return Reply(200, XML_TYPE, xml.encode(), code)


def _xml_item(row: dict[str, str]) -> str:
    return "<item>" + "".join(f"<{k}>{v.translate(_ESCAPES)}</{k}>" for k, v in row.items()) + "</item>"
