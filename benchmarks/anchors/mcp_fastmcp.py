"""Anchor: FastMCP with one tool (stdio, or streamable HTTP with --port)."""

from __future__ import annotations

from typing import Any

from _common import answer, args, schemas, serve
from fastmcp import FastMCP


def main() -> None:
    a = args()
    result = answer(a.answer)
    mcp = FastMCP("anchor-fastmcp")
    output_schema = schemas(a.schema)["output_schema"]

    @mcp.tool(output_schema=output_schema) if output_schema else mcp.tool
    def describe_operation(operation: str) -> dict[str, Any]:
        """One operation's description."""
        return {**result, "operation": operation}

    if not a.port:
        mcp.run(transport="stdio", show_banner=False)
        return
    serve(mcp.http_app(path="/mcp"), a.port)


if __name__ == "__main__":
    main()
