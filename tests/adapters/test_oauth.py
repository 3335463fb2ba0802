"""The embedded authorization server over real HTTP: every grant, the login page, revocation, keys."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from naramarket.adapters.oauth import AuthStore, KeyRing
from tests.auth_support import ADMIN, READ, auth_app
from tests.conftest import LiveServer, start_server

REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store = AuthStore(tmp_path)
    store.add_user("alice", "correct horse", [READ])
    store.add_user("root", "battery staple", [READ, ADMIN])
    store.close()
    return tmp_path


@pytest.fixture
def server(data_dir: Path) -> Iterator[LiveServer]:
    live = start_server(auth_app(data_dir))
    yield live
    live.stop()


def new_client(data_dir: Path, scopes: list[str], **kw) -> tuple[str, str | None]:
    store = AuthStore(data_dir)
    client, secret = store.add_client("test", scopes, **kw)
    store.close()
    return client.client_id, secret


def me(url: str, token: str) -> httpx.Response:
    return httpx.get(f"{url}/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_client_credentials_basic_and_post(server, data_dir):
    cid, secret = new_client(data_dir, [READ, ADMIN])
    basic = httpx.post(
        f"{server.url}/auth/token", data={"grant_type": "client_credentials"}, auth=(cid, secret)
    )
    assert basic.status_code == 200
    assert basic.headers["cache-control"] == "no-store"
    body = basic.json()
    assert body["token_type"] == "Bearer" and "refresh_token" not in body
    assert set(body["scope"].split()) == {READ, ADMIN}
    post = httpx.post(
        f"{server.url}/auth/token",
        data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret, "scope": READ},
    )
    assert post.json()["scope"] == READ
    who = me(server.url, post.json()["access_token"]).json()
    assert who == {"subject": cid, "scopes": [READ], "client_id": cid, "issuer": server.url}


def test_client_credentials_refusals(server, data_dir):
    cid, secret = new_client(data_dir, [READ])
    token = f"{server.url}/auth/token"
    bad = httpx.post(token, data={"grant_type": "client_credentials"}, auth=(cid, "wrong"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    wide = httpx.post(token, data={"grant_type": "client_credentials", "scope": ADMIN}, auth=(cid, secret))
    assert wide.json()["error"] == "invalid_scope"
    other = httpx.post(
        token,
        data={"grant_type": "client_credentials", "resource": "https://evil.example"},
        auth=(cid, secret),
    )
    assert other.json()["error"] == "invalid_target"


def test_password_grant_and_login_refused_until_enabled(server, data_dir):
    form = {"grant_type": "password", "username": "alice", "password": "correct horse"}
    r = httpx.post(f"{server.url}/auth/token", data=form)
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    login = httpx.post(f"{server.url}/auth/login", json={"username": "alice", "password": "correct horse"})
    assert login.status_code == 400 and login.json()["error"] == "unsupported_grant_type"
    meta = httpx.get(f"{server.url}/.well-known/oauth-authorization-server").json()
    assert "password" not in meta["grant_types_supported"]


def test_password_grant_when_enabled(data_dir):
    live = start_server(auth_app(data_dir, auth_password_grant=True))
    try:
        form = {"grant_type": "password", "username": "alice", "password": "correct horse"}
        r = httpx.post(f"{live.url}/auth/token", data=form)
        assert r.status_code == 200 and r.json()["refresh_token"].startswith("nmr_")
        assert me(live.url, r.json()["access_token"]).json()["subject"] == "alice"
        login = httpx.post(f"{live.url}/auth/login", json={"username": "alice", "password": "correct horse"})
        assert login.status_code == 200 and login.json()["scope"] == READ
        wrong = httpx.post(f"{live.url}/auth/login", json={"username": "alice", "password": "nope"})
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        too_much = httpx.post(f"{live.url}/auth/token", data={**form, "scope": ADMIN})
        assert too_much.json()["error"] == "invalid_scope"
    finally:
        live.stop()


def test_login_is_throttled_per_user_and_address(data_dir):
    live = start_server(auth_app(data_dir, auth_password_grant=True))
    try:
        for _ in range(10):
            httpx.post(f"{live.url}/auth/login", json={"username": "alice", "password": "guess"})
        r = httpx.post(f"{live.url}/auth/login", json={"username": "alice", "password": "correct horse"})
        assert r.status_code == 429 and r.json()["error"] == "slow_down"
    finally:
        live.stop()


class Form(HTMLParser):
    """The login page's form: its action and fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action, self.fields = "", {}

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "form":
            self.action = a["action"]
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize(url: str, cid: str, challenge: str, user: str, password: str, **extra) -> httpx.Response:
    """Open the login page, fill in the form as a browser would, submit it (no redirect followed)."""
    params = {
        "response_type": "code",
        "client_id": cid,
        "redirect_uri": REDIRECT,
        "scope": READ,
        "state": "xyz-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": f"{url}/mcp",
        **extra,
    }
    with httpx.Client(base_url=url) as browser:
        page = browser.get("/auth/authorize", params=params)
        assert page.status_code == 200, page.text
        assert page.headers["x-frame-options"] == "DENY"
        # form-action would block the redirect to the client in Chrome and Safari
        assert "form-action" not in page.headers["content-security-policy"]
        form = Form()
        form.feed(page.text)
        data = {**form.fields, "username": user, "password": password, "action": "approve"}
        return browser.post(form.action, data=data)


