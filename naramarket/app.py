"""The composition root: one ASGI app from the kernel and the REST, SSE and MCP adapters.

This is the only module that knows every part; the kernel and adapters stay ignorant of each
other's wiring and of the sandbox.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from naramarket.adapters import mcp as mcp_adapter
from naramarket.adapters import metrics as metrics_adapter
from naramarket.adapters import oauth, rest, sse
from naramarket.adapters.http import ProblemResponse
from naramarket.adapters.telemetry import RequestTelemetry
from naramarket.kernel import Kernel, Settings
from naramarket.kernel.auth import AuthMiddleware

__all__ = ["SANDBOX_API_BASE", "SandboxMarker", "create_app", "make_kernel"]

# Requests to the in-process sandbox never leave the process; this host name is never resolved.
SANDBOX_API_BASE = "http://sandbox.naramarket.invalid/1230000"


def make_kernel(settings: Settings | None = None, **kernel_options: Any) -> Kernel:
    """A kernel for ``settings``; with ``sandbox`` on it talks to the in-process fake upstream."""
    settings = settings or Settings.from_env()
    transport = kernel_options.pop("transport", None)
    if settings.sandbox and transport is None:
        from naramarket import sandbox

        transport = httpx.ASGITransport(app=sandbox.create_app())
        settings = _sandbox_settings(settings, sandbox.DEFAULT_SERVICE_KEY)
    return Kernel(settings, transport=transport, **kernel_options)


def _sandbox_settings(settings: Settings, key: str) -> Settings:
    import msgspec

    return msgspec.structs.replace(
        settings,
        api_base=SANDBOX_API_BASE,
        service_key=settings.service_key or key,
    )


class SandboxMarker:
    """Adds ``X-Naramarket-Sandbox: 1`` to every HTTP response, so sandbox data is never mistaken."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-naramarket-sandbox", b"1")]
            await send(message)

        await self.app(scope, receive, send_marked)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    title = "Not found" if status == 404 else "Method not allowed" if status == 405 else "HTTP error"
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "code": "not_found" if status == 404 else "http_error",
        "instance": request.url.path,
    }
    return ProblemResponse(body, status_code=status)


def create_app(
    settings: Settings | None = None,
    *,
    kernel: Kernel | None = None,
    allowed_hosts: tuple[str, ...] = (),
) -> ASGIApp:
    """The naramarket ASGI app: REST + SSE + MCP on one Starlette router, one lifespan."""
    kernel = kernel or make_kernel(settings)
    allowed_hosts = (*allowed_hosts, *sorted(kernel.settings.allowed_hosts))
    if kernel.settings.public_url:
        allowed_hosts = (*allowed_hosts, urlsplit(kernel.settings.public_url).netloc)
    manager = mcp_adapter.session_manager(
        kernel,
        allowed_hosts=allowed_hosts,
        allowed_origins=tuple(f"{s}://{h}" for h in allowed_hosts for s in ("http", "https")),
    )

    scopes = sorted({s for t in kernel.registry for s in t.scopes})
    auth_server = oauth.AuthServer(kernel.settings, scopes_supported=scopes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        port = kernel.settings.metrics_port
        with metrics_adapter.separate_port(kernel, port) if port else contextlib.nullcontext():
            async with kernel, manager.run(), contextlib.aclosing(auth_server):
                yield

    app = Starlette(
        routes=[
            *rest.routes(kernel),
            *sse.routes(kernel),
            *mcp_adapter.routes(manager, kernel),
            *auth_server.routes(),
            *([] if kernel.settings.metrics_port else metrics_adapter.routes(kernel)),
        ],
        lifespan=lifespan,
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.state.kernel = kernel
    guarded = AuthMiddleware(
        app,
        settings=kernel.settings,
        verifier=auth_server.verifier,
        scopes_supported=scopes,
        # Probes carry no tokens; /metrics is outside the guarded paths (NARAMARKET_METRICS_TOKEN).
        public=("/api/v1/health", "/api/v1/health/ready", "/api/v1/server/info"),
    )
    observed = RequestTelemetry(guarded, kernel)
    return SandboxMarker(observed) if kernel.sandbox else observed
