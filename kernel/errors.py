"""One error hierarchy for every surface.

Each error carries a stable ``code`` and knows its HTTP status and CLI exit code, so the adapters
map errors in exactly one place: ``problem()`` here for HTTP/SSE/MCP bodies, ``exit_code`` for the
CLI. Messages never contain a secret: whoever raises words them and never copies a URL in, and
``problem()`` passes every document through the same redaction as logs and traces, in case one
slipped in (an upstream that echoes the service key in its error text).
"""

from __future__ import annotations

from typing import Any, ClassVar

from opentelemetry import trace

from .redact import redact_value

__all__ = [  # and the EXIT_* codes below
    "Forbidden",
    "InternalError",
    "InvalidParams",
    "NaramarketError",
    "NotFound",
    "ToolNotFound",
    "Unauthorized",
    "UpstreamError",
    "UpstreamUnavailable",
    "problem",
]

# CLI exit codes: 1 is left to "unexpected"; 2 matches argparse's usage errors.
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_UPSTREAM_REFUSED = 4
EXIT_UPSTREAM_UNAVAILABLE = 5


class NaramarketError(Exception):
    """Base of every error a caller can see; ``code`` is stable and documented."""

    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"
    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = EXIT_INTERNAL
    retryable: ClassVar[bool] = False

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InternalError(NaramarketError):
    """An unexpected failure inside the server; details are logged, not returned."""

    code = "internal_error"
    title = "Internal server error"


class InvalidParams(NaramarketError):
    """The caller's arguments do not match the tool's Params schema."""

    code = "invalid_params"
    title = "Invalid parameters"
    status = 422
    exit_code = EXIT_USAGE


class ToolNotFound(NaramarketError):
    """No tool of that name is registered (or its plugin is not loaded)."""

    code = "tool_not_found"
    title = "Tool not found"
    status = 404
    exit_code = EXIT_USAGE


class NotFound(NaramarketError):
    """The thing asked for (a notice, a contract, a supplier) does not exist upstream."""

    code = "not_found"
    title = "Not found"
    status = 404
    exit_code = EXIT_USAGE


class Unauthorized(NaramarketError):
    """No bearer token, or one that is not valid here (HTTP 401 with a ``WWW-Authenticate`` challenge).

    ``oauth_error`` is the RFC 6750 error code (``invalid_token``) or None when no token was sent.
    """

    code = "unauthorized"
    title = "Authentication required"
    status = 401
    exit_code = EXIT_AUTH

    def __init__(self, detail: str, *, oauth_error: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.oauth_error = oauth_error


class Forbidden(NaramarketError):
    """The caller's token lacks a scope the tool declares (HTTP 403 ``insufficient_scope``)."""

    code = "insufficient_scope"
    title = "Insufficient scope"
    status = 403
    exit_code = EXIT_AUTH
    oauth_error = "insufficient_scope"

    def __init__(self, detail: str, *, scopes: tuple[str, ...] = (), **extra: Any) -> None:
        super().__init__(detail, required_scopes=list(scopes), **extra)
        self.scopes = scopes


class UpstreamError(NaramarketError):
    """An upstream API answered with an error; ``upstream_code`` is its own code for it.

    Upstream client libraries (``naramarket.datago``) subclass it, one class per code family.
    """

    code = "upstream_error"
    title = "Upstream error"
    status = 502
    exit_code = EXIT_UPSTREAM_REFUSED

    def __init__(
        self, detail: str, *, upstream_code: str | None = None, page_no: int | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        self.upstream_code = upstream_code
        self.page_no = page_no  # the page being fetched when it happened, when paging


class UpstreamUnavailable(UpstreamError):
    """Time-outs, resets, HTTP 5xx or unreadable answers from an upstream, after retries."""

    code = "upstream_unavailable"
    title = "Upstream unavailable"
    status = 503
    exit_code = EXIT_UPSTREAM_UNAVAILABLE
    retryable = True


def problem(error: NaramarketError, *, instance: str | None = None) -> dict[str, Any]:
    """The RFC 9457 problem document for ``error`` (also the body of MCP/SSE/CLI errors)."""
    doc: dict[str, Any] = {
        "type": f"https://naramarket.dev/problems/{error.code}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
    }
    if instance:
        doc["instance"] = instance
    upstream_code = getattr(error, "upstream_code", None)
    if upstream_code:
        doc["upstream_code"] = upstream_code
    context = trace.get_current_span().get_span_context()
    if context.is_valid:  # lets an operator find this call in Jaeger
        doc["trace_id"] = format(context.trace_id, "032x")
    doc.update(error.extra)
    redacted: dict[str, Any] = redact_value(doc)
    return redacted
