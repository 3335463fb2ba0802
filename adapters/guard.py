"""Cross-site defences for the HTTP surfaces: Host allow-list, Origin check, JSON-only calls, CORS.

An open loopback server (auth off) must not be usable by a web page the operator happens to visit:
such a page can send "simple" cross-site requests (``text/plain`` or form bodies, no preflight), and
with DNS rebinding (a hostile name that resolves to 127.0.0.1) it can even read the answers.
``CrossSiteGuard`` refuses, on ``/api/`` (REST and SSE; ``/mcp`` has the SDK's own check, given the
same lists):

- a ``Host`` that is neither loopback, an ``allowed_hosts`` name nor the public URL's host (403);
- an ``Origin`` that is not this server's own (by host) nor a configured CORS origin (403);
- a ``POST`` whose ``Content-Type`` is not JSON (415): no text/plain or form "simple requests".

CORS headers (and preflight answers) go only to ``cors_origins``; nothing is sent to others, so a
browser keeps every other site's scripts from reading our answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from naramarket.kernel import NaramarketError

from .auth import is_loopback
from .http import send_problem

__all__ = ["CrossSiteGuard", "ForbiddenHost", "ForbiddenOrigin", "UnsupportedMediaType", "host_name"]

# Probes carry whatever Host the orchestrator uses (a pod IP): they answer nothing worth stealing.
_PROBES = frozenset({"/api/v1/health", "/api/v1/health/ready"})
_FORM_ENDPOINTS = ("/api/v1/auth/",)  # OAuth-style endpoints take form bodies by specification
_VERDICTS = 1024  # Host/Content-Type pairs whose verdict is remembered (hostile Hosts cannot grow it)
_UNSEEN = object()
_ALLOW_HEADERS = b"authorization, content-type, accept, last-event-id, mcp-session-id, mcp-protocol-version"
_EXPOSE_HEADERS = b"mcp-session-id, www-authenticate, x-naramarket-sandbox"


class ForbiddenHost(NaramarketError):
    """The request's Host is not one this server answers to (DNS rebinding)."""

    code = "forbidden_host"
    title = "Host not allowed"
    status = 403


class ForbiddenOrigin(NaramarketError):
    """A browser sent the request from a site that is not allowed to call this server."""

    code = "forbidden_origin"
    title = "Origin not allowed"
    status = 403


class UnsupportedMediaType(NaramarketError):
    """A call's body must be JSON (``Content-Type: application/json``)."""

    code = "unsupported_media_type"
    title = "Unsupported media type"
    status = 415


