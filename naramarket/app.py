"""The composition root: one ASGI app from the kernel and the REST, SSE and MCP adapters.

This is the only module that knows every part; the kernel and adapters stay ignorant of each
other's wiring and of the sandbox.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import anyio
import pluggy
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from naramarket.adapters.http import Draining

from naramarket import datago, exports, observability, redis_state
from naramarket.kernel import Settings
from naramarket.kernel.host import Kernel, Observer, register_secret

__all__ = [
    "SANDBOX_API_BASE",
    "SANDBOX_MALL_BASE",
    "SandboxMarker",
    "create_app",
    "draining_of",
    "make_kernel",
]

PURGE_EVERY = 600.0  # seconds between purges of expired OAuth codes, tokens and revocations
SWEEP_EVERY = 60.0  # seconds between sweeps of MCP sessions whose token expired or was revoked

# Requests to the in-process sandbox never leave the process; this host name is never resolved.
SANDBOX_API_BASE = "http://sandbox.naramarket.invalid/1230000"
SANDBOX_MALL_BASE = "http://sandbox.naramarket.invalid/mall"  # the sandbox's fake of the mall's pages


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
    make_transport = None
    if settings.sandbox and transport is None:
        from naramarket import sandbox

        make_transport = _sandbox_transport
        settings = _sandbox_settings(settings, sandbox.DEFAULT_SERVICE_KEY)
    register_secret(settings.metrics_token)
    register_secret(settings.redis_url)  # it may carry a password

    def fell_back(part: str) -> None:  # Redis down or slow: counted in this kernel's registry
        redis_state.collector_for(_metrics(kernel).registry).fell_back(part)

    observer = observer if observer is not None else observability.instruments()
    metrics = observer.metrics if isinstance(observer, observability.Instruments) else None
    kernel = Kernel(
        settings,
        plugin_manager=plugin_manager,
        observer=observer,
        resources={
            datago.CLIENT: datago.client_factory(
                transport=transport,
                make_transport=make_transport,
                instrument=observability.instrument_httpx,
                shared=redis_state.shared_state(on_fallback=fell_back),
            ),
            # After the client: jobs resumed at start-up call tools at once.
            exports.EXPORTS: exports.export_factory(lambda: kernel, metrics=metrics),
        },
    )
    return kernel


def _sandbox_settings(settings: Settings, key: str) -> Settings:
    """The in-process upstream's settings: no token bucket unless one was asked for.

    data.go.kr's per-second limit does not apply to the fake gateway; the calls still go through
    the same engine (concurrency cap, retries, decoding). A rate other than the default, or
    ``NARAMARKET_RATE_LIMIT`` in the environment, keeps the bucket.
    """
    import os

    import msgspec

    asked = "NARAMARKET_RATE_LIMIT" in os.environ or settings.rate_limit != Settings().rate_limit
    return msgspec.structs.replace(
        settings,
        api_base=SANDBOX_API_BASE,
        mall_base=SANDBOX_MALL_BASE,
        service_key=settings.service_key or key,
        rate_limit=settings.rate_limit if asked else 0.0,
    )


def _sandbox_transport() -> httpx.AsyncBaseTransport:
    """The in-process fake gateway as an httpx transport, made when the upstream client opens."""
    import httpx

    return httpx.ASGITransport(app=_SandboxUpstream())


class _SandboxUpstream:
    """The in-process fake gateway, built on its first request.

    Starting, answering ``initialize``, listing or describing tools never reach the upstream, so
    the sandbox's modules (vocabularies, records, its catalog) load only when a call does.
    """

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            from naramarket import sandbox

            self.app = sandbox.create_app()
        await self.app(scope, receive, send)


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
    from naramarket.adapters.http import MethodNotAllowed, RouteNotFound, problem_response

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
    # Imported here, not at the top: stdio MCP and the CLI's one-shot commands need only
    # make_kernel, and start faster without the HTTP app, OAuth and the other adapters.
    from starlette.applications import Starlette
    from starlette.routing import Route

    from naramarket import redis_auth, stream_log
    from naramarket.adapters import jobs, oauth, rest, sse
    from naramarket.adapters import metrics as metrics_adapter
    from naramarket.adapters.auth import AuthMiddleware
    from naramarket.adapters.guard import CrossSiteGuard
    from naramarket.adapters.http import Draining
    from naramarket.lazy_mcp import LazyMcp, McpParts

    _keep_sse_shutdown_hook()

    kernel = kernel or make_kernel(settings)
    metrics = _metrics(kernel)
    redis_state.collector_for(metrics.registry).watch(lambda: kernel.resources.get(datago.CLIENT))
    allowed_hosts = (*allowed_hosts, *sorted(kernel.settings.allowed_hosts))
    if kernel.settings.public_url:
        allowed_hosts = (*allowed_hosts, urlsplit(kernel.settings.public_url).netloc)
    # MCP resumability (Last-Event-ID) and the OAuth server's revocations, refresh-token use marks
    # and login throttle: in Redis when configured (shared by replicas), else in this process.
    events_redis = (
        redis_state.RedisState(
            kernel.settings.redis_url, on_fallback=redis_state.collector_for(metrics.registry).fell_back
        )
        if kernel.settings.redis_url
        else None
    )
    cors_origins = tuple(sorted(kernel.settings.cors_origins))
    draining = Draining()
    scopes = sorted({s for t in kernel.registry for s in t.scopes})
    auth_server = oauth.AuthServer(
        kernel.settings,
        scopes_supported=scopes,
        attempts=redis_auth.RedisAttempts(events_redis) if events_redis else None,
        shared=redis_auth.RedisTokens(events_redis) if events_redis else None,
    )

    def build_mcp() -> McpParts:
        # The MCP SDK loads here, on the first /mcp request (naramarket.lazy_mcp), not at start.
        from naramarket import event_store
        from naramarket.adapters import mcp as mcp_adapter
        from naramarket.adapters.mcp_lane import FastLane
        from naramarket.adapters.mcp_sessions import SessionGuard

        events = event_store.RedisEventStore(events_redis) if events_redis else event_store.MemoryEventStore()
        manager = mcp_adapter.session_manager(
            kernel,
            allowed_hosts=allowed_hosts,
            allowed_origins=origins,
            event_store=events,
            draining=draining,
        )
        sessions = SessionGuard(
            FastLane(manager, kernel, draining),
            manager,
            verifier=auth_server.verifier,
            # A session needs one tool scope, unless some tool needs none (then any valid token may open one).
            tool_scopes=scopes if all(t.scopes for t in kernel.registry) else (),
            public_url=kernel.settings.public_url,
            max_sessions=kernel.settings.mcp_sessions_per_principal,
            max_calls=kernel.settings.mcp_calls_per_principal,
        )
        return McpParts(mcp_adapter.ScopeGate(sessions, kernel), sessions, manager)

    origins = (*(f"{s}://{h}" for h in allowed_hosts for s in ("http", "https")), *cors_origins)
    mcp = LazyMcp(build_mcp, sweep_every=SWEEP_EVERY, draining=draining)

    async def purge_every(seconds: float) -> None:
        while True:
            await anyio.sleep(seconds)
            await anyio.to_thread.run_sync(auth_server.store.purge)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        port = kernel.settings.metrics_port
        with metrics_adapter.separate_port(metrics, port) if port else contextlib.nullcontext():
            async with (
                kernel,
                mcp.hosting(),  # manager.run() and the session sweeper, once /mcp is built
                contextlib.aclosing(auth_server),
                anyio.create_task_group() as housekeeping,
            ):
                housekeeping.start_soon(purge_every, PURGE_EVERY)
                try:
                    yield
                finally:
                    housekeeping.cancel_scope.cancel()
                    if events_redis is not None:
                        await events_redis.aclose()

    app = Starlette(
        routes=[
            *rest.routes(kernel, draining),
            *sse.routes(kernel, draining, stream_log.RedisStreamLog(events_redis) if events_redis else None),
            Route("/mcp", endpoint=mcp, methods=["GET", "POST", "DELETE"]),  # as mcp_adapter.routes()
            *jobs.routes(kernel),
            *auth_server.routes(),
            *([] if kernel.settings.metrics_port else metrics_adapter.routes(kernel, metrics)),
        ],
        lifespan=lifespan,
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.state = _app_state_class()({"mcp": mcp})  # app.state.sessions: the MCP session guard, built on access
    app.state.kernel = kernel
    app.state.auth_server = auth_server
    guarded = AuthMiddleware(
        rest.ToolCalls(app, kernel, draining),  # the REST call path, in front of the router
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
    # One outer layer per request: telemetry, the cross-site checks, the sandbox marker and the
    # liveness probe (a bare route) in one pass; the auth layer beneath it passes open calls through.
    outer: ASGIApp = _served_app_class()(
        guarded,
        metrics=metrics,
        guard=CrossSiteGuard(None, allowed_hosts=allowed_hosts, cors_origins=cors_origins),
        marker=((b"x-naramarket-sandbox", b"1"),) if kernel.sandbox else (),
        health=("/api/v1/health", rest.health_body(kernel)),
        line=observability.own_line,
        request_id=observability.REQUEST_ID,
    )
    outer.draining = draining  # type: ignore[attr-defined]  # read by draining_of()
    outer.mcp = mcp  # type: ignore[attr-defined]  # outer.sessions: the MCP session guard, for operators' tools
    return outer


def _keep_sse_shutdown_hook() -> None:
    """Import sse_starlette now, although only the (lazily built) MCP transport uses it: at import
    it hooks ``uvicorn.Server.handle_exit``, which uvicorn binds as its signal handler when it
    starts; imported later, the hook never runs and open MCP SSE streams miss the shutdown."""
    import sse_starlette.sse  # noqa: F401


@functools.cache
def _served_app_class() -> type:
    """The outer layer's class, with ``sessions`` (the MCP session guard, built on access)."""
    from naramarket.adapters.telemetry import RequestTelemetry

    class ServedApp(RequestTelemetry):
        @property
        def sessions(self) -> object:
            return self.mcp.sessions  # type: ignore[attr-defined]

    return ServedApp


@functools.cache
def _app_state_class() -> type:
    from starlette.datastructures import State

    class AppState(State):
        @property
        def sessions(self) -> object:
            return self._state["mcp"].sessions

    return AppState


def draining_of(app: ASGIApp) -> Draining | None:
    """The shutdown hook of an app ``create_app`` made: the server calls ``begin(grace)`` on it."""
    from naramarket.adapters.http import Draining

    draining = getattr(app, "draining", None)
    return draining if isinstance(draining, Draining) else None
