"""The built wheel as users run it: ``uvx --from <wheel> naramarket-mcp`` in a fresh environment.

uv resolves the wheel's dependencies from the package index into an isolated environment (the
same path as ``uvx naramarket-mcp`` once published, and as ``pipx run``); the official MCP client
then speaks to it over stdio, on the sandbox upstream.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import BIN, MALL_TOOLS, sandbox_environ

from .venvs import build_wheel

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(600)]


async def test_uvx_runs_the_wheel_as_an_mcp_stdio_server(tmp_path: Path) -> None:
    uvx = BIN / "uvx"
    if not uvx.exists():
        pytest.skip("uvx is not installed in the test environment (the test extra installs uv)")
    wheel = build_wheel(tmp_path / "wheels")
    env = sandbox_environ()
    env.pop("VIRTUAL_ENV", None)
    params = StdioServerParameters(
        command=str(uvx), args=["--from", str(wheel), "naramarket-mcp"], env=env, cwd=str(tmp_path)
    )
    async with Client(params, mode="legacy") as client:
        tools = [t.name for t in (await client.list_tools()).tools]
        result = await client.call_tool("crawl_list", {"category": "데스크톱컴퓨터", "limit": 3})
    assert sorted(tools) == list(MALL_TOOLS)
    assert result.is_error is not True and len(result.structured_content["items"]) == 3
