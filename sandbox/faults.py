"""Deterministic fault injection, latency jitter, and the gateway's quota and per-second limits."""

from __future__ import annotations

import collections
import time

from .config import FaultKind, SandboxConfig
from .determinism import stable_hash, unit_float

__all__ = ["FaultPlan", "Limiter"]

_MAX_TRACKED_REQUESTS = 200_000  # attempt counters are forgotten beyond this (memory bound)


class FaultPlan:
    """Draws faults per exact request (path + sorted params) and attempt number.

    The n-th attempt of one URL always gets the same fault (or none) for a given seed and
    fault settings, so a retried request can succeed and a whole test run replays identically.
    """

    def __init__(self) -> None:
        self._attempts: dict[str, int] = {}

    def next_attempt(self, request_key: str) -> int:
        """Record one more attempt of ``request_key``; return its 0-based number."""
        if len(self._attempts) >= _MAX_TRACKED_REQUESTS:
            self._attempts.clear()
        attempt = self._attempts.get(request_key, 0)
        self._attempts[request_key] = attempt + 1
        return attempt

    def draw(self, config: SandboxConfig, request_key: str, attempt: int) -> FaultKind | None:
        """The fault for this attempt, if any."""
        if config.fault_rate <= 0 or not config.faults:
            return None
        h = stable_hash(config.seed, config.fault_seed, "fault", request_key, attempt)
        if unit_float(h) >= config.fault_rate:
            return None
        return config.faults[(h & 0xFFFF) % len(config.faults)]

    def delay(self, config: SandboxConfig, request_key: str, attempt: int) -> float:
        """Seconds to wait before answering: ``latency`` plus a deterministic share of ``jitter``."""
        if not config.jitter:
            return config.latency
        share = unit_float(stable_hash(config.seed, "jitter", request_key, attempt))
        return config.latency + config.jitter * share

    def reset(self) -> None:
        """Forget all attempt counts."""
        self._attempts.clear()


class Limiter:
    """Daily quota per (key, operation) -> code 22; calls per second per key -> code 23."""

    def __init__(self) -> None:
        self._calls: collections.Counter[tuple[str, str]] = collections.Counter()
        self._recent: dict[str, collections.deque[float]] = {}

    def check(self, config: SandboxConfig, key: str, operation: str) -> str | None:
        """Count an authenticated call; return "22" or "23" when it is refused."""
        if config.quota is not None and self._calls[(key, operation)] >= config.quota:
            return "22"
        if config.max_tps is not None:
            now = time.monotonic()
            recent = self._recent.setdefault(key, collections.deque())
            while recent and recent[0] <= now - 1.0:
                recent.popleft()
            if len(recent) >= config.max_tps:
                return "23"
            recent.append(now)
        self._calls[(key, operation)] += 1
        return None

    def reset(self) -> None:
        """Start a new "day": quotas and rate windows empty."""
        self._calls.clear()
        self._recent.clear()
