"""``GET /metrics``: the kernel's Prometheus registry, optionally behind a bearer token."""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from naramarket.kernel import Kernel
from naramarket.kernel.auth import auth_required

from .http import ProblemResponse

__all__ = ["routes", "separate_port"]

log = logging.getLogger("naramarket.metrics")


def routes(kernel: Kernel) -> list[BaseRoute]:
    """The ``/metrics`` route; with ``NARAMARKET_METRICS_TOKEN`` set it needs that bearer token.

    OAuth does not apply here (scrapers hold a static credential, and a tools token is not one):
    with auth on and no metrics token, ``/metrics`` is open; the first such scrape logs a warning.
    """
    token = kernel.settings.metrics_token
    warned = False

    async def metrics(request: Request) -> Response:
        nonlocal warned
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if token and not (
            scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
        ):
            body = {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "code": "unauthorized",
                "detail": "/metrics needs 'Authorization: Bearer <NARAMARKET_METRICS_TOKEN>'",
            }
            return ProblemResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if not token and not warned and auth_required(kernel.settings, request.scope):
            warned = True
            log.warning(
                "/metrics is open while auth is on: set NARAMARKET_METRICS_TOKEN, or "
                "NARAMARKET_METRICS_PORT on a scrape-only network"
            )
        payload, content_type = kernel.metrics.exposition(request.headers.get("accept"))
        return Response(payload, headers={"content-type": content_type})

    return [Route("/metrics", metrics, methods=["GET"])]


@contextlib.contextmanager
def separate_port(kernel: Kernel, port: int, host: str = "0.0.0.0") -> Iterator[None]:
    """Serve the registry on its own port (``NARAMARKET_METRICS_PORT``) while the block runs.

    Meant for a scrape-only network: this listener has no token check, so do not publish it.
    """
    from prometheus_client import start_http_server

    server, thread = start_http_server(port, addr=host, registry=kernel.metrics.registry)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
