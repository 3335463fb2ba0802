"""``/metrics``: the injected registry in Prometheus or OpenMetrics format, behind its own static token."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.testclient import TestClient

from naramarket.adapters import metrics as metrics_adapter
from naramarket.kernel import Settings
from naramarket.kernel.host import Kernel, make_plugin_manager
from naramarket.observability import Metrics
from tests.conftest import free_port

TOKEN = "scrape-secret-42"


def scraper(metrics: Metrics, **settings: object) -> TestClient:
    """``/metrics`` alone on an app, served on a non-loopback address (auth ``auto`` is on there)."""
    kernel = Kernel(Settings(**settings), plugin_manager=make_plugin_manager([]))  # type: ignore[arg-type]
    app = Starlette(routes=metrics_adapter.routes(kernel, metrics))
    return TestClient(app, base_url="http://metrics.example", client=("203.0.113.5", 50000))


@pytest.fixture
def metrics() -> Metrics:
    registry = Metrics()
    registry.tool_calls.labels("crawl_list", "ok").inc(3)
    return registry


def calls(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "naramarket_tool_calls_total" and s.labels == {
                "tool": "crawl_list",
                "outcome": "ok",
            }:
                return float(s.value)
    raise AssertionError("no naramarket_tool_calls_total sample")


def test_the_injected_registry_is_served_in_the_format_the_scraper_asks_for(metrics):
    client = scraper(metrics, auth="off")
    text = client.get("/metrics")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert calls(text.text) == 3
    openmetrics = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.rstrip().endswith("# EOF")


def test_with_a_metrics_token_only_that_bearer_token_scrapes(metrics):
    client = scraper(metrics, metrics_token=TOKEN)
    anonymous = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    basic = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    allowed = client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    for refused in (anonymous, wrong, basic):
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["www-authenticate"] == "Bearer"  # a static credential, not OAuth
        assert refused.json()["code"] == "unauthorized"
    assert allowed.status_code == 200 and calls(allowed.text) == 3


def test_open_metrics_while_auth_is_on_warn_once(metrics, caplog):
    caplog.set_level(logging.WARNING, logger="naramarket.metrics")
    client = scraper(metrics, auth="on")
    assert [client.get("/metrics").status_code for _ in range(2)] == [200, 200]
    warnings = [r.getMessage() for r in caplog.records if r.name == "naramarket.metrics"]
    assert len(warnings) == 1 and "/metrics is open while auth is on" in warnings[0]


def test_with_auth_off_an_open_scrape_logs_nothing(metrics, caplog):
    caplog.set_level(logging.WARNING, logger="naramarket.metrics")
    assert scraper(metrics, auth="off", auth_allow_open=True).get("/metrics").status_code == 200
    assert not [r for r in caplog.records if r.name == "naramarket.metrics"]


@pytest.fixture
def port() -> Iterator[int]:
    yield free_port()


def test_a_separate_port_serves_the_registry_only_while_the_block_runs(metrics, port):
    url = f"http://127.0.0.1:{port}/metrics"
    with metrics_adapter.separate_port(metrics, port, host="127.0.0.1"):
        scrape = httpx.get(url, timeout=10)
        assert scrape.status_code == 200 and calls(scrape.text) == 3
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)
