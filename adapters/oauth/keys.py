"""The embedded server's signing keys: ES256, generated on first use, persisted, rotatable with overlap.

The file (``{data_dir}/auth/signing-keys.json``, mode 0600) holds the newest key first. Rotation adds
a key that signs from then on; the previous ones stay in the JWKS (and keep verifying) until pruned,
so tokens signed a moment before the rotation stay valid until they expire.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = ["ALGORITHM", "KeyRing"]

ALGORITHM = "ES256"
KEEP = 3  # the signing key plus two predecessors stay published after a rotation


def _kid(public_key: ec.EllipticCurvePublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:12]).decode().rstrip("=")


class KeyRing:
    """Signing keys on disk; reloaded when another process (``naramarket keys rotate``) changes them."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.path = Path(data_dir) / "auth" / "signing-keys.json"
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._keys: list[tuple[str, ec.EllipticCurvePrivateKey]] = []

    def _load(self) -> None:
        with self._lock:
            try:
                mtime = self.path.stat().st_mtime
            except FileNotFoundError:
                self._keys = [self._new_key()]
                self._save()
                mtime = self.path.stat().st_mtime
            if mtime == self._mtime:
                return
            entries = json.loads(self.path.read_text())["keys"]
            keys = []
            for entry in entries:
                private = serialization.load_pem_private_key(entry["pem"].encode(), password=None)
                assert isinstance(private, ec.EllipticCurvePrivateKey)
                keys.append((entry["kid"], private))
            self._keys, self._mtime = keys, mtime

    @staticmethod
    def _new_key() -> tuple[str, ec.EllipticCurvePrivateKey]:
        private = ec.generate_private_key(ec.SECP256R1())
        return _kid(private.public_key()), private

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        entries = [
            {
                "kid": kid,
                "pem": key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode(),
                "created": time.time(),
            }
            for kid, key in self._keys
        ]
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"keys": entries}, fh)
        os.replace(tmp, self.path)

    def signing_key(self) -> tuple[str, ec.EllipticCurvePrivateKey]:
        """``(kid, private key)`` of the key that signs new tokens."""
        self._load()
        return self._keys[0]

    def rotate(self) -> str:
        """Add a new signing key, keep its predecessors published for overlap; returns the new kid."""
        self._load()
        with self._lock:
            self._keys = [self._new_key(), *self._keys][:KEEP]
            self._save()
            self._mtime = None
        return self._keys[0][0]

    def jwks(self) -> dict[str, Any]:
        """The public keys as a JWK Set."""
        from jwt.algorithms import ECAlgorithm  # PyJWT loads on first use

        self._load()
        keys = []
        for kid, private in self._keys:
            jwk = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"})
        return {"keys": keys}

    async def verification_key(self, kid: str | None) -> Any:
        """The public key ``kid`` (the kernel's ``KeySource``), or None."""
        self._load()
        for known, private in self._keys:
            if known == kid:
                return private.public_key()
        return None
