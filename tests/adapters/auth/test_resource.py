"""The resource server's token checks: only tokens this server should trust become a Principal."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from naramarket.adapters.auth import DenyList, JwksKeys, TokenVerifier
from naramarket.kernel import Principal, Unauthorized
from naramarket.kernel.errors import EXIT_AUTH

BASE = "https://naramarket.example"
KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


class Keys:
    def __init__(self, **keys: Any) -> None:
        self.keys = keys

    async def verification_key(self, kid: str | None) -> Any:
        return self.keys.get(kid or "")


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": BASE,
        "sub": "alice",
        "aud": BASE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "j1",
        "scope": "g2b:read",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict[str, Any], key: Any = KEY, alg: str = "ES256", kid: str = "k1") -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture
def denylist() -> DenyList:
    return DenyList()


@pytest.fixture
def verifier(denylist: DenyList) -> TokenVerifier:
    return TokenVerifier(embedded=Keys(k1=KEY.public_key()), revocations=denylist)


@pytest.mark.anyio
async def test_a_good_token_gives_its_principal(verifier):
    principal = await verifier.verify(sign(claims(aud=f"{BASE}/mcp", client_id="c1")), base=BASE)
    assert principal == Principal("alice", frozenset({"g2b:read"}), client_id="c1", issuer=BASE)


def _none_token() -> str:
    return jwt.encode(claims(), None, algorithm="none")  # type: ignore[arg-type]


def _hs256_with_public_key() -> str:
    # The classic confusion attack: HMAC "signed" with the server's public key as the secret.
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(json.dumps(claims()).encode())
    sig = hmac.new(PUBLIC_PEM, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def _tampered() -> str:
    head, body, sig = sign(claims()).split(".")
    forged = sign(claims(scope="g2b:read g2b:admin")).split(".")[1]
    return f"{head}.{forged}.{sig}" if forged != body else "x"


REFUSED = {
    "alg none": _none_token,
    "HS256 signed with the public key": _hs256_with_public_key,
    "expired": lambda: sign(claims(exp=int(time.time()) - 120)),
    "not yet valid": lambda: sign(claims(nbf=int(time.time()) + 600)),
    "issued in the future": lambda: sign(claims(iat=int(time.time()) + 600)),
    "wrong issuer": lambda: sign(claims(iss="https://evil.example")),
    "wrong audience": lambda: sign(claims(aud="https://other.example")),
    "tampered": _tampered,
    "unknown key": lambda: sign(claims(), key=ec.generate_private_key(ec.SECP256R1())),
    "unknown kid": lambda: sign(claims(), kid="k2"),
    "no jti": lambda: sign(claims(jti=None)),
    "no exp": lambda: sign(claims(exp=None)),
    "no aud": lambda: sign(claims(aud=None)),
    "garbage": lambda: "a.b.c",
}


@pytest.mark.anyio
@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_refused_tokens(verifier, case):
    with pytest.raises(Unauthorized) as info:
        await verifier.verify(REFUSED[case](), base=BASE)
    assert info.value.oauth_error == "invalid_token"
    assert info.value.status == 401 and info.value.exit_code == EXIT_AUTH


@pytest.mark.anyio
async def test_revoked_token_is_refused(verifier, denylist):
    token = sign(claims(jti="gone"))
    await verifier.verify(token, base=BASE)
    denylist.revoke("gone", time.time() + 600)
    with pytest.raises(Unauthorized, match="revoked"):
        await verifier.verify(token, base=BASE)


@pytest.mark.anyio
async def test_external_idp_tokens_with_scp_and_rsa():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = TokenVerifier(
        embedded=Keys(k1=KEY.public_key()),
        external=Keys(idp=rsa_key.public_key()),
        external_issuer="https://idp.example/",
        external_audience="api://naramarket",
    )
    token = sign(
        claims(iss="https://idp.example/", aud="api://naramarket", scope=None, scp=["g2b:read"], jti=None),
        key=rsa_key,
        alg="RS256",
        kid="idp",
    )
    principal = await verifier.verify(token, base=BASE)
    assert principal.scopes == {"g2b:read"} and principal.issuer == "https://idp.example/"
    # An IdP token for another API is refused; so is our audience on the IdP's issuer.
    other = sign(claims(iss="https://idp.example/", aud=BASE), key=rsa_key, alg="RS256", kid="idp")
    with pytest.raises(Unauthorized):
        await verifier.verify(other, base=BASE)


def test_external_idp_needs_issuer_and_audience():
    with pytest.raises(ValueError):
        TokenVerifier(external=Keys())


@pytest.mark.parametrize(
    "url", ["http://idp.example/jwks", "http://127.evil.example/jwks", "ftp://idp.example/jwks"]
)
def test_a_jwks_url_must_be_https_off_loopback(url):
    with pytest.raises(ValueError, match="https"):
        JwksKeys(url)


@pytest.mark.parametrize(
    "url", ["https://idp.example/jwks", "http://127.0.0.1:9/jwks", "http://[::1]:9/jwks"]
)
def test_jwks_urls_that_are_accepted(url):
    assert JwksKeys(url).url == url
