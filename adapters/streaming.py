"""A list tool's REST answer written in pieces: the records a few at a time, never one whole body.

``JSONResponse`` encodes a result into one ``bytes`` (a 500-record ``Listing`` is ~0.7 MB, on top of
the records themselves) and hands it to the server in one message. Here a result whose first field
is a list of records (every ``Listing``) goes out as ``{"items":[`` + the records, ``CHUNK`` at a
time + ``],`` + the other fields, with chunked transfer encoding: byte for byte the document
``JSONResponse`` would send, while only one chunk is encoded at a time.

The call has finished when the first byte is written, so its status (200) and every field after
``items`` are known: nothing can fail half-way but the client's connection (then the rest is not
sent). Results of other shapes, and short lists, go out as ``JSONResponse`` does.
"""

from __future__ import annotations

import contextlib
from typing import Any

import msgspec
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .http import JSONResponse

__all__ = ["CHUNK", "ListingResponse", "answer", "write_listing"]

CHUNK = 64  # records encoded per body message (~90 KB of typical G2B records)

_encoder = msgspec.json.Encoder()
_EMPTY_HEAD = b'{"items":[]'
_HEADERS = [(b"content-type", b"application/json")]


def _streamable(result: Any) -> bool:
    if not isinstance(result, msgspec.Struct):
        return False
    fields = type(result).__struct_fields__
    items = getattr(result, "items", None) if fields and fields[0] == "items" else None
    return isinstance(items, list) and len(items) > CHUNK


def answer(result: Any) -> Response:
    """The REST response for a tool's ``result``: written in pieces when it holds many records."""
    return ListingResponse(result) if _streamable(result) else JSONResponse(result)


async def write_listing(result: Any, send: Send, *, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send ``result`` (a Struct whose first field is ``items``) as a 200 JSON answer, in pieces."""
    head = _encoder.encode(msgspec.structs.replace(result, items=[]))
    # The fields after the records: exactly what the whole document would hold after "items":[...]
    assert head.startswith(_EMPTY_HEAD), head[:40]
    await send({"type": "http.response.start", "status": 200, "headers": headers or _HEADERS})
    items: list[Any] = result.items
    buffer = bytearray(b'{"items":[')
    for start in range(0, len(items), CHUNK):
        if start:
            buffer += b","
        buffer += _encoder.encode(items[start : start + CHUNK])[1:-1]  # the records without [ ]
        await send({"type": "http.response.body", "body": bytes(buffer), "more_body": True})
        buffer.clear()
    await send({"type": "http.response.body", "body": b"]" + head[len(_EMPTY_HEAD) :], "more_body": False})


class ListingResponse(Response):
    """A Starlette response around ``write_listing`` (no ``Content-Length``: chunked encoding)."""

    media_type = "application/json"

    def __init__(self, result: Any) -> None:
        # Not Response.__init__: it would render a body and set its length.
        self.result = result
        self.status_code = 200
        self.background = None
        self.init_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(OSError):  # ASGI 2.4: the client is gone; nobody reads the rest
            await write_listing(self.result, send, headers=self.raw_headers)
