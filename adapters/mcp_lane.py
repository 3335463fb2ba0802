"""The fast lane for ``/mcp``: the common requests of an open session, answered without the SDK's relay.

On an initialized streamable-HTTP session the SDK turns every POST into a chain of work: parse
and validate the JSON-RPC message with pydantic, hand it over a memory stream to the session's
dispatcher task, spawn a handler task, dump the result into a pydantic response model and back,
route it through a message-router task and a per-request memory stream into an
``EventSourceResponse`` (with its own task group, ping task and disconnect listener). For a small
``tools/call`` that relay costs more than the call.

``FastLane`` answers ``tools/call``, ``tools/list`` and ``ping`` of an existing session itself, in
the request's own task, and hands everything else to the SDK unchanged (the body it read is
replayed). It takes a request only when the SDK would serve it on that session as it stands:

- a POST with a known, live session id, bound to the same principal that opened it (else the SDK
  answers 404), the protocol-version header absent or one of the handshake versions (else the
  SDK's modern-era entry decides), Host/Origin/Content-Type/Accept as the SDK's own checks want
  them, the session's ``initialize`` accepted (``ping`` excepted), no tracer provider set (then the
  SDK's per-message spans are wanted);
- a single, well-formed request (no batch, no extra members; ``params`` shaped as the spec wants;
  anything odd goes to the SDK, whose error answers stay the reference).

What the SDK does for such a request, the lane does too, with less machinery: the answer is an SSE
stream (``event: message``) whose events are stored in the session manager's event store under the
request's id, after a priming event (2025-11-25 and later), so a client that loses the connection
resumes with ``GET`` + ``Last-Event-ID``; events sent after such a resume also go to the resumed
stream. Progress notifications (``_meta.progressToken``) go out on the same stream as the tool
reports them. A ``notifications/cancelled`` naming a call in the lane stops it and the call ends
with the same ``Request cancelled`` error the SDK writes on this protocol era; the notification
itself still goes to the SDK. A ``DELETE`` that ends the session stops its calls in the lane,
whose streams then close without an answer, as the SDK's do. The session's idle time-out is held
off while a call runs, and
shutdown drains a call as the SDK handler's (``Draining``). The result is encoded once (msgspec),
never dumped into and out of a pydantic model; its wire form equals what the SDK's per-version
result sieve yields (``tests/adapters/test_mcp_lane.py`` checks it against the SDK path).
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types
import msgspec
import sniffio
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, authorization_context
from mcp.server.streamable_http import EventMessage, check_accept_headers
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from mcp_types import jsonrpc_message_adapter
from mcp_types import methods as _methods
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, is_version_at_least
from starlette.requests import Request

from naramarket.adapters.auth import PRINCIPAL
from naramarket.adapters.http import Draining
from naramarket.kernel.host import tracing_on

from . import mcp as mcp_adapter
from .mcp import ConnectionIndex

if TYPE_CHECKING:
    from mcp.server.streamable_http import StreamableHTTPServerTransport

    from naramarket.kernel.host import Kernel

__all__ = ["FastLane"]

log = logging.getLogger("naramarket.mcp")

SESSION = b"mcp-session-id"
VERSION = b"mcp-protocol-version"
PING = 15.0  # seconds between keep-alive comments on a silent call (sse-starlette's default, as the SDK)
REQUEST_CANCELLED = -32800  # what the SDK's 2025-era transport answers a cancelled request with
_LANE_METHODS = frozenset({"tools/call", "tools/list", "ping"})
_REQUEST_KEYS = frozenset({"jsonrpc", "id", "method", "params"})
_CALL_KEYS = frozenset({"name", "arguments", "_meta"})
_LIST_KEYS = frozenset({"cursor", "_meta"})
_SSE_HEADERS = [
    (b"cache-control", b"no-cache, no-transform"),
    (b"connection", b"keep-alive"),
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"x-accel-buffering", b"no"),
]
_encode = msgspec.json.encode


class _Call:
    """One request in the lane: its SSE answer, stored in the event store as it goes out."""

    __slots__ = ("done", "ended", "events", "id", "keepalive", "scope", "send", "stream", "transport")

    def __init__(self, send: Any, transport: StreamableHTTPServerTransport, request_id: Any) -> None:
        self.send = send
        self.transport = transport
        self.id = request_id
        self.stream = str(request_id)
        self.events = transport._event_store
        self.done = False
        self.ended = False  # its session was deleted: the stream closes without an answer
        self.scope: anyio.CancelScope | None = None
        self.keepalive: asyncio.TimerHandle | None = None

    async def start(self, version: str, session_id: str) -> None:
        headers = [*_SSE_HEADERS, (SESSION, session_id.encode("latin-1"))]
        await self.send({"type": "http.response.start", "status": 200, "headers": headers})
        if self.events is not None and is_version_at_least(version, "2025-11-25"):
            event_id = await self.events.store_event(self.stream, None)
            await self.send(
                {
                    "type": "http.response.body",
                    "body": b"id: %s\r\ndata: \r\n\r\n" % event_id.encode(),
                    "more_body": True,
                }
            )

    def keep_alive(self) -> None:
        """A ``: ping`` comment every ``PING`` seconds while the call is silent, as the SDK's SSE
        responses send, so proxies do not cut a long call (a timer, no task, until one is due)."""
        if sniffio.current_async_library() == "asyncio":
            self.keepalive = asyncio.get_running_loop().call_later(PING, self._ping_due)

    def _ping_due(self) -> None:
        if not self.done:
            asyncio.ensure_future(self._ping()).add_done_callback(_retrieve)
            self.keepalive = asyncio.get_running_loop().call_later(PING, self._ping_due)

    async def _ping(self) -> None:
        if not self.done:
            await self.send({"type": "http.response.body", "body": b": ping\r\n\r\n", "more_body": True})

    async def emit(self, message: dict[str, Any], *, last: bool) -> None:
        """Send one JSON-RPC message as an SSE event (stored first, when there is an event store)."""
        if last:
            self.done = True
            if self.keepalive is not None:
                self.keepalive.cancel()
        data = _encode(message)
        event_id = None
        if self.events is not None:
            event_id = await self.events.store_raw(self.stream, data)  # type: ignore[attr-defined]
        head = b"id: %s\r\nevent: message\r\n" % event_id.encode() if event_id else b"event: message\r\n"
        await self.send(
            {
                "type": "http.response.body",
                "body": b"%sdata: %s\r\n\r\n" % (head, data),
                "more_body": not last,
            }
        )
        resumed = self.transport._request_streams.get(self.stream)
        if resumed is not None:  # the client resumed this stream (GET + Last-Event-ID) meanwhile
            parsed = jsonrpc_message_adapter.validate_json(data, by_name=False)
            try:
                await resumed[0].send(EventMessage(parsed, event_id))
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                self.transport._request_streams.pop(self.stream, None)


class FastLane:
    """``/mcp`` in front of the SDK's session manager: see the module's description."""

    def __init__(self, manager: StreamableHTTPSessionManager, kernel: Kernel, draining: Draining) -> None:
        self.manager = manager
        self.sdk = manager.asgi_app
        self.kernel = kernel
        self.draining = draining
        index = next((m for m in manager.app.middleware if isinstance(m, ConnectionIndex)), None)
        if index is None:
            raise ValueError("FastLane needs a server made by mcp.create_server (its ConnectionIndex)")
        self.index = index
        self._calls: dict[tuple[str, Any], _Call] = {}  # (session, request id): calls in the lane
        self._tool_lists: dict[str, bytes] = {}  # protocol version -> encoded tools/list result
        # The lane stores events as the bytes it sends (``store_raw``, naramarket's event stores);
        # with another store, or cache hints the SDK would add to a result, everything goes to the SDK.
        store = manager.event_store
        self.enabled = (store is None or hasattr(store, "store_raw")) and not manager.app.cache_hints

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "DELETE" and self._calls:
            await self.sdk(scope, receive, send)
            self._end_deleted(scope)
            return
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not self.enabled
            or self.manager.json_response
            or tracing_on()
        ):
            await self.sdk(scope, receive, send)
            return
        session_id, version = _session_headers(scope)
        transport = self.manager._server_instances.get(session_id) if session_id is not None else None
        if (
            transport is None
            or transport.is_terminated
            or (version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS)
            or (transport.idle_scope is not None and transport.idle_scope.cancel_called)
            or not self._owner_matches(scope, session_id)
            or not await self._acceptable(scope, transport)
        ):
            await self.sdk(scope, receive, send)
            return
        assert session_id is not None
        messages, body = await mcp_adapter.buffer_body(receive, self.manager.max_request_body_size)
        message = _decode(body) if body is not None else None
        connection = self.index.connections.get(session_id)
        method = message.get("method") if message is not None else None
        ready = connection is not None and (connection.initialize_accepted or method == "ping")
        if (
            message is not None
            and ready
            and "id" in message
            and method in ("tools/call", "tools/list", "ping")
        ):
            assert connection is not None
            params = message.get("params")
            if method == "tools/call" and _call_params(params):
                await self._call(scope, send, transport, session_id, connection.protocol_version, message)
                return
            if method == "tools/list" and _list_params(params):
                result = await self._tool_list(connection.protocol_version)
                await self._answer(send, transport, session_id, connection.protocol_version, message, result)
                return
            if method == "ping" and (params is None or _list_params(params)):
                await self._answer(send, transport, session_id, connection.protocol_version, message, b"{}")
                return
        if message is not None and method == "notifications/cancelled" and "id" not in message:
            params = message.get("params")
            target = params.get("requestId") if isinstance(params, dict) else None
            call = self._calls.get((session_id, _request_key(target)))
            if call is not None and call.scope is not None:
                call.scope.cancel()
        pending = list(messages)

        async def replay() -> Any:
            return pending.pop(0) if pending else await receive()

        await self.sdk(scope, replay, send)

    def _end_deleted(self, scope: Any) -> None:
        """After a DELETE: the calls in the lane of a session it ended stop, as the SDK's do."""
        session_id, _ = _session_headers(scope)
        transport = self.manager._server_instances.get(session_id) if session_id is not None else None
        if session_id is None or (transport is not None and not transport.is_terminated):
            return
        for (owner, _), call in list(self._calls.items()):
            if owner == session_id and call.scope is not None:
                call.ended = True
                call.scope.cancel()

    def _owner_matches(self, scope: Any, session_id: str | None) -> bool:
        user = scope.get("user")
        requestor = authorization_context(user) if isinstance(user, AuthenticatedUser) else None
        return requestor == self.manager._session_owners.get(session_id or "")

    async def _acceptable(self, scope: Any, transport: StreamableHTTPServerTransport) -> bool:
        """The SDK's own header checks for a POST (DNS rebinding, Content-Type, Accept) all pass."""
        request = Request(scope)
        if await transport._security.validate_request(request, is_post=True) is not None:
            return False
        has_json, has_sse = check_accept_headers(request)
        return has_json and has_sse and transport._check_content_type(request)

    async def _tool_list(self, version: str) -> bytes:
        """The ``tools/list`` result as the SDK sends it at ``version`` (the server's own handler and
        the SDK's per-version sieve, once per version: the tools do not change while serving)."""
        encoded = self._tool_lists.get(version)
        if encoded is None:
            entry = self.manager.app.get_request_handler("tools/list")
            assert entry is not None
            listing = await entry.handler(None, None)  # type: ignore[arg-type]  # ours reads neither
            dumped = listing.model_dump(by_alias=True, mode="json", exclude_none=True)
            encoded = _encode(_methods.serialize_server_result("tools/list", version, dumped))
            self._tool_lists[version] = encoded
        return encoded

    async def _answer(
        self,
        send: Any,
        transport: StreamableHTTPServerTransport,
        session_id: str,
        version: str,
        message: dict[str, Any],
        result: bytes,
    ) -> None:
        call = _Call(send, transport, message["id"])
        with _holding(transport):
            await call.start(version, session_id)
            await call.emit({"jsonrpc": "2.0", "id": message["id"], "result": msgspec.Raw(result)}, last=True)

    async def _call(
        self,
        scope: Any,
        send: Any,
        transport: StreamableHTTPServerTransport,
        session_id: str,
        version: str,
        message: dict[str, Any],
    ) -> None:
        params = message["params"]
        request_id = message["id"]
        call = _Call(send, transport, request_id)
        token = _progress_token(params)
        progress = None
        if token is not None:

            async def progress(done: int, total: int | None, text: str | None) -> None:
                note: dict[str, Any] = {"progressToken": token, "progress": done}
                if total is not None:
                    note["total"] = total
                if text is not None:
                    note["message"] = text
                await call.emit(
                    {"jsonrpc": "2.0", "method": "notifications/progress", "params": note}, last=False
                )

        key = (session_id, _request_key(request_id))
        self._calls[key] = call
        answer: dict[str, Any]
        try:
            with _holding(transport):
                await call.start(version, session_id)
                call.keep_alive()
                with anyio.CancelScope() as call.scope:
                    try:
                        result = await mcp_adapter.run_call(
                            self.kernel,
                            self.draining,
                            params["name"],
                            params.get("arguments"),
                            scope.get(PRINCIPAL),
                            progress,
                        )
                        result.pop("resultType", None)  # 2026-07-28 only; the SDK's sieve drops it here
                        answer = {"jsonrpc": "2.0", "id": request_id, "result": result}
                    except MCPError as exc:
                        answer = {"jsonrpc": "2.0", "id": request_id, "error": _error(exc.error)}
                    except Exception as exc:  # as the SDK's dispatcher answers a handler that raised
                        log.exception("handler for 'tools/call' raised")
                        answer = {
                            "jsonrpc": "2.0",
                            "id": request_id,
                            "error": {"code": 0, "message": str(exc)},
                        }
                if call.scope.cancelled_caught and call.ended:  # the session is gone: no answer
                    call.done = True
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
                if call.scope.cancelled_caught:
                    error = {"code": REQUEST_CANCELLED, "message": "Request cancelled"}
                    answer = {"jsonrpc": "2.0", "id": request_id, "error": error}
                await call.emit(answer, last=True)
        finally:
            call.done = True
            if call.keepalive is not None:
                call.keepalive.cancel()
            if self._calls.get(key) is call:
                del self._calls[key]


