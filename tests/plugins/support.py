"""What the plugin tests share: the real app with one plugin on the in-process sandbox, a transport
that records upstream requests, and a REST call checked against the tool's output schema."""

from __future__ import annotations

import contextlib
import typing
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import httpx
import jsonschema

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.host import make_plugin_manager
from tests.inprocess import Served, serve

__all__ = ["Recording", "call", "output_schema", "served_plugin"]


class Recording(httpx.AsyncBaseTransport):
    """The sandbox upstream, remembering each request's path and query parameters."""

    def __init__(self) -> None:
        self.inner = httpx.ASGITransport(app=sandbox.create_app())
        self.requests: list[tuple[str, dict[str, str]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.url.path, dict(request.url.params)))
        return await self.inner.handle_async_request(request)


@contextlib.asynccontextmanager
async def served_plugin(
    name: str, module: ModuleType, transport: Recording | None = None
) -> AsyncIterator[Served]:
    """The real app with only plugin ``module`` (loaded in process as ``name``), on the sandbox."""
    settings = Settings.from_env(
        {},
        sandbox=True,
        api_base=SANDBOX_API_BASE,
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        load_plugins=frozenset(),
        cache_ttl="list=0,detail=0,stats=0",  # tests compare the requests of repeated calls
    )
    kernel = make_kernel(
        settings,
        transport=transport or Recording(),
        plugin_manager=make_plugin_manager(allow=(), extra=[(name, module)]),
    )
    async with serve(create_app(settings, kernel=kernel)) as served:
        yield served


async def output_schema(http: httpx.AsyncClient, name: str) -> dict[str, Any]:
    """The output schema ``GET /api/v1/tools`` gives for tool ``name``."""
    tools = {t["name"]: t for t in (await http.get("/api/v1/tools")).json()["tools"]}
    return typing.cast(dict[str, Any], tools[name]["output_schema"])


async def call(http: httpx.AsyncClient, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """``POST /api/v1/tools/{name}``: a 200 whose body matches the tool's output schema."""
    r = await http.post(f"/api/v1/tools/{name}", json=arguments)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    jsonschema.validate(body, await output_schema(http, name))
    return body
