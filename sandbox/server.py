"""Serving the sandbox over TCP with uvicorn (imported lazily: the app itself does not need it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio

from .app import create_app
from .config import SandboxConfig

if TYPE_CHECKING:
    import uvicorn

__all__ = ["run", "serve", "serving"]


def run(host: str = "127.0.0.1", port: int = 8089, config: SandboxConfig | None = None) -> None:
    """Serve until interrupted (blocking); what ``naramarket sandbox`` calls."""
    anyio.run(serve, host, port, config)


async def serve(host: str = "127.0.0.1", port: int = 8089, config: SandboxConfig | None = None) -> None:
    """Serve until the task is cancelled or the process is signalled."""
    server = _server(host, port, config)
    await server.serve()


@asynccontextmanager
async def serving(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Run a sandbox in the background for the ``async with`` body; yield its base URL.

    ``port=0`` picks a free ephemeral port.
    """
    server = _server(host, port, config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await anyio.sleep(0.01)
        bound_port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://{host}:{bound_port}"
        finally:
            server.should_exit = True


def _server(host: str, port: int, config: SandboxConfig | None) -> uvicorn.Server:
    import uvicorn  # only serving needs it; the ASGI app does not

    app = create_app(config)
    uv_config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    return uvicorn.Server(uv_config)
