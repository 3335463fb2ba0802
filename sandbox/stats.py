"""Request counters exposed at ``GET /_sandbox/stats``."""

from __future__ import annotations

import collections
from typing import Any

__all__ = ["Stats"]


class Stats:
    """Counts gateway requests (not ``/_sandbox/`` calls) and tracks how many run at once."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        """Zero the counters; requests still running keep counting as in flight."""
        self.total = 0
        self.max_in_flight = self.in_flight
        self.operations: collections.Counter[str] = collections.Counter()
        self.result_codes: collections.Counter[str] = collections.Counter()
        self.faults: collections.Counter[str] = collections.Counter()

    def begin(self) -> None:
        """A gateway request arrived."""
        self.total += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self) -> None:
        """A gateway request finished (answered, failed or dropped)."""
        self.in_flight -= 1

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready counters."""
        return {
            "total_requests": self.total,
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "operations": dict(self.operations),
            "result_codes": dict(self.result_codes),
            "faults_injected": sum(self.faults.values()),
            "faults": dict(self.faults),
        }
