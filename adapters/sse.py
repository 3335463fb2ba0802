"""SSE adapter: ``POST /api/v1/tools/{name}/stream`` as typed server-sent events.

Events: ``progress`` ``{"done", "total", "message"}``; ``item`` (one record, as it arrives);
``result`` (the tool's full Result, exactly what REST returns); ``error`` (a problem document).
Errors found before the call starts (unknown tool, invalid params) are plain problem+json
responses, so a client never has to open a stream to learn its request was wrong.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import msgspec
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from naramarket.kernel import InternalError, NaramarketError
from naramarket.kernel.host import CallEvents, Kernel, problem

from .http import principal, problem_response, read_body

__all__ = ["Event", "format_event", "routes"]

KEEPALIVE_SECONDS = 15.0


class Event(msgspec.Struct):
    """One server-sent event: its name and JSON data."""

    event: str
    data: Any


_encoder = msgspec.json.Encoder()


def format_event(event: Event, event_id: int) -> bytes:
    """Serialise an event in the text/event-stream format (JSON data on one line)."""
    data = _encoder.encode(event.data)
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, event.event.encode(), data)


def routes(kernel: Kernel) -> list[BaseRoute]:
    """The SSE route for every tool."""

    async def stream(request: Request) -> Response:
        name = request.path_params["name"]
        try:  # 404, 403 and 422 as plain responses, before a stream is opened
            prepared = kernel.dispatcher.prepare(name, await read_body(request), principal=principal(request))
        except NaramarketError as exc:
            return problem_response(exc, request)

        send, receive = anyio.create_memory_object_stream[Event](max_buffer_size=64)

        async def on_progress(done: int, total: int | None, message: str | None) -> None:
            await send.send(Event("progress", {"done": done, "total": total, "message": message}))

        async def on_items(items: list[Any]) -> None:
            for item in items:
                await send.send(Event("item", item))

        async def run() -> None:
            async with send:
                try:
                    result = await prepared.run(CallEvents(progress=on_progress, items=on_items))
                    await send.send(Event("result", result))
                except NaramarketError as exc:
                    await send.send(Event("error", problem(exc, instance=request.url.path)))
                except Exception:  # the stream must end with an event, whatever happened
                    error = InternalError(f"{name} failed unexpectedly")
                    await send.send(Event("error", problem(error, instance=request.url.path)))

        async def body() -> AsyncIterator[bytes]:
            event_id = 0
            async with anyio.create_task_group() as tg:
                tg.start_soon(run)
                async with receive:
                    while True:
                        with anyio.move_on_after(KEEPALIVE_SECONDS) as scope:
                            try:
                                event = await receive.receive()
                            except anyio.EndOfStream:
                                break
                        if scope.cancelled_caught:
                            yield b": keep-alive\n\n"
                            continue
                        event_id += 1
                        yield format_event(event, event_id)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(body(), media_type="text/event-stream", headers=headers)

    return [Route("/api/v1/tools/{name}/stream", stream, methods=["POST"])]
