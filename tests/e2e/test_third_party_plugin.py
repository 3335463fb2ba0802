"""A plugin written as its own distribution, pip-installed with the project's wheel into a fresh venv.

Its tool must appear on every surface (CLI, REST, SSE, MCP) with no change to naramarket, and the
``NARAMARKET_LOAD_PLUGINS`` allow-list must hide it.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from tests.conftest import MALL_TOOLS, free_port

from .venvs import venv_with

PLUGIN_PYPROJECT = """
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "naramarket-hello"
version = "1.2.3"
dependencies = ["naramarket-mcp"]

[project.entry-points.naramarket]
hello = "naramarket_hello"
"""

PLUGIN_MODULE = '''
"""A third-party naramarket plugin: one module, one hook, kernel public surface only."""
from typing import Annotated

import msgspec
from naramarket.kernel import Context, Params, hookimpl, tool


class Greet(Params):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    times: int = 1


class Greeting(msgspec.Struct):
    text: str
    length: int


@tool(
    name="hello_greet",
    title=("인사", "Greeting"),
    description=("이름에 인사합니다.", "Greets a name."),
    scopes=("hello:read",),
    open_world=False,
)
async def hello_greet(ctx: Context, p: Greet) -> Greeting:
    text = " ".join([f"안녕하세요 {p.name}"] * p.times)
    return Greeting(text=text, length=len(text))


@hookimpl
def register_tools(register):
    register(hello_greet)
'''


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory) -> Path:
    """A new venv holding only the project's wheel and the plugin (dependencies come from ours)."""
    tmp = tmp_path_factory.mktemp("plugin")
    plugin = tmp / "naramarket-hello"
    plugin.mkdir()
    (plugin / "pyproject.toml").write_text(textwrap.dedent(PLUGIN_PYPROJECT))
    (plugin / "naramarket_hello.py").write_text(PLUGIN_MODULE)
    return venv_with(tmp, plugin)


def _env(**extra: str) -> dict[str, str]:
    """The sandbox, and every plugin installed in the fresh venv: this test asks for them all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARAMARKET_")}
    env["NARAMARKET_SANDBOX"] = "1"
    env.update(extra)
    return env


def test_installed_from_the_wheel_not_the_source_tree(fresh_venv):
    where = subprocess.check_output(
        [str(fresh_venv / "bin" / "python"), "-c", "import naramarket.kernel as k; print(k.__file__)"],
        text=True,
        cwd="/",
    )
    assert str(fresh_venv) in where


def test_cli_lists_and_calls_the_plugin_tool(fresh_venv):
    exe = str(fresh_venv / "bin" / "naramarket")
    tools = json.loads(subprocess.check_output([exe, "tools", "--json"], env=_env(), text=True))
    names = {t["name"]: t for t in tools}
    assert names["hello_greet"]["plugin"] == "hello"
    assert "crawl_list" in names
    out = subprocess.check_output([exe, "call", "hello_greet", "name=나라", "times=2"], env=_env(), text=True)
    assert json.loads(out) == {"text": "안녕하세요 나라 안녕하세요 나라", "length": 17}
    plugins = json.loads(subprocess.check_output([exe, "plugins", "--json"], env=_env(), text=True))
    assert {"name": "hello", "version": "1.2.3"} in plugins


def test_allow_list_hides_the_plugin(fresh_venv):
    exe = str(fresh_venv / "bin" / "naramarket")
    env = _env(NARAMARKET_LOAD_PLUGINS="g2b_mall")
    tools = json.loads(subprocess.check_output([exe, "tools", "--json"], env=env, text=True))
    assert sorted(t["name"] for t in tools) == list(MALL_TOOLS)
    call = subprocess.run([exe, "call", "hello_greet", "name=x"], env=env, capture_output=True, text=True)
    assert call.returncode == 2 and "tool_not_found" in call.stderr


@pytest.fixture
def served(fresh_venv) -> Iterator[str]:
    """``naramarket serve`` from the fresh venv, on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [str(fresh_venv / "bin" / "naramarket"), "serve", "--port", str(port), "--log-level", "warning"],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.anyio
async def test_served_tool_appears_on_rest_sse_and_mcp(served):
    async with httpx.AsyncClient(base_url=served, timeout=10) as http:
        listed = (await http.get("/api/v1/tools")).json()["tools"]
        assert "hello_greet" in [t["name"] for t in listed]
        rest = (await http.post("/api/v1/tools/hello_greet", json={"name": "조달"})).json()
        assert rest == {"text": "안녕하세요 조달", "length": 8}
        stream = await http.post("/api/v1/tools/hello_greet/stream", json={"name": "조달"})
        assert "event: result" in stream.text and '"length":8' in stream.text
    async with Client(f"{served}/mcp", mode="legacy") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["hello_greet"].annotations.open_world_hint is False
        result = await client.call_tool("hello_greet", {"name": "조달"})
        assert result.structured_content == rest
