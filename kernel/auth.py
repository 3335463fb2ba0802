"""The resource server: bearer JWTs are checked here once, before any adapter runs.

``AuthMiddleware`` (a plain ASGI class) guards ``/mcp`` and ``/api/v1/…``: no token is a 401 whose
``WWW-Authenticate`` challenge names the RFC 9728 metadata and the scopes to ask for (and, per RFC
6750, no ``error=``); a bad token is a 401 ``invalid_token``. A valid token becomes a ``Principal``
in the ASGI scope; adapters pass it to ``Dispatcher.call``, which enforces each tool's scopes (403
``insufficient_scope``). Tokens come from the embedded authorization server (keys from its key
ring, issuer and audience = this server) or from an external IdP (issuer, JWKS URL and audience
from settings only — never a URL taken from a token).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt
import msgspec

from .context import Principal
from .errors import Forbidden, NaramarketError, Unauthorized, problem
from .settings import Settings

__all__ = [
    "ALGORITHMS",
    "PRINCIPAL",
    "AuthMiddleware",
    "DenyList",
    "JwksKeys",
    "KeySource",
    "Revocations",
    "TokenVerifier",
    "auth_required",
    "base_url",
    "check_bind",
    "is_loopback",
    "resources",
    "www_authenticate",
]

log = logging.getLogger("naramarket.auth")

# Asymmetric only: a shared-secret (HS*) or unsigned (none) token is refused before any key is read,
# so the "HS256 signed with the public key" confusion cannot happen.
ALGORITHMS = ("ES256", "ES384", "RS256", "PS256", "EdDSA")
LEEWAY = 30  # seconds of clock skew tolerated on exp / nbf / iat
PRINCIPAL = "naramarket.principal"  # ASGI scope key: the caller's Principal (absent = open server)
METADATA = "naramarket.resource_metadata"  # ASGI scope key: the RFC 9728 URL for challenges
SCOPES_HINT = "naramarket.scopes"  # ASGI scope key: scopes a 401 challenge asks for
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
WELL_KNOWN_RESOURCE = "/.well-known/oauth-protected-resource"


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
        if not (url.startswith("https://") or _loopback_url(url)):
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
    ) -> None:
        if external is not None and not (external_issuer and external_audience):
            raise ValueError("an external IdP needs NARAMARKET_AUTH_ISSUER and NARAMARKET_AUTH_AUDIENCE")
        self.embedded = embedded
        self.external = external
        self.external_issuer = external_issuer
        self.external_audience = external_audience
        self.revocations = revocations
        self.leeway = leeway

    def _trusted(self, issuer: object, base: str) -> _Trusted:
        if self.external is not None and isinstance(issuer, str) and issuer == self.external_issuer:
            return _Trusted(issuer, self.external, (self.external_audience or "",), require_jti=False)
        if self.embedded is not None and issuer == base:
            return _Trusted(base, self.embedded, resources(base), require_jti=True)
        raise Unauthorized("the token was not issued by a trusted issuer", oauth_error="invalid_token")

    async def verify(self, token: str, *, base: str) -> Principal:
        """The token's Principal, or ``Unauthorized(invalid_token)``; ``base`` is this server's URL."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _invalid("the token is not a well-formed JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise _invalid(f"signing algorithm {alg!r} is not accepted")
        trusted = self._trusted(unverified.get("iss"), base)
        key = await trusted.keys.verification_key(header.get("kid"))
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
        except jwt.PyJWTError:
            raise _invalid("the token's signature or claims are invalid") from None
        if not isinstance(claims["iat"], int | float) or claims["iat"] > time.time() + self.leeway:
            raise _invalid("the token is not valid yet")
        jti = claims.get("jti")
        if trusted.require_jti and not isinstance(jti, str):
            raise _invalid("the token has no jti")
        if isinstance(jti, str) and self.revocations is not None and await self.revocations.is_revoked(jti):
            raise _invalid("the token was revoked")
        return Principal(
            subject=str(claims["sub"]),
            scopes=frozenset(_scopes(claims)),
            client_id=claims.get("client_id") or claims.get("azp"),
            issuer=trusted.issuer,
        )


def _invalid(detail: str) -> Unauthorized:
    return Unauthorized(detail, oauth_error="invalid_token")


def _scopes(claims: dict[str, Any]) -> Iterable[str]:
    """RFC 9068 ``scope`` (space-separated) or ``scp`` (a list, as Entra and Okta send it)."""
    value = claims.get("scope", claims.get("scp", ""))
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value] if isinstance(value, list) else []