def host_name(value: str) -> str:
    """The host of a ``Host`` header or allow-list entry, without port, lower case (``[::1]`` -> ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class CrossSiteGuard:
    """Host, Origin and Content-Type checks on ``/api/``, and CORS for the configured origins."""

    def __init__(
        self, app: Any, *, allowed_hosts: Iterable[str] = (), cors_origins: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.hosts = frozenset(host_name(h) for h in allowed_hosts if h)
        self.cors = frozenset(o.rstrip("/").lower() for o in cors_origins if o)
        self._verdicts: dict[tuple[bytes | None, bytes | None], NaramarketError | None] = {}

    def host_allowed(self, host: str) -> bool:
        """Loopback or an allowed name."""
        name = host_name(host)
        return is_loopback(name) or name in self.hosts

    def origin_allowed(self, origin: str) -> bool:
        """A configured CORS origin, or a page served under an allowed host (this server's own)."""
        origin = origin.rstrip("/").lower()
        if origin in self.cors:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and bool(parts.netloc) and self.host_allowed(parts.netloc)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found: dict[bytes, bytes] = {}
        for name, value in scope.get("headers") or ():
            if name in (b"host", b"origin", b"content-type"):
                found[name] = value
        app = self.layer_for(
            scope, self.app, found.get(b"host"), found.get(b"origin"), found.get(b"content-type")
        )
        await app(scope, receive, send)

    def layer_for(
        self,
        scope: dict[str, Any],
        app: Any,
        host: bytes | None,
        origin: bytes | None,
        content_type: bytes | None,
    ) -> Any:
        """What answers this request: ``app`` itself (the common case: no wrapper, nothing built), a
        refusal, a CORS preflight answer, or ``app`` with CORS headers on its response.

        The header values are the request's ``Host``, ``Origin`` and ``Content-Type`` (None: absent),
        as sent: the outermost layer finds them in its one pass over the headers."""
        path: str = scope["path"]
        origin_text = None if origin is None else origin.decode("latin-1").strip(" \t")
        cors = origin_text is not None and origin_text.rstrip("/").lower() in self.cors
        if cors and scope["method"] == "OPTIONS" and _has(scope, b"access-control-request-method"):
            return _Preflight(origin_text or "")
        if path.startswith("/api/") and path not in _PROBES:
            error = self._verdict(scope, host, content_type, origin_text)
            if error is not None:
                return _Refusal(error)
        if not cors:
            return app
        return _WithCors(app, origin_text or "")

    def _verdict(
        self, scope: dict[str, Any], host: bytes | None, content_type: bytes | None, origin: str | None
    ) -> NaramarketError | None:
        """``_refusal`` for these headers; without an Origin (no browser: the common case) the
        verdict depends only on the Host and, for a JSON call, the Content-Type, and is remembered
        for the next request with the same two (a bounded number of them)."""
        if origin is None:
            json_call = scope["method"] == "POST" and not scope["path"].startswith(_FORM_ENDPOINTS)
            key = (host, content_type if json_call else None)
            verdict = self._verdicts.get(key, _UNSEEN)
            if verdict is not _UNSEEN:
                return verdict  # type: ignore[return-value]
        headers = {}
        for name, value in ((b"host", host), (b"content-type", content_type)):
            if value is not None:
                headers[name] = value.decode("latin-1").strip(" \t")
        error = self._refusal(scope, headers, origin)
        if origin is None and len(self._verdicts) < _VERDICTS:
            self._verdicts[key] = error
        return error

    def _refusal(
        self, scope: dict[str, Any], headers: dict[bytes, str], origin: str | None
    ) -> NaramarketError | None:
        path: str = scope["path"]
        if not path.startswith("/api/") or path in _PROBES:
            return None
        host = headers.get(b"host")
        if host is not None and not self.host_allowed(host):
            return ForbiddenHost(
                f"this server does not answer to the host {host_name(host)!r}; add it to "
                "NARAMARKET_ALLOWED_HOSTS (or set NARAMARKET_PUBLIC_URL)"
            )
        if origin is not None and not self.origin_allowed(origin):
            return ForbiddenOrigin("calls from this web origin are not allowed (NARAMARKET_CORS_ORIGINS)")
        if scope["method"] == "POST" and not path.startswith(_FORM_ENDPOINTS):
            content_type = headers.get(b"content-type")
            if content_type is not None and not _is_json(content_type):
                return UnsupportedMediaType(
                    "send the call's parameters as JSON (Content-Type: application/json)"
                )
        return None


def _has(scope: dict[str, Any], header: bytes) -> bool:
    return any(name == header for name, _ in scope.get("headers") or ())


class _Preflight:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await _preflight(send, self.origin)


class _Refusal:
    def __init__(self, error: NaramarketError) -> None:
        self.error = error

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send_problem(scope, send, self.error)


class _WithCors:
    def __init__(self, app: Any, origin: str) -> None:
        self.app = app
        self.origin = origin

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def send_with_cors(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_cors_headers(self.origin)]
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-expose-headers", _EXPOSE_HEADERS),
        (b"vary", b"Origin"),
    ]


async def _preflight(send: Any, origin: str) -> None:
    headers = [
        *_cors_headers(origin),
        (b"access-control-allow-methods", b"GET, POST, DELETE"),
        (b"access-control-allow-headers", _ALLOW_HEADERS),
        (b"access-control-max-age", b"600"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
