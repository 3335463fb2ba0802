"""The embedded OAuth server's shared state on Redis: login throttling, revocations and
refresh-token use marks every replica sees (``adapters.oauth.shared``'s protocols), over
``redis_state.RedisState``'s connection and fallback. Redis down: each replica answers alone, and
what it revoked meanwhile reaches Redis when it answers again.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from naramarket.redis_state import PREFIX, RedisState, SharedDown, _log

__all__ = ["RedisAttempts", "RedisTokens"]

# A sliding window of attempts (ms, Redis's clock): the wait in ms when over the limit, else 0
# (and the attempt is counted when ARGV[3] is '1').
_ATTEMPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(first[2]) + window - now)
end
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
end
return 0
"""
# Revoked: the access token itself, or the family it is linked to.
_REVOKED = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
local family = redis.call('GET', KEYS[2])
if family and redis.call('EXISTS', ARGV[1] .. family) == 1 then return 1 end
return 0
"""


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]  # names and addresses never stored as such


class RedisAttempts:
    """``adapters.oauth.shared.Attempts`` across replicas (login throttling); in process while down."""

    def __init__(self, state: RedisState) -> None:
        # Imported here: the app module (and so this one) is loaded by stdio MCP, which must not
        # load the OAuth server.
        from naramarket.adapters.oauth.shared import LocalAttempts

        self.state = state
        self.local = LocalAttempts()

    async def _attempt(self, key: str, limit: int, window: float, count: bool) -> float | None:
        try:
            wait_ms = await self.state.run(
                "auth_throttle",
                self.state.redis.eval,
                _ATTEMPT,
                1,
                f"{PREFIX}auth:attempts:{_hashed(key)}",
                limit,
                int(window * 1000),
                "1" if count else "0",
                secrets.token_hex(8),
            )
        except SharedDown:
            local = self.local.hit if count else self.local.blocked
            return await local(key, limit, window)
        return int(wait_ms) / 1000 if int(wait_ms) > 0 else None

    async def blocked(self, key: str, limit: int, window: float) -> float | None:
        """See ``adapters.oauth.shared.Attempts``."""
        return await self._attempt(key, limit, window, False)

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        """See ``adapters.oauth.shared.Attempts``."""
        return await self._attempt(key, limit, window, True)


class RedisTokens:
    """``adapters.oauth.shared.SharedTokens``: revocations and refresh-token use marks in Redis.

    While Redis is down it knows nothing (not revoked, first use) and the SQLite store of each
    replica answers alone. What this replica revoked or marked meanwhile is kept here (at most
    ``MAX_PENDING`` entries, each until it would have expired) and written to Redis with the first
    call once Redis answers again, so the other replicas learn it then.
    """

    MAX_PENDING = 50_000

    def __init__(self, state: RedisState) -> None:
        self.state = state
        self.prefix = f"{PREFIX}auth:"
        self._pending: dict[str, tuple[str, float]] = {}  # key -> (value, expires at: wall clock)

    async def _set(self, key: str, value: str, ttl: float, *, nx: bool = False) -> Any:
        return await self.state.run(
            "auth_tokens", self.state.redis.set, self.prefix + key, value, ex=max(1, int(ttl)), nx=nx
        )

    async def _write(self, key: str, value: str, ttl: float) -> None:
        """Set ``key`` in Redis now, or once it answers again."""
        await self._replay()
        try:
            await self._set(key, value, ttl)
        except SharedDown:
            self._keep(key, value, ttl)

    def _keep(self, key: str, value: str, ttl: float) -> None:
        self._pending.pop(key, None)
        self._pending[key] = (value, time.time() + ttl)
        if len(self._pending) > self.MAX_PENDING:
            del self._pending[next(iter(self._pending))]  # the oldest: closest to expiring anyway

    async def _replay(self) -> None:
        """Write what was kept while Redis was down, if it answers now (one pipeline)."""
        if not self._pending or not self.state.available:
            return
        now = time.time()
        due = {key: kept for key, kept in self._pending.items() if kept[1] > now + 1}

        async def push() -> None:
            pipe = self.state.redis.pipeline(transaction=False)
            for key, (value, expires) in due.items():
                pipe.set(self.prefix + key, value, ex=max(1, int(expires - now)))
            await pipe.execute()

        try:
            if due:
                await self.state.run("auth_tokens", push)
        except SharedDown:
            return
        for key, kept in list(self._pending.items()):
            if key in due or kept[1] <= now + 1:
                del self._pending[key]
        if due:
            _log().info("revocations kept while redis was down are shared again", count=len(due))

    async def link(self, jti: str, family: str, ttl: float) -> None:
        """See ``adapters.oauth.shared.SharedTokens``."""
        await self._write(f"link:{jti}", family, ttl)

    async def revoke(self, jti: str, ttl: float) -> None:
        """See ``adapters.oauth.shared.SharedTokens``."""
        await self._write(f"jti:{jti}", "1", ttl)

    async def revoke_family(self, family: str, ttl: float) -> None:
        """See ``adapters.oauth.shared.SharedTokens``."""
        await self._write(f"family:{family}", "1", ttl)

    async def is_revoked(self, jti: str) -> bool:
        """See ``adapters.oauth.shared.SharedTokens``."""
        await self._replay()
        p = self.prefix
        try:
            found = await self.state.run(
                "auth_tokens",
                self.state.redis.eval,
                _REVOKED,
                2,
                f"{p}jti:{jti}",
                f"{p}link:{jti}",
                f"{p}family:",
            )
        except SharedDown:
            return False
        return bool(found)

    async def family_revoked(self, family: str) -> bool:
        """See ``adapters.oauth.shared.SharedTokens``."""
        await self._replay()
        try:
            return bool(
                await self.state.run("auth_tokens", self.state.redis.exists, f"{self.prefix}family:{family}")
            )
        except SharedDown:
            return False

    async def first_use(self, token_digest: str, ttl: float) -> bool:
        """See ``adapters.oauth.shared.SharedTokens``."""
        await self._replay()
        try:
            return bool(await self._set(f"used:{token_digest}", "1", ttl, nx=True))
        except SharedDown:
            self._keep(f"used:{token_digest}", "1", ttl)  # a later use elsewhere is then a reuse
            return True
