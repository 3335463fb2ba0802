"""Decoding data.go.kr envelopes: JSON and XML success bodies and every error form.

Upstream facts (see g2b-reference): ``response.header.resultCode`` 00 = ok, 03 = no data;
provider errors arrive with HTTP 200 under ``nkoneps.com.response.ResponseError``; gateway errors
arrive as ``OpenAPI_ServiceResponse/cmmMsgHeader`` (usually XML, even when JSON was asked, with
any HTTP status); ``body.items`` may be a list, ``{"item": [...]}``, ``{"item": {...}}``, one
object or ``""``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import msgspec

from . import errors
from .records import Record, RecordCodec

__all__ = ["Page", "decode_page", "error_for_code"]


class Page(msgspec.Struct, kw_only=True):
    """One decoded upstream page."""

    items: list[Record]
    total_count: int
    page_no: int
    num_of_rows: int
    result_code: str = "00"  # "03" for a no-data answer (an empty page, not an error)


class _Header(msgspec.Struct):
    resultCode: str = ""
    resultMsg: str = ""


class _Body(msgspec.Struct):
    items: msgspec.Raw = msgspec.Raw(b'""')
    totalCount: int | str = 0
    pageNo: int | str = 1
    numOfRows: int | str = 0


class _Response(msgspec.Struct):
    header: _Header = msgspec.field(default_factory=_Header)
    body: _Body | None = None


class _ProviderError(msgspec.Struct):
    header: _Header = msgspec.field(default_factory=_Header)


class _GatewayHeader(msgspec.Struct):
    errMsg: str = ""
    returnAuthMsg: str = ""
    returnReasonCode: str = ""


class _GatewayError(msgspec.Struct):
    cmmMsgHeader: _GatewayHeader = msgspec.field(default_factory=_GatewayHeader)


class _Envelope(msgspec.Struct):
    response: _Response | None = None
    provider_error: _ProviderError | None = msgspec.field(
        default=None, name="nkoneps.com.response.ResponseError"
    )
    gateway_error: _GatewayError | None = msgspec.field(default=None, name="OpenAPI_ServiceResponse")


class _ItemWrapper(msgspec.Struct):
    item: msgspec.Raw = msgspec.Raw(b"")  # Raw takes any JSON value; b"" = key absent


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_WRAPPER = msgspec.json.Decoder(_ItemWrapper)

# Upstream code -> error class. 03 is not here: no data is an empty page, not an error.
_CODES: dict[str, type[errors.UpstreamError]] = {
    "01": errors.UpstreamUnavailable,
    "02": errors.UpstreamUnavailable,
    "04": errors.UpstreamUnavailable,
    "05": errors.UpstreamUnavailable,
    "06": errors.InvalidParameter,
    "07": errors.RangeTooWide,
    "08": errors.InvalidParameter,
    "10": errors.InvalidParameter,
    "11": errors.InvalidParameter,
    "12": errors.ServiceNotFound,
    "20": errors.AccessDenied,
    "22": errors.QuotaExceeded,
    "23": errors.RateLimited,
    "30": errors.KeyNotRegistered,
    "31": errors.KeyExpired,
    "32": errors.UnregisteredIp,
}


def error_for_code(code: str, message: str) -> errors.UpstreamError:
    """The typed error for an upstream result/reason code."""
    code = code.strip().zfill(2)
    cls = _CODES.get(code, errors.UpstreamError)
    detail = f"data.go.kr answered {code} {message}".strip()
    if cls is errors.KeyNotRegistered:
        return errors.KeyNotRegistered(upstream_code=code)
    return cls(detail, upstream_code=code)


def _decode_items(raw: bytes, codec: RecordCodec) -> list[Any]:
    """Any ``items`` shape -> a list of view objects."""
    raw = raw.strip()
    if not raw or raw in (b'""', b"null"):
        return []
    if raw[:1] == b"[":
        return codec.decode_many(raw)
    if raw[:1] == b"{":
        if raw.replace(b" ", b"") == b"{}":
            return []
        wrapper = _WRAPPER.decode(raw)
        inner = bytes(wrapper.item).strip()
        if inner:
            if inner[:1] == b"[":
                return codec.decode_many(inner)
            if inner[:1] == b"{":
                return [codec.decode_one(inner)]
            return []
        return [codec.decode_one(raw)]
    return []


def _as_int(value: int | str, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def decode_page(content: bytes, codec: RecordCodec) -> Page:
    """Decode one upstream body into a ``Page`` of typed records, or raise a typed error."""
    head = content.lstrip()[:1]
    if head == b"<":
        return _decode_xml(content, codec)
    if head != b"{":
        raise errors.UpstreamUnavailable("data.go.kr sent a body that is neither JSON nor XML")
    try:
        env = _ENVELOPE.decode(content)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise errors.UpstreamUnavailable(f"unreadable upstream body: {exc}") from None
    if env.gateway_error is not None:
        h = env.gateway_error.cmmMsgHeader
        raise error_for_code(h.returnReasonCode or "99", h.returnAuthMsg or h.errMsg)
    if env.provider_error is not None:
        h2 = env.provider_error.header
        raise error_for_code(h2.resultCode or "99", h2.resultMsg)
    if env.response is None:
        raise errors.UpstreamUnavailable("upstream JSON has no 'response' envelope")
    header = env.response.header
    code = header.resultCode.strip()
    body = env.response.body
    if code == "03" or (body is None and code in ("00", "0")):
        return Page(items=[], total_count=0, page_no=1, num_of_rows=0, result_code=code.zfill(2))
    if code not in ("00", "0"):
        raise error_for_code(code, header.resultMsg)
    assert body is not None
    try:
        views = _decode_items(bytes(body.items), codec)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise errors.UpstreamUnavailable(f"unreadable upstream items: {exc}") from None
    return Page(
        items=codec.from_views(views),
        total_count=_as_int(body.totalCount, 0),
        page_no=_as_int(body.pageNo, 1),
        num_of_rows=_as_int(body.numOfRows, len(views)),
    )


def _text(node: ET.Element | None, tag: str) -> str:
    found = node.find(tag) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _decode_xml(content: bytes, codec: RecordCodec) -> Page:
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise errors.UpstreamUnavailable(f"unreadable upstream XML: {exc}") from None
    if root.tag == "OpenAPI_ServiceResponse":
        header = root.find("cmmMsgHeader")
        code = _text(header, "returnReasonCode") or "99"
        raise error_for_code(code, _text(header, "returnAuthMsg") or _text(header, "errMsg"))
    if root.tag == "nkoneps.com.response.ResponseError" or root.tag.endswith("ResponseError"):
        header = root.find("header")
        raise error_for_code(_text(header, "resultCode") or "99", _text(header, "resultMsg"))
    if root.tag != "response":
        raise errors.UpstreamUnavailable(f"unexpected upstream XML root <{root.tag}>")
    header = root.find("header")
    code = _text(header, "resultCode")
    if code == "03":
        return Page(items=[], total_count=0, page_no=1, num_of_rows=0, result_code="03")
    if code not in ("00", "0"):
        raise error_for_code(code, _text(header, "resultMsg"))
    body = root.find("body")
    items_node = body.find("items") if body is not None else None
    rows = [] if items_node is None else items_node.findall("item")
    items = [codec.from_mapping({c.tag: (c.text or "") for c in row}) for row in rows]
    return Page(
        items=items,
        total_count=_as_int(_text(body, "totalCount"), 0),
        page_no=_as_int(_text(body, "pageNo"), 1),
        num_of_rows=_as_int(_text(body, "numOfRows"), len(items)),
    )
