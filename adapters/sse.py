"""SSE adapter: ``POST /api/v1/tools/{name}/stream`` as typed server-sent events.

Events: ``progress`` ``{"done", "total", "message"}``; ``item`` (one record, as it arrives);
``result`` (the tool's Result as REST returns it, except that records already sent as ``item``
events are left out: ``items`` is empty and ``items_streamed`` counts them); ``error`` (a problem
document).
Errors found before the call starts (unknown tool, invalid params) are plain problem+json
responses, so a client never has to open a stream to learn its request was wrong.

Resuming: every stream has an id (the ``X-Stream-Id`` response header) and numbered events, kept in
a ``StreamLog`` for ``STREAM_TTL`` seconds (this process by default; Redis, shared by replicas, when
the composition root passes one). A client that lost the connection asks
``GET /api/v1/streams/{stream_id}`` with ``Last-Event-ID`` (or ``?after=N``) on any replica and gets
the events it missed, up to the final one. Its call stopped when it left (a call nobody reads
does not go on spending quota), so that final event is then an ``error`` ``client_gone`` giving
how many items were streamed: call again to go on.
"""

from __future__ import annotations

import functools
import secrets
import time
import zlib
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Protocol

import anyio
import msgspec
from anyio import CancelScope
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from naramarket.kernel import InternalError, NaramarketError
from naramarket.kernel.host import CallEvents, Kernel, problem

from .http import Draining, principal, problem_response, read_body

__all__ = [
    "ClientGone",
    "Event",
    "EventStream",
    "MemoryStreamLog",
    "StreamLog",
    "StreamNotFound",
    "format_event",
    "routes",
]

KEEPALIVE_SECONDS = 15.0
STREAM_TTL = 600.0  # seconds a finished stream's events stay resumable
STREAM_EVENTS = 20_000  # events kept per stream (a longer stream resumes only near its end)
POLL_SECONDS = 0.25  # how often a resumed stream that is still running looks for new events
REPLAY_IDLE = 60.0  # a resumed stream with no new event for this long ends (its replica died)
TERMINAL = frozenset({"result", "error"})

Logged = tuple[int, str, bytes]  # event id, event name, JSON data


class ClientGone(NaramarketError):
    """The stream's client left, so the call stopped (the final event of a stream nobody read)."""

    code = "client_gone"
    title = "Client gone"
    status = 499


class StreamNotFound(NaramarketError):
    """No such stream to resume: unknown, someone else's, or expired."""

    code = "stream_not_found"
    title = "Stream not found"
    status = 404


class StreamLog(Protocol):
    """Where a stream's events are kept so that a client can resume it (``Last-Event-ID``)."""

    async def append(self, stream_id: str, owner: str | None, events: list[Logged]) -> None:
        """Keep ``events`` (in order) of the stream ``stream_id`` opened by ``owner``."""
        ...

    async def read(self, stream_id: str, after: int) -> tuple[str | None, list[Logged], bool] | None:
        """``(owner, events with an id above after, finished)``, or None for a stream not (or no
        longer) kept; ``finished`` once its final event (``result`` or ``error``) is kept."""
        ...


