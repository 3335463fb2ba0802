"""Token verification: is this bearer JWT one this server accepts, and whose is it?

Tokens come from the embedded authorization server (keys from its key ring, issuer and audience =
this server) or from an external IdP (issuer, JWKS URL and audience from settings only — never a
URL taken from a token).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from naramarket.kernel import Principal, Unauthorized

from .middleware import is_loopback, resources

if TYPE_CHECKING:
    import httpx  # loaded by the first JWKS key source (`naramarket mcp` never needs it)

__all__ = ["ALGORITHMS", "LEEWAY", "DenyList", "JwksKeys", "KeySource", "Revocations", "TokenVerifier"]

log = logging.getLogger("naramarket.auth")

# Asymmetric only: a shared-secret (HS*) or unsigned (none) token is refused before any key is read,
# so the "HS256 signed with the public key" confusion cannot happen.
ALGORITHMS = ("ES256", "ES384", "RS256", "PS256", "EdDSA")
EMBEDDED_ALGORITHMS = ("ES256",)  # what the embedded server signs with (oauth/keys.py)
LEEWAY = 30  # seconds of clock skew tolerated on exp / nbf / iat


class KeySource(Protocol):
    """Where verification keys come from: the embedded key ring or an IdP's JWKS."""

    async def verification_key(self, kid: str | None) -> Any:
        """The public key for ``kid``, or None when there is no such key."""
        ...


class Revocations(Protocol):
    """The jti denylist (active-token tracking): revoked access tokens by their ``jti``."""

    async def is_revoked(self, jti: str) -> bool:
        """True when the token with this ``jti`` was revoked."""
        ...


class DenyList:
    """An in-process jti denylist; entries are dropped once the token would have expired anyway."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def revoke(self, jti: str, expires_at: float) -> None:
        """Refuse ``jti`` until ``expires_at`` (epoch seconds)."""
        self._until[jti] = expires_at

    async def is_revoked(self, jti: str) -> bool:
        """True when ``jti`` is revoked and not yet expired."""
        now = time.time()
        for old in [k for k, v in self._until.items() if v + LEEWAY < now]:
            del self._until[old]
        return jti in self._until


class JwksKeys:
    """An external IdP's keys, fetched with httpx from the configured JWKS URL and cached."""

    def __init__(self, url: str, *, ttl: float = 300.0, min_refresh: float = 30.0) -> None:
        import httpx

        if not (url.startswith("https://") or is_loopback(httpx.URL(url).host)):
            raise ValueError("NARAMARKET_AUTH_JWKS_URL must be https:// (http only on loopback)")
        self.url = url
        self.ttl = ttl
        self.min_refresh = min_refresh
        self._keys: dict[str | None, Any] = {}
        self._fetched = 0.0
        self._client: httpx.AsyncClient | None = None

    async def verification_key(self, kid: str | None) -> Any:
        """The key ``kid``; an unknown kid refetches at most every ``min_refresh`` seconds."""
        age = time.monotonic() - self._fetched
        if age > self.ttl or (kid not in self._keys and age > self.min_refresh):
            await self._fetch()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    async def _fetch(self) -> None:
        import httpx
        import jwt

        self._fetched = time.monotonic()
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0, follow_redirects=False)
        try:
            response = await self._client.get(self.url)
            response.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            log.warning("could not fetch the IdP's JWKS: %s", type(exc).__name__)
            return
        # Signing keys only: an IdP's JWKS may also hold encryption ("use": "enc") or symmetric keys.
        self._keys = {
            k.key_id: k.key
            for k in jwks.keys
            if k.public_key_use in (None, "sig") and k.key_type in ("RSA", "EC", "OKP")
        }

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


@dataclass(frozen=True, slots=True)
class _Trusted:
    issuer: str
    keys: KeySource
    audiences: tuple[str, ...]
    require_jti: bool
    algorithms: tuple[str, ...] = ALGORITHMS


