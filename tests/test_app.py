"""The composition root (naramarket/app.py): what ``make_kernel`` and ``create_app`` wire together."""

from __future__ import annotations

import pytest

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.datago import CLIENT
from naramarket.kernel import Settings
from tests.conftest import sandbox_settings
from tests.inprocess import serve

pytestmark = pytest.mark.anyio


async def test_a_sandbox_kernel_talks_to_the_in_process_sandbox_only():
    kernel = make_kernel(sandbox_settings())
    assert kernel.settings.api_base == SANDBOX_API_BASE  # a host name that is never resolved
    assert kernel.settings.service_key == sandbox.DEFAULT_SERVICE_KEY
    async with kernel:
        assert kernel.resources[CLIENT].service_key == sandbox.DEFAULT_SERVICE_KEY
        listing = await kernel.dispatcher.call("crawl_list", {"category": "데스크톱컴퓨터", "limit": 100})
    assert listing.items and listing.items[0].category == "데스크톱컴퓨터"


async def test_the_allow_list_in_the_settings_decides_which_plugins_are_served():
    async with serve(create_app(sandbox_settings(load_plugins=frozenset()))) as served, served.http() as http:
        info = (await http.get("/api/v1/server/info")).json()
        ready = await http.get("/api/v1/health/ready")
        call = await http.post("/api/v1/tools/crawl_list", json={"category": "x"})
    assert info["plugins"] == [] and info["tools"] == []
    assert ready.status_code == 503  # a server without tools is alive but not ready
    assert ready.json()["checks"]["plugins"] == {"ok": False, "tools": 0}
    assert call.status_code == 404


async def test_only_sandbox_answers_are_marked_as_sandbox():
    settings = Settings.from_env({}, rate_limit=0, load_plugins=frozenset())
    async with serve(create_app(settings)) as served, served.http() as http:
        real = await http.get("/api/v1/health")
    async with serve(create_app(sandbox_settings())) as served, served.http() as http:
        fake = await http.get("/api/v1/nothing-here")  # even errors
        probe = await http.get("/api/v1/health", headers={"X-Request-ID": "probe-1"})
        head = await http.head("/api/v1/health")
        metrics = (await http.get("/metrics")).text
    assert "x-naramarket-sandbox" not in real.headers
    assert real.json() == {"status": "ok", "sandbox": False}
    assert fake.status_code == 404 and fake.headers["x-naramarket-sandbox"] == "1"
    # The liveness probe is answered by the outermost layer, and still like every other answer.
    assert probe.json() == {"status": "ok", "sandbox": True}
    assert probe.headers["x-naramarket-sandbox"] == "1" and probe.headers["x-request-id"] == "probe-1"
    assert probe.headers["content-type"] == "application/json"
    assert head.status_code == 200 and head.headers["x-naramarket-sandbox"] == "1"
    assert '_count{method="GET",route="/api/v1/health",status="200"}' in metrics  # measured as before


async def test_the_sandbox_has_no_token_bucket_unless_one_is_asked_for(monkeypatch):
    monkeypatch.delenv("NARAMARKET_RATE_LIMIT", raising=False)
    default = make_kernel(Settings.from_env({}, sandbox=True, load_plugins=frozenset()))
    asked = make_kernel(Settings.from_env({}, sandbox=True, rate_limit=5, load_plugins=frozenset()))
    real = make_kernel(Settings.from_env({}, load_plugins=frozenset()))
    assert (default.settings.rate_limit, asked.settings.rate_limit) == (0, 5)
    assert real.settings.rate_limit == Settings().rate_limit > 0  # data.go.kr's limit stays
    async with default:  # the same engine, with the bucket off
        assert default.resources[CLIENT].bucket.rate == 0