class MemoryStreamLog:
    """The streams of this process: the latest ``max_streams`` (at most ``max_bytes`` of event data
    in all), each for ``ttl`` seconds after its last event.

    A finished stream's events are packed into one compressed blob (records in JSON shrink ~5-10×
    with zlib's fastest level; only a resume unpacks them), so the log holds as many streams in a
    fraction of the memory, and a large read over SSE leaves little behind."""

    def __init__(
        self,
        *,
        max_streams: int = 256,
        max_bytes: int = 2 << 20,
        ttl: float = STREAM_TTL,
        per_stream: int = STREAM_EVENTS,
    ) -> None:
        self.max_streams, self.max_bytes, self.ttl, self.per_stream = max_streams, max_bytes, ttl, per_stream
        self._streams: OrderedDict[str, _Stream] = OrderedDict()  # the least recently written first
        self._bytes = 0

    def _forget_old(self) -> None:
        now = time.monotonic()
        while len(self._streams) > 1 and (
            len(self._streams) > self.max_streams
            or self._bytes > self.max_bytes
            or next(iter(self._streams.values())).expires < now
        ):
            self._bytes -= self._streams.popitem(last=False)[1].size
        if self._streams and next(iter(self._streams.values())).expires < now:
            self._bytes -= self._streams.popitem(last=False)[1].size

    async def append(self, stream_id: str, owner: str | None, events: list[Logged]) -> None:
        """See ``StreamLog``."""
        stream = self._streams.get(stream_id)
        if stream is None:
            stream = self._streams[stream_id] = _Stream(owner, self.per_stream)
        elif stream.packed is not None:  # events after the final one (not sent by this adapter)
            stream.events.extend(_unpack(stream.packed))
            stream.packed = None
            self._resize(stream, _size(stream.events))
        stream.events.extend(events)
        stream.expires = time.monotonic() + self.ttl
        stream.finished = stream.finished or any(e[1] in TERMINAL for e in events)
        self._resize(stream, stream.size + _size(events))
        self._streams.move_to_end(stream_id)
        if stream.finished:  # pack it (a large stream in a worker thread, not on the event loop)
            logged = list(stream.events)
            pack = functools.partial(_pack, logged)
            packed = await anyio.to_thread.run_sync(pack) if stream.size > PACK_INLINE else pack()
            # Unless the stream was forgotten or written to meanwhile:
            if self._streams.get(stream_id) is stream and len(stream.events) == len(logged):
                stream.events.clear()
                stream.packed = packed
                self._resize(stream, len(packed))
        self._forget_old()

    def _resize(self, stream: _Stream, size: int) -> None:
        self._bytes += size - stream.size
        stream.size = size

    async def read(self, stream_id: str, after: int) -> tuple[str | None, list[Logged], bool] | None:
        """See ``StreamLog``."""
        self._forget_old()
        stream = self._streams.get(stream_id)
        if stream is None:
            return None
        logged = _unpack(stream.packed) if stream.packed is not None else stream.events
        return stream.owner, [e for e in logged if e[0] > after], stream.finished


class _Stream:
    """One stream of ``MemoryStreamLog``: its events (once finished, packed instead), when it
    expires, the bytes it holds and whether its final event is in."""

    __slots__ = ("events", "expires", "finished", "owner", "packed", "size")

    def __init__(self, owner: str | None, per_stream: int) -> None:
        self.owner = owner
        self.events: deque[Logged] = deque(maxlen=per_stream)
        self.packed: bytes | None = None
        self.expires = 0.0
        self.size = 0
        self.finished = False


PACK_INLINE = 1 << 20  # bytes of events packed on the event loop (~3 ms); more go to a thread
_PACK = msgspec.msgpack.Encoder().encode
_UNPACK = msgspec.msgpack.Decoder(list[tuple[int, str, bytes]]).decode


def _pack(events: list[Logged]) -> bytes:
    return zlib.compress(_PACK(events), 1)


def _unpack(packed: bytes) -> list[Logged]:
    return _UNPACK(zlib.decompress(packed))


def _size(events: Iterable[Logged]) -> int:
    return sum(len(e[2]) for e in events)


class Event(msgspec.Struct):
    """One server-sent event: its name and JSON data."""

    event: str
    data: Any


_encoder = msgspec.json.Encoder()


def format_event(event: Event, event_id: int) -> bytes:
    """Serialise an event in the text/event-stream format (JSON data on one line)."""
    return _format(event_id, event.event, _encoder.encode(event.data))


def _format(event_id: int, event: str, data: bytes) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, event.encode(), data)


