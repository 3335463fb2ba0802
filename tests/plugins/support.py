"""What the plugin tests share: the real app with one plugin on the in-process sandbox, a transport
that records upstream requests, a REST call checked against the tool's output schema, and what the
contract tests check against in the packaged operation catalog (``naramarket.datago.g2b``)."""

from __future__ import annotations

import contextlib
import typing
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import httpx
import jsonschema

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, SANDBOX_MALL_BASE, create_app, make_kernel
from naramarket.datago.g2b import OperationInfo, load_catalog
from naramarket.kernel import Settings
from naramarket.kernel.host import make_plugin_manager
from tests.inprocess import Served, serve

__all__ = [
    "GATEWAY_PREFIX",
    "Catalogued",
    "Recording",
    "call",
    "catalogued",
    "catalogued_by_path",
    "output_schema",
    "served_plugin",
]

GATEWAY_PREFIX = "/1230000/"
"""What comes before a catalogued path in an upstream request's path (조달청's gateway id)."""


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
        mall_base=SANDBOX_MALL_BASE,
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


@dataclass(frozen=True)
class Catalogued:
    """One operation as the packaged catalog has it, in the shapes the contract tests compare."""

    name: str
    service: str
    path: str  # as an upstream request's path shows it: "/1230000/ad/BidPublicInfoService/get..."
    params: frozenset[str]  # every parameter, ServiceKey, pageNo, numOfRows and type included
    required: frozenset[str]  # those the reference document flags as required (항목구분)
    fields: frozenset[str]  # item (record) field names; invented where ``fields_invented``
    fields_invented: bool
    modes: Mapping[str, str]  # 조회구분 (inqryDiv) value -> what it searches by, e.g. {"1": "등록일시"}
    info: OperationInfo

    @classmethod
    def of(cls, op: OperationInfo) -> Catalogued:
        return cls(
            name=op.name,
            service=op.service,
            path=GATEWAY_PREFIX + op.path,
            params=frozenset(p.name for p in op.params),
            required=frozenset(p.name for p in op.params if p.required),
            fields=frozenset(f.name for f in op.fields),
            fields_invented=op.fields_invented,
            modes=dict(op.modes),
            info=op,
        )


def catalogued(*services: str) -> dict[str, Catalogued]:
    """The packaged catalog's operations of ``services`` by name; names are unique across services."""
    catalog = load_catalog()
    found = {}
    for name in services:
        service = catalog.service(name)
        assert service is not None, f"{name} is not a catalogued service"
        found |= {op.name: Catalogued.of(op) for op in service.operations}
    return found


def catalogued_by_path(*services: str) -> dict[str, Catalogued]:
    """The same, by the path an upstream request shows (``Catalogued.path``)."""
    return {op.path: op for op in catalogued(*services).values()}
