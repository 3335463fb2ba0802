"""One error hierarchy for every surface.

Each error carries a stable ``code`` and knows its HTTP status and CLI exit code, so the adapters
map errors in exactly one place: ``problem()`` here for HTTP/SSE/MCP bodies, ``exit_code`` for the
CLI. Messages never contain the service key: the engine words them itself and never copies a URL in.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .telemetry import current_trace_id

__all__ = [
    "AccessDenied",
    "Forbidden",
    "InternalError",
    "InvalidParameter",
    "InvalidParams",
    "KeyExpired",
    "KeyNotRegistered",
    "NaramarketError",
    "QuotaExceeded",
    "RangeTooWide",
    "RateLimited",
    "ServiceNotFound",
    "ToolNotFound",
    "Unauthorized",
    "UnregisteredIp",
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
    """data.go.kr answered with an error; ``upstream_code`` is its resultCode/returnReasonCode."""

    code = "upstream_error"
    title = "Upstream error"
    status = 502
    exit_code = EXIT_UPSTREAM_REFUSED

    def __init__(self, detail: str, *, upstream_code: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.upstream_code = upstream_code


class RangeTooWide(UpstreamError):
    """Upstream 07: the date range (or another value) exceeds what the operation accepts."""

    code = "range_too_wide"
    title = "Range too wide"
    status = 422
    exit_code = EXIT_USAGE


class InvalidParameter(UpstreamError):
    """Upstream 06/08/10/11: a parameter was malformed or missing."""

    code = "invalid_parameter"
    title = "Invalid upstream parameter"
    status = 422
    exit_code = EXIT_USAGE


class ServiceNotFound(UpstreamError):
    """Gateway 12: the service or operation does not exist (renamed or retired)."""

    code = "service_not_found"
    title = "Upstream service not found"


class AccessDenied(UpstreamError):
    """Gateway 20: the key is not approved (활용신청) for this API."""

    code = "access_denied"
    title = "Upstream access denied"


class QuotaExceeded(UpstreamError):
    """Gateway 22: the daily call quota of this operation is used up."""

    code = "quota_exceeded"
    title = "Daily upstream quota exceeded"
    status = 429


class RateLimited(UpstreamError):
    """Gateway 23 or HTTP 429: too many requests per second, even after retries."""

    code = "rate_limited"
    title = "Upstream rate limit"
    status = 503
    retryable = True


class KeyNotRegistered(UpstreamError):
    """Gateway 30: the service key is unknown for this API."""

    code = "key_not_registered"
    title = "Service key not registered"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(
            detail
            or (
                "data.go.kr does not recognise the service key for this API (code 30). Apply for this "
                "API (활용신청) on data.go.kr with the same account, wait for approval, and set "
                "NARAMARKET_SERVICE_KEY to the 'Decoding' key (일반 인증키 Decoding); an 'Encoding' key "
                "(with %2B, %2F, %3D) is detected and decoded, but a key copied with spaces or "
                "double-encoded (%252B) is not."
            ),
            **extra,
        )


class KeyExpired(UpstreamError):
    """Gateway 31: the key's period of use has ended; renew it on data.go.kr."""

    code = "key_expired"
    title = "Service key expired"


class UnregisteredIp(UpstreamError):
    """Gateway 32: this server's IP or domain is not registered for the key."""

    code = "unregistered_ip"
    title = "Unregistered IP"


class UpstreamUnavailable(UpstreamError):
    """Timeouts, resets, HTTP 5xx, provider 01/02/04/05 or unreadable bodies, after retries."""

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
    trace_id = current_trace_id()  # lets an operator find this call in Jaeger
    if trace_id:
        doc["trace_id"] = trace_id
    doc.update(error.extra)
    return doc
