"""The process's observability set-up: logging, the global tracer provider, Prometheus, the observer.

The composition root (``naramarket.app``, ``naramarket.cli``) is the only user. The kernel and the
adapters know only the OpenTelemetry API and the kernel's ``Observer`` protocol; whatever is set
here reaches them through OpenTelemetry's global provider or by injection.
"""

from .instruments import Instruments, instruments
from .logging import REQUEST_ID, configure_logging, own_line
from .metrics import Metrics
from .tracing import configure_tracing, instrument_httpx

__all__ = [
    "REQUEST_ID",
    "Instruments",
    "Metrics",
    "configure_logging",
    "configure_tracing",
    "instrument_httpx",
    "instruments",
    "own_line",
]
