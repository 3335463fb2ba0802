"""data.go.kr's error codes as typed errors, and the code table every data.go.kr API shares.

The portal's common codes (gateway ``returnReasonCode`` and ``resultCode``) are the same for every
API; a provider may add its own (조달청's 06/07/08: ``naramarket.datago.g2b``). Each class knows
its HTTP status and CLI exit code through the kernel's error hierarchy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from naramarket.kernel import NaramarketError, UpstreamError, UpstreamUnavailable
from naramarket.kernel.host import EXIT_USAGE, redact_text

__all__ = [
    "COMMON_CODES",
    "COMMON_MESSAGES",
    "AccessDenied",
    "InvalidParameter",
    "KeyExpired",
    "KeyNotRegistered",
    "NotConfigured",
    "QuotaExceeded",
    "RangeTooWide",
    "RateLimited",
    "RequestBudgetSpent",
    "ServiceNotFound",
    "UnregisteredIp",
    "UpstreamError",
    "UpstreamUnavailable",
    "error_for_code",
]


class NotConfigured(NaramarketError):
    """The server has no service key: an operator's set-up step, not an upstream answer."""

    code = "not_configured"
    title = "Upstream not configured"
    status = 503
    exit_code = EXIT_USAGE


class RangeTooWide(UpstreamError):
    """The date range (or another value) exceeds what the operation accepts (조달청 07)."""

    code = "range_too_wide"
    title = "Range too wide"
    status = 422
    exit_code = EXIT_USAGE


class InvalidParameter(UpstreamError):
    """A parameter was malformed or missing (10, 11; 조달청 06, 08)."""

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


class RequestBudgetSpent(UpstreamError):
    """This call made as many upstream requests as one call may (``NARAMARKET_CALL_REQUESTS``)."""

    code = "request_budget"
    title = "Upstream request budget spent"
    status = 429
    exit_code = EXIT_USAGE


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


# The portal's common codes -> error class. 03 is not here: no data is an empty page, not an error.
COMMON_CODES: Mapping[str, type[UpstreamError]] = {
    "01": UpstreamUnavailable,  # application error
    "02": UpstreamUnavailable,  # database error
    "04": UpstreamUnavailable,  # HTTP error at the provider
    "05": UpstreamUnavailable,  # provider time-out
    "10": InvalidParameter,  # invalid request parameter
    "11": InvalidParameter,  # missing required parameter
    "12": ServiceNotFound,
    "20": AccessDenied,
    "22": QuotaExceeded,
    "23": RateLimited,
    "30": KeyNotRegistered,
    "31": KeyExpired,
    "32": UnregisteredIp,
}


# Our own words for the codes we know: an upstream's text is never echoed for them (a gateway may
# echo the request, service key included, into its message).
COMMON_MESSAGES: Mapping[str, str] = {
    "01": "application error at the provider",
    "02": "database error at the provider",
    "04": "HTTP error at the provider",
    "05": "the provider timed out",
    "10": "a request parameter is invalid",
    "11": "a required request parameter is missing",
    "12": "no such service or operation (renamed or retired?)",
    "20": "access denied: the service key is not approved (활용신청) for this API",
    "22": "the daily request quota of this operation is used up",
    "23": "too many requests per second",
    "31": "the service key has expired; renew it on data.go.kr",
    "32": "this server's IP address or domain is not registered for the service key",
}
_CODE = re.compile(r"[0-9A-Za-z_-]{1,12}")
_QUOTED = 200  # characters of an unknown code's message that are quoted (after redaction)


def error_for_code(
    code: str,
    message: str,
    codes: Mapping[str, type[UpstreamError]] = COMMON_CODES,
    messages: Mapping[str, str] = COMMON_MESSAGES,
) -> UpstreamError:
    """The typed error for an upstream result/reason code (unknown codes: ``UpstreamError``).

    Known codes get our own message; an unknown code's text is quoted only redacted and cut short,
    and a "code" that is not a short token is not repeated at all.
    """
    code = code.strip().zfill(2)
    if not _CODE.fullmatch(code):
        code = "unknown"
    cls = codes.get(code, UpstreamError)
    if cls is KeyNotRegistered:
        return KeyNotRegistered(upstream_code=code)
    known = messages.get(code)
    if known is not None:
        return cls(f"data.go.kr answered {code}: {known}", upstream_code=code)
    quoted = redact_text(" ".join(message.split()))[:_QUOTED]
    return cls(f"data.go.kr answered {code} {quoted}".strip(), upstream_code=code)
