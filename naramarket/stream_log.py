"""``RedisStreamLog``: SSE tool streams' events in Redis, so a client resumes on any replica.

Apart from ``event_store`` (the MCP transport's event stores) because the SSE side needs no MCP SDK.
"""

from __future__ import annotations

from typing import Any

from naramarket.adapters.sse import STREAM_EVENTS, STREAM_TTL, TERMINAL, Logged, MemoryStreamLog
from naramarket.redis_state import PREFIX, RedisState, SharedDown

__all__ = ["RedisStreamLog"]


class RedisStreamLog:
    """``adapters.sse.StreamLog`` in Redis: a capped Redis stream per SSE stream (entry ``N-0`` is
    event N), kept ``ttl`` seconds after its last event, so a client resumes on any replica.
    While Redis is down the events go to this process's log (resumable here only)."""

    def __init__(
        self, state: RedisState, *, ttl: float = STREAM_TTL, per_stream: int = STREAM_EVENTS
    ) -> None:
        self.state = state
        self.ttl = max(1, int(ttl))
        self.per_stream = per_stream
        self.local = MemoryStreamLog(ttl=ttl, per_stream=per_stream)

    def _keys(self, stream_id: str) -> tuple[str, str, str]:
        key = f"{PREFIX}sse:{stream_id}"
        return key, key + ":owner", key + ":done"

    async def append(self, stream_id: str, owner: str | None, events: list[Logged]) -> None:
        """See ``adapters.sse.StreamLog``."""
        key, owner_key, done_key = self._keys(stream_id)

        async def push() -> None:
            pipe = self.state.redis.pipeline(transaction=False)
            for event_id, name, data in events:
                pipe.xadd(
                    key, {"e": name, "d": data}, id=f"{event_id}-0", maxlen=self.per_stream, approximate=True
                )
            pipe.expire(key, self.ttl)
            pipe.set(owner_key, owner or "", ex=self.ttl)
            if any(name in TERMINAL for _, name, _ in events):
                pipe.set(done_key, "1", ex=self.ttl)
            await pipe.execute()

        try:
            await self.state.run("sse_events", push)
        except SharedDown:
            await self.local.append(stream_id, owner, events)

    async def read(self, stream_id: str, after: int) -> tuple[str | None, list[Logged], bool] | None:
        """See ``adapters.sse.StreamLog``."""
        key, owner_key, done_key = self._keys(stream_id)

        async def fetch() -> list[Any]:
            pipe = self.state.redis.pipeline(transaction=False)
            pipe.exists(done_key)  # before the entries: "done" is set after the final entry
            pipe.get(owner_key)
            pipe.xrange(key, f"{after + 1}-0", "+")
            return list(await pipe.execute())

        try:
            done, owner, entries = await self.state.run("sse_events", fetch)
        except SharedDown:
            return await self.local.read(stream_id, after)
        if owner is None:
            return await self.local.read(stream_id, after)  # kept here while Redis was down, or unknown
        events = [
            (int(bytes(entry_id).split(b"-")[0]), bytes(fields[b"e"]).decode(), bytes(fields[b"d"]))
            for entry_id, fields in entries
        ]
        return bytes(owner).decode() or None, events, bool(done)
