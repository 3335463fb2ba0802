"""The files area: each principal's finished exports and saved results, by sanitised name.

Names are one path segment: no ``/`` or ``\\``, no ``..``, no NUL or other control characters,
no leading dot, at most ``MAX_NAME`` characters, with an extension this server writes. A symlink
in the area is never followed or listed. Each principal has a folder of its own (a digest of its
issuer and subject), so one caller can neither list nor fetch another's files.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import quote, urlsplit

import msgspec

from naramarket.kernel import InvalidParams, NaramarketError, NotFound, Principal

__all__ = ["EXTENSIONS", "MAX_NAME", "Conflict", "FileArea", "FileInfo", "owner_of", "safe_name"]

MAX_NAME = 120
EXTENSIONS = (".csv", ".ndjson", ".json")
_UNSAFE = re.compile(r"[^\w가-힣.()\[\] +-]", re.UNICODE)  # replaced by "_"


class Conflict(NaramarketError):
    """The name is taken."""

    code = "conflict"
    title = "Conflict"
    status = 409


class FileInfo(msgspec.Struct, kw_only=True):
    """A file as ``GET /api/v1/files`` lists it."""

    name: str
    bytes: int
    modified: float
    url: str


def owner_of(principal: Principal | None) -> str:
    """The owner key of a caller: ``local`` on an open server, else a digest of issuer and subject."""
    if principal is None:
        return "local"
    digest = hashlib.sha256(f"{_canonical(principal.issuer or '')}\0{principal.subject}".encode()).hexdigest()
    return "p-" + digest[:24]


def _canonical(issuer: str) -> str:
    """One issuer for a loopback server's names (its tokens are good under localhost and 127.0.0.1)."""
    parts = urlsplit(issuer)
    if parts.hostname in ("localhost", "::1") or (parts.hostname or "").startswith("127."):
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://127.0.0.1{port}{parts.path}"
    return issuer


def safe_name(name: str, *, extensions: tuple[str, ...] = EXTENSIONS) -> str:
    """``name`` as a safe file name, or ``InvalidParams`` saying what is wrong with it."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidParams("file name: give a non-empty name, e.g. products.csv")
    if "\0" in name:
        raise InvalidParams("file name: NUL characters are not allowed")
    if "/" in name or "\\" in name or name in (".", "..") or ".." in name:
        raise InvalidParams("file name: one plain name, without '/', '\\' or '..' (no paths)")
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidParams("file name: control characters are not allowed")
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name.strip()))
    if cleaned.startswith("."):
        raise InvalidParams("file name: must not start with '.'")
    if len(cleaned) > MAX_NAME:
        raise InvalidParams(f"file name: at most {MAX_NAME} characters")
    if not cleaned.lower().endswith(extensions):
        raise InvalidParams(f"file name: must end in one of {', '.join(extensions)}")
    return cleaned


class FileArea:
    """Per-owner folders under ``root``; every access goes through a checked name."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def folder(self, owner: str) -> Path:
        """The owner's folder (created on first use)."""
        folder = self.root / owner
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder

    def path(self, owner: str, name: str) -> Path:
        """Where ``name`` of ``owner`` lives (the name checked; the file may not exist)."""
        return self.folder(owner) / safe_name(name)

    def existing(self, owner: str, name: str) -> Path:
        """An existing regular file of ``owner``, never through a symlink; else ``NotFound``."""
        path = self.path(owner, name)
        try:
            info = path.lstat()
        except FileNotFoundError:
            raise NotFound(f"no file named {path.name!r}") from None
        if not stat.S_ISREG(info.st_mode):  # a symlink (or anything else) is not served
            raise NotFound(f"no file named {path.name!r}")
        return path

    def open(self, owner: str, name: str) -> tuple[int, os.stat_result]:
        """An fd of the file opened without following symlinks, and its stat."""
        path = self.existing(owner, name)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            raise NotFound(f"no file named {path.name!r}") from None
        return fd, os.fstat(fd)

    def listing(self, owner: str, url_prefix: str) -> list[FileInfo]:
        """The owner's files, by name."""
        out = []
        for entry in sorted(os.scandir(self.folder(owner)), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            info = entry.stat(follow_symlinks=False)
            out.append(
                FileInfo(
                    name=entry.name,
                    bytes=info.st_size,
                    modified=info.st_mtime,
                    url=url_prefix + quote(entry.name),
                )
            )
        return out

    def save(self, owner: str, name: str, data: bytes, *, overwrite: bool = False) -> Path:
        """Write ``data`` as ``name`` atomically (temporary file, then rename)."""
        path = self.path(owner, name)
        if path.is_symlink() or (path.exists() and not overwrite):
            raise Conflict(f"a file named {path.name!r} exists; choose another name or pass overwrite")
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return path

    def delete(self, owner: str, name: str) -> None:
        """Remove a file of ``owner``."""
        self.existing(owner, name).unlink()

    def sweep_partials(self) -> int:
        """Remove temporary files left by a crash (``.*.part``); returns how many."""
        removed = 0
        for folder in self.root.iterdir():
            if folder.is_dir() and not folder.is_symlink():
                for leftover in folder.glob(".*.part"):
                    leftover.unlink(missing_ok=True)
                    removed += 1
        return removed
