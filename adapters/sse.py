"""SSE adapter: ``POST /api/v1/tools/{name}/stream`` as typed server-sent events.

Events: ``progress`` ``{"done", "total", "message"}``; ``item`` (one record, as it arrives);
``result`` (the tool's Result as REST returns it, except that records already sent as ``item``
events are left out: ``items`` is empty and ``items_streamed`` counts them); ``error`` (a problem
document).
Errors found before the call starts (unknown tool, invalid params) are plain problem+json
responses, so a client never has to open a stream to learn its request was wrong.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import msgspec
from anyio import CancelScope
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from naramarket.kernel import InternalError, NaramarketError
from naramarket.kernel.host import CallEvents, Kernel, problem

from .http import Draining, principal, problem_response, read_body

__all__ = ["Event", "EventStream", "format_event", "routes"]

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


class EventStream(Response):
    """A ``text/event-stream`` response that owns the task producing its events.

    The producer runs in a task group entered and exited by this response's own ``__call__`` (not
    inside a body generator, which would suspend the group's cancel scope at each ``yield``).
    When the client goes away — an ``http.disconnect``, or a write that fails — the group is
    cancelled, which stops the tool's scan where it is.
    """

    media_type = "text/event-stream"

    def __init__(self, produce: Callable[[MemoryObjectSendStream[Event]], Awaitable[None]]) -> None:
        # Not Response.__init__: it would fix the body as b"" and send "content-length: 0".
        self.status_code = 200
        self.background = None
        self.produce = produce
        self.init_headers({"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        events, pending = anyio.create_memory_object_stream[Event](max_buffer_size=64)

        async def produce() -> None:
            async with events:
                await self.produce(events)

        async def watch_disconnect(group: CancelScope) -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            group.cancel()

        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            tg.start_soon(watch_disconnect, tg.cancel_scope)
            try:
                await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
                await self._relay(pending, send)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:  # ASGI 2.4: the client is gone; there is nobody left to tell
                pass
            tg.cancel_scope.cancel()

    @staticmethod
    async def _relay(pending: MemoryObjectReceiveStream[Event], send: Send) -> None:
        event_id = 0
        async with pending:
            while True:
                with anyio.move_on_after(KEEPALIVE_SECONDS) as idle:
                    try:
                        event = await pending.receive()
                    except anyio.EndOfStream:
                        return
                if idle.cancelled_caught:
                    chunk = b": keep-alive\n\n"
                else:
                    event_id += 1
                    chunk = format_event(event, event_id)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})


def _without_streamed_items(result: Any, streamed: int) -> Any:
    """The ``result`` event: the items already sent as ``item`` events are not sent twice."""
    items = getattr(result, "items", None)
    if not streamed or not isinstance(items, list) or len(items) != streamed:
        return result
    body = msgspec.to_builtins(result)
    body["items"] = []
    body["items_streamed"] = streamed
    return body


def routes(kernel: Kernel, draining: Draining | None = None) -> list[BaseRoute]:
    """The SSE route for every tool; past ``draining``'s grace a stream ends with ``shutting_down``."""
    draining = draining or Draining()

    async def stream(request: Request) -> Response:
        name = request.path_params["name"]
        try:  # 404, 403 and 422 as plain responses, before a stream is opened
            prepared = kernel.dispatcher.prepare(name, await read_body(request), principal=principal(request))
        except NaramarketError as exc:
            return problem_response(exc, request)

        async def run(events: MemoryObjectSendStream[Event]) -> None:
            async def on_progress(done: int, total: int | None, message: str | None) -> None:
                await events.send(Event("progress", {"done": done, "total": total, "message": message}))

            streamed = 0

            async def on_items(items: list[Any]) -> None:
                nonlocal streamed
                for item in items:
                    await events.send(Event("item", item))
                streamed += len(items)

            try:
                call_events = CallEvents(progress=on_progress, items=on_items)
                result = await draining.run(lambda: prepared.run(call_events))
                await events.send(Event("result", _without_streamed_items(result, streamed)))
            except NaramarketError as exc:
                await events.send(Event("error", problem(exc, instance=request.url.path)))
            except Exception:  # the stream must end with an event, whatever happened
                error = InternalError(f"{name} failed unexpectedly")
                await events.send(Event("error", problem(error, instance=request.url.path)))

        return EventStream(run)

    return [Route("/api/v1/tools/{name}/stream", stream, methods=["POST"])]
