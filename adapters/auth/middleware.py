"""The ASGI side of the resource server: which requests need a token, and the 401/403 answers.

``AuthMiddleware`` guards the paths the composition root names: no token is a 401 whose
``WWW-Authenticate`` challenge names the RFC 9728 metadata and the scopes to ask for (and, per RFC
6750, no ``error=``); a bad token is a 401 ``invalid_token``. A valid token becomes a ``Principal``
in the ASGI scope; adapters pass it to ``Dispatcher.call``, which enforces each tool's scopes (403
``insufficient_scope``).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from naramarket.kernel import Forbidden, NaramarketError, Settings, Unauthorized
from naramarket.kernel.host import problem

if TYPE_CHECKING:  # resource.py imports this module at run time
    from .resource import TokenVerifier

__all__ = [
    "LOOPBACK",
    "METADATA",
    "PRINCIPAL",
    "SCOPES_HINT",
    "WELL_KNOWN_RESOURCE",
    "AuthMiddleware",
    "auth_required",
    "base_url",
    "bearer_token",
    "check_bind",
    "is_loopback",
    "resources",
    "send_auth_error",
    "www_authenticate",
]

log = logging.getLogger("naramarket.auth")

PRINCIPAL = "naramarket.principal"  # ASGI scope key: the caller's Principal (absent = open server)
METADATA = "naramarket.resource_metadata"  # ASGI scope key: the RFC 9728 URL for challenges
SCOPES_HINT = "naramarket.scopes"  # ASGI scope key: scopes a 401 challenge asks for
_GUARD = "naramarket.auth"  # ASGI scope key: the AuthMiddleware, which knows both (computed on use)
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
WELL_KNOWN_RESOURCE = "/.well-known/oauth-protected-resource"


def is_loopback(host: str | None) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1), never for other host names."""
    if host is None:
        return False
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def base_url(scope: Mapping[str, Any], public_url: str | None) -> str:
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
    """The RFC 8707 resource identifiers of this server (the accepted audiences).

    The MCP endpoint is a resource of its own because MCP clients send its URL as ``resource``
    (MCP authorization spec); the challenge's metadata URL is derived from this list too.
    """
    return (base, f"{base}/mcp")


def _metadata_url(base: str, path: str) -> str:
    """RFC 9728 section 3.1: the well-known prefix goes before the path of the request's resource."""
    suffix = ""
    for resource in resources(base):
        own = resource.removeprefix(base)
        if own and (path == own or path.startswith(f"{own}/")):
            suffix = own
    return f"{base}{WELL_KNOWN_RESOURCE}{suffix}"


def _mode(settings: Settings) -> Literal["on", "off", "auto"]:
    """``NARAMARKET_AUTH`` read once for everyone: unknown values fail closed (``on``)."""
    value = (settings.auth or "").strip().lower()
    if value in {"off", "0", "false", "no"}:
        return "off"
    if value in {"", "auto"}:
        return "auto"
    return "on"


def auth_required(settings: Settings, scope: Mapping[str, Any]) -> bool:
    """Whether this request needs a token: ``on``; ``off`` (loopback or explicitly allowed); unset
    = on unless the socket the request arrived on is loopback. Unknown values fail closed."""
    mode = _mode(settings)
    server = scope.get("server")
    loopback = is_loopback(server[0] if server else None)
    if mode == "off":
        return not (loopback or settings.auth_allow_open)
    if mode == "auto":
        return not loopback
    return True


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to serve a non-loopback host with auth off unless explicitly allowed (then warn)."""
    if _mode(settings) != "off" or is_loopback(host):
        return
    if not settings.auth_allow_open:
        raise ValueError(
            f"auth is off but the server binds {host}, which is not loopback; "
            "set NARAMARKET_AUTH_ALLOW_OPEN=1 (or --allow-open) if you really mean it"
        )
    log.warning("auth is OFF on %s: anyone who can reach this port can call every tool", host)


def www_authenticate(scope: Mapping[str, Any], error: NaramarketError) -> str:
    """The ``WWW-Authenticate`` challenge for a 401/403 (RFC 6750, RFC 9728, MCP authorization)."""
    guard = scope.get(_GUARD)
    metadata = scope.get(METADATA) or (guard.metadata_url(scope) if guard else WELL_KNOWN_RESOURCE)
    parts = [f'resource_metadata="{metadata}"']
    if isinstance(error, Forbidden):
        parts.append(f'scope="{" ".join(error.scopes)}"')
        parts.append('error="insufficient_scope"')
    else:
        hint = scope.get(SCOPES_HINT) or (guard.scopes_supported if guard else ())
        if hint:
            parts.append(f'scope="{" ".join(hint)}"')
        oauth_error = getattr(error, "oauth_error", None)
        if oauth_error:  # RFC 6750 3.1: no error code when the request carried no token
            detail = error.detail.replace('"', "'")
            parts.append(f'error="{oauth_error}", error_description="{detail}"')
    return "Bearer " + ", ".join(parts)


async def send_auth_error(scope: Mapping[str, Any], send: Any, error: NaramarketError) -> None:
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


def bearer_token(scope: Mapping[str, Any]) -> str | None:
    """The bearer token of the Authorization header (never from the query string), or None."""
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            header: str = value.decode("latin-1")
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class AuthMiddleware:
    """Authenticates requests to the ``guarded`` path prefixes (except the exact ``public`` paths)
    and puts the Principal into the ASGI scope."""

    def __init__(
        self,
        app: Any,
        *,
        settings: Settings,
        verifier: TokenVerifier,
        guarded: tuple[str, ...],
        public: tuple[str, ...],
        scopes_supported: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.settings = settings
        self.verifier = verifier
        self.guarded = guarded
        self.public = public
        self.scopes_supported = tuple(sorted(set(scopes_supported)))

    def metadata_url(self, scope: Mapping[str, Any]) -> str:
        """The RFC 9728 metadata URL a challenge to this request names."""
        return _metadata_url(base_url(scope, self.settings.public_url), scope.get("path", ""))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        # The challenge's metadata URL and scopes are worked out only if a challenge is sent.
        scope[_GUARD] = self
        guarded = path.startswith(self.guarded) and path not in self.public
        if not guarded or not auth_required(self.settings, scope):
            await self.app(scope, receive, send)
            return
        base = base_url(scope, self.settings.public_url)
        scope[METADATA] = _metadata_url(base, path)
        scope[SCOPES_HINT] = self.scopes_supported
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
