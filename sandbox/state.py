"""The mutable state one sandbox app owns: current config, counters, limits, cached universes."""

from __future__ import annotations

import functools
from collections.abc import Callable

from .catalog import Catalog, Operation, load_catalog
from .config import SandboxConfig, resolve_period
from .dates import minute_now
from .faults import FaultPlan, Limiter
from .matching import Filters, Overrides, resolve
from .records import Universe, universe_size
from .schema import schema_for
from .stats import Stats
from .timeline import Timeline

__all__ = ["SandboxState"]

_MAX_UNIVERSES = 512
_NOTHING = Overrides((), (), (), (), (), (), None, {})  # for a universe of size 0: never read


class SandboxState:
    """Shared by the gateway handler and the ``/_sandbox/`` control endpoints."""

    def __init__(self, config: SandboxConfig) -> None:
        self.stats = Stats()
        self.faults = FaultPlan()
        self.limiter = Limiter()
        self._universes: dict[tuple[str, Filters, int, str | None], Universe] = {}
        self.config = config  # replaced whole by PUT /_sandbox/config (seed and period stay)
        # Resolved once: a default period ending "today" must not move under a running client.
        # The timeline stops at the start of this hour (KST): every record lies in the past, and
        # apps created in the same hour hold the same records (``timeline``).
        self.period = resolve_period(config)
        self.timeline = Timeline(*self.period, until=minute_now() // 60 * 60)
        # The current minute (KST, since ``dates.EPOCH``): no record is served from after it.
        self.clock: Callable[[], int] = minute_now

    @functools.cached_property
    def catalog(self) -> Catalog:
        """The packaged catalog, decoded on the first request (a server that is never called,
        or stdio MCP answering ``initialize``, does not pay for it)."""
        return load_catalog()

    def universe(self, op: Operation, filters: Filters, anchor: str | None = None) -> Universe:
        """The record universe of (op, filters) under the current config (cached).

        ``anchor``: the item field the query's ``inqryDiv`` mode filters (``Operation.date_modes``).
        """
        config = self.config
        size = universe_size(op, filters, config.seed, config.rows) if self.timeline.minutes else 0
        schema = schema_for(op, config.seed)
        if schema.mode_plan(anchor) is None:
            anchor = None  # dated as without a mode: share that universe
        key = (op.name, filters, size, anchor)
        universe = self._universes.get(key)
        if universe is None:
            if len(self._universes) >= _MAX_UNIVERSES:
                self._universes.pop(next(iter(self._universes)))
            overrides = resolve(op, filters, config.seed) or _NOTHING
            universe = Universe(schema, self.timeline, filters, size, overrides, anchor)
            self._universes[key] = universe
        return universe

    def reset(self) -> None:
        """Zero counters, quotas and fault attempt counts (``POST /_sandbox/reset``)."""
        self.stats.reset()
        self.faults.reset()
        self.limiter.reset()
