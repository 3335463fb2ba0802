"""A small sliding-window throttle for the login and token endpoints (per address, per name)."""

from __future__ import annotations

import time
from collections import deque

__all__ = ["Throttle"]


class Throttle:
    """At most ``limit`` hits per key within ``window`` seconds (in process memory)."""

    def __init__(self, *, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = time.monotonic()
        if len(self._hits) > 10_000:  # forget idle keys so many addresses cannot grow this forever
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def blocked(self, key: str) -> float | None:
        """Seconds until ``key`` may try again, or None when it may now."""
        hits = self._recent(key)
        if len(hits) >= self.limit:
            return hits[0] + self.window - time.monotonic()
        return None

    def hit(self, key: str) -> float | None:
        """Record a hit; returns the wait (and records nothing) when ``key`` is over the limit."""
        wait = self.blocked(key)
        if wait is None:
            self._hits[key].append(time.monotonic())
        return wait
