"""The observer's upstream counters: result codes for pages, errors and cancelled requests."""

from __future__ import annotations

from types import SimpleNamespace

import anyio
import pytest

from naramarket.kernel import errors
from naramarket.kernel.metrics import Metrics
from naramarket.kernel.observe import Observer

OP = "getBidPblancListInfoServc"


def count(observer: Observer, code: str) -> float:
    value = observer.metrics.registry.get_sample_value(
        "naramarket_upstream_requests_total", {"operation": OP, "result_code": code}
    )
    return value or 0.0


def test_a_page_reports_its_own_result_code():
    observer = Observer(metrics=Metrics())
    with observer.upstream_request(OP) as request:
        request.done(SimpleNamespace(items=[], result_code="03"))
    with observer.upstream_request(OP) as request:
        request.done(SimpleNamespace(items=[1]))  # a page without a result code: a decoded page
    with observer.upstream_request(OP):
        pass
    assert count(observer, "03") == 1 and count(observer, "00") == 2


def test_errors_report_the_upstream_code_or_the_error_code():
    observer = Observer(metrics=Metrics())
    for exc in (errors.QuotaExceeded("quota", upstream_code="22"), errors.UpstreamUnavailable("503")):
        with pytest.raises(errors.UpstreamError), observer.upstream_request(OP) as request:
            request.result_code = "00"
            raise exc
    with pytest.raises(RuntimeError), observer.upstream_request(OP):
        raise RuntimeError("bug")
    assert count(observer, "22") == 1 and count(observer, "upstream_unavailable") == 1
    assert count(observer, "internal_error") == 1
    assert observer.metrics.registry.get_sample_value("naramarket_upstream_requests_in_flight") == 0


@pytest.mark.anyio
async def test_a_cancelled_request_is_not_an_internal_error():
    observer = Observer(metrics=Metrics())
    with anyio.move_on_after(0.01):
        with observer.upstream_request(OP):
            await anyio.sleep(5)
    assert count(observer, "cancelled") == 1 and count(observer, "internal_error") == 0
