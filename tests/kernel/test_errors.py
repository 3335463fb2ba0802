"""kernel/errors.py: stable codes, and the one mapping to HTTP status and RFC 9457 bodies."""

from __future__ import annotations

import pytest

from naramarket.datago import (
    AccessDenied,
    InvalidParameter,
    KeyExpired,
    KeyNotRegistered,
    NotConfigured,
    QuotaExceeded,
    RangeTooWide,
    RateLimited,
    RequestBudgetSpent,
    ServiceNotFound,
    UnregisteredIp,
)
from naramarket.kernel import (
    Forbidden,
    InternalError,
    InvalidParams,
    NaramarketError,
    NotFound,
    ToolNotFound,
    Unauthorized,
    UpstreamError,
    UpstreamUnavailable,
)
from naramarket.kernel.host import problem

# The documented contract: clients switch on these codes, so they never change.
STABLE = {
    InternalError: ("internal_error", 500),
    InvalidParams: ("invalid_params", 422),
    ToolNotFound: ("tool_not_found", 404),
    NotFound: ("not_found", 404),
    Unauthorized: ("unauthorized", 401),
    Forbidden: ("insufficient_scope", 403),
    UpstreamError: ("upstream_error", 502),
    RangeTooWide: ("range_too_wide", 422),
    InvalidParameter: ("invalid_parameter", 422),
    ServiceNotFound: ("service_not_found", 502),
    AccessDenied: ("access_denied", 502),
    QuotaExceeded: ("quota_exceeded", 429),
    RateLimited: ("rate_limited", 503),
    KeyNotRegistered: ("key_not_registered", 502),
    KeyExpired: ("key_expired", 502),
    UnregisteredIp: ("unregistered_ip", 502),
    UpstreamUnavailable: ("upstream_unavailable", 503),
    NotConfigured: ("not_configured", 503),
    RequestBudgetSpent: ("request_budget", 429),
}


@pytest.mark.parametrize("error", list(STABLE), ids=lambda e: e.__name__)
def test_codes_and_statuses_are_stable(error: type[NaramarketError]) -> None:
    code, status = STABLE[error]
    doc = problem(error("something happened"))
    assert (doc["code"], doc["status"]) == (code, status)
    assert doc["type"].endswith(f"/problems/{code}")
    assert doc["title"]
    assert doc["detail"] == "something happened"


def test_every_error_class_is_covered() -> None:
    def subclasses(cls: type) -> set[type]:
        return {s for c in cls.__subclasses__() for s in {c, *subclasses(c)}}

    library_errors = {
        c
        for c in subclasses(NaramarketError)
        if c.__module__.startswith(("naramarket.kernel", "naramarket.datago"))
    }
    assert library_errors == set(STABLE)


def test_problem_carries_the_upstream_code_instance_and_extras() -> None:
    doc = problem(QuotaExceeded("quota used up", upstream_code="22", retry_after=3600), instance="/api/v1/x")
    assert doc["upstream_code"] == "22"
    assert doc["instance"] == "/api/v1/x"
    assert doc["retry_after"] == 3600


def test_only_transient_errors_are_retryable() -> None:
    assert {e for e in STABLE if e.retryable} == {RateLimited, UpstreamUnavailable}
