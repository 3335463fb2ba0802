"""An external identity provider end to end: a JWKS served over HTTP, tokens it signs, key rotation.

The "IdP" is a key pair made here and a tiny JWKS server on 127.0.0.1; naramarket is configured
only through ``NARAMARKET_AUTH_ISSUER`` / ``_JWKS_URL`` / ``_AUDIENCE``, as a deployment would be.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from naramarket.adapters.auth import resource as auth_resource
from naramarket.app import create_app, make_kernel
from naramarket.kernel import Settings
from tests.auth_support import ADMIN, READ, auth_plugins, mcp_call, mcp_session, sse_json
from tests.conftest import LiveServer, start_server

ISSUER = "https://idp.example.test/realms/g2b"
AUDIENCE = "api://naramarket"


class IdP:
    """Signing keys and a JWKS endpoint that counts its fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.fetches = 0
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                idp.fetches += 1
                body = json.dumps(idp.jwks()).encode()
                self.send_response(200 if self.path == "/certs" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.jwks_url = f"http://127.0.0.1:{self.http.server_address[1]}/certs"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def add_key(self, kid: str, key: Any) -> None:
        self.keys[kid] = key

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, private in self.keys.items():
            if isinstance(private, rsa.RSAPrivateKey):
                jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True) | {"alg": "RS256"}
            else:
                jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True) | {"alg": "ES256"}
            keys.append({**jwk, "kid": kid, "use": "enc" if kid.startswith("enc") else "sig"})
        return {"keys": keys}

    def token(self, kid: str, key: Any = None, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": "kc-user-1",
            "aud": AUDIENCE,
            "azp": "naramarket-web",
            "iat": now,
            "exp": now + 300,
            "scope": f"openid profile {READ}",
            **overrides,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        key = key if key is not None else self.keys[kid]
        alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


class Clock:
    """The token verifier's view of time, so "30 s later" needs no sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def time(self) -> float:
        return time.time()


@pytest.fixture
def idp() -> Iterator[IdP]:
    provider = IdP()
    provider.add_key("rsa-1", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    yield provider
    provider.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(auth_resource, "time", fake)
    return fake


@pytest.fixture
def server(idp: IdP, tmp_path) -> Iterator[LiveServer]:
    env = {
        "NARAMARKET_AUTH": "on",
        "NARAMARKET_AUTH_ISSUER": ISSUER,
        "NARAMARKET_AUTH_JWKS_URL": idp.jwks_url,
        "NARAMARKET_AUTH_AUDIENCE": AUDIENCE,
        "NARAMARKET_DATA_DIR": str(tmp_path),
        "NARAMARKET_RATE_LIMIT": "0",
    }
    settings = Settings.from_env(env)
    live = start_server(create_app(settings, kernel=make_kernel(settings, plugin_manager=auth_plugins())))
    yield live
    live.stop()


def call(live: LiveServer, token: str, tool: str = "read_echo") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.post(f"{live.url}/api/v1/tools/{tool}", json={"text": "x"}, headers=headers)


def error_of(response: httpx.Response) -> str | None:
    header = response.headers.get("www-authenticate", "")
    return header.split('error="', 1)[1].split('"', 1)[0] if 'error="' in header else None


def test_idp_token_works_on_rest_sse_and_mcp(server, idp):
    token = idp.token("rsa-1")
    r = call(server, token)
    assert r.status_code == 200, r.text
    assert r.json()["subject"] == "kc-user-1"
    stream = httpx.post(
        f"{server.url}/api/v1/tools/read_echo/stream", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert stream.status_code == 200 and "event: result" in stream.text
    with httpx.Client(base_url=server.url) as http:
        init, session = mcp_session(http, {"Authorization": f"Bearer {token}"})
        assert init.status_code == 200, init.text
        result = sse_json(mcp_call(http, session, "read_echo", {"text": "mcp"}))["result"]
        assert result["isError"] is False
        assert result["structuredContent"] == {"text": "mcp", "subject": "kc-user-1"}
        forbidden = mcp_call(http, session, "admin_echo", {})
        assert forbidden.status_code == 403 and error_of(forbidden) == "insufficient_scope"
    # the IdP's scopes are the token's: g2b:admin was not granted
    assert call(server, token, "admin_echo").status_code == 403
    assert call(server, idp.token("rsa-1", scope=f"{READ} {ADMIN}"), "admin_echo").status_code == 200
    # Okta style (an "scp" list) and Entra style (an "scp" string)
    assert call(server, idp.token("rsa-1", scope=None, scp=[READ])).status_code == 200
    assert call(server, idp.token("rsa-1", scope=None, scp=f"openid {READ}")).status_code == 200
    meta = httpx.get(f"{server.url}/.well-known/oauth-protected-resource/mcp").json()
    assert meta["authorization_servers"] == [ISSUER, server.url]


@pytest.mark.parametrize(
    "case",
    ["wrong audience", "our audience", "wrong issuer", "expired", "unknown key", "HS256", "enc key"],
)
def test_idp_tokens_refused(server, idp, case):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp.add_key("enc-1", key)  # published for encryption ("use": "enc"): never a signing key
    token = {
        "wrong audience": lambda: idp.token("rsa-1", aud="api://another-service"),
        "our audience": lambda: idp.token("rsa-1", aud=server.url),  # audience of the embedded server
        "wrong issuer": lambda: idp.token("rsa-1", iss="https://idp.example.test/realms/other"),
        "expired": lambda: idp.token("rsa-1", exp=int(time.time()) - 120),
        "unknown key": lambda: idp.token(
            "rsa-1", key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ),
        "HS256": lambda: jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60, "iat": 0},
            "k" * 32,
            algorithm="HS256",
            headers={"kid": "rsa-1"},
        ),
        "enc key": lambda: idp.token("enc-1"),
    }[case]()
    r = call(server, token)
    assert r.status_code == 401, r.text
    assert error_of(r) == "invalid_token"


def test_key_rotation_at_the_idp_is_picked_up_without_restart(server, idp, clock):
    assert call(server, idp.token("rsa-1")).status_code == 200
    assert idp.fetches == 1
    assert call(server, idp.token("rsa-1")).status_code == 200
    assert idp.fetches == 1  # cached

    # The IdP rotates: a new key (new kid) signs from now on; the old one stays published.
    idp.add_key("ec-2", ec.generate_private_key(ec.SECP256R1()))
    rotated = idp.token("ec-2")
    # Within 30 s of the last fetch an unknown kid does not refetch: a flood of made-up kids
    # cannot turn naramarket into a load generator against the IdP.
    for _ in range(3):
        r = call(server, rotated)
        assert r.status_code == 401 and error_of(r) == "invalid_token"
    assert idp.fetches == 1

    clock.offset += 31  # half a minute later the unknown kid triggers one refetch
    r = call(server, rotated)
    assert r.status_code == 200, r.text
    assert idp.fetches == 2
    assert call(server, idp.token("rsa-1")).status_code == 200  # the old key keeps working
    for n in range(3):
        assert call(server, idp.token(f"bogus-{n}", key=idp.keys["ec-2"])).status_code == 401
    assert idp.fetches == 2  # rate-limited again

    # The IdP retires the old key: after the cache's lifetime its tokens stop working.
    retired = idp.keys.pop("rsa-1")
    clock.offset += 301
    assert call(server, idp.token("ec-2")).status_code == 200
    assert idp.fetches == 3
    old = idp.token("rsa-1", key=retired)
    assert call(server, old).status_code == 401
