"""The resource server: bearer JWTs are checked here once, before any adapter runs.

``middleware`` decides which requests need a token and answers 401/403 with RFC 6750 / RFC 9728
challenges; ``resource`` verifies tokens from the embedded authorization server or an external IdP.
"""

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
