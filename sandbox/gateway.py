"""The fake ``apis.data.go.kr`` gateway: ``GET /1230000/{prefix}/{Service}/{operation}``.

Checks run in the gateway's order: path (12), service key (30), quota (22) and rate (23), then an
injected fault if one is drawn, then the provider's own validation (08, 06, 07) and the data:
03 when nothing matches (a name search the sandbox's world does not hold: ``matching``; a range
without records), else one page of the records stamped before the current minute (``timeline``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape

import anyio

from . import classification, products, statistics
from .catalog import Operation
from .config import FaultKind, SandboxConfig
from .connection import drop_connection
from .dates import Bounds, exceeds, parse_bound
from .envelopes import Reply, gateway_error, no_data, provider_error, success
from .state import SandboxState
from .timeline import format_minute

__all__ = ["Gateway"]

_MAX_NUM_ROWS = 9999  # the doc gives numOfRows 4 digits; the real cap is unknown
_PLAIN_FAULTS = {
    "http_500": (500, b"Internal Server Error"),
    "http_502": (502, b"Bad Gateway"),
    "http_503": (503, b"Service Unavailable"),
    "http_429": (429, b"API rate limit exceeded"),
}


class Gateway:
    """Plain ASGI handler (not a Starlette route) so faults can shape the raw connection."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        state = self.state
        state.stats.begin()
        try:
            await self._handle(scope, receive, send)
        finally:
            state.stats.end()

    async def _handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        state, config = self.state, self.state.config
        query = scope.get("query_string", b"").decode("utf-8", "replace")
        pairs = parse_qsl(query, keep_blank_values=True)
        request_key = scope["path"] + "?" + urlencode(sorted(pairs))
        attempt = state.faults.next_attempt(request_key)
        delay = state.faults.delay(config, request_key, attempt)
        if delay:
            await anyio.sleep(delay)
        op = self._route(scope["path"])
        if op is None:
            return await self._send(send, gateway_error("12"))
        state.stats.operations[op.name] += 1
        params: dict[str, str] = {}
        key = None
        for name, value in pairs:
            if name.lower() == "servicekey":
                key = value if key is None else key
            else:
                params.setdefault(name, value)
        if key is None or key not in config.service_keys:
            return await self._send(send, gateway_error("30"))
        refused = state.limiter.check(config, key, op.name)
        if refused:
            return await self._send(send, gateway_error(refused))
        fault = state.faults.draw(config, request_key, attempt)
        if fault is not None:
            state.stats.faults[fault] += 1
            return await self._inject(fault, op, params, config, receive, send)
        await self._send(send, self.answer(op, params, config))

    def _route(self, path: str) -> Operation | None:
        parts = path.split("/")
        if len(parts) != 5 or parts[0] != "" or parts[1] != "1230000":
            return None
        return self.state.catalog.find(parts[2], parts[3], parts[4])

    def answer(self, op: Operation, params: dict[str, str], config: SandboxConfig) -> Reply:
        """The provider's answer to a request that passed the gateway."""
        as_json = next((v for k, v in params.items() if k.lower() == "type"), "").lower() == "json"
        if any(not params.get(name) for name in op.required):
            return provider_error("08", as_json=as_json)
        ranges: list[Bounds] = []
        for date_range in op.date_ranges:
            begin, end = params.get(date_range.begin, ""), params.get(date_range.end, "")
            if not begin and not end:
                continue
            if not begin or not end:  # half a range is as good as none: a missing required value
                return provider_error("08", as_json=as_json)
            low = parse_bound(begin, date_range.format, end=False)
            high = parse_bound(end, date_range.format, end=True)
            if low is None or high is None:
                return provider_error("06", as_json=as_json)
            if low > high or (date_range.limit and exceeds((low, high), date_range.limit)):
                return provider_error("07", as_json=as_json)
            ranges.append((low, high))
        page_no = _positive_int(params.get("pageNo") or "1")
        num_rows = _positive_int(params.get("numOfRows") or "10")
        if page_no is None or num_rows is None or num_rows > _MAX_NUM_ROWS:
            return provider_error("07", as_json=as_json)
        table = classification.rows(op.name, params)
        if op.name == "getPrdctIndvAtrbInfoList02":  # a product's attributes agree with the product
            table = products.attribute_rows(self.state, params)
        if table is None:  # statistics: figures per month or per 품명 (``statistics``)
            ym = format_minute(self.state.clock(), 0, "ym")
            table = statistics.rows(op, params, config.seed, int(ym[:4]) * 12 + int(ym[4:]) - 1)
        if table is not None:  # a reference table (물품분류), not dated records
            if not table:
                return no_data(page_no, num_rows, as_json=as_json)
            start = (page_no - 1) * num_rows
            # Every catalogued field, in the catalog's order, as every other answer has them.
            page = [
                {f.name: row.get(f.name, "") for f in op.fields} for row in table[start : start + num_rows]
            ]
            return success(
                page, page_no, num_rows, len(table), as_json=as_json, items_shape=config.items_shape
            )
        filters = tuple(
            sorted(
                (name, value)
                for name, value in params.items()
                if value and name in op.param_names and name not in op.date_params and name != "inqryDiv"
            )
        )
        # The mode names the date the range filters and the rows are ordered by (개찰일시 ...).
        anchor = op.date_modes.get(params.get("inqryDiv", ""))
        universe = self.state.universe(op, filters, anchor)
        now = self.state.clock()
        # Records stamped before the current minute (their seconds cannot run past "now").
        first, last = 0, universe.index_at(now)  # record index range [first, last)
        for low, high in ranges:
            first = max(first, universe.index_at(low))
            last = min(last, universe.index_at(high + 1))
        total = max(0, last - first)
        if total == 0:
            return no_data(page_no, num_rows, as_json=as_json)
        start = first + (page_no - 1) * num_rows
        rows = universe.rows(start, min(last, start + num_rows), now) if start < last else []
        return success(rows, page_no, num_rows, total, as_json=as_json, items_shape=config.items_shape)

    async def _inject(
        self,
        fault: FaultKind,
        op: Operation,
        params: dict[str, str],
        config: SandboxConfig,
        receive: Any,
        send: Any,
    ) -> None:
        if fault in _PLAIN_FAULTS:
            status, body = _PLAIN_FAULTS[fault]
            return await self._send(send, Reply(status, "text/plain;charset=UTF-8", body, str(status)))
        if fault in ("code_22", "code_23", "code_30"):
            return await self._send(send, gateway_error(fault[-2:]))
        if fault == "echo_key":
            return await self._send(send, _echo_error(params, config))
        if fault == "reset":
            if not await drop_connection(receive, reset=True):
                raise ConnectionResetError("naramarket sandbox: injected connection reset")
            return None
        if fault == "timeout":
            await anyio.sleep(config.timeout_sleep)
            return await self._send(send, self.answer(op, params, config))
        reply = self.answer(op, params, config)
        if fault == "malformed":
            # Complete and of the declared type, but not parseable: a broken structural token.
            broken = reply.body.replace(b'"resultCode":"', b'"resultCode":,"', 1)
            broken = broken.replace(b"</resultCode>", b"</resultCod>", 1)
            return await self._send(send, reply._replace(body=broken))
        # truncated: the declared Content-Length is honest, the body stops halfway.
        await send(_start(reply))
        cut = reply.body[: len(reply.body) // 2]
        over_tcp = await _send_then_drop(send, receive, cut)
        if not over_tcp:
            await send({"type": "http.response.body", "body": cut, "more_body": False})

    async def _send(self, send: Any, reply: Reply) -> None:
        self.state.stats.result_codes[reply.result_code] += 1
        await send(_start(reply))
        await send({"type": "http.response.body", "body": reply.body, "more_body": False})


def _echo_error(params: dict[str, str], config: SandboxConfig) -> Reply:
    """A gateway error of a code nobody documents whose texts (and code) echo the service key."""
    key = escape(config.service_keys[0])
    query = escape(urlencode({**params, "ServiceKey": config.service_keys[0]}))
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><OpenAPI_ServiceResponse><cmmMsgHeader>'
        f"<errMsg>SERVICE ERROR: request {query} failed</errMsg>"
        f"<returnAuthMsg>KEY {key} REFUSED</returnAuthMsg>"
        f"<returnReasonCode>{key}</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>"
    )
    return Reply(200, "text/xml;charset=UTF-8", xml.encode(), "echo")


def _start(reply: Reply) -> dict[str, Any]:
    headers = [
        (b"content-type", reply.content_type.encode()),
        (b"content-length", str(len(reply.body)).encode()),
    ]
    return {"type": "http.response.start", "status": reply.status, "headers": headers}


async def _send_then_drop(send: Any, receive: Any, partial: bytes) -> bool:
    """Over TCP: send ``partial`` as an unfinished body and close the socket. False in-process."""
    if getattr(getattr(receive, "__self__", None), "transport", None) is None:
        return False
    await send({"type": "http.response.body", "body": partial, "more_body": True})
    return await drop_connection(receive, reset=False)


def _positive_int(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) > 0 else None
