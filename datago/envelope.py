"""Decoding data.go.kr envelopes: JSON and XML success bodies and every error form.

Upstream facts (see g2b-reference): ``response.header.resultCode`` 00 = ok, 03 = no data;
gateway errors arrive as ``OpenAPI_ServiceResponse/cmmMsgHeader`` (usually XML, even when JSON
was asked, with any HTTP status); a provider may answer its own errors with HTTP 200 under a key
of its own (조달청: ``nkoneps.com.response.ResponseError``, declared on its ``Api``);
``body.items`` may be a list, ``{"item": [...]}``, ``{"item": {...}}``, one object or ``""``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from naramarket.kernel import UpstreamUnavailable

from .errors import error_for_code
from .operation import Api
from .records import Record, RecordCodec

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["Page", "decode_page"]

T = TypeVar("T")
R = TypeVar("R", bound=Record)


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One decoded upstream page."""

    items: list[T]
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


class _ItemWrapper(msgspec.Struct):
    item: msgspec.Raw = msgspec.Raw(b"")  # Raw takes any JSON value; b"" = key absent


_WRAPPER = msgspec.json.Decoder(_ItemWrapper)


@cache
def _envelope_decoder(error_envelopes: tuple[str, ...]) -> msgspec.json.Decoder[Any]:
    """A decoder of the top-level object that reads the success, gateway and provider-error keys."""
    fields: list[tuple[str, Any, Any]] = [
        ("response", _Response | None, None),
        ("gateway_error", _GatewayError | None, None),
    ]
    rename = {"gateway_error": "OpenAPI_ServiceResponse"}
    for index, key in enumerate(error_envelopes):
        fields.append((f"provider_error_{index}", _ProviderError | None, None))
        rename[f"provider_error_{index}"] = key
    envelope = msgspec.defstruct("Envelope", fields, rename=rename)
    return msgspec.json.Decoder(envelope)


def _decode_items(raw: bytes, codec: RecordCodec[Any]) -> list[Any]:
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


def decode_page(content: bytes, codec: RecordCodec[R], api: Api) -> Page[R]:
    """Decode one upstream body into a ``Page`` of typed records, or raise a typed error."""
    head = content.lstrip()[:1]
    if head == b"<":
        return _decode_xml(content, codec, api)
    if head != b"{":
        raise UpstreamUnavailable("data.go.kr sent a body that is neither JSON nor XML")
    try:
        env = _envelope_decoder(api.error_envelopes).decode(content)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UpstreamUnavailable(f"unreadable upstream body: {exc}") from None
    if env.gateway_error is not None:
        h = env.gateway_error.cmmMsgHeader
        raise error_for_code(h.returnReasonCode or "99", h.returnAuthMsg or h.errMsg, api.codes, api.messages)
    for index in range(len(api.error_envelopes)):
        provider_error = getattr(env, f"provider_error_{index}")
        if provider_error is not None:
            h2 = provider_error.header
            raise error_for_code(h2.resultCode or "99", h2.resultMsg, api.codes, api.messages)
    if env.response is None:
        raise UpstreamUnavailable("upstream JSON has no 'response' envelope")
    header = env.response.header
    code = header.resultCode.strip()
    body = env.response.body
    if code == "03" or (body is None and code in ("00", "0")):
        return Page(items=[], total_count=0, page_no=1, num_of_rows=0, result_code=code.zfill(2))
    if code not in ("00", "0"):
        raise error_for_code(code, header.resultMsg, api.codes, api.messages)
    assert body is not None
    try:
        views = _decode_items(bytes(body.items), codec)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UpstreamUnavailable(f"unreadable upstream items: {exc}") from None
    return Page(
        items=codec.from_views(views),
        total_count=_as_int(body.totalCount, 0),
        page_no=_as_int(body.pageNo, 1),
        num_of_rows=_as_int(body.numOfRows, len(views)),
    )


def _text(node: Element | None, tag: str) -> str:
    found = node.find(tag) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _decode_xml(content: bytes, codec: RecordCodec[R], api: Api) -> Page[R]:
    import xml.etree.ElementTree as ET  # only XML answers (errors, some gateways) need it

    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise UpstreamUnavailable(f"unreadable upstream XML: {exc}") from None
    if root.tag == "OpenAPI_ServiceResponse":
        header = root.find("cmmMsgHeader")
        code = _text(header, "returnReasonCode") or "99"
        raise error_for_code(
            code, _text(header, "returnAuthMsg") or _text(header, "errMsg"), api.codes, api.messages
        )
    if root.tag in api.error_envelopes or root.tag.endswith("ResponseError"):
        header = root.find("header")
        raise error_for_code(
            _text(header, "resultCode") or "99", _text(header, "resultMsg"), api.codes, api.messages
        )
    if root.tag != "response":
        raise UpstreamUnavailable(f"unexpected upstream XML root <{root.tag}>")
    header = root.find("header")
    code = _text(header, "resultCode")
    if code == "03":
        return Page(items=[], total_count=0, page_no=1, num_of_rows=0, result_code="03")
    if code not in ("00", "0"):
        raise error_for_code(code, _text(header, "resultMsg"), api.codes, api.messages)
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
