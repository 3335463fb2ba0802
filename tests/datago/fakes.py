"""A fake data.go.kr for the kernel tests: body renderers and a paging server behind MockTransport.

Everything upstream-shaped here follows g2b-reference (README "Response envelope and quirks"):
success bodies in JSON and XML, provider errors under ``nkoneps.com.response.ResponseError`` with
HTTP 200, gateway errors as ``OpenAPI_ServiceResponse`` in XML or JSON.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import anyio
import httpx

from naramarket.datago import Client, Operation, Record, RetryPolicy, make_http_client, wire
from naramarket.datago.g2b import G2bOperation
from naramarket.kernel import NaramarketError, Settings
from naramarket.kernel.host import problem

FIXTURES = Path(__file__).parent / "fixtures"

# Shaped like a portal key: base64, so it holds '+', '/' and '='; the Encoding key percent-encodes them.
DECODING_KEY = "Ab+Cd/Ef0123456789+gh/IJ=="
ENCODING_KEY = quote(DECODING_KEY, safe="")

# Gateway codes from the catalog's error table, with the returnAuthMsg the gateway sends.
GATEWAY_MESSAGES = {
    "12": "NO_OPENAPI_SERVICE_ERROR",
    "20": "SERVICE_ACCESS_DENIED_ERROR",
    "22": "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
    "23": "LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR",
    "30": "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
    "31": "DEADLINE_HAS_EXPIRED_ERROR",
    "32": "UNREGISTERED_IP_ERROR",
}
PROVIDER_MESSAGES = {"06": "DATE Format 에러", "07": "입력범위값 초과 에러", "08": "필수값 입력 에러"}


class Row(Record):
    """A minimal record of a fake operation."""

    row_id: Annotated[str, wire("rowId")] = ""
    name: Annotated[str, wire("rowNm")] = ""


ROWS = G2bOperation("ao/FakeService", "getRowList", record=Row, dedupe_on=("row_id",))
ROWS_WITHOUT_KEY = G2bOperation("ao/FakeService", "getRowList", record=Row)
ROWS_PLAIN_API = Operation("ao/FakeService", "getRowList", record=Row)  # no 조달청 error envelope


def wire_row(index: int) -> dict[str, str]:
    """Row ``index`` of the fake operation, as upstream sends it."""
    return {"rowId": f"R{index:06d}", "rowNm": f"품목 {index}"}


MISSING = object()  # ``items`` absent from the body altogether


def success_json(
    items: Any, *, total: int, page_no: int = 1, num_of_rows: int = 10, code: str = "00"
) -> bytes:
    """A JSON success body whose ``items`` is exactly ``items`` (any upstream shape)."""
    body: dict[str, Any] = {"numOfRows": num_of_rows, "pageNo": page_no, "totalCount": total}
    if items is not MISSING:
        body["items"] = items
    envelope = {"response": {"header": {"resultCode": code, "resultMsg": "정상"}, "body": body}}
    return json.dumps(envelope, ensure_ascii=False).encode()


def _xml_text(value: str) -> str:
    # '\r' would be normalised to '\n' by any XML parser; a character reference keeps it.
    return escape(value).replace("\r", "&#13;")


def success_xml(
    items: list[Mapping[str, str]] | None, *, total: int, page_no: int = 1, num_of_rows: int = 10
) -> bytes:
    """An XML success body; ``items=None`` leaves the ``<items>`` element out."""
    rows = "".join(
        "<item>" + "".join(f"<{k}>{_xml_text(v)}</{k}>" for k, v in item.items()) + "</item>"
        for item in items or []
    )
    items_xml = "" if items is None else f"<items>{rows}</items>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response><header><resultCode>00</resultCode>'
        f"<resultMsg>정상</resultMsg></header><body>{items_xml}<numOfRows>{num_of_rows}</numOfRows>"
        f"<pageNo>{page_no}</pageNo><totalCount>{total}</totalCount></body></response>"
    ).encode()


def gateway_xml(code: str) -> bytes:
    """The gateway's XML error (key, approval, quota, rate, unknown path)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<OpenAPI_ServiceResponse><cmmMsgHeader>'
        f"<errMsg>SERVICE ERROR</errMsg><returnAuthMsg>{GATEWAY_MESSAGES[code]}</returnAuthMsg>"
        f"<returnReasonCode>{code}</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>"
    ).encode()


def gateway_json(code: str) -> bytes:
    """The JSON variant of the gateway error, with the same keys."""
    header = {"errMsg": "SERVICE ERROR", "returnAuthMsg": GATEWAY_MESSAGES[code], "returnReasonCode": code}
    return json.dumps({"OpenAPI_ServiceResponse": {"cmmMsgHeader": header}}).encode()


