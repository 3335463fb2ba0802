"""HTTP helpers shared by the REST and SSE adapters: JSON and RFC 9457 problem responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from naramarket.adapters.auth import PRINCIPAL, www_authenticate
from naramarket.kernel import Forbidden, InvalidParams, NaramarketError, NotFound, Principal, Unauthorized
from naramarket.kernel.host import problem

__all__ = [
    "JSONResponse",
    "MethodNotAllowed",
    "ProblemResponse",
    "RouteNotFound",
    "principal",
    "problem_response",
    "read_body",
]

PROBLEM_JSON = "application/problem+json"
MAX_BODY = 1 << 20  # tool parameters are small; refuse anything bigger than 1 MiB


class JSONResponse(Response):
    """A JSON response encoded by msgspec (Structs, dates and datetimes included)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


class ProblemResponse(JSONResponse):
    """An ``application/problem+json`` response."""

    media_type = PROBLEM_JSON


class RouteNotFound(NotFound):
    """No route matches the request's path."""


class MethodNotAllowed(NaramarketError):
    """The path exists but does not accept the request's method."""

    code = "method_not_allowed"
    title = "Method not allowed"
    status = 405


def problem_response(
    error: NaramarketError, request: Request | None = None, *, headers: Mapping[str, str] | None = None
) -> ProblemResponse:
    """The problem+json response for ``error`` (status from the error class; 401/403 with a challenge).

    ``headers`` are added last, so they may replace the OAuth challenge.
    """
    instance = request.url.path if request is not None else None
    extra: dict[str, str] = {}
    if isinstance(error, Unauthorized | Forbidden):
        extra["WWW-Authenticate"] = www_authenticate(request.scope if request else {}, error)
    extra.update(headers or {})
    return ProblemResponse(problem(error, instance=instance), status_code=error.status, headers=extra or None)


def principal(request: Request) -> Principal | None:
    """The caller ``AuthMiddleware`` authenticated (None on an open server)."""
    return request.scope.get(PRINCIPAL)


async def read_body(request: Request) -> bytes:
    """The request body, refusing oversize bodies before reading them whole."""
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise InvalidParams("request body is larger than 1 MiB")
        chunks.append(chunk)
    return b"".join(chunks)
