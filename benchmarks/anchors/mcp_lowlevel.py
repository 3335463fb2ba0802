"""Anchor: the MCP SDK's low-level Server with one tool (stdio, or streamable HTTP with --port)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import mcp_types as types
from _common import answer, args, schemas, serve
from mcp.server import Server
from mcp.server.context import ServerRequestContext


def build(result: dict[str, Any], schema: dict[str, Any]) -> Server[Any]:
    tool = types.Tool(
        name="describe_operation",
        description="One operation's description.",
        input_schema=schema["input_schema"],
        output_schema=schema["output_schema"],
    )

    async def list_tools(ctx: ServerRequestContext[Any], params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool])

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        body = {**result, "operation": (params.arguments or {}).get("operation")}
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(body, ensure_ascii=False))],
            structured_content=body,
        )

    return Server("anchor-lowlevel", on_list_tools=list_tools, on_call_tool=call_tool)


def main() -> None:
    a = args()
    server = build(answer(a.answer), schemas(a.schema))
    if not a.port:
        from mcp.server.stdio import stdio_server

        async def run() -> None:
            async with stdio_server() as (read, write):
                await server.run(read, write, server.create_initialization_options())

        anyio.run(run)
        return
    import contextlib

    from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
    from starlette.applications import Starlette
    from starlette.routing import Route

    manager = StreamableHTTPSessionManager(app=server)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        async with manager.run():
            yield

    app = Starlette(
        routes=[Route("/mcp", StreamableHTTPASGIApp(manager), methods=["GET", "POST", "DELETE"])],
        lifespan=lifespan,
    )
    serve(app, a.port)


if __name__ == "__main__":
    main()