def provider_error_json(code: str) -> bytes:
    """The HTTP-200 provider error envelope (06, 07, 08)."""
    header = {"resultCode": code, "resultMsg": PROVIDER_MESSAGES[code]}
    return json.dumps({"nkoneps.com.response.ResponseError": {"header": header}}, ensure_ascii=False).encode()


# -- the engine against a fake upstream -------------------------------------------------------------

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


@asynccontextmanager
async def engine(
    handler: Handler,
    *,
    key: str | None = DECODING_KEY,
    cap: int = 10,
    attempts: int = 4,
    retry: RetryPolicy | None = None,
) -> AsyncIterator[Client]:
    """A ``Client`` on the library's own client factory, with ``handler`` as data.go.kr.

    Retries back off for at most 5 ms, so a test with many failures still takes milliseconds.
    """
    settings = Settings(
        service_key=key, max_concurrency=cap, rate_limit=0, api_base="https://fake.test/1230000"
    )
    async with make_http_client(settings, transport=httpx.MockTransport(handler)) as client:
        yield Client(
            client,
            service_key=key,
            max_concurrency=cap,
            rate_limit=0,  # no token bucket: the tests measure paging, not the rate limit
            retry=retry or RetryPolicy(attempts=attempts, base=0.001, cap=0.005, budget=10_000),
        )


def failure(kind: str, request: httpx.Request) -> httpx.Response:
    """One failed answer of ``kind`` (an HTTP status, a gateway/provider code, or a network error)."""
    if kind == "timeout":
        raise httpx.ReadTimeout("timed out", request=request)
    if kind == "connect":
        raise httpx.ConnectError("connection refused", request=request)
    if kind == "http429":
        return httpx.Response(429, content=b"")
    if kind == "http500":
        return httpx.Response(500, text="Internal Server Error")
    if kind == "http502":
        return httpx.Response(502, html="<html><body><h1>502 Bad Gateway</h1></body></html>")
    if kind == "http503":
        return httpx.Response(503, content=b"")
    if kind.startswith("gw"):
        code = kind[2:]
        return httpx.Response(403 if code == "30" else 200, content=gateway_xml(code))
    if kind.startswith("provider"):
        return httpx.Response(200, content=provider_error_json(kind[8:]))
    raise AssertionError(f"unknown failure kind {kind!r}")


@dataclass
class PagedServer:
    """data.go.kr serving ``total`` rows of the fake operation, page by page.

    ``failures[page]`` lists failure kinds served (in order) before that page succeeds;
    ``latency(page, attempt)`` is slept before answering. It records what was asked.
    """

    total: int
    failures: dict[int, list[str]] = field(default_factory=dict)
    latency: Callable[[int, int], float] | None = None
    requests: list[int] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["pageNo"])
        size = int(request.url.params["numOfRows"])
        attempt = self.requests.count(page)
        self.requests.append(page)
        self.queries.append(request.url.query.decode())
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency is not None:
                await anyio.sleep(self.latency(page, attempt))
            planned = self.failures.get(page, [])
            if attempt < len(planned):
                return failure(planned[attempt], request)
            first = (page - 1) * size
            rows = [wire_row(i) for i in range(first, min(first + size, self.total))]
            return httpx.Response(
                200, content=success_json(rows, total=self.total, page_no=page, num_of_rows=size)
            )
        finally:
            self.in_flight -= 1

    def expected_ids(self) -> list[str]:
        """Every row id, in upstream order."""
        return [wire_row(i)["rowId"] for i in range(self.total)]


# -- helpers of the client and collect tests ---------------------------------------------------

ALL = 100_000  # a limit above any total here: the library's own callers may ask for everything


async def drain(client: Any, op: Any, listing: Any, **options: Any) -> list[str]:
    """Follow ``next`` cursors to the end; the ids of every record they give."""
    rest: list[str] = []
    while listing.next is not None:
        listing = await client.collect(op, {}, cursor=listing.next["cursor"], **options)
        rest += ids(listing)
    assert listing.complete
    return rest


def ids(listing: Any) -> list[str]:
    """The row ids of a listing, in order."""
    return [row.row_id for row in listing.items]


def key_spellings() -> list[str]:
    """The test key as configured, as sent, double-encoded, and with '+' read as a space."""
    return [DECODING_KEY, ENCODING_KEY, quote(ENCODING_KEY, safe=""), DECODING_KEY.replace("+", " ")]


def assert_no_key(error: BaseException | dict[str, object]) -> None:
    """No spelling of the key in an error's message, repr, detail or problem document."""
    texts = [json.dumps(error, ensure_ascii=False)] if isinstance(error, dict) else [str(error), repr(error)]
    if isinstance(error, NaramarketError):
        texts += [error.detail, json.dumps(problem(error), ensure_ascii=False, default=str)]
    for text in texts:
        for spelling in key_spellings():
            assert spelling not in text
