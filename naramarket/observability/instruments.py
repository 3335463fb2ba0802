"""The concrete observer: a tool call or an upstream request becomes a span, metrics and a log line.

Dispatch and the upstream clients call these context managers through the kernel's ``Observer``
protocol; neither knows about exporters, registries or renderers. Spans come from the global
tracer (``configure_tracing``); with tracing off they are the API's no-op spans.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from naramarket.kernel import NaramarketError, UpstreamError
from naramarket.kernel.host import tracing_on

from .logging import PRINCIPAL, own_line
from .metrics import Metrics

__all__ = ["Instruments", "ToolCall", "ToolCallScope", "UpstreamRequest", "instruments"]

TRACER_NAME = "naramarket"
log = logging.getLogger("naramarket.dispatch")
upstream_log = logging.getLogger("naramarket.upstream")
UNKNOWN_TOOL = "unknown"  # metric label for names that are not registered (unbounded otherwise)
T = TypeVar("T")


_NO_SPAN = nullcontext(trace.INVALID_SPAN)  # records nothing; set_attribute and set_status are no-ops


class ToolCall:
    """The outcome of one tool call, filled in by dispatch."""

    __slots__ = ("count", "outcome", "span")

    def __init__(self, span: trace.Span) -> None:
        self.span = span
        self.outcome = "ok"
        self.count: int | None = None

    def done(self, result: T) -> T:
        """Record the result's size and completeness on the span; returns ``result``."""
        items = getattr(result, "items", None)
        complete = getattr(result, "complete", None)
        if isinstance(items, list):
            self.count = len(items)
            self.span.set_attribute("naramarket.result.count", self.count)
        if isinstance(complete, bool):
            self.span.set_attribute("naramarket.result.complete", complete)
            if not complete:
                self.outcome = "partial"
        error = getattr(result, "error", None)
        if isinstance(error, dict) and error.get("code"):
            self.span.set_attribute("naramarket.error.code", str(error["code"]))
        return result


class UpstreamRequest:
    """The outcome of one upstream request, filled in by the fetch engine."""

    __slots__ = ("result_code",)

    def __init__(self) -> None:
        self.result_code = "00"

    def done(self, page: T) -> T:
        """Take the decoded page's result code (``03``: no data); returns ``page``."""
        code = getattr(page, "result_code", None)
        if isinstance(code, str) and code:
            self.result_code = code
        return page


def _result_code(exc: BaseException) -> str:
    """A failed request's result-code label, from a closed set: a two-digit upstream code, our error
    code, else ``internal_error``. Anything else an upstream sends (it may echo the service key into
    its "code") becomes ``other``: label values must never carry upstream text."""
    if isinstance(exc, UpstreamError):
        code = exc.upstream_code
        if code is None:
            return exc.code
        return code if len(code) == 2 and code.isascii() and code.isdigit() else "other"
    return "internal_error"


class ToolCallScope:
    """The context manager ``Instruments.tool_call`` returns (a class, not a generator: it runs on
    every call, and a generator-based one costs as much as the rest of a small call's plumbing)."""

    __slots__ = ("_bound", "_call", "_instruments", "_label", "_plugin", "_span_cm", "_started", "_subject")

    def __init__(self, instruments: Instruments, label: str, plugin: str | None, subject: str | None) -> None:
        self._instruments = instruments
        self._label = label
        self._plugin = plugin
        self._subject = subject

    def __enter__(self) -> ToolCall:
        label, plugin, subject = self._label, self._plugin, self._subject
        self._started = time.perf_counter()
        self._bound = PRINCIPAL.set(subject) if subject else None
        span_cm: Any = _NO_SPAN
        if tracing_on():  # else the API's proxy would hand out a no-op span and attach a context
            attributes: dict[str, Any] = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": label,
                "naramarket.tool": label,
            }
            if plugin:
                attributes["naramarket.plugin"] = plugin
            if subject:
                attributes["enduser.id"] = subject
            span_cm = self._instruments.tracer.start_as_current_span(
                f"execute_tool {label}",
                attributes=attributes,
                record_exception=False,
                set_status_on_exception=False,
            )
        self._span_cm = span_cm
        try:
            span = span_cm.__enter__()
        except BaseException:
            self._unbind()
            raise
        self._call = ToolCall(span)
        return self._call

    def _unbind(self) -> None:
        if self._bound is not None:
            PRINCIPAL.reset(self._bound)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        call = self._call
        level = logging.INFO
        try:
            if exc is not None:
                if isinstance(exc, Exception):
                    code = exc.code if isinstance(exc, NaramarketError) else "internal_error"
                    status = exc.status if isinstance(exc, NaramarketError) else 500
                    call.outcome = code
                    span = call.span
                    span.set_attribute("naramarket.error.code", code)
                    span.set_attribute("error.type", code)
                    span.set_status(Status(StatusCode.ERROR, code))
                    level = logging.WARNING if status >= 500 else logging.INFO
                else:  # cancelled: the caller went away
                    call.outcome = "cancelled"
            elapsed = time.perf_counter() - self._started
            instruments, label = self._instruments, self._label
            metrics = instruments.metrics
            instruments._child(metrics.tool_calls, label, call.outcome).inc()
            instruments._child(metrics.tool_duration, label).observe(elapsed)
            if log.isEnabledFor(level):
                fields = {
                    "tool": label,
                    "outcome": call.outcome,
                    "count": call.count,
                    "duration_ms": round(elapsed * 1000, 1),
                }
                own_line(log, level, "tool call", fields)
        finally:
            try:
                self._span_cm.__exit__(kind, exc, tb)
            finally:
                self._unbind()


