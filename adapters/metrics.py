"""``GET /metrics``: the process's Prometheus registry, optionally behind a bearer token."""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from naramarket.kernel import Unauthorized
from naramarket.kernel.host import Kernel

from .auth import auth_required, bearer_token
from .http import problem_response

__all__ = ["Scraped", "routes", "separate_port"]

log = logging.getLogger("naramarket.metrics")


class Scraped(Protocol):
    """What ``/metrics`` serves (``naramarket.observability.Metrics`` is one)."""

    registry: CollectorRegistry

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The registry in the format ``accept`` asks for, and its content type."""
        ...


def routes(kernel: Kernel, metrics: Scraped) -> list[BaseRoute]:
    """The ``/metrics`` route; with ``NARAMARKET_METRICS_TOKEN`` set it needs that bearer token.

    OAuth does not apply here (scrapers hold a static credential, and a tools token is not one):
    with auth on and no metrics token, ``/metrics`` is open; the first such scrape logs a warning.
    """
    token = kernel.settings.metrics_token
    warned = False

    async def scrape(request: Request) -> Response:
        nonlocal warned
        given = bearer_token(request.scope)
        if token and not (given is not None and hmac.compare_digest(given.encode(), token.encode())):
            refused = Unauthorized("/metrics needs 'Authorization: Bearer <NARAMARKET_METRICS_TOKEN>'")
            # A static scrape credential, not an OAuth resource: a bare challenge, no resource_metadata.
            return problem_response(refused, request, headers={"WWW-Authenticate": "Bearer"})
        if not token and not warned and auth_required(kernel.settings, request.scope):
            warned = True
            log.warning(
                "/metrics is open while auth is on: set NARAMARKET_METRICS_TOKEN, or "
                "NARAMARKET_METRICS_PORT on a scrape-only network"
            )
        payload, content_type = metrics.exposition(request.headers.get("accept"))
        return Response(payload, headers={"content-type": content_type})

    return [Route("/metrics", scrape, methods=["GET"])]


@contextlib.contextmanager
def separate_port(metrics: Scraped, port: int, host: str = "0.0.0.0") -> Iterator[None]:
    """Serve ``metrics``' registry on its own port (``NARAMARKET_METRICS_PORT``) while the block runs.

    Meant for a scrape-only network: this listener has no token check, so do not publish it.
    """
    from prometheus_client import start_http_server

    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