def test_authorization_code_with_pkce_through_the_login_page(server, data_dir):
    cid, _ = new_client(data_dir, [READ, ADMIN], redirect_uris=[REDIRECT], public=True)
    verifier, challenge = pkce()
    wrong = authorize(server.url, cid, challenge, "alice", "not it")
    assert wrong.status_code == 401 and "wrong username or password" in wrong.text
    r = authorize(server.url, cid, challenge, "alice", "correct horse")
    assert r.status_code == 303  # not 307: the browser must not re-POST the password (RFC 9700 4.12)
    location = urlsplit(r.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["xyz-state"] and query["iss"] == [server.url]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT,
        "client_id": cid,
        "code_verifier": verifier,
    }
    bad = httpx.post(f"{server.url}/auth/token", data={**form, "code_verifier": pkce()[0]})
    assert bad.json()["error"] == "invalid_grant"  # and the code is now spent
    verifier, challenge = pkce()
    query = parse_qs(
        urlsplit(authorize(server.url, cid, challenge, "alice", "correct horse").headers["location"]).query
    )
    form.update(code=query["code"][0], code_verifier=verifier)
    tokens = httpx.post(f"{server.url}/auth/token", data=form)
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["scope"] == READ
    who = me(server.url, tokens.json()["access_token"]).json()
    assert who["subject"] == "alice" and who["client_id"] == cid
    again = httpx.post(f"{server.url}/auth/token", data=form)
    assert again.json()["error"] == "invalid_grant"  # single use; reuse revokes what it issued
    assert me(server.url, tokens.json()["access_token"]).status_code == 401


