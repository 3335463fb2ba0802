"""``GET /metrics``: the kernel's Prometheus registry, optionally behind a bearer token."""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from naramarket.kernel import Kernel

from .http import ProblemResponse

__all__ = ["routes", "separate_port"]


def routes(kernel: Kernel) -> list[BaseRoute]:
    """The ``/metrics`` route; with ``NARAMARKET_METRICS_TOKEN`` set it needs that bearer token."""
    token = kernel.settings.metrics_token

    async def metrics(request: Request) -> Response:
        if token and not hmac.compare_digest(
            request.headers.get("authorization", "").encode(), f"Bearer {token}".encode()
        ):
            body = {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "code": "unauthorized",
                "detail": "/metrics needs 'Authorization: Bearer <NARAMARKET_METRICS_TOKEN>'",
            }
            return ProblemResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
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
