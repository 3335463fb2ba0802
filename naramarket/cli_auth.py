"""``naramarket users|clients|keys …``: manage the embedded authorization server's state.

Works on the SQLite database and key file under ``NARAMARKET_DATA_DIR``; a running server sees the
changes at once (disabling a user or client revokes their tokens). Secrets are printed once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from naramarket.kernel import Settings

if TYPE_CHECKING:  # the OAuth code (SQLite, cryptography) loads with the command that uses it
    from naramarket.adapters.oauth import AuthStore

__all__ = ["add_parsers", "first_run_hint"]


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise SystemExit(f"naramarket: {exc}") from None


def _store() -> AuthStore:
    from naramarket.adapters.oauth import AuthStore

    return AuthStore(_settings().data_dir)


def first_run_hint(settings: Settings, host: str) -> str | None:
    """What to do when a protected server starts with no users and no clients (no defaults exist)."""
    from naramarket.adapters.auth import auth_required

    if not auth_required(settings, {"server": (host, 0)}):
        return None
    from naramarket.adapters.oauth import AuthStore

    store = AuthStore(settings.data_dir)
    try:
        if store.users() or store.clients():
            return None
    finally:
        store.close()
    return (
        "naramarket: auth is on and there are no users or clients yet; create the first with\n"
        "  naramarket users add admin --scope …   or   naramarket clients add NAME --scope … --json"
    )


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            raise SystemExit("naramarket: the passwords differ")
    if len(password) < 8:
        raise SystemExit("naramarket: a password needs at least 8 characters")
    return password


def _fail(message: str) -> int:
    print(f"naramarket: {message}", file=sys.stderr)
    return 2


def cmd_users(args: argparse.Namespace) -> int:
    if args.action != "list" and not args.name:
        return _fail(f"users {args.action} needs a NAME")
    store = _store()
    if args.action == "add":
        try:
            user = store.add_user(args.name, _read_password(args), args.scope)
        except ValueError as exc:
            return _fail(str(exc))
        print(f"user {user.name} added (scopes: {' '.join(user.scopes) or '-'})", file=sys.stderr)
    elif args.action == "list":
        for user in store.users():
            state = "disabled" if user.disabled else "active"
            print(f"{user.name:24} {state:9} {' '.join(user.scopes)}")
    elif args.action == "disable":
        if not store.disable_user(args.name):
            return _fail(f"no user {args.name!r}")
        print(f"user {args.name} disabled; their tokens are revoked", file=sys.stderr)
    return 0


def _print_secret(args: argparse.Namespace, out: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key}: {value}")
        if out.get("client_secret"):
            print("(the secret is shown only now; store it safely)", file=sys.stderr)


def cmd_clients(args: argparse.Namespace) -> int:
    if args.action != "list" and not args.name:
        return _fail(f"clients {args.action} needs a NAME (add) or a CLIENT_ID")
    store = _store()
    if args.action == "add":
        client, secret = store.add_client(args.name, args.scope, args.redirect_uri, public=args.public)
        out: dict[str, Any] = {"client_id": client.client_id}
        if secret is not None:
            out["client_secret"] = secret
        _print_secret(args, out)
    elif args.action == "list":
        for c in store.clients():
            kind = "confidential" if c.confidential else "public"
            state = "disabled" if c.disabled else "active"
            print(f"{c.client_id:22} {c.name:20} {kind:12} {state:9} {' '.join(c.scopes)}")
    elif args.action == "rotate-secret":
        secret = store.rotate_client_secret(args.name)
        if secret is None:
            return _fail(f"no confidential client {args.name!r}")
        _print_secret(args, {"client_id": args.name, "client_secret": secret})
    elif args.action == "disable":
        if not store.disable_client(args.name):
            return _fail(f"no client {args.name!r}")
        print(f"client {args.name} disabled; its tokens are revoked", file=sys.stderr)
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from naramarket.adapters.oauth import KeyRing

    ring = KeyRing(_settings().data_dir)
    if args.action == "rotate":
        print(f"new signing key {ring.rotate()}; previous keys stay published for overlap", file=sys.stderr)
    else:
        for key in ring.jwks()["keys"]:
            print(key["kid"])
    return 0


def add_parsers(sub: Any) -> None:
    """Add the ``users``, ``clients`` and ``keys`` commands to the CLI."""
    users = sub.add_parser("users", help="users of the embedded authorization server")
    users.add_argument("action", choices=["add", "list", "disable"])
    users.add_argument("name", nargs="?", default="")
    users.add_argument("--scope", action="append", default=[], help="a scope to grant (repeatable)")
    users.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    users.set_defaults(func=cmd_users)

    clients = sub.add_parser("clients", help="OAuth clients of the embedded authorization server")
    clients.add_argument("action", choices=["add", "list", "rotate-secret", "disable"])
    clients.add_argument("name", nargs="?", default="", help="a name (add) or a client_id")
    clients.add_argument("--scope", action="append", default=[], help="a scope it may ask for (repeatable)")
    clients.add_argument(
        "--redirect-uri", action="append", default=[], help="an exact redirect URI (authorization code)"
    )
    clients.add_argument("--public", action="store_true", help="no secret (authorization code + PKCE only)")
    clients.add_argument("--json", action="store_true", help="print {client_id, client_secret} as JSON")
    clients.set_defaults(func=cmd_clients)

    keys = sub.add_parser("keys", help="the embedded server's signing keys")
    keys.add_argument("action", choices=["list", "rotate"])
    keys.set_defaults(func=cmd_keys)