class EventStream(Response):
    """A ``text/event-stream`` response that owns the task producing its events.

    The producer runs in a task group entered and exited by this response's own ``__call__`` (not
    inside a body generator, which would suspend the group's cancel scope at each ``yield``).
    When the client goes away — an ``http.disconnect``, or a write that fails — the group is
    cancelled, which stops the tool's scan where it is.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        produce: Callable[[MemoryObjectSendStream[Event]], Awaitable[None]],
        *,
        log: StreamLog | None = None,
        owner: str | None = None,
        instance: str | None = None,
    ) -> None:
        # Not Response.__init__: it would fix the body as b"" and send "content-length: 0".
        self.status_code = 200
        self.background = None
        self.produce = produce
        self.log, self.owner, self.instance = log, owner, instance
        self.stream_id = secrets.token_urlsafe(16)
        self.logged = 0  # the id of the last event kept in the log
        self.finished = False  # a result or error was sent
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        if log is not None:
            headers["X-Stream-Id"] = self.stream_id
        self.init_headers(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        events, pending = anyio.create_memory_object_stream[Event](max_buffer_size=64)
        if self.log is not None:  # known (and resumable) from its first byte
            await self.log.append(self.stream_id, self.owner, [])

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
        if self.log is not None and not self.finished:
            # The client left and the call stopped: a client resuming the stream learns so.
            gone = ClientGone("the client left the stream, so the call stopped; call again to go on")
            await self._keep(Event("error", problem(gone, instance=self.instance)))

    async def _keep(self, event: Event) -> bytes:
        """Number ``event``, keep it in the log (when there is one) and return it serialised."""
        self.logged += 1
        self.finished = self.finished or event.event in TERMINAL
        if self.log is None:
            return format_event(event, self.logged)
        data = _encoder.encode(event.data)
        with anyio.CancelScope(shield=True):  # kept even when the client leaves right now
            await self.log.append(self.stream_id, self.owner, [(self.logged, event.event, data)])
        return _format(self.logged, event.event, data)

    async def _relay(self, pending: MemoryObjectReceiveStream[Event], send: Send) -> None:
        async with pending:
            while True:
                with anyio.move_on_after(KEEPALIVE_SECONDS) as idle:
                    try:
                        event = await pending.receive()
                    except anyio.EndOfStream:
                        return
                chunk = b": keep-alive\n\n" if idle.cancelled_caught else await self._keep(event)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})


def _without_streamed_items(result: Any, streamed: int) -> Any:
    """The ``result`` event: the items already sent as ``item`` events are not sent twice."""
    items = getattr(result, "items", None)
    if not streamed or not isinstance(items, list) or len(items) != streamed:
        return result
    # The result without its items, then made builtins: not a builtins copy of every record first.
    body = msgspec.to_builtins(
        msgspec.structs.replace(result, items=[]) if isinstance(result, msgspec.Struct) else result
    )
    body["items"] = []
    body["items_streamed"] = streamed
    return body


def routes(kernel: Kernel, draining: Draining | None = None, log: StreamLog | None = None) -> list[BaseRoute]:
    """The SSE route for every tool and the resume route; past ``draining``'s grace a stream ends
    with ``shutting_down``. Streams are kept in ``log`` (default: this process's) for resuming."""
    draining = draining or Draining()
    log = log if log is not None else MemoryStreamLog()

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

        who = principal(request)
        return EventStream(
            run, log=log, owner=who.subject if who is not None else None, instance=request.url.path
        )

    async def resume(request: Request) -> Response:
        stream_id = request.path_params["stream_id"]
        raw = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
        after = int(raw) if raw.isdigit() else 0
        who = principal(request)
        kept = await log.read(stream_id, after)
        if kept is None or kept[0] != (who.subject if who is not None else None):
            # Someone else's stream is as unknown as an expired one.
            missing = StreamNotFound(
                f"no stream {stream_id!r} to resume (unknown, someone else's, or expired)"
            )
            return problem_response(missing, request)
        return StreamingResponse(
            _replay(log, stream_id, after, kept[1], kept[2]),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", "X-Stream-Id": stream_id},
        )

    return [
        Route("/api/v1/tools/{name}/stream", stream, methods=["POST"]),
        Route("/api/v1/streams/{stream_id}", resume, methods=["GET"]),
    ]


async def _replay(
    log: StreamLog, stream_id: str, after: int, events: list[Logged], finished: bool
) -> AsyncIterator[bytes]:
    """The kept events after ``after``; while the stream still runs (elsewhere), what comes next.

    Ends after the final event, or after ``REPLAY_IDLE`` seconds without a new one (the replica
    running the call died: no final event will come).
    """
    last_news = quiet_since = anyio.current_time()
    while True:
        for event_id, name, data in events:
            after = event_id
            yield _format(event_id, name, data)
        now = anyio.current_time()
        if finished or (now - last_news >= REPLAY_IDLE and not events):
            return
        if events:
            last_news = quiet_since = now
        elif now - quiet_since >= KEEPALIVE_SECONDS:
            quiet_since = now
            yield b": keep-alive\n\n"
        await anyio.sleep(POLL_SECONDS)
        kept = await log.read(stream_id, after)
        if kept is None:
            return  # expired meanwhile
        _, events, finished = kept
