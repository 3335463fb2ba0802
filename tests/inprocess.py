"""The real ASGI app served in the test's own event loop: no socket, no thread, no subprocess.

``httpx.ASGITransport`` runs an app to the end before it returns a response and never sends
``http.disconnect``, so it can test neither an event stream read as it arrives nor a client that
goes away. ``serve(app)`` runs the app's lifespan and handles each request in a task of its own,
as uvicorn does: the body reaches the client as the app sends it, closing the response is a
disconnect (``receive()`` answers ``http.disconnect``, later writes vanish), and an exception the
app raises after its response started fails the test when the block ends.

    async with serve(app) as served, served.http() as http:
        r = await http.get("/api/v1/health")
    async with serve(app) as served, served.mcp(mode="legacy") as client:
        await client.list_tools()

The same transport works for httpx (our tests) and httpx2 (the MCP SDK's HTTP client).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import math
from collections.abc import AsyncIterator, Callable, MutableMapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import anyio
import httpx
import httpx2
from anyio.abc import TaskGroup
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

__all__ = ["BASE_URL", "Served", "serve", "sse_events", "wait_until"]

# A loopback origin: auth left unset is off for loopback, and /mcp's DNS-rebinding guard accepts it.
BASE_URL = "http://127.0.0.1:8000"


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    """Run ``app``'s ASGI lifespan (startup before the block, shutdown after); yields its state."""
    to_app_send, to_app_receive = anyio.create_memory_object_stream[dict[str, Any]](math.inf)
    from_app_send, from_app_receive = anyio.create_memory_object_stream[MutableMapping[str, Any]](math.inf)
    state: dict[str, Any] = {}
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}

    async def run() -> None:
        async with from_app_send:
            await app(scope, to_app_receive.receive, from_app_send.send)

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        await to_app_send.send({"type": "lifespan.startup"})
        started = await from_app_receive.receive()
        if started["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"lifespan startup failed: {started.get('message')}")
        try:
            yield state
        finally:
            with anyio.CancelScope(shield=True):
                await to_app_send.send({"type": "lifespan.shutdown"})
                stopped = await from_app_receive.receive()
            if stopped["type"] != "lifespan.shutdown.complete":
                raise RuntimeError(f"lifespan shutdown failed: {stopped.get('message')}")


class _Body:
    """The response body as the app sends it; closing it is the client going away."""

    def __init__(self, chunks: Any, disconnected: anyio.Event) -> None:
        self._chunks = chunks
        self._disconnected = disconnected

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            yield chunk

    async def aclose(self) -> None:
        self._disconnected.set()
        self._chunks.close()


def _transport_class(http: ModuleType) -> type:
    """A streaming ASGI transport class for ``http`` (httpx or httpx2: the same API)."""

    class Body(_Body, http.AsyncByteStream):  # type: ignore[misc,name-defined]
        pass

    class Transport(http.AsyncBaseTransport):  # type: ignore[misc,name-defined]
        def __init__(self, served: Served) -> None:
            self.served = served

        async def handle_async_request(self, request: Any) -> Any:
            return await self.served._handle(request, http, Body)

    return Transport


_TRANSPORTS = {http: _transport_class(http) for http in (httpx, httpx2)}


@dataclass
class Served:
    """An app being served in process; make clients with ``http()`` and ``mcp()``."""

    app: Any
    tasks: TaskGroup
    base_url: str = BASE_URL
    state: dict[str, Any] = field(default_factory=dict)  # the lifespan's, copied into each request
    buffered_chunks: int = 64  # body chunks on their way to a client that is not reading
    # "2.3" as uvicorn: a disconnect shows only in receive(). "2.4": send() then raises OSError too.
    asgi_spec: str = "2.3"
    errors: list[BaseException] = field(default_factory=list)
    requests: int = 0

    def transport(self, http: ModuleType = httpx) -> Any:
        """An ``http.AsyncBaseTransport`` into the app (``http`` is httpx or httpx2)."""
        return _TRANSPORTS[http](self)

    def http(self, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx client for the app (``async with``)."""
        return httpx.AsyncClient(transport=self.transport(httpx), base_url=self.base_url, **kwargs)

    def mcp(self, mode: str = "legacy", headers: dict[str, str] | None = None, **kwargs: Any) -> Client:
        """The official MCP client over streamable HTTP to ``/mcp`` (``async with``)."""
        http_client = httpx2.AsyncClient(transport=self.transport(httpx2), headers=headers)
        return Client(
            streamable_http_client(f"{self.base_url}/mcp", http_client=http_client), mode=mode, **kwargs
        )

    async def _handle(self, request: Any, http: ModuleType, body_class: type) -> Any:
        self.requests += 1
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": self.asgi_spec},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": ("127.0.0.1", 50000 + self.requests),
            "root_path": "",
            "state": dict(self.state),
        }
        request_chunks = request.stream.__aiter__()
        request_complete = False
        started = anyio.Event()
        disconnected = anyio.Event()
        head: dict[str, Any] = {}
        failure: list[BaseException] = []
        # Flow control, as a socket has: a client that stops reading makes the app's send() wait.
        send_body, receive_body = anyio.create_memory_object_stream[bytes](self.buffered_chunks)

        async def receive() -> dict[str, Any]:
            nonlocal request_complete
            if not request_complete:
                try:
                    chunk = await request_chunks.__anext__()
                except StopAsyncIteration:
                    request_complete = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                return {"type": "http.request", "body": bytes(chunk), "more_body": True}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if disconnected.is_set():
                if self.asgi_spec >= "2.4":
                    raise OSError("the client went away")  # ASGI 2.4: writes to a closed connection fail
                return  # as uvicorn (2.3): writes after the client went away vanish
            if message["type"] == "http.response.start":
                head.update(message)
                started.set()
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    try:
                        await send_body.send(bytes(message["body"]))
                    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                        if self.asgi_spec >= "2.4":
                            raise OSError("the client went away") from None
                        return  # the client went away while this write waited
                if not message.get("more_body", False):
                    send_body.close()

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                if started.is_set():
                    self.errors.append(exc)  # the client cannot see it: fail when the block ends
                failure.append(exc)
            finally:
                send_body.close()
                started.set()

        self.tasks.start_soon(run)
        try:
            await started.wait()
        except BaseException:  # the client gave up before the answer began: it closed the connection
            disconnected.set()
            raise
        if not head:
            if failure:
                raise failure[0]
            raise RuntimeError(f"{request.method} {request.url.path}: the app sent no response")
        return http.Response(
            head["status"],
            headers=list(head.get("headers", [])),
            stream=body_class(receive_body, disconnected),
        )


@contextlib.asynccontextmanager
async def serve(app: Any, base_url: str = BASE_URL, **options: Any) -> AsyncIterator[Served]:
    """Serve ``app`` in process for the block: lifespan, then each request as its own task.

    ``options`` set ``Served`` fields (``buffered_chunks``, ``asgi_spec``).
    """
    async with lifespan(app) as state, anyio.create_task_group() as tasks:
        served = Served(app, tasks, base_url=base_url, state=state, **options)
        try:
            yield served
        finally:
            tasks.cancel_scope.cancel()  # requests still running (open event streams) end here
    if served.errors:
        raise ExceptionGroup("the app raised after its response started", served.errors)


def sse_events(text: str) -> list[tuple[int | None, str, Any]]:
    """``(id, event, data)`` of each event in a text/event-stream body (comments skipped)."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
        if "event" in fields:
            event_id = int(fields["id"]) if "id" in fields else None
            events.append((event_id, fields["event"], json.loads(fields["data"])))
    return events


async def wait_until(condition: Callable[[], Any], within: float = 2.0) -> Any:
    """Poll ``condition`` (sync or async) until it is truthy, and return it; fail after ``within`` s."""
    with anyio.fail_after(within):
        while True:
            value = condition()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            await anyio.sleep(0.01)
