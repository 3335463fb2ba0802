"""How ``naramarket serve`` runs the app under uvicorn: slow-client defences and a graceful stop.

uvicorn alone waits forever for a request's headers and accepts connections until file descriptors
run out, so a slowloris client (thousands of half-sent requests) starves everyone. Here:

- a client has ``http_header_timeout`` seconds to send a request's headers (the first request and
  each later one on a kept-alive connection), else the connection is closed;
- at most ``http_max_connections`` connections are open; past that, the oldest connection still
  waiting for headers is closed to make room (a new one is refused only when none is idle), so a
  health check gets through a slowloris flood;
- idle keep-alive connections close after 5 s; header blocks are capped (16 KiB under h11, a
  little more under httptools, which counts raw bytes); request
  bodies must arrive within 30 s (``adapters.http.read_body``);
- on shutdown, in-flight calls get ``shutdown_grace`` seconds, then end with ``shutting_down``
  (a final ``error`` event on SSE, an error result on MCP, a 503 on REST).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from naramarket.app import draining_of
from naramarket.kernel import Settings

__all__ = ["Server", "guarded_protocol", "server_config"]

KEEP_ALIVE = 5  # seconds an idle kept-alive connection stays open
MAX_HEADER_BYTES = 16 * 1024


def guarded_protocol(*, max_connections: int, header_timeout: float, parser: str = "h11") -> type[Any]:
    """uvicorn's HTTP protocol (``parser``: ``httptools`` or ``h11``) with a header time-out, a header
    size cap and a connection cap that sheds idle clients."""
    base: type[Any]
    if parser == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol
    else:
        base = H11Protocol

    class GuardedProtocol(base):  # type: ignore[misc,valid-type]
        _opened: float
        _header_timer: asyncio.TimerHandle | None = None
        _awaiting = True  # waiting for a request's head (the first, or the next on a kept-alive one)
        _header_bytes = 0  # bytes of the request's head received so far (httptools has no cap)

        # A head that arrives whole in one read (nearly every request) costs no timer: the timer is
        # armed when a connection opens and when a read leaves a head unfinished. Between requests
        # on a kept-alive connection uvicorn's keep-alive timer closes it if nothing comes.

        def connection_made(self, transport: asyncio.Transport) -> None:
            self._opened = time.monotonic()
            super().connection_made(transport)
            if len(self.connections) > max_connections and not _shed_one(self.connections, self):
                self.transport.close()  # every other connection is busy: refuse this one
                return
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._awaiting:
                self._header_bytes += len(data)
                if self._header_bytes > MAX_HEADER_BYTES + 8192 and parser == "httptools":
                    self._disarm()
                    self.transport.close()  # a head larger than any real request's
                    return
            super().data_received(data)
            if self._awaiting:
                if parser == "h11" and self.conn.their_state is not h11.IDLE:
                    self._head_done()  # the headers are in: the app has the request
                elif self._header_timer is None and not self.transport.is_closing():
                    self._arm()  # a head in pieces: the rest must come in time

        def on_headers_complete(self) -> None:  # httptools only
            super().on_headers_complete()
            self._head_done()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._awaiting = True  # the next request's head: idle until uvicorn's keep-alive ends it
            self._header_bytes = 0

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def waiting_for_headers(self) -> bool:
            return self._awaiting

        def _head_done(self) -> None:
            self._awaiting = False
            self._disarm()

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(header_timeout, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

    return GuardedProtocol


def _shed_one(connections: set[Any], newcomer: Any) -> bool:
    """Close the oldest connection that is still waiting for headers; False when there is none."""
    idle = [
        c for c in connections if c is not newcomer and getattr(c, "waiting_for_headers", lambda: False)()
    ]
    if not idle:
        return False
    oldest = min(idle, key=lambda c: c._opened)
    oldest._disarm()
    oldest.transport.close()
    return True


def server_config(app: Any, settings: Settings, *, http: str = "h11", **options: Any) -> uvicorn.Config:
    """The uvicorn configuration ``naramarket serve`` uses (``options`` pass through: host, port…).

    ``http`` names the parser (``httptools``, faster, or ``h11``); either way guarded.
    """
    options.setdefault("timeout_graceful_shutdown", int(settings.shutdown_grace) + 2)
    return uvicorn.Config(
        app,
        http=guarded_protocol(
            max_connections=settings.http_max_connections,
            header_timeout=settings.http_header_timeout,
            parser=http,
        ),
        timeout_keep_alive=KEEP_ALIVE,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        backlog=min(2048, max(128, settings.http_max_connections)),
        **options,
    )


class Server(uvicorn.Server):
    """uvicorn's server, telling the app's in-flight calls when shutdown begins."""

    def __init__(self, config: uvicorn.Config, settings: Settings) -> None:
        super().__init__(config)
        self.grace = settings.shutdown_grace

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        draining = draining_of(self.config.app)
        if draining is not None:
            draining.begin(self.grace)
        await super().shutdown(sockets)
