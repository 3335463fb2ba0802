"""Prometheus metrics: every instrument declared here once, on a registry of its own.

The process has one (``naramarket.observability.instruments().metrics``); tests make their own.
Labels stay bounded: routes are templates (``/api/v1/tools/{name}``), tools and operations come
from the registry, outcomes and result codes from fixed vocabularies.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterator, Sequence

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.utils import floatToGoString

__all__ = ["LeanCounter", "LeanHistogram", "Metrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class _Series:
    """One labelled series: its values change under one lock per observation (prometheus_client's
    children take one per bucket and one for the sum)."""

    __slots__ = ("bounds", "counts", "created", "labels", "lock", "total")

    def __init__(self, labels: dict[str, str], bounds: tuple[float, ...]) -> None:
        self.labels = labels
        self.bounds = bounds
        self.counts = [0] * len(bounds)  # per bucket, not cumulative; one for a counter
        self.total = 0.0
        self.created = time.time()
        self.lock = threading.Lock()

    def observe(self, amount: float) -> None:
        """A histogram's observation (in seconds, say)."""
        i = bisect.bisect_left(self.bounds, amount)  # the first bucket whose ``le`` holds it
        with self.lock:
            self.counts[i] += 1
            self.total += amount

    def inc(self, amount: float = 1) -> None:
        """A counter's increment."""
        if amount < 0:
            raise ValueError("counters can only be incremented by non-negative amounts")
        with self.lock:
            self.total += amount


class _Lean:
    """A labelled metric whose series are ``_Series``, registered as a collector; it exposes the
    samples prometheus_client's own ``Histogram``/``Counter`` would (``_created`` included)."""

    kind = ""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        registry: CollectorRegistry,
        buckets: Sequence[float] = (),
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        bounds = tuple(float(b) for b in buckets)
        self._bounds = (*bounds, float("inf")) if bounds and bounds[-1] != float("inf") else bounds
        self._series: dict[tuple[str, ...], _Series] = {}
        self._lock = threading.Lock()
        registry.register(self)

    def labels(self, *values: str) -> _Series:
        """The series of these label values (made on first use)."""
        key = tuple(str(v) for v in values)
        series = self._series.get(key)
        if series is None:
            if len(key) != len(self.labelnames):
                raise ValueError(f"{self.name}: expected labels {self.labelnames}, got {key}")
            with self._lock:
                series = self._series.setdefault(
                    key, _Series(dict(zip(self.labelnames, key, strict=True)), self._bounds or (0.0,))
                )
        return series

    def describe(self) -> list[Metric]:
        return [Metric(self.name, self.documentation, self.kind)]

    def collect(self) -> Iterator[Metric]:
        metric = Metric(self.name, self.documentation, self.kind)
        for series in list(self._series.values()):
            with series.lock:
                counts, total = list(series.counts), series.total
            self._samples(metric, series, counts, total)
            metric.add_sample(self.name + "_created", series.labels, series.created)
        yield metric

    def _samples(self, metric: Metric, series: _Series, counts: list[int], total: float) -> None:
        raise NotImplementedError


class LeanHistogram(_Lean):
    """``prometheus_client.Histogram`` for a hot path: ``labels(...)`` then ``observe(seconds)``."""

    kind = "histogram"

    def _samples(self, metric: Metric, series: _Series, counts: list[int], total: float) -> None:
        cumulative = 0
        for bound, count in zip(self._bounds, counts, strict=True):
            cumulative += count
            le = {**series.labels, "le": floatToGoString(bound)}
            metric.add_sample(self.name + "_bucket", le, cumulative)
        metric.add_sample(self.name + "_count", series.labels, cumulative)
        metric.add_sample(self.name + "_sum", series.labels, total)


class LeanCounter(_Lean):
    """``prometheus_client.Counter`` for a hot path: ``labels(...)`` then ``inc()``."""

    kind = "counter"

    def _samples(self, metric: Metric, series: _Series, counts: list[int], total: float) -> None:
        metric.add_sample(self.name + "_total", series.labels, total)


class Metrics:
    """The server's instruments (HTTP, tool calls, the fetch engine) on a registry of their own.

    ``process`` adds the resource collectors (CPU, memory, file descriptors, GC); only the
    process-wide instance should, as they describe the process, not an app.
    """

    def __init__(self, *, process: bool = False) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        # The labelled series requests and calls move are lean (one lock per observation); the
        # rest are prometheus_client's own.
        self.http_duration = LeanHistogram(
            "naramarket_http_request_duration_seconds",
            "HTTP request latency by route template, method and status.",
            ["route", "method", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.http_in_flight = Gauge(
            "naramarket_http_requests_in_flight", "HTTP requests being served.", registry=r
        )
        self.tool_calls = LeanCounter(
            "naramarket_tool_calls",
            "Tool calls by tool and outcome (ok, partial, or the error code).",
            ["tool", "outcome"],
            registry=r,
        )
        self.tool_duration = LeanHistogram(
            "naramarket_tool_call_duration_seconds",
            "Tool call latency.",
            ["tool"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_requests = LeanCounter(
            "naramarket_upstream_requests",
            "Upstream requests by operation and result code (00, 03 no data, 30, upstream_unavailable, ...).",
            ["operation", "result_code"],
            registry=r,
        )
        self.upstream_duration = LeanHistogram(
            "naramarket_upstream_request_duration_seconds",
            "Upstream request latency by operation.",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_in_flight = Gauge(
            "naramarket_upstream_requests_in_flight", "Upstream requests in flight.", registry=r
        )
        self.upstream_retries = LeanCounter(
            "naramarket_upstream_retries",
            "Upstream requests retried, by operation and the result code that caused it.",
            ["operation", "result_code"],
            registry=r,
        )
        self.rate_limit_waits = Counter(
            "naramarket_upstream_rate_limit_waits",
            "Upstream requests that waited for the rate limiter's token bucket.",
            registry=r,
        )
        self.rate_limit_wait_seconds = Counter(
            "naramarket_upstream_rate_limit_wait_seconds",
            "Seconds spent waiting for the rate limiter.",
            registry=r,
        )
        self.export_jobs = Gauge(
            "naramarket_export_jobs",
            "Export jobs by state (queued, running, paused, done, failed, cancelled).",
            ["state"],
            registry=r,
        )
        self.export_rows = Counter(
            "naramarket_export_rows", "Rows written by export jobs, by format.", ["format"], registry=r
        )
        self.export_bytes = Counter(
            "naramarket_export_bytes", "Bytes written by export jobs, by format.", ["format"], registry=r
        )
        if process:  # resource metrics: CPU, memory, file descriptors, GC, Python version
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)
            GCCollector(registry=r)

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The registry in the text (or OpenMetrics) format the scraper asked for, and its content type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
