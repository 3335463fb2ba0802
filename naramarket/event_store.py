"""Event stores: MCP streamable-HTTP and SSE tool-stream clients resume with ``Last-Event-ID``.

The SDK's transport stores each SSE event it sends and, when a client reconnects with
``Last-Event-ID``, replays what came after on that stream. In one process the events live in a
bounded deque; with ``NARAMARKET_REDIS_URL`` in one Redis stream every replica reads, so the
events survive the process that sent them (the session itself stays with its replica: nginx pins
``/mcp`` by client address, docs/deploy.md).

``RedisStreamLog`` does the same for SSE tool streams (``adapters.sse.StreamLog``): their events in
Redis, so ``GET /api/v1/streams/{stream_id}`` resumes one on any replica.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any

from mcp.server.streamable_http import EventCallback, EventId, EventMessage, EventStore, StreamId
from mcp_types import JSONRPCMessage, jsonrpc_message_adapter

from naramarket.redis_state import PREFIX, RedisState, SharedDown
from naramarket.stream_log import RedisStreamLog

__all__ = ["MemoryEventStore", "RedisEventStore", "RedisStreamLog"]

MAX_EVENTS = 10_000  # about the last few minutes of a busy server's progress notifications


def _encode(message: JSONRPCMessage | None) -> bytes:
    return message.model_dump_json(by_alias=True, exclude_unset=True).encode() if message is not None else b""


def _decode(data: bytes) -> JSONRPCMessage | None:
    return jsonrpc_message_adapter.validate_json(data, by_name=False) if data else None


class MemoryEventStore(EventStore):
    """The last ``MAX_EVENTS`` events of this process."""

    def __init__(self, limit: int = MAX_EVENTS) -> None:
        # A message, or its JSON as the MCP fast lane sent it (bytes), or None for a priming event.
        self._events: deque[tuple[EventId, StreamId, Any]] = deque(maxlen=limit)
        self._ids = itertools.count(1)

    async def store_event(self, stream_id: StreamId, message: JSONRPCMessage | None) -> EventId:
        """Keep one event; its id orders it."""
        event_id = str(next(self._ids))
        self._events.append((event_id, stream_id, message))
        return event_id

    async def store_raw(self, stream_id: StreamId, data: bytes) -> EventId:
        """Keep one event given as its JSON (what the MCP fast lane sends); parsed only if replayed."""
        event_id = str(next(self._ids))
        self._events.append((event_id, stream_id, data))
        return event_id

    async def replay_events_after(
        self, last_event_id: EventId, send_callback: EventCallback
    ) -> StreamId | None:
        """Send the events after ``last_event_id`` on its stream; None when it is not known."""
        found = [i for i, event in enumerate(self._events) if event[0] == last_event_id]
        if not found:
            return None
        stream = self._events[found[0]][1]
        for event_id, stream_id, message in list(self._events)[found[0] + 1 :]:
            if stream_id != stream:
                continue
            if isinstance(message, bytes):  # as the fast lane sent it; b"" is a priming event
                message = _decode(message)
            if message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream


class RedisEventStore(EventStore):
    """Events in one capped Redis stream; ids are the stream's entry ids. Falls back to memory."""

    def __init__(self, state: RedisState, limit: int = MAX_EVENTS) -> None:
        self.state = state
        self.limit = limit
        self.key = f"{PREFIX}mcp-events"
        self.local = MemoryEventStore(limit)

    async def store_event(self, stream_id: StreamId, message: JSONRPCMessage | None) -> EventId:
        """XADD the event (approximately capped at ``limit``)."""
        if message is None:
            return await self.store_raw(stream_id, b"")
        return await self.store_raw(stream_id, _encode(message))

    async def store_raw(self, stream_id: StreamId, data: bytes) -> EventId:
        """XADD one event given as its JSON (``b""`` for a priming event)."""
        fields = {"stream": stream_id, "message": data}
        try:
            entry = await self.state.run(
                "events", self.state.redis.xadd, self.key, fields, maxlen=self.limit, approximate=True
            )
        except SharedDown:
            return "local-" + await self.local.store_raw(stream_id, data)
        return bytes(entry).decode()

    async def replay_events_after(
        self, last_event_id: EventId, send_callback: EventCallback
    ) -> StreamId | None:
        """Replay the stream's later events from Redis (or this process's, for a local id)."""
        if last_event_id.startswith("local-"):
            return await self.local.replay_events_after(last_event_id.removeprefix("local-"), send_callback)
        redis = self.state.redis
        try:
            first: list[Any] = await self.state.run(
                "events", redis.xrange, self.key, last_event_id, last_event_id
            )
            if not first:
                return None
            stream = bytes(first[0][1][b"stream"]).decode()
            later: list[Any] = await self.state.run(
                "events", redis.xrange, self.key, f"({last_event_id}", "+"
            )
        except SharedDown:
            return None
        for entry_id, fields in later:
            if bytes(fields[b"stream"]).decode() == stream and (message := _decode(fields[b"message"])):
                await send_callback(EventMessage(message, bytes(entry_id).decode()))
        return stream