def test_authorize_never_redirects_to_an_unregistered_uri(server, data_dir):
    cid, _ = new_client(data_dir, [READ], redirect_uris=[REDIRECT], public=True)
    _, challenge = pkce()
    for uri in ("https://evil.example/cb", REDIRECT + "/", REDIRECT + "?x=1"):
        r = httpx.get(
            f"{server.url}/auth/authorize",
            params={
                "response_type": "code",
                "client_id": cid,
                "redirect_uri": uri,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert r.status_code == 400 and "location" not in r.headers
    no_pkce = httpx.get(
        f"{server.url}/auth/authorize",
        params={"response_type": "code", "client_id": cid, "redirect_uri": REDIRECT, "state": "s"},
    )
    assert no_pkce.status_code == 302
    assert parse_qs(urlsplit(no_pkce.headers["location"]).query)["error"] == ["invalid_request"]


def test_deny_redirects_with_access_denied(server, data_dir):
    cid, _ = new_client(data_dir, [READ], redirect_uris=[REDIRECT], public=True)
    _, challenge = pkce()
    with httpx.Client(base_url=server.url) as browser:
        page = browser.get(
            "/auth/authorize",
            params={
                "response_type": "code",
                "client_id": cid,
                "redirect_uri": REDIRECT,
                "state": "s1",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        form = Form()
        form.feed(page.text)
        r = browser.post(form.action, data={**form.fields, "action": "deny"})
    assert parse_qs(urlsplit(r.headers["location"]).query) == {
        "error": ["access_denied"],
        "iss": [server.url],
        "state": ["s1"],
    }


def test_refresh_rotation_and_reuse_revokes_the_family(server, data_dir):
    cid, secret = new_client(data_dir, [READ], redirect_uris=[REDIRECT])
    verifier, challenge = pkce()
    r = authorize(server.url, cid, challenge, "alice", "correct horse")
    code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
    first = httpx.post(
        f"{server.url}/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(cid, secret),
    ).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert (
        httpx.post(f"{server.url}/auth/token", data=refresh).json()["error"] == "invalid_grant"
    )  # no client
    second = httpx.post(f"{server.url}/auth/token", data=refresh, auth=(cid, secret)).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert me(server.url, second["access_token"]).status_code == 200
    reused = httpx.post(f"{server.url}/auth/token", data=refresh, auth=(cid, secret))
    assert reused.json()["error"] == "invalid_grant"
    # the reuse revoked the whole family: the newest refresh token and its access token too
    newest = {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    assert (
        httpx.post(f"{server.url}/auth/token", data=newest, auth=(cid, secret)).json()["error"]
        == "invalid_grant"
    )
    assert me(server.url, second["access_token"]).status_code == 401
    assert me(server.url, first["access_token"]).status_code == 401


def test_revocation_endpoint(server, data_dir):
    cid, secret = new_client(data_dir, [READ])
    token = httpx.post(
        f"{server.url}/auth/token", data={"grant_type": "client_credentials"}, auth=(cid, secret)
    ).json()["access_token"]
    other, other_secret = new_client(data_dir, [READ])
    assert httpx.post(f"{server.url}/auth/revoke", data={"token": token}).status_code == 401  # not its client
    r = httpx.post(f"{server.url}/auth/revoke", data={"token": token}, auth=(other, other_secret))
    assert r.status_code == 401
    assert (
        httpx.post(f"{server.url}/auth/revoke", data={"token": token}, auth=(cid, secret)).status_code == 200
    )
    denied = me(server.url, token)
    assert denied.status_code == 401 and 'error="invalid_token"' in denied.headers["www-authenticate"]
    rest = httpx.post(
        f"{server.url}/api/v1/tools/read_echo", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert rest.status_code == 401
    assert (
        httpx.post(f"{server.url}/auth/revoke", data={"token": "junk"}, auth=(cid, secret)).status_code == 200
    )


def test_disabling_a_client_revokes_its_tokens(server, data_dir):
    cid, secret = new_client(data_dir, [READ])
    token = httpx.post(
        f"{server.url}/auth/token", data={"grant_type": "client_credentials"}, auth=(cid, secret)
    ).json()["access_token"]
    store = AuthStore(data_dir)
    assert store.disable_client(cid)
    store.close()
    assert me(server.url, token).status_code == 401
    again = httpx.post(
        f"{server.url}/auth/token", data={"grant_type": "client_credentials"}, auth=(cid, secret)
    )
    assert again.status_code == 401


def test_metadata_and_key_rotation_with_overlap(server, data_dir):
    meta = httpx.get(f"{server.url}/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == server.url
    assert meta["code_challenge_methods_supported"] == ["S256"]
    cid, secret = new_client(data_dir, [READ])
    old = httpx.post(
        f"{server.url}/auth/token", data={"grant_type": "client_credentials"}, auth=(cid, secret)
    ).json()["access_token"]
    kids = [k["kid"] for k in httpx.get(meta["jwks_uri"]).json()["keys"]]
    new_kid = KeyRing(data_dir).rotate()
    published = [k["kid"] for k in httpx.get(meta["jwks_uri"]).json()["keys"]]
    assert published == [new_kid, *kids]
    assert all("d" not in k for k in httpx.get(meta["jwks_uri"]).json()["keys"])  # public halves only
    assert me(server.url, old).status_code == 200  # signed by the previous key: still valid
    new = httpx.post(
        f"{server.url}/auth/token", data={"grant_type": "client_credentials"}, auth=(cid, secret)
    ).json()["access_token"]
    import jwt

    assert jwt.get_unverified_header(new)["kid"] == new_kid
    assert me(server.url, new).status_code == 200
    assert (data_dir / "auth" / "signing-keys.json").stat().st_mode & 0o077 == 0