class _holding:
    """While a request runs, the session's idle time-out waits (as the SDK transport's ``handle_request``)."""

    __slots__ = ("transport",)

    def __init__(self, transport: StreamableHTTPServerTransport) -> None:
        self.transport = transport

    def __enter__(self) -> None:
        transport = self.transport
        if transport.idle_scope is not None and transport._idle_timeout is not None:
            transport._requests_in_flight += 1
            transport.idle_scope.deadline = math.inf

    def __exit__(self, *exc: object) -> None:
        transport = self.transport
        if transport.idle_scope is not None and transport._idle_timeout is not None:
            transport._requests_in_flight -= 1
            if not transport._requests_in_flight:
                transport.idle_scope.deadline = anyio.current_time() + transport._idle_timeout


def _session_headers(scope: Any) -> tuple[str | None, str | None]:
    """The request's ``Mcp-Session-Id`` and ``MCP-Protocol-Version`` (None: absent)."""
    session_id = version = None
    for name, value in scope["headers"]:
        if name == SESSION:
            session_id = value.decode("latin-1")
        elif name == VERSION:
            version = value.decode("latin-1")
    return session_id, version


def _retrieve(task: asyncio.Future[Any]) -> None:
    """A ping to a client that has gone (or after the answer) fails quietly."""
    if not task.cancelled():
        task.exception()


