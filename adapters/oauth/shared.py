"""What replicas of the embedded authorization server share, when they share anything.

The SQLite store (``store.py``) keeps every code and token of the data directory, and
``throttle.Throttle`` counts attempts in this process: that is the embedded default. With
``NARAMARKET_REDIS_URL`` the composition root passes implementations of these protocols
(``naramarket.redis_state``) so that a token revoked on one replica is refused on every other at
once, a rotated refresh token used twice on any replicas (even at the same instant) revokes its
family, and failed logins count across replicas. Implementations never raise for an unavailable
backend: they answer as if they knew nothing (not revoked, first use, not blocked) and the SQLite
store and the per-process throttle keep working alone.
"""

from __future__ import annotations

from typing import Protocol

from .throttle import Throttle

__all__ = ["Attempts", "LocalAttempts", "SharedTokens"]


class Attempts(Protocol):
    """A sliding-window counter of attempts per key (login throttling)."""

    async def blocked(self, key: str, limit: int, window: float) -> float | None:
        """Seconds until ``key`` may try again, or None when it may now."""
        ...

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        """Count an attempt; returns the wait (counting nothing) when ``key`` is over ``limit``."""
        ...


class SharedTokens(Protocol):
    """Revocations and refresh-token use marks that every replica sees at once."""

    async def link(self, jti: str, family: str, ttl: float) -> None:
        """Remember that the access token ``jti`` belongs to a refresh-token ``family``."""
        ...

    async def revoke(self, jti: str, ttl: float) -> None:
        """Revoke the access token ``jti`` (kept ``ttl`` seconds: its remaining life)."""
        ...

    async def revoke_family(self, family: str, ttl: float) -> None:
        """Revoke a refresh-token family and every access token linked to it."""
        ...

    async def is_revoked(self, jti: str) -> bool:
        """True when ``jti`` or its family was revoked on any replica."""
        ...

    async def family_revoked(self, family: str) -> bool:
        """True when the refresh-token ``family`` was revoked on any replica."""
        ...

    async def first_use(self, token_digest: str, ttl: float) -> bool:
        """Mark a refresh token used; False when it was used before (anywhere): a reuse."""
        ...


class LocalAttempts:
    """``Attempts`` in this process (the default), over ``throttle.Throttle`` windows."""

    def __init__(self) -> None:
        self._windows: dict[tuple[int, float], Throttle] = {}

    def _for(self, limit: int, window: float) -> Throttle:
        throttle = self._windows.get((limit, window))
        if throttle is None:
            throttle = self._windows[(limit, window)] = Throttle(limit=limit, window=window)
        return throttle

    async def blocked(self, key: str, limit: int, window: float) -> float | None:
        """Seconds until ``key`` may try again here, or None."""
        return self._for(limit, window).blocked(key)

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        """Count an attempt here."""
        return self._for(limit, window).hit(key)
