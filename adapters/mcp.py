"""MCP adapter: every registered tool as an MCP tool, over streamable HTTP (``/mcp``) and stdio.

Besides tools: reference resources (the operation catalog, a field glossary) and analyst prompts
(``mcp_content``).

Built on the mcp 2.x low-level ``Server``: inputSchema/outputSchema come from the Params/Result
Structs, results carry ``structuredContent``, tool failures are ``isError`` results whose text is
the problem document, and an unknown tool is a JSON-RPC invalid-params error.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import mcp_types as types
import msgspec
import pydantic_core
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http import EventStore
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from starlette.routing import BaseRoute, Route

from naramarket.adapters.auth import LOOPBACK, PRINCIPAL, send_auth_error
from naramarket.adapters.http import Draining
from naramarket.adapters.mcp_sessions import MESSAGES, SessionGuard
from naramarket.datago import SANDBOX_MARK
from naramarket.exports import EXPORTS, SCOPE, owner_of
from naramarket.kernel import Forbidden, NaramarketError, Principal, Tool, ToolNotFound
from naramarket.kernel.host import CallEvents, Dispatcher, Kernel, json_schema, problem

from .mcp_content import McpContent

if TYPE_CHECKING:
    from mcp.server.connection import Connection
    from mcp.server.context import CallNext, HandlerResult

__all__ = [
    "ConnectionIndex",
    "ScopeGate",
    "buffer_body",
    "create_server",
    "instructions",
    "mcp_tool",
    "routes",
    "run_stdio",
    "session_manager",
]

INVALID_PARAMS = -32602
PARSE_ERROR = -32700
FILES_URI = "naramarket://files/"  # finished exports and saved files, as MCP resources
MAX_RESOURCE = 384 << 10  # one SSE event carries it (clients cap events at 1 MiB); larger: REST download
_MIME = {".csv": "text/csv", ".ndjson": "application/x-ndjson", ".json": "application/json"}

_INSTRUCTIONS = (
    "나라장터(KONEPS/G2B) 공공조달 데이터를 조회하는 도구입니다. Tools that read Korea's public "
    "procurement data (나라장터, via data.go.kr). Listing tools return `items`, `total_count` and "
    "`complete`; when `complete` is false the scan stopped early and `error` says why."
)
_SANDBOX_NOTE = (
    " SANDBOX MODE: every answer comes from naramarket's built-in fake upstream and is NOT real "
    "procurement data; do not present it as such. (샌드박스: 실제 조달 데이터가 아닙니다.)"
)


def instructions(kernel: Kernel) -> str:
    """Server instructions shown to MCP clients (they say so when answers are sandbox data)."""
    return _INSTRUCTIONS + (_SANDBOX_NOTE if kernel.sandbox else "")


def mcp_tool(tool: Tool[Any, Any]) -> types.Tool:
    """The MCP description of ``tool``."""
    return types.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=json_schema(tool.params),
        output_schema=json_schema(tool.result),
        annotations=types.ToolAnnotations(
            title=tool.title,
            read_only_hint=tool.read_only,
            open_world_hint=tool.open_world,
            idempotent_hint=tool.idempotent,
            destructive_hint=tool.destructive,
        ),
    )


class ConnectionIndex:
    """A server middleware that remembers each session's SDK ``Connection`` once it is initialized.

    The connection says what the lane needs to know and the transport does not: the negotiated
    protocol version and whether ``initialize`` was accepted. Weak values: a session that ends
    takes its connection with it.
    """

    def __init__(self) -> None:
        self.connections: weakref.WeakValueDictionary[str, Connection] = weakref.WeakValueDictionary()

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method == "initialize":
            connection: Connection | None = getattr(ctx.session, "_connection", None)
            if connection is not None and connection.session_id is not None:
                self.connections[connection.session_id] = connection
        return result


def _error_result(error: NaramarketError) -> dict[str, Any]:
    text = msgspec.json.encode(problem(error)).decode()
    return {"content": [{"type": "text", "text": text}], "isError": True, "resultType": "complete"}


SANDBOX_META = "naramarket/sandbox"  # _meta key every result carries when answers are fake data


def _tool_result(tool: Tool[Any, Any], result: Any, *, sandbox: bool) -> dict[str, Any]:
    """Full records in ``structuredContent``; for the model, a compact text the result renders itself.

    A Result that offers ``summary_text(tool_name)`` (every ``Listing``) gives a few lines and a
    table of key columns instead of the whole JSON again: an agent's context is the scarce thing.
    The answer is the wire form itself (the SDK takes a dict from a handler): msgspec turns the
    records into JSON values once, with no ``CallToolResult`` model built and dumped again.
    """
    structured = msgspec.to_builtins(result)
    summary = getattr(result, "summary_text", None)
    text = summary(tool.name) if callable(summary) else msgspec.json.encode(structured).decode()
    if sandbox and not text.startswith(SANDBOX_MARK):
        text = SANDBOX_MARK + text
    wire: dict[str, Any] = {
        "content": [{"type": "text", "text": text}],
        "structuredContent": structured,
        "isError": False,
        "resultType": "complete",  # required from 2026-07-28; the SDK's sieve drops it for older eras
    }
    if sandbox:
        wire["_meta"] = {SANDBOX_META: True}
    return wire


async def run_call(
    kernel: Kernel,
    draining: Draining,
    name: str,
    arguments: dict[str, Any] | None,
    principal: Principal | None,
    progress: Callable[[int, int | None, str | None], Awaitable[None]] | None,
) -> dict[str, Any]:
    """One ``tools/call``: its wire result (an ``isError`` one for a tool failure).

    An unknown tool is a protocol error (``MCPError``, JSON-RPC invalid params), not a tool error.
    Shared by the SDK's handler and the fast lane (``mcp_lane``), so both answer alike.
    """
    try:
        prepared = kernel.dispatcher.prepare(name, arguments or {}, principal=principal)
    except ToolNotFound as exc:
        raise MCPError(INVALID_PARAMS, f"Unknown tool: {name}") from exc
    except NaramarketError as exc:
        return _error_result(exc)
    try:
        result = await draining.run(lambda: prepared.run(CallEvents(progress=progress)))
    except NaramarketError as exc:
        return _error_result(exc)
    return _tool_result(prepared.tool, result, sandbox=kernel.sandbox)


def create_server(kernel: Kernel, draining: Draining | None = None) -> Server[Any]:
    """A low-level MCP server whose tools are the kernel's registry.

    Past ``draining``'s grace on shutdown, a call still running ends with a ``shutting_down`` error.
    """
    from naramarket import __version__

    draining = draining or Draining()

    tools: list[types.Tool] = []  # built on the first tools/list: start-up answers initialize sooner

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        if not tools:
            tools.extend(mcp_tool(t) for t in kernel.registry)
        return types.ListToolsResult(tools=list(tools))

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | dict[str, Any]:
        async def on_progress(done: int, total: int | None, message: str | None) -> None:
            await ctx.session.report_progress(done, total, message)

        request = getattr(ctx, "request", None)  # the HTTP request; None over stdio (the local user)
        principal = request.scope.get(PRINCIPAL) if request is not None else None
        return await run_call(kernel, draining, params.name, params.arguments, principal, on_progress)

    def input_schema(name: str) -> dict[str, Any] | None:
        return json_schema(kernel.registry.get(name).params) if name in kernel.registry else None

    content = McpContent(kernel)

    def files_owner(ctx: ServerRequestContext[Any]) -> str:
        request = getattr(ctx, "request", None)
        principal: Principal | None = request.scope.get(PRINCIPAL) if request is not None else None
        if principal is not None and SCOPE not in principal.scopes:
            raise MCPError(INVALID_PARAMS, f"files need scope {SCOPE}; the token lacks it")
        return owner_of(principal)

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        files: list[types.Resource] = []
        service = kernel.resources.get(EXPORTS)
        try:
            owner = files_owner(ctx)
        except MCPError:  # a token without the files scope sees the reference resources only
            service = None
        if service is not None:
            files = [
                types.Resource(
                    name=f.name,
                    title=f"내보낸 파일 / exported file {f.name}",
                    uri=FILES_URI + quote(f.name),
                    mime_type=_MIME.get(os.path.splitext(f.name)[1], "application/octet-stream"),
                    size=f.bytes,
                )
                for f in service.files.listing(owner, FILES_URI)
            ]
        return types.ListResourcesResult(resources=[*content.list_resources(), *files])

    async def list_resource_templates(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=content.list_templates())

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        service = kernel.resources.get(EXPORTS)
        if not uri.startswith(FILES_URI):
            return content.read(uri)  # the catalog and the glossary
        if service is None:
            raise MCPError(INVALID_PARAMS, f"Resource not found: {uri}", data={"uri": uri})
        name = unquote(uri[len(FILES_URI) :])
        try:
            fd, info = service.files.open(files_owner(ctx), name)
        except NaramarketError as exc:  # a bad name or no such file: not found either way
            raise MCPError(INVALID_PARAMS, f"Resource not found: {uri}", data={"uri": uri}) from exc
        with os.fdopen(fd, "rb") as source:
            if info.st_size > MAX_RESOURCE:
                raise MCPError(
                    INVALID_PARAMS,
                    f"{name} is {info.st_size} bytes, more than MCP resources carry here; "
                    f"download it from /api/v1/files/{quote(name)}",
                )
            text = source.read().decode("utf-8-sig", errors="replace")
        mime = _MIME.get(os.path.splitext(name)[1], "text/plain")
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)]
        )

    async def list_prompts(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=content.list_prompts())

    async def get_prompt(
        ctx: ServerRequestContext[Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        return content.get_prompt(params.name, params.arguments)

    server: Server[Any] = Server(
        "naramarket",
        version=__version__,
        title="naramarket — 나라장터 procurement data",
        instructions=instructions(kernel),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_resource_templates,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        get_tool_input_schema=input_schema,
    )
    server.middleware.append(ConnectionIndex())  # what the fast lane (mcp_lane) reads of a session
    return server


def session_manager(
    kernel: Kernel,
    *,
    allowed_hosts: Sequence[str] = (),
    allowed_origins: Sequence[str] = (),
    event_store: EventStore | None = None,
    draining: Draining | None = None,
) -> StreamableHTTPSessionManager:
    """A streamable-HTTP session manager (one per app: its ``run()`` works once).

    DNS-rebinding protection is on: Host and Origin must be loopback or explicitly allowed.
    With an ``event_store`` clients resume a stream with ``Last-Event-ID`` after a reconnect.
    """
    loopback = [f"[{h}]" if ":" in h else h for h in sorted(LOOPBACK)]  # as in a Host header
    hosts = [*loopback, *(f"{h}:*" for h in loopback), *allowed_hosts]
    origins = [
        *(f"{scheme}://{h}" for scheme in ("http", "https") for h in loopback),
        *(f"{scheme}://{h}:*" for scheme in ("http", "https") for h in loopback),
        *allowed_origins,
    ]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )
    return StreamableHTTPSessionManager(
        app=create_server(kernel, draining), security_settings=security, event_store=event_store
    )


class ScopeGate:
    """Per-tool scopes at the HTTP level, as the MCP authorization spec wants them.

    The kernel's middleware has authenticated the caller; here a ``tools/call`` for a tool whose
    scopes the token lacks is answered ``403`` with an ``insufficient_scope`` challenge before the
    SDK sees it, so clients can step up (re-authorize with ``scope=``). Dispatch checks the same
    scopes again; anything that slips past this gate becomes an ``isError`` result. The caller is
    also handed to the SDK as ``scope["user"]``, which binds each session to the principal that
    opened it.
    """

    def __init__(self, app: Any, kernel: Kernel) -> None:
        self.app = app
        self.kernel = kernel

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        principal: Principal | None = scope.get(PRINCIPAL)
        if principal is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = AccessToken(
            token="",
            client_id=principal.client_id or principal.subject,
            scopes=sorted(principal.scopes),
            subject=principal.subject,
            claims={"iss": principal.issuer},
        )
        scope["user"] = AuthenticatedUser(token)
        if scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        messages, body = await buffer_body(receive)
        if body is not None:
            try:
                # Exactly the SDK's parser (pydantic_core), so what it would accept we see too.
                decoded = pydantic_core.from_json(body)
            except Exception:
                await _send_parse_error(send)
                return
            batch = decoded if isinstance(decoded, list) else [decoded]
            scope[MESSAGES] = batch
            error = self._forbidden(batch, principal)
            if error is not None:
                await send_auth_error(scope, send, error)
                return
        pending = list(messages)

        async def replay() -> Any:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)

    def _forbidden(self, batch: list[Any], principal: Principal) -> Forbidden | None:
        for message in batch:
            if not isinstance(message, dict) or message.get("method") != "tools/call":
                continue
            params = message.get("params")
            name = params.get("name") if isinstance(params, dict) else None  # else the SDK refuses it
            if isinstance(name, str) and name in self.kernel.registry:
                try:
                    Dispatcher.authorize(self.kernel.registry.get(name), principal)
                except Forbidden as exc:
                    return exc
        return None


async def _send_parse_error(send: Any) -> None:
    """A JSON-RPC parse error (HTTP 400), as the SDK answers a body it cannot parse."""
    body = msgspec.json.encode(
        {"jsonrpc": "2.0", "id": None, "error": {"code": PARSE_ERROR, "message": "Parse error"}}
    )
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


MAX_PEEK = 4 << 20  # the SDK refuses bigger messages anyway; beyond this the gate does not look


async def buffer_body(receive: Any, limit: int = MAX_PEEK) -> tuple[list[Any], bytes | None]:
    """Read the request body; the ASGI messages (to replay to the SDK) and the body (None past
    ``limit`` or when the client left first)."""
    messages, chunks, size = [], [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return messages, None
        if not message.get("more_body", False):
            return messages, chunks[0] if len(chunks) == 1 else b"".join(chunks)


def routes(
    manager: StreamableHTTPSessionManager, kernel: Kernel | None = None, guard: SessionGuard | None = None
) -> list[BaseRoute]:
    """``/mcp`` as a plain Route (a Mount would redirect ``/mcp`` to ``/mcp/``).

    ``guard`` (built around ``StreamableHTTPASGIApp(manager)``) adds the per-principal caps.
    """
    endpoint: Any = guard if guard is not None else StreamableHTTPASGIApp(manager)
    if kernel is not None:
        endpoint = ScopeGate(endpoint, kernel)
    return [Route("/mcp", endpoint=endpoint, methods=["GET", "POST", "DELETE"])]


async def run_stdio(kernel: Kernel) -> None:
    """Serve MCP over stdin/stdout until the client closes it."""
    from mcp.server.stdio import stdio_server

    server = create_server(kernel)
    async with kernel, stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
