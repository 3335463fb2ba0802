"""MCP adapter: every registered tool as an MCP tool, over streamable HTTP (``/mcp``) and stdio.

Built on the mcp 2.x low-level ``Server``: inputSchema/outputSchema come from the Params/Result
Structs, results carry ``structuredContent``, tool failures are ``isError`` results whose text is
the problem document, and an unknown tool is a JSON-RPC invalid-params error.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote

import mcp_types as types
import msgspec
from mcp.server import Server
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from starlette.routing import BaseRoute, Route

from naramarket.adapters.auth import LOOPBACK, PRINCIPAL, send_auth_error
from naramarket.exports import EXPORTS, SCOPE, owner_of
from naramarket.kernel import Forbidden, NaramarketError, Principal, Tool, ToolNotFound
from naramarket.kernel.host import CallEvents, Dispatcher, Kernel, json_schema, problem

__all__ = [
    "ScopeGate",
    "create_server",
    "instructions",
    "mcp_tool",
    "routes",
    "run_stdio",
    "session_manager",
]

INVALID_PARAMS = -32602
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


def _error_result(error: NaramarketError) -> types.CallToolResult:
    body = problem(error)
    text = msgspec.json.encode(body).decode()
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


SANDBOX_META = "naramarket/sandbox"  # _meta key every result carries when answers are fake data


def _tool_result(tool: Tool[Any, Any], result: Any, *, sandbox: bool) -> types.CallToolResult:
    """Full records in ``structuredContent``; for the model, a compact text the result renders itself.

    A Result that offers ``summary_text(tool_name)`` (every ``Listing``) gives a few lines and a
    table of key columns instead of the whole JSON again: an agent's context is the scarce thing.
    """
    structured = msgspec.to_builtins(result)
    summary = getattr(result, "summary_text", None)
    text = summary(tool.name) if callable(summary) else msgspec.json.encode(structured).decode()
    if sandbox and not text.startswith("[SANDBOX"):
        text = "[SANDBOX: fake data, not real procurement records] " + text
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=structured,
        meta={SANDBOX_META: True} if sandbox else None,
    )


def create_server(kernel: Kernel) -> Server[Any]:
    """A low-level MCP server whose tools are the kernel's registry."""
    from naramarket import __version__

    tools: Sequence[types.Tool] = [mcp_tool(t) for t in kernel.registry]

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list(tools))

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        async def on_progress(done: int, total: int | None, message: str | None) -> None:
            await ctx.session.report_progress(done, total, message)

        request = getattr(ctx, "request", None)  # the HTTP request; None over stdio (the local user)
        principal = request.scope.get(PRINCIPAL) if request is not None else None
        try:
            prepared = kernel.dispatcher.prepare(params.name, params.arguments or {}, principal=principal)
        except ToolNotFound as exc:  # a protocol error (JSON-RPC), not a tool error
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {params.name}") from exc
        except NaramarketError as exc:
            return _error_result(exc)
        try:
            result = await prepared.run(CallEvents(progress=on_progress))
        except NaramarketError as exc:
            return _error_result(exc)
        return _tool_result(prepared.tool, result, sandbox=kernel.sandbox)

    def input_schema(name: str) -> dict[str, Any] | None:
        return json_schema(kernel.registry.get(name).params) if name in kernel.registry else None

    def files_owner(ctx: ServerRequestContext[Any]) -> str:
        request = getattr(ctx, "request", None)
        principal: Principal | None = request.scope.get(PRINCIPAL) if request is not None else None
        if principal is not None and SCOPE not in principal.scopes:
            raise MCPError(INVALID_PARAMS, f"files need scope {SCOPE}; the token lacks it")
        return owner_of(principal)

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        service = kernel.resources.get(EXPORTS)
        if service is None:
            return types.ListResourcesResult(resources=[])
        files = service.files.listing(files_owner(ctx), FILES_URI)
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    name=f.name,
                    title=f"내보낸 파일 / exported file {f.name}",
                    uri=FILES_URI + quote(f.name),
                    mime_type=_MIME.get(os.path.splitext(f.name)[1], "application/octet-stream"),
                    size=f.bytes,
                )
                for f in files
            ]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        uri = str(params.uri)
        service = kernel.resources.get(EXPORTS)
        if service is None or not uri.startswith(FILES_URI):
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

    server: Server[Any] = Server(
        "naramarket",
        version=__version__,
        title="naramarket — 나라장터 procurement data",
        instructions=instructions(kernel),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
        get_tool_input_schema=input_schema,
    )
    return server


def session_manager(
    kernel: Kernel, *, allowed_hosts: Sequence[str] = (), allowed_origins: Sequence[str] = ()
) -> StreamableHTTPSessionManager:
    """A streamable-HTTP session manager (one per app: its ``run()`` works once).

    DNS-rebinding protection is on: Host and Origin must be loopback or explicitly allowed.
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
    return StreamableHTTPSessionManager(app=create_server(kernel), security_settings=security)


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
        messages, body = await _buffer(receive)
        error = self._forbidden(body, principal) if body is not None else None
        if error is not None:
            await send_auth_error(scope, send, error)
            return
        pending = list(messages)

        async def replay() -> Any:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)

    def _forbidden(self, body: bytes, principal: Principal) -> Forbidden | None:
        try:
            decoded = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return None  # the SDK answers malformed JSON-RPC itself
        for message in decoded if isinstance(decoded, list) else [decoded]:
            if not isinstance(message, dict) or message.get("method") != "tools/call":
                continue
            name = (message.get("params") or {}).get("name")
            if isinstance(name, str) and name in self.kernel.registry:
                try:
                    Dispatcher.authorize(self.kernel.registry.get(name), principal)
                except Forbidden as exc:
                    return exc
        return None


MAX_PEEK = 4 << 20  # the SDK refuses bigger messages anyway; beyond this the gate does not look


async def _buffer(receive: Any) -> tuple[list[Any], bytes | None]:
    """Read the request body; returns the ASGI messages (to replay) and the body (None if too big)."""
    messages, chunks, size = [], [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_PEEK:
            return messages, None
        if not message.get("more_body", False):
            return messages, b"".join(chunks)


def routes(manager: StreamableHTTPSessionManager, kernel: Kernel | None = None) -> list[BaseRoute]:
    """``/mcp`` as a plain Route (a Mount would redirect ``/mcp`` to ``/mcp/``)."""
    endpoint: Any = StreamableHTTPASGIApp(manager)
    if kernel is not None:
        endpoint = ScopeGate(endpoint, kernel)
    return [Route("/mcp", endpoint=endpoint, methods=["GET", "POST", "DELETE"])]


async def run_stdio(kernel: Kernel) -> None:
    """Serve MCP over stdin/stdout until the client closes it."""
    from mcp.server.stdio import stdio_server

    server = create_server(kernel)
    async with kernel, stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
