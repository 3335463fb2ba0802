"""Which requests need a token, and what a caller without a good one is told."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from naramarket.adapters.auth import (
    METADATA,
    PRINCIPAL,
    SCOPES_HINT,
    AuthMiddleware,
    auth_required,
    bearer_token,
    check_bind,
    is_loopback,
    www_authenticate,
)
from naramarket.kernel import Forbidden, Principal, Settings, Unauthorized

BASE = "https://naramarket.example"
ALICE = Principal("alice", frozenset({"g2b:read"}))


@pytest.mark.parametrize(
    ("auth", "allow_open", "host", "required"),
    [
        (None, False, "127.0.0.1", False),
        (None, False, "10.0.0.5", True),
        ("auto", False, "127.0.0.1", False),
        ("auto", False, "10.0.0.5", True),
        ("on", False, "127.0.0.1", True),
        ("off", False, "127.0.0.1", False),
        (" OFF ", False, "::1", False),
        ("off", False, "10.0.0.5", True),  # off needs the explicit flag off loopback: fail closed
        ("off", True, "10.0.0.5", False),
        ("maybe", False, "127.0.0.1", True),  # unknown values fail closed
    ],
)
def test_auth_required(auth, allow_open, host, required):
    settings = Settings.from_env({}, auth=auth, auth_allow_open=allow_open)
    assert auth_required(settings, {"server": (host, 8000)}) is required


@pytest.mark.parametrize("off", ["off", "0", "false", "no", "No"])
def test_every_spelling_of_off_is_refused_on_a_public_bind(off):
    settings = Settings.from_env({}, auth=off)
    assert not auth_required(settings, {"server": ("127.0.0.1", 8000)})
    check_bind(settings, "127.0.0.1")
    with pytest.raises(ValueError, match="ALLOW_OPEN"):
        check_bind(settings, "0.0.0.0")
    check_bind(Settings.from_env({}, auth=off, auth_allow_open=True), "0.0.0.0")


@pytest.mark.parametrize("auth", [None, "auto", "on", "maybe"])
def test_a_public_bind_with_auth_on_is_fine(auth):
    check_bind(Settings.from_env({}, auth=auth), "0.0.0.0")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "localhost"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.5", "0.0.0.0", "example.com", "127.evil.example", None])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc.def", "abc.def"),
        ("bearer   abc.def  ", "abc.def"),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer ", None),
        ("abc.def", None),
        (None, None),
    ],
)
def test_bearer_token(header, token):
    headers = [(b"authorization", header.encode())] if header is not None else []
    assert bearer_token({"headers": headers, "query_string": b"access_token=leaked"}) == token


def test_challenges():
    scope = {METADATA: f"{BASE}/.well-known/oauth-protected-resource/mcp", SCOPES_HINT: ("a", "b")}
    no_token = www_authenticate(scope, Unauthorized("needs a token"))
    assert (
        no_token == f'Bearer resource_metadata="{BASE}/.well-known/oauth-protected-resource/mcp", scope="a b"'
    )
    bad = www_authenticate(scope, Unauthorized("expired", oauth_error="invalid_token"))
    assert 'error="invalid_token"' in bad
    forbidden = www_authenticate(scope, Forbidden("no", scopes=("b",)))
    assert forbidden.endswith('scope="b", error="insufficient_scope"')


class Verifier:
    async def verify(self, token: str, *, base: str) -> Principal:
        if token != "good":
            raise Unauthorized("the token has expired", oauth_error="invalid_token")
        return ALICE


async def whoami(scope: dict[str, Any], receive: Any, send: Any) -> None:
    principal = scope.get(PRINCIPAL)
    body = (principal.subject if principal else "anonymous").encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def client():
    app = AuthMiddleware(
        whoami,
        settings=Settings.from_env({}, auth="on", public_url=BASE),
        verifier=Verifier(),  # type: ignore[arg-type]
        scopes_supported=["g2b:read", "g2b:admin"],
        guarded=("/mcp", "/api/v1/"),
        public=("/api/v1/health",),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "metadata"),
    [("/mcp", "/mcp"), ("/mcp/", "/mcp"), ("/api/v1/tools", ""), ("/api/v1/tools/x/stream", "")],
)
async def test_a_guarded_path_without_a_token_is_challenged(client, path, metadata):
    r = await client.get(path)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["cache-control"] == "no-store"
    assert r.json()["code"] == "unauthorized" and r.json()["instance"] == path
    assert r.headers["www-authenticate"] == (
        f'Bearer resource_metadata="{BASE}/.well-known/oauth-protected-resource{metadata}", '
        'scope="g2b:admin g2b:read"'
    )  # RFC 6750 3.1: no error= when no token was sent


@pytest.mark.anyio
async def test_a_bad_token_is_invalid_token(client):
    r = await client.get("/mcp", headers={"Authorization": "Bearer stale"})
    assert r.status_code == 401
    assert 'error="invalid_token", error_description="the token has expired"' in r.headers["www-authenticate"]


@pytest.mark.anyio
async def test_a_good_token_reaches_the_app_as_its_principal(client):
    r = await client.post("/api/v1/tools/x", headers={"Authorization": "Bearer good"})
    assert (r.status_code, r.text) == (200, "alice")


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/api/v1/health", "/metrics", "/.well-known/oauth-protected-resource", "/"])
async def test_public_and_unguarded_paths_need_no_token(client, path):
    r = await client.get(path)
    assert (r.status_code, r.text) == (200, "anonymous")
