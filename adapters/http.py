"""HTTP helpers shared by the REST and SSE adapters: JSON and RFC 9457 problem responses, body
reads with a time-out, calls that stop when their client leaves, and draining on shutdown."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import anyio
import msgspec
import sniffio
from starlette.requests import Request
from starlette.responses import Response

from naramarket.adapters.auth import PRINCIPAL, www_authenticate
from naramarket.kernel import Forbidden, InvalidParams, NaramarketError, NotFound, Principal, Unauthorized
from naramarket.kernel.host import problem

__all__ = [
    "ClientGone",
    "Draining",
    "JSONResponse",
    "MethodNotAllowed",
    "ProblemResponse",
    "RouteNotFound",
    "ShuttingDown",
    "cancel_on_disconnect",
    "principal",
    "problem_response",
    "read_body",
]

T = TypeVar("T")

PROBLEM_JSON = "application/problem+json"
MAX_BODY = 1 << 20  # tool parameters are small; refuse anything bigger than 1 MiB
BODY_TIMEOUT = 30.0  # seconds a client has to send the whole body (a trickled body holds a slot)


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


class ShuttingDown(NaramarketError):
    """The server is stopping: the call did not finish within the shutdown grace period."""

    code = "shutting_down"
    title = "Server shutting down"
    status = 503
    retryable = True


class RequestTimeout(NaramarketError):
    """The client did not send the request body in time."""

    code = "request_timeout"
    title = "Request timeout"
    status = 408


class ClientGone(Exception):
    """The client disconnected before the call finished: the call was stopped, nobody is told."""


class Draining:
    """Shutdown for in-flight calls: once ``begin(grace)`` is called (by the server, when it stops),
    every call run through ``run()`` gets ``grace`` seconds more, then stops with ``ShuttingDown``
    (which SSE sends as a final ``error`` event and MCP as an error result)."""

    def __init__(self) -> None:
        self.deadline = math.inf
        self._scopes: set[anyio.CancelScope] = set()

    @property
    def begun(self) -> bool:
        """True once shutdown began."""
        return self.deadline != math.inf

    @property
    def in_flight(self) -> int:
        """Calls running now."""
        return len(self._scopes)

    def begin(self, grace: float) -> None:
        """Shutdown begins: calls get ``grace`` seconds to finish."""
        self.deadline = min(self.deadline, anyio.current_time() + grace)
        for scope in self._scopes:
            scope.deadline = self.deadline

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """``await work()``, or ``ShuttingDown`` once shutdown began and its grace ran out."""
        with anyio.CancelScope(deadline=self.deadline) as scope:
            self._scopes.add(scope)
            try:
                return await work()
            finally:
                self._scopes.discard(scope)
        raise ShuttingDown("the server is shutting down and the call did not finish in time; call again")


async def cancel_on_disconnect(request: Request, work: Callable[[], Awaitable[T]]) -> T:
    """``await work()``, stopped (``ClientGone``) as soon as the client disconnects.

    Call it once the body was read: the next ``receive()`` then only ever says ``http.disconnect``.
    On asyncio (what uvicorn runs) the watcher is a bare task that is cancelled once when the work
    ends; a task group would deliver that cancellation through anyio's machinery on every call.
    """
    if sniffio.current_async_library() != "asyncio":
        return await _cancel_on_disconnect_anyio(request, work)
    with anyio.CancelScope() as scope:

        async def watch() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            scope.cancel()

        watcher = asyncio.ensure_future(watch())
        watcher.add_done_callback(_retrieve)
        try:
            return await work()
        finally:
            watcher.cancel()
    raise ClientGone


def _retrieve(task: asyncio.Future[None]) -> None:
    """Mark a watcher's own failure as seen (the call's outcome does not depend on it)."""
    if not task.cancelled():
        task.exception()


async def _cancel_on_disconnect_anyio(request: Request, work: Callable[[], Awaitable[T]]) -> T:
    result: list[T] = []
    failure: list[Exception] = []
    async with anyio.create_task_group() as tg:

        async def watch() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass
            tg.cancel_scope.cancel()

        tg.start_soon(watch)
        try:  # the work's own error is raised as itself below, not as an exception group
            result.append(await work())
        except Exception as exc:
            failure.append(exc)
        tg.cancel_scope.cancel()
    if failure:
        raise failure[0]
    if not result:
        raise ClientGone
    return result[0]


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


async def read_body(request: Request, within: float = BODY_TIMEOUT) -> bytes:
    """The request body, refusing oversize bodies before reading them whole, and slow ones."""
    chunks = []
    size = 0
    with anyio.move_on_after(within) as timer:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise InvalidParams("request body is larger than 1 MiB")
            chunks.append(chunk)
    if timer.cancelled_caught:
        raise RequestTimeout(f"the request body did not arrive within {within:g} s")
    return b"".join(chunks)
