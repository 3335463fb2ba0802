"""Users, clients, codes and tokens of the embedded authorization server, in SQLite.

Passwords are hashed with scrypt; client secrets, refresh tokens and codes are random 256-bit values
stored only as SHA-256 digests and compared in constant time. Every issued access token is recorded
by ``jti`` (active-token tracking), so revoking a token, a refresh-token family or a user is a flag
here that the resource server reads. Methods are blocking: the server calls them via
``anyio.to_thread``; the CLI calls them directly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["AuthStore", "Client", "Grant", "User", "hash_password", "verify_password"]

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, password TEXT NOT NULL, scopes TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, name TEXT NOT NULL, secret TEXT, scopes TEXT NOT NULL,
    redirect_uris TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY, family TEXT NOT NULL, client_id TEXT NOT NULL, subject TEXT NOT NULL,
    redirect_uri TEXT NOT NULL, challenge TEXT NOT NULL, scopes TEXT NOT NULL, resource TEXT,
    expires REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, family TEXT NOT NULL, client_id TEXT, subject TEXT NOT NULL,
    scopes TEXT NOT NULL, resource TEXT, expires REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS access_tokens (
    jti TEXT PRIMARY KEY, family TEXT, subject TEXT NOT NULL, client_id TEXT,
    expires REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS refresh_family ON refresh_tokens (family);
CREATE INDEX IF NOT EXISTS access_family ON access_tokens (family);
CREATE INDEX IF NOT EXISTS access_subject ON access_tokens (subject);
"""


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (client secrets, refresh tokens, codes)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` for ``password``."""
    salt = os.urandom(16)
    raw = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(raw).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a ``hash_password`` value."""
    try:
        _, n, r, p, salt, expected = stored.split("$")
        raw = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(raw, base64.b64decode(expected))


# Checked against when the user does not exist, so a wrong name costs as long as a wrong password
# (verify_password runs the same scrypt). Random salt and digest: no key derivation at import, and
# no password can match it.
_DUMMY_HASH = "scrypt${n}${r}${p}${salt}${raw}".format(
    **_SCRYPT,
    salt=base64.b64encode(os.urandom(16)).decode(),
    raw=base64.b64encode(os.urandom(32)).decode(),
)


@dataclass(frozen=True, slots=True)
class User:
    """A resource owner who logs in with a password."""

    name: str
    scopes: tuple[str, ...]
    disabled: bool


@dataclass(frozen=True, slots=True)
class Client:
    """An OAuth client; ``confidential`` ones authenticate with a secret."""

    client_id: str
    name: str
    scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    confidential: bool
    disabled: bool


@dataclass(frozen=True, slots=True)
class Grant:
    """What a code or refresh token stands for."""

    family: str
    client_id: str | None
    subject: str
    scopes: tuple[str, ...]
    resource: str | None
    redirect_uri: str | None = None
    challenge: str | None = None


class AuthStore:
    """The SQLite database ``{data_dir}/auth/auth.sqlite3``."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.path = Path(data_dir) / "auth" / "auth.sqlite3"
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            os.chmod(self.path, 0o600)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn().execute(sql, args).fetchall()

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # users ------------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, scopes: list[str]) -> User:
        """Create a user; ``ValueError`` if the name is taken."""
        if not name or not password:
            raise ValueError("a user needs a name and a non-empty password")
        try:
            self._run(
                "INSERT INTO users VALUES (?, ?, ?, 0, ?)",
                (name, hash_password(password), " ".join(scopes), time.time()),
            )
        except sqlite3.IntegrityError:
            raise ValueError(f"user {name!r} already exists") from None
        return User(name, tuple(scopes), False)

    def users(self) -> list[User]:
        """Every user."""
        rows = self._run("SELECT name, scopes, disabled FROM users ORDER BY name")
        return [User(n, tuple(s.split()), bool(d)) for n, s, d in rows]

    def disable_user(self, name: str) -> bool:
        """Disable a user and revoke every token issued to them; False if there is no such user."""
        with self._lock:
            db = self._conn()
            changed = db.execute("UPDATE users SET disabled = 1 WHERE name = ?", (name,)).rowcount
            db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE subject = ?", (name,))
            db.execute("UPDATE access_tokens SET revoked = 1 WHERE subject = ?", (name,))
        return bool(changed)

    def authenticate_user(self, name: str, password: str) -> User | None:
        """The user if ``password`` is right and the user is enabled (same cost either way)."""
        rows = self._run("SELECT password, scopes, disabled FROM users WHERE name = ?", (name,))
        stored = rows[0][0] if rows else _DUMMY_HASH
        ok = verify_password(password, stored)
        if not rows or not ok or rows[0][2]:
            return None
        return User(name, tuple(rows[0][1].split()), False)

    # clients ----------------------------------------------------------------------------------

    def add_client(
        self, name: str, scopes: Sequence[str], redirect_uris: Sequence[str] = (), *, public: bool = False
    ) -> tuple[Client, str | None]:
        """Create a client; returns it and its secret (shown once; None for a public client)."""
        client_id = "nmc_" + secrets.token_urlsafe(12)
        secret = None if public else secrets.token_urlsafe(32)
        self._run(
            "INSERT INTO clients VALUES (?, ?, ?, ?, ?, 0, ?)",
            (
                client_id,
                name,
                digest(secret) if secret else None,
                " ".join(scopes),
                json.dumps(list(redirect_uris)),
                time.time(),
            ),
        )
        return Client(client_id, name, tuple(scopes), tuple(redirect_uris), not public, False), secret

    def _client(self, row: tuple[Any, ...]) -> Client:
        cid, name, secret, scopes, uris, disabled = row
        return Client(
            cid, name, tuple(scopes.split()), tuple(json.loads(uris)), secret is not None, bool(disabled)
        )

    def clients(self) -> list[Client]:
        """Every client."""
        rows = self._run(
            "SELECT client_id, name, secret, scopes, redirect_uris, disabled FROM clients ORDER BY created"
        )
        return [self._client(r) for r in rows]

    def client(self, client_id: str) -> Client | None:
        """The enabled client ``client_id``, or None."""
        rows = self._run(
            "SELECT client_id, name, secret, scopes, redirect_uris, disabled FROM clients "
            "WHERE client_id = ?",
            (client_id,),
        )
        found = self._client(rows[0]) if rows else None
        return found if found is not None and not found.disabled else None

    def authenticate_client(self, client_id: str, secret: str) -> Client | None:
        """The confidential client if ``secret`` matches (constant-time), else None."""
        rows = self._run("SELECT secret FROM clients WHERE client_id = ?", (client_id,))
        stored = rows[0][0] if rows and rows[0][0] else digest(secrets.token_urlsafe(8))
        if not hmac.compare_digest(digest(secret), stored) or not rows:
            return None
        return self.client(client_id)

    def rotate_client_secret(self, client_id: str) -> str | None:
        """A new secret for a confidential client (the old one stops working), or None."""
        secret = secrets.token_urlsafe(32)
        with self._lock:
            changed = (
                self._conn()
                .execute(
                    "UPDATE clients SET secret = ? WHERE client_id = ? AND secret IS NOT NULL",
                    (digest(secret), client_id),
                )
                .rowcount
            )
        return secret if changed else None

    def disable_client(self, client_id: str) -> bool:
        """Disable a client and revoke its tokens; False if there is no such client."""
        with self._lock:
            db = self._conn()
            changed = db.execute("UPDATE clients SET disabled = 1 WHERE client_id = ?", (client_id,)).rowcount
            db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE client_id = ?", (client_id,))
            db.execute("UPDATE access_tokens SET revoked = 1 WHERE client_id = ?", (client_id,))
        return bool(changed)

    # codes, refresh tokens, access tokens -----------------------------------------------------

    def add_code(self, grant: Grant, ttl: float) -> str:
        """A single-use authorization code for ``grant``."""
        code = secrets.token_urlsafe(32)
        self._run(
            "INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (
                digest(code),
                grant.family,
                grant.client_id,
                grant.subject,
                grant.redirect_uri,
                grant.challenge,
                " ".join(grant.scopes),
                grant.resource,
                time.time() + ttl,
            ),
        )
        return code

    def use_code(self, code: str) -> Grant | None:
        """Consume a code; a second use revokes everything issued from the first (RFC 9700 4.2)."""
        with self._lock:
            db = self._conn()
            rows = db.execute(
                "SELECT family, client_id, subject, redirect_uri, challenge, scopes, resource, expires, used "
                "FROM codes WHERE code = ?",
                (digest(code),),
            ).fetchall()
            if not rows:
                return None
            family, client_id, subject, redirect_uri, challenge, scopes, resource, expires, used = rows[0]
            if used:
                self._revoke_family(db, family)
                return None
            db.execute("UPDATE codes SET used = 1 WHERE code = ?", (digest(code),))
        if expires < time.time():
            return None
        return Grant(family, client_id, subject, tuple(scopes.split()), resource, redirect_uri, challenge)

    def add_refresh(self, grant: Grant, ttl: float) -> str:
        """A refresh token in ``grant.family``."""
        token = "nmr_" + secrets.token_urlsafe(32)
        self._run(
            "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)",
            (
                digest(token),
                grant.family,
                grant.client_id,
                grant.subject,
                " ".join(grant.scopes),
                grant.resource,
                time.time() + ttl,
            ),
        )
        return token

    def use_refresh(self, token: str) -> tuple[Grant | None, bool]:
        """Consume a refresh token: ``(grant, reused)``; reuse revokes the whole family."""
        with self._lock:
            db = self._conn()
            rows = db.execute(
                "SELECT family, client_id, subject, scopes, resource, expires, used, revoked "
                "FROM refresh_tokens WHERE token = ?",
                (digest(token),),
            ).fetchall()
            if not rows:
                return None, False
            family, client_id, subject, scopes, resource, expires, used, revoked = rows[0]
            if used and not revoked:
                self._revoke_family(db, family)
                return None, True
            if revoked or expires < time.time():
                return None, False
            db.execute("UPDATE refresh_tokens SET used = 1 WHERE token = ?", (digest(token),))
        return Grant(family, client_id, subject, tuple(scopes.split()), resource), False

    def refresh_owner(self, token: str) -> tuple[str, str | None] | None:
        """``(family, client_id)`` of a refresh token, or None."""
        rows = self._run("SELECT family, client_id FROM refresh_tokens WHERE token = ?", (digest(token),))
        return (rows[0][0], rows[0][1]) if rows else None

    @staticmethod
    def _revoke_family(db: sqlite3.Connection, family: str) -> None:
        db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE family = ?", (family,))
        db.execute("UPDATE access_tokens SET revoked = 1 WHERE family = ?", (family,))

    def revoke_family(self, family: str) -> None:
        """Revoke every refresh and access token of a family."""
        with self._lock:
            self._revoke_family(self._conn(), family)

    def record_access(
        self, jti: str, family: str | None, subject: str, client_id: str | None, exp: float
    ) -> None:
        """Remember an issued access token (active-token tracking)."""
        self._run(
            "INSERT INTO access_tokens VALUES (?, ?, ?, ?, ?, 0)", (jti, family, subject, client_id, exp)
        )

    def revoke_access(self, jti: str) -> None:
        """Put ``jti`` on the denylist."""
        self._run("UPDATE access_tokens SET revoked = 1 WHERE jti = ?", (jti,))

    def is_revoked(self, jti: str) -> bool:
        """True when the access token ``jti`` was revoked (directly, by family, user or client)."""
        rows = self._run("SELECT revoked FROM access_tokens WHERE jti = ?", (jti,))
        return bool(rows and rows[0][0])

    def purge(self) -> int:
        """Forget codes and tokens (with their revocations) that expired over an hour ago; returns
        how many rows went. The app runs it periodically (``naramarket.app``)."""
        cutoff = time.time() - 3600
        removed = 0
        with self._lock:
            db = self._conn()
            for table in ("codes", "refresh_tokens", "access_tokens"):
                removed += db.execute(f"DELETE FROM {table} WHERE expires < ?", (cutoff,)).rowcount
        return removed