def _error(error: types.ErrorData) -> dict[str, Any]:
    return error.model_dump(by_alias=True, mode="json", exclude_unset=True)


def _request_key(request_id: Any) -> Any:
    """Ids as the SDK's dispatcher correlates them: a stringified integer matches the integer."""
    if isinstance(request_id, str):
        try:
            return int(request_id)
        except ValueError:
            return request_id
    return request_id


def _progress_token(params: dict[str, Any]) -> str | int | None:
    meta = params.get("_meta")
    token = meta.get("progressToken") if isinstance(meta, dict) else None
    return token if isinstance(token, str | int) and not isinstance(token, bool) else None


def _decode(body: bytes) -> dict[str, Any] | None:
    """A single JSON-RPC request or notification, exactly shaped; None for anything else."""
    try:
        message = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    if (
        not isinstance(message, dict)
        or message.get("jsonrpc") != "2.0"
        or not message.keys() <= _REQUEST_KEYS
    ):
        return None
    if not isinstance(message.get("method"), str):
        return None
    if "id" in message and (not isinstance(message["id"], str | int) or isinstance(message["id"], bool)):
        return None
    params = message.get("params")
    if "params" in message and not isinstance(params, dict):
        return None
    return message


def _meta_ok(params: dict[str, Any]) -> bool:
    meta = params.get("_meta")
    if meta is None:
        return "_meta" not in params
    if not isinstance(meta, dict):
        return False
    token = meta.get("progressToken")
    return "progressToken" not in meta or (isinstance(token, str | int) and not isinstance(token, bool))


def _call_params(params: Any) -> bool:
    return (
        isinstance(params, dict)
        and params.keys() <= _CALL_KEYS
        and isinstance(params.get("name"), str)
        and ("arguments" not in params or isinstance(params["arguments"], dict))
        and _meta_ok(params)
    )


def _list_params(params: Any) -> bool:
    if params is None:
        return True
    return (
        isinstance(params, dict)
        and params.keys() <= _LIST_KEYS
        and ("cursor" not in params or isinstance(params["cursor"], str))
        and _meta_ok(params)
    )
