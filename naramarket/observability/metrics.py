"""Prometheus metrics: every instrument declared here once, on a registry of its own.

The process has one (``naramarket.observability.instruments().metrics``); tests make their own.
Labels stay bounded: routes are templates (``/api/v1/tools/{name}``), tools and operations come
from the registry, outcomes and result codes from fixed vocabularies.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.exposition import choose_encoder

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    """The server's instruments (HTTP, tool calls, the fetch engine) on a registry of their own.

    ``process`` adds the resource collectors (CPU, memory, file descriptors, GC); only the
    process-wide instance should, as they describe the process, not an app.
    """

    def __init__(self, *, process: bool = False) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.http_duration = Histogram(
            "naramarket_http_request_duration_seconds",
            "HTTP request latency by route template, method and status.",
            ["route", "method", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.http_in_flight = Gauge(
            "naramarket_http_requests_in_flight", "HTTP requests being served.", registry=r
        )
        self.tool_calls = Counter(
            "naramarket_tool_calls",
            "Tool calls by tool and outcome (ok, partial, or the error code).",
            ["tool", "outcome"],
            registry=r,
        )
        self.tool_duration = Histogram(
            "naramarket_tool_call_duration_seconds",
            "Tool call latency.",
            ["tool"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_requests = Counter(
            "naramarket_upstream_requests",
            "Upstream requests by operation and result code (00, 03 no data, 30, upstream_unavailable, ...).",
            ["operation", "result_code"],
            registry=r,
        )
        self.upstream_duration = Histogram(
            "naramarket_upstream_request_duration_seconds",
            "Upstream request latency by operation.",
            ["operation"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_in_flight = Gauge(
            "naramarket_upstream_requests_in_flight", "Upstream requests in flight.", registry=r
        )
        self.upstream_retries = Counter(
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