def _loopback_url(url: str) -> bool:
    return httpx.URL(url).host in LOOPBACK


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.1, ::1 and localhost."""
    return host is not None and (host in LOOPBACK or host.startswith("127."))


def base_url(scope: dict[str, Any], public_url: str | None) -> str:
    """This server's external base URL: the setting, else the request's scheme and Host."""
    if public_url:
        return public_url.rstrip("/")
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    if not host and scope.get("server"):
        server_host, port = scope["server"]
        host = f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}"


def resources(base: str) -> tuple[str, ...]:
    """The RFC 8707 resource identifiers of this server (the accepted audiences)."""
    return (base, f"{base}/mcp")


def auth_required(settings: Settings, scope: dict[str, Any]) -> bool:
    """Whether this request needs a token: ``on``; ``off`` (loopback or explicitly allowed); unset
    = on unless the socket the request arrived on is loopback. Unknown values fail closed."""
    mode = (settings.auth or "").strip().lower()
    server = scope.get("server")
    loopback = is_loopback(server[0] if server else None)
    if mode in {"off", "0", "false", "no"}:
        return not (loopback or settings.auth_allow_open)
    if mode in {"", "auto"}:
        return not loopback
    return True


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to serve a non-loopback host with auth off unless explicitly allowed (then warn)."""
    mode = (settings.auth or "").strip().lower()
    if mode not in {"off", "0", "false", "no"} or is_loopback(host):
        return
    if not settings.auth_allow_open:
        raise ValueError(
            f"auth is off but the server binds {host}, which is not loopback; "
            "set NARAMARKET_AUTH_ALLOW_OPEN=1 (or --allow-open) if you really mean it"
        )
    log.warning("auth is OFF on %s: anyone who can reach this port can call every tool", host)


def www_authenticate(scope: dict[str, Any], error: NaramarketError) -> str:
    """The ``WWW-Authenticate`` challenge for a 401/403 (RFC 6750, RFC 9728, MCP authorization)."""
    parts = [f'resource_metadata="{scope.get(METADATA, WELL_KNOWN_RESOURCE)}"']
    if isinstance(error, Forbidden):
        parts.append(f'scope="{" ".join(error.scopes)}"')
        parts.append('error="insufficient_scope"')
    else:
        hint = scope.get(SCOPES_HINT) or ()
        if hint:
            parts.append(f'scope="{" ".join(hint)}"')
        oauth_error = getattr(error, "oauth_error", None)
        if oauth_error:  # RFC 6750 3.1: no error code when the request carried no token
            detail = error.detail.replace('"', "'")
            parts.append(f'error="{oauth_error}", error_description="{detail}"')
    return "Bearer " + ", ".join(parts)


async def send_auth_error(scope: dict[str, Any], send: Any, error: NaramarketError) -> None:
    """Send ``error`` as a problem+json response with its challenge (pure ASGI)."""
    body = msgspec.json.encode(problem(error, instance=scope.get("path")))
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"www-authenticate", www_authenticate(scope, error).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def bearer_token(scope: dict[str, Any]) -> str | None:
    """The bearer token of the Authorization header (never from the query string), or None."""
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            header: str = value.decode("latin-1")
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class AuthMiddleware:
    """Authenticates requests to the guarded paths and puts the Principal into the ASGI scope."""

    def __init__(
        self,
        app: Any,
        *,
        settings: Settings,
        verifier: TokenVerifier,
        scopes_supported: Iterable[str] = (),
        guarded: tuple[str, ...] = ("/mcp", "/api/v1/"),
        public: tuple[str, ...] = ("/api/v1/health", "/api/v1/server/info"),
    ) -> None:
        self.app = app
        self.settings = settings
        self.verifier = verifier
        self.scopes_supported = tuple(sorted(set(scopes_supported)))
        self.guarded = guarded
        self.public = public

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        base = base_url(scope, self.settings.public_url)
        suffix = "/mcp" if path == "/mcp" or path.startswith("/mcp/") else ""
        scope[METADATA] = f"{base}{WELL_KNOWN_RESOURCE}{suffix}"
        scope[SCOPES_HINT] = self.scopes_supported
        guarded = path.startswith(self.guarded) and path not in self.public
        if not guarded or not auth_required(self.settings, scope):
            await self.app(scope, receive, send)
            return
        token = bearer_token(scope)
        if token is None:
            await send_auth_error(scope, send, Unauthorized("this endpoint needs a bearer token"))
            return
        try:
            scope[PRINCIPAL] = await self.verifier.verify(token, base=base)
        except Unauthorized as exc:
            await send_auth_error(scope, send, exc)
            return
        await self.app(scope, receive, send)
