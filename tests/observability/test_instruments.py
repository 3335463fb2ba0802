"""The concrete observer: each tool call, upstream request, retry, window and wait as spans, samples, logs."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import anyio
import pytest
from opentelemetry import trace

from naramarket.kernel import InvalidParams, ToolNotFound, UpstreamError, UpstreamUnavailable
from naramarket.observability import Instruments, Metrics, instruments

OP = "getBidPblancListInfoServc"


class Refused(UpstreamError):
    """An upstream refusal with the gateway's own code (like data.go.kr's code 30)."""

    code = "key_not_registered"


def sample(observer: Instruments, name: str, **labels: str) -> float:
    return observer.metrics.registry.get_sample_value(name, labels) or 0.0


def requests(observer: Instruments, code: str) -> float:
    return sample(observer, "naramarket_upstream_requests_total", operation=OP, result_code=code)


def tool_calls(observer: Instruments, tool: str, outcome: str) -> float:
    return sample(observer, "naramarket_tool_calls_total", tool=tool, outcome=outcome)


def test_a_tool_call_is_one_span_one_count_and_one_log_line(spans, caplog):
    observer = Instruments(Metrics())
    caplog.set_level(logging.INFO, logger="naramarket.dispatch")
    with observer.tool_call("crawl_list", "g2b_mall", "alice") as call:
        call.done(SimpleNamespace(items=[1, 2, 3], complete=False, error={"code": "upstream_unavailable"}))
    (span,) = spans.named("execute_tool crawl_list")
    assert dict(span.attributes) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "crawl_list",
        "naramarket.tool": "crawl_list",
        "naramarket.plugin": "g2b_mall",
        "enduser.id": "alice",
        "naramarket.result.count": 3,
        "naramarket.result.complete": False,
        "naramarket.error.code": "upstream_unavailable",
    }
    assert span.status.status_code is trace.StatusCode.UNSET  # a partial answer is still an answer
    assert tool_calls(observer, "crawl_list", "partial") == 1
    assert sample(observer, "naramarket_tool_call_duration_seconds_count", tool="crawl_list") == 1
    (line,) = [r for r in caplog.records if r.getMessage() == "tool call"]
    assert (line.tool, line.outcome, line.count, line.levelno) == ("crawl_list", "partial", 3, logging.INFO)


def test_a_failed_call_carries_its_error_code_and_server_errors_log_a_warning(spans, caplog):
    observer = Instruments(Metrics())
    caplog.set_level(logging.INFO, logger="naramarket.dispatch")
    with pytest.raises(Refused), observer.tool_call("crawl_list", "g2b_mall", None):
        raise Refused("refused", upstream_code="30")
    with pytest.raises(InvalidParams), observer.tool_call("crawl_list", "g2b_mall", None):
        raise InvalidParams("bad date")
    with pytest.raises(ToolNotFound), observer.tool_call(None, None, None):
        raise ToolNotFound("no such tool")
    refused, invalid = spans.named("execute_tool crawl_list")
    assert refused.status.status_code is trace.StatusCode.ERROR
    assert (
        refused.attributes["naramarket.error.code"]
        == refused.attributes["error.type"]
        == "key_not_registered"
    )
    assert "enduser.id" not in refused.attributes
    assert invalid.attributes["naramarket.error.code"] == "invalid_params"
    (unknown,) = spans.named("execute_tool unknown")
    assert "naramarket.plugin" not in unknown.attributes
    assert tool_calls(observer, "crawl_list", "key_not_registered") == 1
    assert tool_calls(observer, "crawl_list", "invalid_params") == 1
    assert tool_calls(observer, "unknown", "tool_not_found") == 1
    levels = [(r.outcome, r.levelno) for r in caplog.records if r.getMessage() == "tool call"]
    assert levels == [
        ("key_not_registered", logging.WARNING),
        ("invalid_params", logging.INFO),
        ("tool_not_found", logging.INFO),
    ]


@pytest.mark.anyio
async def test_a_cancelled_call_counts_as_cancelled(spans):
    observer = Instruments(Metrics())
    with anyio.move_on_after(0.01), observer.tool_call("crawl_list", "g2b_mall", None):
        await anyio.sleep(5)
    assert tool_calls(observer, "crawl_list", "cancelled") == 1
    assert tool_calls(observer, "crawl_list", "internal_error") == 0


def test_the_tool_span_is_the_parent_of_what_happens_inside(spans):
    observer = Instruments(Metrics())
    with (
        observer.tool_call("crawl_list", "g2b_mall", None),
        observer.window(OP, ("2024-01-01", "2024-12-31")),
    ):
        pass
    (window,) = spans.named("upstream window")
    (tool,) = spans.named("execute_tool crawl_list")
    assert window.parent.span_id == tool.context.span_id
    assert dict(window.attributes) == {
        "naramarket.upstream.operation": OP,
        "naramarket.window.start": "2024-01-01",
        "naramarket.window.end": "2024-12-31",
    }


def test_a_scan_with_one_window_gets_no_window_span(spans):
    with Instruments(Metrics()).window(OP, None):
        pass
    assert spans.named("upstream window") == []


def test_a_page_reports_its_own_result_code():
    observer = Instruments(Metrics())
    with observer.upstream_request(OP) as request:
        request.done(SimpleNamespace(items=[], result_code="03"))
    with observer.upstream_request(OP) as request:
        request.done(SimpleNamespace(items=[1]))  # a page without a result code: a decoded page
    with observer.upstream_request(OP):
        pass
    assert requests(observer, "03") == 1 and requests(observer, "00") == 2
    assert sample(observer, "naramarket_upstream_request_duration_seconds_count", operation=OP) == 3


def test_errors_report_the_upstream_code_or_the_error_code():
    observer = Instruments(Metrics())
    for exc in (Refused("quota", upstream_code="22"), UpstreamUnavailable("503")):
        with pytest.raises(UpstreamError), observer.upstream_request(OP) as request:
            request.result_code = "00"
            raise exc
    with pytest.raises(RuntimeError), observer.upstream_request(OP):
        raise RuntimeError("bug")
    assert requests(observer, "22") == 1 and requests(observer, "upstream_unavailable") == 1
    assert requests(observer, "internal_error") == 1
    assert sample(observer, "naramarket_upstream_requests_in_flight") == 0


@pytest.mark.anyio
async def test_a_cancelled_request_is_not_an_internal_error():
    observer = Instruments(Metrics())
    with anyio.move_on_after(0.01), observer.upstream_request(OP):
        assert sample(observer, "naramarket_upstream_requests_in_flight") == 1
        await anyio.sleep(5)
    assert requests(observer, "cancelled") == 1 and requests(observer, "internal_error") == 0
    assert sample(observer, "naramarket_upstream_requests_in_flight") == 0


def test_a_retry_is_a_span_a_count_and_a_log_line(spans, caplog):
    observer = Instruments(Metrics())
    caplog.set_level(logging.INFO, logger="naramarket.upstream")
    with observer.retrying(OP, 2, 1, UpstreamUnavailable("HTTP 503")):
        pass
    (span,) = spans.named("upstream retry")
    assert dict(span.attributes) == {
        "naramarket.upstream.operation": OP,
        "naramarket.upstream.page": 2,
        "naramarket.retry.attempt": 1,
        "naramarket.retry.cause": "upstream_unavailable",
    }
    retries = sample(
        observer, "naramarket_upstream_retries_total", operation=OP, result_code="upstream_unavailable"
    )
    assert retries == 1
    (line,) = [r for r in caplog.records if r.getMessage() == "upstream retry"]
    assert (line.operation, line.page, line.attempt, line.result_code) == (OP, 2, 1, "upstream_unavailable")


def test_rate_limit_waits_are_counted_with_their_seconds():
    observer = Instruments(Metrics())
    observer.rate_limit_wait(0.25)
    observer.rate_limit_wait(0.5)
    observer.rate_limit_wait(0)  # no wait: nothing to count
    assert sample(observer, "naramarket_upstream_rate_limit_waits_total") == 2
    assert sample(observer, "naramarket_upstream_rate_limit_wait_seconds_total") == 0.75


def test_the_process_has_one_set_of_instruments_with_resource_metrics():
    assert instruments() is instruments()
    process = instruments().metrics
    assert process.registry.get_sample_value("process_resident_memory_bytes")
    assert Metrics().registry.get_sample_value("process_resident_memory_bytes") is None
    text, content_type = process.exposition()
    assert content_type.startswith("text/plain") and b"naramarket_tool_calls_total" in text
    _, openmetrics = process.exposition("application/openmetrics-text; version=1.0.0")
    assert openmetrics.startswith("application/openmetrics-text")