class Instruments:
    """The kernel's ``Observer``: spans (global tracer), Prometheus samples (``metrics``), log lines."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.tracer = trace.get_tracer(TRACER_NAME)  # follows the global provider, even one set later
        self.metrics = metrics or Metrics()
        self._children: dict[tuple[Any, ...], Any] = {}  # labelled metric children, looked up once

    def _child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, cached: the label sets are bounded (registered tools, operations,
        fixed outcome and result-code vocabularies), and ``labels()`` takes a lock per call."""
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def tool_call(self, tool: str | None, plugin: str | None, subject: str | None) -> ToolCallScope:
        """Around one tool call (``tool`` None: not registered): span, counters, a log line."""
        return ToolCallScope(self, tool or UNKNOWN_TOOL, plugin, subject)

    @contextmanager
    def upstream_request(self, operation: str) -> Iterator[UpstreamRequest]:
        """Around one upstream HTTP request: result-code counter, latency, in-flight gauge.

        The code is ``00`` for a decoded page (or the page's own ``result_code``, e.g. ``03`` for
        no data, when the engine hands it to ``UpstreamRequest.done``), the upstream's code for a
        gateway or provider error, and the error code for HTTP failures and time-outs.
        """
        self.metrics.upstream_in_flight.inc()
        started = time.perf_counter()
        request = UpstreamRequest()
        result_code = "00"
        try:
            yield request
            result_code = request.result_code
        except Exception as exc:
            result_code = _result_code(exc)
            raise
        except BaseException:  # cancelled: the scan stopped before this page came back
            result_code = "cancelled"
            raise
        finally:
            self.metrics.upstream_in_flight.dec()
            self._child(self.metrics.upstream_duration, operation).observe(time.perf_counter() - started)
            self._child(self.metrics.upstream_requests, operation, result_code).inc()

    @contextmanager
    def retrying(self, operation: str, page_no: int, attempt: int, cause: Exception) -> Iterator[None]:
        """Around the back-off before retry ``attempt``: a span, a counter and a log line."""
        code = _result_code(cause)
        self._child(self.metrics.upstream_retries, operation, code).inc()
        upstream_log.info(
            "upstream retry",
            extra={"operation": operation, "page": page_no, "attempt": attempt, "result_code": code},
        )
        attributes: dict[str, str | int] = {
            "naramarket.upstream.operation": operation,
            "naramarket.upstream.page": page_no,
            "naramarket.retry.attempt": attempt,
            "naramarket.retry.cause": code,
        }
        with self.tracer.start_as_current_span(
            "upstream retry", kind=SpanKind.INTERNAL, attributes=attributes
        ):
            yield

    @contextmanager
    def window(self, operation: str, window: tuple[Any, Any] | None) -> Iterator[None]:
        """Around the pages of one date window (no span when the operation has no window)."""
        if window is None:
            yield
            return
        attributes = {
            "naramarket.upstream.operation": operation,
            "naramarket.window.start": str(window[0]),
            "naramarket.window.end": str(window[1]),
        }
        with self.tracer.start_as_current_span("upstream window", attributes=attributes):
            yield

    def rate_limit_wait(self, seconds: float) -> None:
        """Count a wait for the token bucket (``seconds`` > 0)."""
        if seconds > 0:
            self.metrics.rate_limit_waits.inc()
            self.metrics.rate_limit_wait_seconds.inc(seconds)


@functools.cache
def instruments() -> Instruments:
    """The process's instruments, on the process's registry (with CPU, memory and GC collectors)."""
    return Instruments(Metrics(process=True))
