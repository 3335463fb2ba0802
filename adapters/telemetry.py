"""Per-request telemetry as a plain ASGI middleware: request id, SERVER span, HTTP metrics, access log.

Being the outermost layer that reads the headers anyway, it also trims optional whitespace around
header values (h11 does; httptools, the parser ``naramarket serve`` runs on, does not). The app
fuses the other thin per-request layers into this one pass (``guard``: the cross-site checks;
``marker``: headers every response carries, e.g. the sandbox marker; ``health``: the liveness
answer, sent from here like a bare route), so a request crosses one wrapper, not four.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import time
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import Gauge
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from naramarket.kernel.host import tracing_on

if TYPE_CHECKING:
    from .guard import CrossSiteGuard

__all__ = ["HttpMetrics", "RequestTelemetry"]

log = logging.getLogger("naramarket.http")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_OWS = (0x20, 0x09)  # optional whitespace around a field value (RFC 9110 5.6.3): SP, HTAB
UNMATCHED = "unmatched"  # route label of requests no route matched (404 scans stay one series)


LogLine = Callable[[logging.Logger, int, str, dict[str, Any]], None]


def _log_line(logger: logging.Logger, level: int, event: str, fields: dict[str, Any]) -> None:
    """The access line through ``logging`` (the composition root injects a faster writer)."""
    logger.log(level, event, extra=fields)


_UNREAD_REQUEST_ID: ContextVar[str | None] = ContextVar("naramarket.http.request_id", default=None)


class Labelled(Protocol):
    """A labelled histogram: ``labels(*values)`` gives the series to ``observe(seconds)``."""

    def labels(self, *values: str) -> Any: ...


class HttpMetrics(Protocol):
    """The HTTP instruments the middleware moves (``naramarket.observability.Metrics`` has them)."""

    http_duration: Labelled  # labels: route, method, status
    http_in_flight: Gauge


class _Count:
    """A gauge's value as a plain int, read when the gauge is scraped."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0


_counts: weakref.WeakKeyDictionary[Gauge, _Count] = weakref.WeakKeyDictionary()


def _in_flight_count(gauge: Gauge) -> _Count:
    """The count behind ``gauge`` (one per gauge, shared by every app that moves it): requests
    change a plain int on the event loop, and the gauge reads it when scraped — no lock per
    request, which ``Gauge.inc``/``dec`` take."""
    count = _counts.get(gauge)
    if count is None:
        count = _counts[gauge] = _Count()
        gauge.set_function(lambda: count.n)
    return count


class _RequestIds:
    """Fresh request ids: a random per-process prefix and a counter, 32 hex characters.

    Unique across processes and restarts like a uuid4, without reading the OS's randomness per
    request; a forked worker draws a prefix of its own.
    """

    def __init__(self) -> None:
        self.reseed()
        os.register_at_fork(after_in_child=self.reseed)

    def reseed(self) -> None:
        self.prefix = secrets.token_hex(8)
        self.counter = itertools.count()

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter):016x}"


_new_request_id = _RequestIds()


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    return str(getattr(route, "path", None) or UNMATCHED)


class RequestTelemetry:
    """Wraps the app: binds ``request_id``, opens a SERVER span, measures latency by route template.

    An incoming ``X-Request-ID`` (if sane) is kept, otherwise one is made; it is echoed in the
    response. Incoming W3C ``traceparent`` continues the caller's trace. Spans come from the global
    tracer and exist only when a tracer provider is set (then the incoming context is extracted).

    ``line`` writes the access line and ``request_id`` is the variable the id is set in for the
    request's log lines: the composition root injects the logging set-up's (by default: stdlib
    ``logging``, and a variable no line reads).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: HttpMetrics,
        guard: CrossSiteGuard | None = None,
        marker: tuple[tuple[bytes, bytes], ...] = (),
        health: tuple[str, bytes] | None = None,
        line: LogLine | None = None,
        request_id: ContextVar[str | None] | None = None,
    ) -> None:
        self.app = app
        self.line = line or _log_line
        self.request_id = request_id if request_id is not None else _UNREAD_REQUEST_ID
        self.metrics = metrics
        self.guard = guard
        self.marker = marker
        self.health = health
        self._health_route = SimpleNamespace(path=health[0] if health else UNMATCHED)
        self.tracer = trace.get_tracer("naramarket")
        self._durations: dict[tuple[str, str, int], Any] = {}  # labelled children, looked up once
        self._in_flight = _in_flight_count(metrics.http_in_flight)

    def _observe(self, route: str, method: str, status: int, elapsed: float) -> None:
        key = (route, method, status)
        child = self._durations.get(key)
        if child is None:  # bounded: route templates, _METHODS + OTHER, HTTP status codes
            child = self._durations[key] = self.metrics.http_duration.labels(route, method, str(status))
        child.observe(elapsed)

    async def _health(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.health is not None
        body = self.health[1]
        scope["route"] = self._health_route  # the metrics label, as the router would set it
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _done(self, scope: Scope, method: str, status: int, elapsed: float, span: Any) -> None:
        """A request ended: its latency by route template, its span's name and status, the access line."""
        route = _route_template(scope)
        self._observe(route, method, status, elapsed)
        if span is not None:
            span.update_name(f"{method} {route}")
            span.set_attribute("http.route", route)
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR))
        if log.isEnabledFor(logging.INFO):  # the access line is off unless asked for
            fields = {
                "method": method,
                "route": route,
                "path": scope.get("path", ""),
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
            }
            self.line(log, logging.INFO, "http request", fields)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        headers_in = scope.get("headers", ())
        untrimmed = False
        host = origin = content_type = None
        for name, value in headers_in:
            if value and (value[0] in _OWS or value[-1] in _OWS):
                untrimmed = True
            if name == b"x-request-id":  # ASGI header names are lower-case
                incoming = value.decode("latin-1").strip(" \t")
            elif name == b"host":
                host = value
            elif name == b"origin":
                origin = value
            elif name == b"content-type":
                content_type = value
        if untrimmed:  # httptools hands values over as sent; RFC 9110 5.5 drops the OWS around them
            scope["headers"] = [(name, value.strip(b" \t")) for name, value in headers_in]
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else _new_request_id()
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        status = 500  # unless the app starts a response
        extra = (*self.marker, (b"x-request-id", request_id.encode()))
        app = self.app
        health = self.health
        if health is not None and method == "GET" and scope["path"] == health[0]:
            app = self._health  # a bare route: no router, no request object
        elif self.guard is not None:
            app = self.guard.layer_for(scope, app, host, origin, content_type)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        in_flight = self._in_flight
        in_flight.n += 1
        started = time.perf_counter()
        request_ids = self.request_id
        bound = request_ids.set(request_id)
        try:
            if not tracing_on():
                try:
                    await app(scope, receive, send_with_id)
                finally:
                    in_flight.n -= 1
                    self._done(scope, method, status, time.perf_counter() - started, None)
                return
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            with self.tracer.start_as_current_span(
                method,
                context=propagate.extract(headers),
                kind=SpanKind.SERVER,
                attributes={
                    "http.request.method": method,
                    "url.path": scope.get("path", ""),
                    "url.scheme": scope.get("scheme", "http"),
                    "naramarket.request_id": request_id,
                },
            ) as span:
                try:
                    await app(scope, receive, send_with_id)
                finally:
                    in_flight.n -= 1
                    self._done(scope, method, status, time.perf_counter() - started, span)
        finally:
            request_ids.reset(bound)
