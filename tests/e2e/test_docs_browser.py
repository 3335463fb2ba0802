"""``/docs`` and ``/redoc`` render in Debian's Chromium with the network cut off.

Every request that does not go to the test server is aborted and recorded: the pages must load
their JavaScript and CSS from naramarket itself (adapters/api_docs.py), as in a closed network.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Route, expect, sync_playwright

from naramarket.app import create_app
from tests.conftest import LiveServer, sandbox_settings, start_server
from tests.e2e.test_login_page_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium) as root",
    ),
]


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = start_server(create_app(sandbox_settings()))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def offline_page(browser: Browser, server: LiveServer, blocked: list[str]):
    context = browser.new_context()

    def route(route: Route) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def test_swagger_ui_renders_offline(browser: Browser, server: LiveServer) -> None:
    blocked: list[str] = []
    page = offline_page(browser, server, blocked)
    page.goto(f"{server.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("naramarket")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/tools/crawl_list").first).to_be_visible()
    assert blocked == []
    page.context.close()


def test_redoc_renders_offline(browser: Browser, server: LiveServer) -> None:
    blocked: list[str] = []
    page = offline_page(browser, server, blocked)
    page.goto(f"{server.url}/redoc")
    expect(page.locator("h1").first).to_contain_text("naramarket")
    expect(page.get_by_text("/api/v1/tools/crawl_list").first).to_be_attached()
    assert blocked == []
    page.context.close()
