"""The login/consent page of the authorization-code flow, in a real browser (Debian's Chromium).

Playwright drives ``/usr/bin/chromium`` (``scripts/ensure-chromium.sh`` installs it; Playwright never
downloads a browser here). The client is public, with a loopback redirect URI served by the test
itself, so the browser really follows the 303 to it and the test sees exactly what the client gets.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from naramarket.adapters.oauth import AuthStore
from tests.auth_support import READ, auth_app
from tests.conftest import LiveServer, start_server

CHROMIUM = Path("/usr/bin/chromium")

# What a headless Chromium needs as root on a machine with a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
USER, PASSWORD = "alice", "correct horse battery"
WRONG = "Tr0ub4dor&3-not-it"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium) as root",
    ),
]


@dataclass
class Callback:
    """The client's redirect URI: a loopback listener that records every request it gets."""

    url: str
    server: ThreadingHTTPServer
    requests: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def wait(self) -> dict[str, Any]:
        assert self.arrived.wait(TIMEOUT_MS / 1000), "the browser never reached the redirect URI"
        return self.requests[-1]


@pytest.fixture
def callback() -> Iterator[Callback]:
    records: list[dict[str, Any]] = []
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            if urlsplit(self.path).path != "/callback":  # the browser's own /favicon.ico
                self.send_error(404)
                return
            records.append({"method": self.command, "path": self.path, "body": body})
            page = b"<!doctype html><title>client</title><p id=done>signed in</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            arrived.set()

        do_GET = do_POST = _record

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Callback(f"http://127.0.0.1:{server.server_address[1]}/callback", server, records, arrived)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@dataclass
class Setup:
    server: LiveServer
    client_id: str
    callback: Callback


@pytest.fixture
def setup(tmp_path: Path, callback: Callback) -> Iterator[Setup]:
    data = tmp_path / "data"
    store = AuthStore(data)
    store.add_user(USER, PASSWORD, [READ])
    client, _ = store.add_client("브라우저 테스트", [READ], redirect_uris=[callback.url], public=True)
    store.close()
    live = start_server(auth_app(data))
    yield Setup(live, client.client_id, callback)
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # launch() gives Chromium a fresh, empty --user-data-dir of its own (and removes it after).
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 800, "height": 720}, locale="ko-KR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{m.text} [{m.location.get('url')}]") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    # A CSP that blocked the inline style or the form's submission would show up here. Chromium
    # also reports as failed loads the 401 of a wrong password (the page's own answer) and a
    # missing /favicon.ico.
    expected = ("status of 401", "/favicon.ico]")
    assert [p for p in problems if not any(e in p for e in expected)] == []


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize_url(s: Setup, challenge: str, state: str) -> str:
    query = {
        "response_type": "code",
        "client_id": s.client_id,
        "redirect_uri": s.callback.url,
        "scope": READ,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": f"{s.server.url}/mcp",
    }
    return f"{s.server.url}/auth/authorize?{urlencode(query)}"


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Allow").click()


def test_sign_in_lands_on_the_redirect_uri_and_the_code_gets_a_working_token(setup, page, tmp_path):
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(12)
    response = page.goto(authorize_url(setup, challenge, state))
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("브라우저 테스트")).to_be_visible()  # who is asking …
    expect(page.locator("li code")).to_have_text([READ])  # … and for what

    shot = tmp_path / "login-page.png"
    page.screenshot(path=str(shot), full_page=True)
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000

    sign_in(page, USER, PASSWORD)
    page.wait_for_url(f"{setup.callback.url}?**")
    expect(page.locator("#done")).to_have_text("signed in")

    got = setup.callback.wait()
    assert len(setup.callback.requests) == 1
    assert got["method"] == "GET" and got["body"] == b""  # a 303: the password is not re-posted
    landed = urlsplit(page.url)
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == setup.callback.url
    assert landed.path == urlsplit(setup.callback.url).path == urlsplit(got["path"]).path
    query = parse_qs(landed.query)
    assert set(query) == {"code", "state", "iss"}
    assert query["state"] == [state] and query["iss"] == [setup.server.url]
    assert parse_qs(urlsplit(got["path"]).query) == query

    tokens = httpx.post(
        f"{setup.server.url}/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": setup.callback.url,
            "client_id": setup.client_id,
            "code_verifier": verifier,
        },
        timeout=30,
    )
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["scope"] == READ
    called = httpx.post(
        f"{setup.server.url}/api/v1/tools/read_echo",
        json={"text": "안녕"},
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
        timeout=30,
    )
    assert called.status_code == 200, called.text
    assert "안녕" in called.text and USER in called.text


def test_wrong_password_shows_an_error_and_leaks_nothing(setup, page):
    _, challenge = pkce()
    state = secrets.token_urlsafe(12)
    page.goto(authorize_url(setup, challenge, state))
    sign_in(page, USER, WRONG)

    error = page.locator(".err")
    expect(error).to_be_visible()
    expect(error).to_contain_text("wrong username or password")
    expect(page.get_by_label("Password")).to_have_value("")  # the form comes back empty …
    expect(page.get_by_label("Username")).to_be_visible()
    html = page.content()
    assert WRONG not in html and PASSWORD not in html  # … and echoes no password
    assert 'name="code"' not in html and "code=" not in html  # no authorization code either
    assert urlsplit(page.url).path == "/auth/authorize" and "code=" not in page.url
    assert setup.callback.requests == []  # the client heard nothing

    # The same page, corrected, still completes the flow.
    sign_in(page, USER, PASSWORD)
    page.wait_for_url(f"{setup.callback.url}?**")
    assert parse_qs(urlsplit(page.url).query)["state"] == [state]


def test_deny_returns_access_denied_without_filling_the_form(setup, page):
    _, challenge = pkce()
    page.goto(authorize_url(setup, challenge, "deny-state"))
    page.get_by_role("button", name="Deny").click()  # formnovalidate: empty required fields are fine
    page.wait_for_url(f"{setup.callback.url}?**")
    assert parse_qs(urlsplit(page.url).query) == {
        "error": ["access_denied"],
        "iss": [setup.server.url],
        "state": ["deny-state"],
    }
