"""The observer protocol: the hook points where dispatch and upstream clients report their work.

The kernel calls these and knows nothing of spans, metrics or log renderers; the composition root
injects a concrete observer (``naramarket.observability``). ``NullObserver`` does nothing, so a
kernel built without one (tests, embedding) works unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, TypeVar

from opentelemetry import trace

__all__ = ["NullObserver", "Observed", "Observer", "tracing_on"]

T = TypeVar("T")


_tracing = False
_PROVIDER_FROM_ENV = "OTEL_PYTHON_TRACER_PROVIDER" in os.environ  # the API loads one from there


def tracing_on() -> bool:
    """True once a real tracer provider is set (not the API's proxy or no-op), for every layer that
    starts spans or names traces. OpenTelemetry sets the global provider once, so a yes is kept;
    while none is set, its global is read first (``get_tracer_provider()`` would look the
    environment up on every call, a tenth of a small call's CPU)."""
    global _tracing
    if not _tracing:
        if getattr(trace, "_TRACER_PROVIDER", True) is None and not _PROVIDER_FROM_ENV:
            return False
        _tracing = not isinstance(
            trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider
        )
    return _tracing


class Observed(Protocol):
    """An observation in progress, told what came of it (a tool's result, an upstream page)."""

    def done(self, outcome: T) -> T:
        """Record the outcome's size, completeness or result code; returns ``outcome``."""
        ...


class Observer(Protocol):
    """Where dispatch and upstream clients report tool calls, requests, retries and waits."""

    def tool_call(
        self, tool: str | None, plugin: str | None, subject: str | None
    ) -> AbstractContextManager[Observed]:
        """Around one tool call (``tool`` None: no such tool); exceptions inside are its outcome."""
        ...

    def upstream_request(self, operation: str) -> AbstractContextManager[Observed]:
        """Around one upstream HTTP request of ``operation``."""
        ...

    def retrying(
        self, operation: str, page_no: int, attempt: int, cause: Exception
    ) -> AbstractContextManager[None]:
        """Around the back-off before retry ``attempt`` of a page."""
        ...

    def window(self, operation: str, window: tuple[Any, Any] | None) -> AbstractContextManager[None]:
        """Around the pages of one date window of a scan (``None``: the scan has one window)."""
        ...

    def rate_limit_wait(self, seconds: float) -> None:
        """A request waited ``seconds`` (> 0) for the rate limiter."""
        ...


class _Passthrough:
    __slots__ = ()

    def done(self, value: T) -> T:
        return value


_PASSTHROUGH = _Passthrough()


class NullObserver:
    """Observes nothing: the default when no observer is injected."""

    @contextmanager
    def tool_call(self, tool: str | None, plugin: str | None, subject: str | None) -> Iterator[Observed]:
        """No span, no count."""
        yield _PASSTHROUGH

    @contextmanager
    def upstream_request(self, operation: str) -> Iterator[Observed]:
        """No span, no count."""
        yield _PASSTHROUGH

    @contextmanager
    def retrying(self, operation: str, page_no: int, attempt: int, cause: Exception) -> Iterator[None]:
        """No span, no count."""
        yield

    @contextmanager
    def window(self, operation: str, window: tuple[Any, Any] | None) -> Iterator[None]:
        """No span."""
        yield

    def rate_limit_wait(self, seconds: float) -> None:
        """Nothing to count."""
