"""An MCP client whose SSE stream is cut mid-call resumes it with ``Last-Event-ID``.

The official MCP client talks to a real server (uvicorn on loopback) through a TCP proxy that can
drop every open connection at once, as a flaky network or a restarted load balancer would. The
client notices the stream ended without its answer, reconnects with ``GET /mcp`` and
``Last-Event-ID``, and the server replays from its event store what was sent meanwhile: every
progress notification once, in order, then the result. Once with the event store in this process,
once in a real redis-server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from mcp import Client

from naramarket import redis_state
from tests.adapters.conftest import fake_app
from tests.conftest import LiveServer, start_server
from tests.services import RedisServer

pytestmark = pytest.mark.anyio


def _drop(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class CuttingProxy:
    """A loopback TCP proxy to ``upstream`` that records request heads and can cut all connections."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.heads: list[bytes] = []  # the first bytes each client connection sent
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.open += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client:
                    with self.lock:
                        self.heads.append(data)
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            _drop(sock)

    def cut(self) -> None:
        """Drop every connection open now (new ones go through)."""
        with self.lock:
            doomed, self.open = self.open, []
        for sock in doomed:
            _drop(sock)

    def close(self) -> None:
        self.listener.close()
        with self.lock:
            every, self.open = self.open, []
        for sock in every:
            _drop(sock)
            sock.close()

    def resumed(self) -> list[str]:
        """The ``Last-Event-ID`` of each GET /mcp that came through."""
        found = []
        for head in self.heads:
            lines = head.decode("latin-1").split("\r\n")
            if lines[0].startswith("GET /mcp"):
                found += [
                    line.split(":", 1)[1].strip()
                    for line in lines
                    if line.lower().startswith("last-event-id:")
                ]
        return found


@pytest.fixture
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    live = start_server(fake_app(**getattr(request, "param", {})))
    yield live
    live.stop()


async def call_cut_midway(url: str) -> tuple[Any, list[float], CuttingProxy]:
    proxy = CuttingProxy(url)
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)
        if done == 5:
            proxy.cut()  # the network drops while the call still runs

    try:
        async with Client(f"{proxy.url}/mcp", mode="legacy") as client:
            result = await client.call_tool(
                "fake_list", {"count": 20, "chunk": 1, "delay": 0.05}, progress_callback=on_progress
            )
    finally:
        proxy.close()
    return result, progress, proxy


async def test_a_cut_stream_resumes_from_the_event_store_in_this_process(live_server: LiveServer) -> None:
    result, progress, proxy = await call_cut_midway(live_server.url)
    assert result.is_error is not True
    assert [thing["n"] for thing in result.structured_content["items"]] == list(range(20))
    assert progress == list(range(1, 21))  # the ones sent while cut were replayed, none twice
    assert len(proxy.resumed()) >= 1  # the client resumed (GET + Last-Event-ID), it did not call again


async def test_a_cut_stream_resumes_from_the_event_store_in_redis(
    redis_server: RedisServer, monkeypatch
) -> None:
    monkeypatch.setattr(redis_state, "TIMEOUT", 5.0)  # a loaded machine must not fall back here
    live = start_server(fake_app(redis_url=redis_server.url))
    try:
        result, progress, proxy = await call_cut_midway(live.url)
    finally:
        live.stop()
    assert result.is_error is not True
    assert progress == list(range(1, 21))
    resumed = proxy.resumed()
    assert resumed and all("-" in event_id for event_id in resumed)  # Redis stream entry ids
