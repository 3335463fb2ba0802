"""HTTP helpers shared by the REST and SSE adapters: JSON and RFC 9457 problem responses, body
reads with a time-out, calls that stop when their client leaves, and draining on shutdown."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

import anyio
import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

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
    "guarded_call",
    "principal",
    "problem_response",
    "read_body",
    "receive_body",
    "send_problem",
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


class Deadlined(Protocol):
    """What ``Draining`` stops: anything with a settable deadline (an anyio cancel scope, a guarded
    REST call)."""

    deadline: float


class Draining:
    """Shutdown for in-flight calls: once ``begin(grace)`` is called (by the server, when it stops),
    every call run through ``run()`` gets ``grace`` seconds more, then stops with ``ShuttingDown``
    (which SSE sends as a final ``error`` event and MCP as an error result)."""

    def __init__(self) -> None:
        self.deadline = math.inf
        self._scopes: set[Deadlined] = set()

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
            scope.deadline = min(scope.deadline, self.deadline)

    def watch(self, scope: Deadlined) -> None:
        """Stop ``scope`` too when shutdown's grace runs out (until ``unwatch``)."""
        self._scopes.add(scope)

    def unwatch(self, scope: Deadlined) -> None:
        """``scope`` ended."""
        self._scopes.discard(scope)

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """``await work()``, or ``ShuttingDown`` once shutdown began and its grace ran out."""
        with anyio.CancelScope(deadline=self.deadline) as scope:
            self._scopes.add(scope)
            try:
                return await work()
            finally:
                self._scopes.discard(scope)
        raise ShuttingDown(_SHUTTING_DOWN)


def _retrieve(task: asyncio.Future[None]) -> None:
    """Mark a watcher's own failure as seen (the call's outcome does not depend on it)."""
    if not task.cancelled():
        task.exception()


