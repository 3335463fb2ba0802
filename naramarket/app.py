"""The composition root: one ASGI app from the kernel and the REST, SSE and MCP adapters.

This is the only module that knows every part; the kernel and adapters stay ignorant of each
other's wiring and of the sandbox.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pluggy
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from naramarket import datago, exports, observability
from naramarket.adapters import jobs, oauth, rest, sse
from naramarket.adapters import mcp as mcp_adapter
from naramarket.adapters import metrics as metrics_adapter
from naramarket.adapters.auth import AuthMiddleware
from naramarket.adapters.http import MethodNotAllowed, RouteNotFound, problem_response
from naramarket.adapters.telemetry import RequestTelemetry
from naramarket.kernel import Settings
from naramarket.kernel.host import Kernel, Observer, register_secret

__all__ = ["SANDBOX_API_BASE", "SandboxMarker", "create_app", "make_kernel"]

# Requests to the in-process sandbox never leave the process; this host name is never resolved.
SANDBOX_API_BASE = "http://sandbox.naramarket.invalid/1230000"


def make_kernel(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    observer: Observer | None = None,
    plugin_manager: pluggy.PluginManager | None = None,
) -> Kernel:
    """A kernel for ``settings`` with the data.go.kr client as its resource.

    With ``sandbox`` on, the client talks to the in-process fake upstream. ``observer`` defaults
    to the process's instruments (spans, Prometheus, log lines).
    """
    settings = settings or Settings.from_env()
    if settings.sandbox and transport is None:
        from naramarket import sandbox

        transport = httpx.ASGITransport(app=sandbox.create_app())
        settings = _sandbox_settings(settings, sandbox.DEFAULT_SERVICE_KEY)
    register_secret(settings.metrics_token)
    observer = observer if observer is not None else observability.instruments()
    metrics = observer.metrics if isinstance(observer, observability.Instruments) else None
    kernel = Kernel(
        settings,
        plugin_manager=plugin_manager,
        observer=observer,
        resources={
            datago.CLIENT: datago.client_factory(
                transport=transport, instrument=observability.instrument_httpx
            ),
            # After the client: jobs resumed at start-up call tools at once.
            exports.EXPORTS: exports.export_factory(lambda: kernel, metrics=metrics),
        },
    )
    return kernel


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
    """The router's 404 and 405 as problem documents like every other error (405 keeps ``Allow``)."""
    error = (
        MethodNotAllowed(f"{request.method} is not allowed on this path")
        if getattr(exc, "status_code", 404) == 405
        else RouteNotFound("nothing is served at this path")
    )
    return problem_response(error, request, headers=getattr(exc, "headers", None))


def _metrics(kernel: Kernel) -> observability.Metrics:
    """The registry the app serves and moves: its kernel observer's, else the process's."""
    observer = kernel.observer
    if isinstance(observer, observability.Instruments):
        return observer.metrics
    return observability.instruments().metrics


def create_app(
    settings: Settings | None = None,
    *,
    kernel: Kernel | None = None,
    allowed_hosts: tuple[str, ...] = (),
) -> ASGIApp:
    """The naramarket ASGI app: REST + SSE + MCP on one Starlette router, one lifespan."""
    kernel = kernel or make_kernel(settings)
    metrics = _metrics(kernel)
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
        with metrics_adapter.separate_port(metrics, port) if port else contextlib.nullcontext():
            async with kernel, manager.run(), contextlib.aclosing(auth_server):
                yield

    app = Starlette(
        routes=[
            *rest.routes(kernel),
            *sse.routes(kernel),
            *jobs.routes(kernel),
            *mcp_adapter.routes(manager, kernel),
            *auth_server.routes(),
            *([] if kernel.settings.metrics_port else metrics_adapter.routes(kernel, metrics)),
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
        guarded=("/mcp", "/api/v1/"),
        # Probes carry no tokens; /metrics is outside the guarded paths (NARAMARKET_METRICS_TOKEN).
        public=(
            "/api/v1/health",
            "/api/v1/health/ready",
            "/api/v1/server/info",
            # The report's auth routes check their own credentials, as their /auth/... twins do.
            "/api/v1/auth/token",
            "/api/v1/auth/login",
            "/api/v1/auth/me",
            "/api/v1/auth/revoke",
        ),
    )
    observed = RequestTelemetry(guarded, metrics=metrics)
    return SandboxMarker(observed) if kernel.sandbox else observed
