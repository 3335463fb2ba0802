"""The resource server: bearer JWTs are checked here once, before any adapter runs.

``middleware`` decides which requests need a token and answers 401/403 with RFC 6750 / RFC 9728
challenges; ``resource`` verifies tokens from the embedded authorization server or an external IdP.
"""

from typing import TYPE_CHECKING, Any

from .middleware import (
    LOOPBACK,
    METADATA,
    PRINCIPAL,
    SCOPES_HINT,
    WELL_KNOWN_RESOURCE,
    AuthMiddleware,
    auth_required,
    base_url,
    bearer_token,
    check_bind,
    is_loopback,
    resources,
    send_auth_error,
    www_authenticate,
)

if TYPE_CHECKING:
    from .resource import (
        ALGORITHMS,
        LEEWAY,
        DenyList,
        JwksKeys,
        KeySource,
        Revocations,
        TokenVerifier,
        loopback_alias,
        shown,
    )

# The token verifier (PyJWT, cryptography) loads on first use: stdio MCP and an HTTP server's
# start do not need it before a token arrives or the OAuth server is built.
_RESOURCE = frozenset(
    {
        "ALGORITHMS",
        "LEEWAY",
        "DenyList",
        "JwksKeys",
        "KeySource",
        "Revocations",
        "TokenVerifier",
        "loopback_alias",
        "shown",
    }
)


def __getattr__(name: str) -> Any:
    if name in _RESOURCE:
        from . import resource

        return getattr(resource, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ALGORITHMS",
    "LEEWAY",
    "LOOPBACK",
    "METADATA",
    "PRINCIPAL",
    "SCOPES_HINT",
    "WELL_KNOWN_RESOURCE",
    "AuthMiddleware",
    "DenyList",
    "JwksKeys",
    "KeySource",
    "Revocations",
    "TokenVerifier",
    "auth_required",
    "base_url",
    "bearer_token",
    "check_bind",
    "is_loopback",
    "loopback_alias",
    "resources",
    "send_auth_error",
    "shown",
    "www_authenticate",
]