async def guarded_call(
    receive: Receive, draining: Draining, work: Callable[[bytes], Awaitable[T]], within: float = BODY_TIMEOUT
) -> T:
    """Read the request body and ``await work(body)`` under one guard.

    The body must arrive whole within ``within`` seconds (``RequestTimeout``) and stay under
    ``MAX_BODY``; the work stops when the client disconnects (``ClientGone``) and when shutdown's
    grace runs out (``ShuttingDown``).

    On asyncio (what uvicorn runs) the guard is the task's own cancellation, as ``asyncio.timeout``
    does it: a timer or the disconnect watcher cancels the task, and the guard tells its own
    cancellation from anyone else's by ``Task.cancelling()`` (anyio's scopes inside the work pass a
    native cancellation through). The body's timer and the watcher are set up only once the call
    has to wait for something (the loop runs a callback scheduled for that), so a call whose body
    is there and whose answer is ready at once costs one cancelled callback and no task: most of
    what keeps a small REST call near a bare route. Other backends get the same guarantees from
    an anyio cancel scope.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # another backend (trio)
        return await _guarded_anyio(receive, draining, work, within)
    task = asyncio.current_task()
    assert task is not None
    guard = _Guard(loop, task, receive, within)
    cancelling = task.cancelling()
    later = loop.call_soon(guard.waiting)
    draining.watch(guard)
    if draining.deadline != math.inf:
        guard.deadline = draining.deadline
    try:
        try:
            body = await receive_body(receive)
            guard.reading = False
            if guard.waited:  # the body was slow to come: its timer goes, the watcher comes
                guard.deadline = draining.deadline
                guard.start_watching()
            result = await work(body)
        finally:
            later.cancel()
            draining.unwatch(guard)
            guard.done()
    except asyncio.CancelledError:
        if guard.reason is None or task.uncancel() > cancelling:
            raise  # not ours (or not only ours): the server's own cancellation goes on
        if guard.reason is _GONE:
            raise ClientGone from None
        if guard.reading:
            raise RequestTimeout(f"the request body did not arrive within {within:g} s") from None
        raise ShuttingDown(_SHUTTING_DOWN) from None
    if guard.reason is not None:  # the work swallowed our cancellation: take the request back
        task.uncancel()
    return result


_GONE = "client gone"
_SHUTTING_DOWN = "the server is shutting down and the call did not finish in time; call again"


class _Guard:
    """One guarded call on asyncio: what stops its task — a deadline (a timer, moved by
    ``Draining.begin`` like an anyio scope's) or the disconnect watcher; the first reason is kept —
    and whether the call had to wait (only then are a timer or a watcher set up)."""

    __slots__ = (
        "_deadline",
        "loop",
        "reading",
        "reason",
        "receive",
        "task",
        "timer",
        "waited",
        "watcher",
        "within",
    )

    def __init__(
        self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any], receive: Receive, within: float
    ) -> None:
        self.loop = loop
        self.task = task
        self.receive = receive
        self.within = within
        self.reason: str | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.watcher: asyncio.Task[None] | None = None
        self._deadline = math.inf
        self.reading = True  # the body is still coming
        self.waited = False

    @property
    def deadline(self) -> float:
        return self._deadline

    @deadline.setter
    def deadline(self, value: float) -> None:
        self._deadline = value
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if value != math.inf and self.reason is None:
            self.timer = self.loop.call_at(value, self.stop, "deadline")

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            self.task.cancel()

    def waiting(self) -> None:
        """The call had to wait (a callback the loop ran): only now does it need a timer or a watcher."""
        self.waited = True
        if self.reading:
            self.deadline = min(self.loop.time() + self.within, self._deadline)
        else:
            self.start_watching()

    def start_watching(self) -> None:
        self.watcher = self.loop.create_task(self._watch())
        self.watcher.add_done_callback(_retrieve)

    async def _watch(self) -> None:
        receive = self.receive
        while (await receive())["type"] != "http.disconnect":
            pass
        self.stop(_GONE)

    def done(self) -> None:
        """The call ended: no timer or watcher is left behind."""
        self._deadline = math.inf
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.watcher is not None:
            self.watcher.cancel()


async def _guarded_anyio(
    receive: Receive, draining: Draining, work: Callable[[bytes], Awaitable[T]], within: float
) -> T:
    reading = True
    with anyio.CancelScope(deadline=min(anyio.current_time() + within, draining.deadline)) as scope:
        draining.watch(scope)
        try:
            body = await receive_body(receive)
            reading = False
            scope.deadline = draining.deadline
            return await _watched_anyio(receive, lambda: work(body))
        finally:
            draining.unwatch(scope)
    if reading:
        raise RequestTimeout(f"the request body did not arrive within {within:g} s")
    raise ShuttingDown(_SHUTTING_DOWN)


async def _watched_anyio(receive: Receive, work: Callable[[], Awaitable[T]]) -> T:
    result: list[T] = []
    failure: list[Exception] = []
    async with anyio.create_task_group() as tg:

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
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


async def receive_body(receive: Receive) -> bytes:
    """The whole request body from ASGI ``receive``; ``InvalidParams`` past ``MAX_BODY``,
    ``ClientGone`` if the client leaves first. (No time limit: the caller's scope has one.)"""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        body: bytes = message.get("body", b"")
        size += len(body)
        if size > MAX_BODY:
            raise InvalidParams("request body is larger than 1 MiB")
        if not message.get("more_body", False):
            if not chunks:
                return body
            chunks.append(body)
            return b"".join(chunks)
        chunks.append(body)


async def send_problem(
    scope: Scope, send: Send, error: NaramarketError, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """``error`` as an RFC 9457 problem+json response on a bare ASGI ``send`` (401/403 with the
    OAuth challenge, as ``problem_response`` does), ``headers`` added."""
    body = msgspec.json.encode(problem(error, instance=scope.get("path")))
    sent = [(b"content-length", b"%d" % len(body)), (b"content-type", PROBLEM_JSON.encode()), *headers]
    if isinstance(error, Unauthorized | Forbidden):
        sent.append((b"www-authenticate", www_authenticate(scope, error).encode()))
    await send({"type": "http.response.start", "status": error.status, "headers": sent})
    await send({"type": "http.response.body", "body": body})


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