class TokenVerifier:
    """Checks a bearer JWT: algorithm allow-list, signature, exp/nbf/iat, issuer, audience, jti."""

    def __init__(
        self,
        *,
        embedded: KeySource | None = None,
        external: KeySource | None = None,
        external_issuer: str | None = None,
        external_audience: str | None = None,
        revocations: Revocations | None = None,
        leeway: int = LEEWAY,
        embedded_algorithms: tuple[str, ...] = EMBEDDED_ALGORITHMS,
    ) -> None:
        if external is not None and not (external_issuer and external_audience):
            raise ValueError("an external IdP needs NARAMARKET_AUTH_ISSUER and NARAMARKET_AUTH_AUDIENCE")
        self.embedded = embedded
        self.external = external
        self.external_issuer = external_issuer
        self.external_audience = external_audience
        self.revocations = revocations
        self.leeway = leeway
        self.embedded_algorithms = embedded_algorithms

    def _trusted(self, issuer: object, base: str) -> _Trusted:
        if self.external is not None and isinstance(issuer, str) and issuer == self.external_issuer:
            return _Trusted(issuer, self.external, (self.external_audience or "",), require_jti=False)
        if self.embedded is not None and issuer == base:
            return _Trusted(base, self.embedded, resources(base), True, self.embedded_algorithms)
        if self.embedded is not None and isinstance(issuer, str) and loopback_alias(issuer, base):
            # A loopback server is reached as localhost and as 127.0.0.1 alike (the README uses one,
            # the banner prints the other): a token issued through one is good on the other.
            return _Trusted(
                issuer, self.embedded, (*resources(issuer), *resources(base)), True, self.embedded_algorithms
            )
        raise _invalid("the token was not issued by a trusted issuer")

    async def verify(self, token: str, *, base: str) -> Principal:
        """The token's Principal, or ``Unauthorized(invalid_token)``; ``base`` is this server's URL."""
        import jwt  # PyJWT (and its cryptography backends) load with the first token

        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _invalid("the token is not a well-formed JWT") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise _invalid(f"signing algorithm {shown(alg)} is not accepted")
        trusted = self._trusted(unverified.get("iss"), base)
        if alg not in trusted.algorithms:  # e.g. RS256 naming the embedded server's ES256 key
            raise _invalid("the token's signing algorithm is not accepted")
        kid = header.get("kid")
        key = await trusted.keys.verification_key(kid if isinstance(kid, str) else None)
        if key is None:
            raise _invalid("the token's signing key is unknown")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=list(trusted.audiences),
                issuer=trusted.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise _invalid("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise _invalid("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise _invalid("the token was issued for another resource") from None
        except jwt.InvalidIssuerError:
            raise _invalid("the token was not issued by a trusted issuer") from None
        except (jwt.PyJWTError, TypeError, ValueError):
            # TypeError/ValueError: a key of another type than the algorithm needs (an IdP's RSA
            # key named by an ES256 token), which PyJWT reports as such rather than as a bad token.
            raise _invalid("the token's signature or claims are invalid") from None
        if not isinstance(claims["iat"], int | float) or claims["iat"] > time.time() + self.leeway:
            raise _invalid("the token is not valid yet")
        jti = claims.get("jti")
        if trusted.require_jti and not isinstance(jti, str):
            raise _invalid("the token has no jti")
        if isinstance(jti, str) and self.revocations is not None and await self.revocations.is_revoked(jti):
            raise _invalid("the token was revoked")
        client_id = claims.get("client_id") or claims.get("azp")
        return Principal(
            subject=str(claims["sub"]),
            scopes=frozenset(_scopes(claims)),
            client_id=client_id if isinstance(client_id, str) else None,
            issuer=trusted.issuer,
        )


def loopback_alias(issuer: str, base: str) -> bool:
    """True when ``issuer`` is this loopback server under another loopback name (same scheme and port)."""
    a, b = urlsplit(issuer), urlsplit(base)
    try:
        same_port = a.port == b.port
    except ValueError:
        return False
    return (
        a.scheme == b.scheme
        and same_port
        and a.path.rstrip("/") == b.path.rstrip("/")
        and is_loopback(a.hostname)
        and is_loopback(b.hostname)
    )


def shown(value: object) -> str:
    """A caller's value as error texts show it: never a Python repr such as ``None`` or ``'x'``."""
    if value is None or value == "":
        return "(missing)"
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return f'"{text[:40]}"'


def _invalid(detail: str) -> Unauthorized:
    return Unauthorized(detail, oauth_error="invalid_token")


def _scopes(claims: dict[str, Any]) -> Iterable[str]:
    """RFC 9068 ``scope`` (space-separated) or ``scp`` (a list, as Entra and Okta send it)."""
    value = claims.get("scope", claims.get("scp", ""))
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value] if isinstance(value, list) else []
