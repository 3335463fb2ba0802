"""The embedded OAuth 2.1 authorization server (users, clients, keys, endpoints).

Checking tokens is the resource server's job (``naramarket.adapters.auth``), enforcing scopes the
kernel's; this package only issues and revokes tokens and publishes the metadata.
"""

from .keys import KeyRing
from .server import AuthServer, OAuthError
from .store import AuthStore, Client, User

__all__ = ["AuthServer", "AuthStore", "Client", "KeyRing", "OAuthError", "User"]
