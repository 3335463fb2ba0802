"""``/mcp`` built on its first request, so a server nobody reaches over MCP never loads the SDK.

The MCP SDK is the biggest thing a served process imports (``import mcp.server`` alone is ~50 MB
of RSS: pydantic models of every protocol version, cryptography, its HTTP client). ``LazyMcp`` is
the ``/mcp`` endpoint: the first request (any method) imports the SDK and naramarket's MCP
modules in a worker thread (REST and SSE keep flowing meanwhile), builds the stack
(session manager, ``SessionGuard``, ``ScopeGate``, the fast lane, the event store) with the
composition root's ``build`` function, and starts ``manager.run()`` and the session sweeper in the
task group the app's lifespan hands it (``hosting()``). A lock makes concurrent first requests
build it once. If building fails (a broken install), that request gets a 503 problem document and
the next one tries again.

Operators' tools read ``sessions`` (the ``SessionGuard``): reading it builds the stack at once.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

from naramarket import lean_sdk
from naramarket.adapters.http import Draining, ShuttingDown, send_problem
from naramarket.kernel import NaramarketError

if TYPE_CHECKING:
    from anyio.abc import TaskGroup, TaskStatus
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from starlette.types import ASGIApp, Receive, Scope, Send

    from naramarket.adapters.mcp_sessions import SessionGuard

__all__ = ["LazyMcp", "McpParts", "McpUnavailable"]

log = logging.getLogger("naramarket.mcp")

# What building /mcp imports: loaded in a worker thread first, so the event loop never waits on it.
MODULES = (
    "naramarket.adapters.mcp",
    "naramarket.adapters.mcp_lane",
    "naramarket.adapters.mcp_sessions",
    "naramarket.event_store",
)


class McpUnavailable(NaramarketError):
    """The MCP endpoint could not be built (the server's log says why); the next request retries."""

    code = "mcp_unavailable"
    title = "MCP endpoint unavailable"
    status = 503


@dataclass(slots=True, frozen=True)
class McpParts:
    """The built stack: the endpoint ``/mcp`` routes to, its session guard and session manager."""

    endpoint: ASGIApp
    sessions: SessionGuard
    manager: StreamableHTTPSessionManager


def _import_sdk() -> None:
    # Not the SDK's package __init__ files: they load its client and high-level server (~4.5 MB
    # of a first session's memory), which /mcp never uses (naramarket.lean_sdk).
    lean_sdk.defer_package_inits()
    for name in MODULES:
        importlib.import_module(name)


class LazyMcp:
    """The ``/mcp`` endpoint, built by ``build()`` on the first request or ``sessions`` access."""

    def __init__(
        self, build: Callable[[], McpParts], *, sweep_every: float, draining: Draining | None = None
    ) -> None:
        self._build = build
        self._sweep_every = sweep_every
        self._draining = draining  # once shutdown began, a request that had to build gets a 503
        self._parts: McpParts | None = None
        self._ready: ASGIApp | None = None  # the endpoint, once built and its manager running
        self._host: TaskGroup | None = None
        self._lock = anyio.Lock()

    @property
    def built(self) -> bool:
        """Whether the MCP stack exists (a request reached ``/mcp`` or someone read ``sessions``)."""
        return self._parts is not None

    @property
    def sessions(self) -> SessionGuard:
        """The MCP session guard (built now if no request has built it yet)."""
        return self.parts().sessions

    def parts(self) -> McpParts:
        """The MCP stack, built synchronously if it does not exist yet."""
        if self._parts is None:
            self._parts = self._build()
        return self._parts

    @contextlib.asynccontextmanager
    async def hosting(self) -> AsyncIterator[None]:
        """For the app's lifespan: the task group the session manager and sweeper run in once
        built; leaving it stops them (their sessions end) before the lifespan goes on."""
        async with anyio.create_task_group() as host:
            self._host = host
            try:
                yield
            finally:
                self._host = None
                self._ready = None
                host.cancel_scope.cancel()

    async def _run(
        self, parts: McpParts, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        async with parts.manager.run(), anyio.create_task_group() as tasks:
            tasks.start_soon(parts.sessions.sweep_every, self._sweep_every)
            task_status.started()
            await anyio.sleep_forever()

    async def _start(self) -> ASGIApp | None:
        async with self._lock:
            if self._ready is not None:
                return self._ready
            if self._parts is None:
                try:
                    await anyio.to_thread.run_sync(_import_sdk)
                    self._parts = self._build()
                except Exception:
                    log.exception("the MCP endpoint could not be built; the next request tries again")
                    return None
            if self._host is None:
                # No lifespan is running: the SDK answers as it does when its manager is not running.
                return self._parts.endpoint
            await self._host.start(self._run, self._parts)
            self._ready = self._parts.endpoint
            return self._ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._ready
        if endpoint is None:
            endpoint = await self._start()
            error: NaramarketError | None = None
            if endpoint is None:
                error = McpUnavailable("the MCP endpoint could not be started")
            elif self._draining is not None and self._draining.begun:
                # The server began to stop while /mcp was being built: no session opens now (its
                # stream would be cut); the client tries again, on this server or another.
                error = ShuttingDown("the server is shutting down; connect again")
            if error is not None:
                await send_problem(scope, send, error)
                return
        await endpoint(scope, receive, send)
