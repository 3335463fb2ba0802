"""REST adapter: ``/api/v1/tools`` (list, call), the report's routes, and OpenAPI generated from Structs."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from naramarket import __version__
from naramarket.datago import CLIENT
from naramarket.kernel import InternalError, NaramarketError, Tool
from naramarket.kernel.host import Kernel, json_schema

from . import api_docs, jobs
from .auth import PRINCIPAL
from .http import ClientGone, Draining, JSONResponse, RouteNotFound, guarded_call, send_problem

__all__ = ["ToolCalls", "health_body", "openapi", "routes", "server_info_body", "tool_summary"]

API = "/api/v1"
TOOLS = f"{API}/tools/"
log = logging.getLogger("naramarket.rest")
_JSON_HEADER = (b"content-type", b"application/json")


class _RouteLabel:
    """What the router would leave in ``scope["route"]``: the template the metrics are labelled by."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class ToolCalls:
    """``POST /api/v1/tools/{name}`` and the tools' alias routes, as a bare ASGI app in front of the
    router; every other request goes on to ``app``.

    This is the call every REST client makes, so it runs without the router, a ``Request`` object
    or the framework's exception layers: read the body and dispatch under one guard (body time-out,
    client disconnect, shutdown grace: ``guarded_call``), encode the Result once with msgspec, send
    it.
    Errors are problem documents as everywhere else. The aliases call the same tool.
    """

    def __init__(self, app: ASGIApp | None, kernel: Kernel, draining: Draining | None = None) -> None:
        self.app = app
        self.kernel = kernel
        self.draining = draining or Draining()
        self.route = _RouteLabel(f"{API}/tools/{{name}}")
        self.aliases = {
            API + alias: (tool.name, _RouteLabel(API + alias))
            for tool in kernel.registry
            for alias in tool.aliases
        }
        self._encode = msgspec.json.Encoder().encode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path: str = scope["path"]
            if path.startswith(TOOLS):
                name = path[len(TOOLS) :]
                if name and "/" not in name:
                    scope["route"] = self.route
                    await self.call(scope, receive, send, name)
                    return
            elif path in self.aliases:
                name, scope["route"] = self.aliases[path]
                await self.call(scope, receive, send, name)
                return
        if self.app is None:
            await send_problem(scope, send, RouteNotFound("nothing is served at this path"))
            return
        await self.app(scope, receive, send)

    async def call(self, scope: Scope, receive: Receive, send: Send, name: str) -> None:
        """Run tool ``name`` with the request body as its parameters and send its Result."""
        dispatcher = self.kernel.dispatcher
        caller = scope.get(PRINCIPAL)

        async def work(body: bytes) -> Any:
            return await dispatcher.prepare(name, body, principal=caller).run()

        try:
            body = self._encode(await guarded_call(receive, self.draining, work))
        except NaramarketError as exc:
            await send_problem(scope, send, exc)
            return
        except ClientGone:  # nobody reads it; uvicorn drops it
            await send({"type": "http.response.start", "status": 499, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        except Exception:  # e.g. a Result msgspec cannot encode: a bug, never the caller's fault
            log.exception("tool %s: no answer could be made", name)
            await send_problem(scope, send, InternalError(f"{name} produced a result that cannot be sent"))
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"%d" % len(body)), _JSON_HEADER],
            }
        )
        await send({"type": "http.response.body", "body": body})


def tool_summary(tool: Tool[Any, Any]) -> dict[str, Any]:
    """How ``GET /api/v1/tools`` describes a tool."""
    return {
        "name": tool.name,
        "title": tool.title,
        "description": tool.description,
        "plugin": tool.plugin,
        "scopes": list(tool.scopes),
        "annotations": {
            "readOnlyHint": tool.read_only,
            "openWorldHint": tool.open_world,
            "idempotentHint": tool.idempotent,
            "destructiveHint": tool.destructive,
        },
        "input_schema": json_schema(tool.params),
        "output_schema": json_schema(tool.result),
        "endpoints": {
            "call": f"{API}/tools/{tool.name}",
            "stream": f"{API}/tools/{tool.name}/stream",
            **({"aliases": [API + a for a in tool.aliases]} if tool.aliases else {}),
        },
    }


def routes(kernel: Kernel, draining: Draining | None = None) -> list[BaseRoute]:
    """The REST routes for every registered tool, plus health, server info and API docs.

    A call stops (within one upstream page) when its client disconnects, and when the server shuts
    down past ``draining``'s grace period.
    """
    draining = draining or Draining()

    async def list_tools(request: Request) -> Response:
        return JSONResponse({"tools": [tool_summary(t) for t in kernel.registry]})

    # The router reaches these only when no ToolCalls sits in front of it (create_app puts one
    # there); they also give GET on a tool's path its 405 with ``Allow: POST``.
    calls = ToolCalls(None, kernel, draining)

    async def health(request: Request) -> Response:  # HEAD; GET is answered by the outer layer
        return Response(health_body(kernel), media_type="application/json")

    async def ready(request: Request) -> Response:
        body = kernel.readiness()
        return JSONResponse(body, status_code=200 if body["status"] == "ready" else 503)

    async def server_info(request: Request) -> Response:
        body = server_info_body(kernel)
        client = kernel.resources.get(CLIENT)
        if client is not None:  # today's upstream calls per operation and the quota left
            body["upstream_quota"] = await client.quota_report()
        return JSONResponse(body)

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi(kernel))

    out: list[BaseRoute] = [
        Route(f"{API}/tools", list_tools, methods=["GET"]),
        Route(f"{API}/tools/{{name}}", calls, methods=["POST"]),
        Route(f"{API}/health", health, methods=["GET"]),
        Route(f"{API}/health/ready", ready, methods=["GET"]),
        Route(f"{API}/server/info", server_info, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        *api_docs.routes(),  # /docs, /redoc and their assets, served offline
    ]
    for tool in kernel.registry:
        for alias in tool.aliases:
            out.append(Route(API + alias, calls, methods=["POST"]))
    return out


def health_body(kernel: Kernel) -> bytes:
    """The liveness answer: the process serves (and whether it serves sandbox data)."""
    return msgspec.json.encode({"status": "ok", "sandbox": kernel.sandbox})


def server_info_body(kernel: Kernel) -> dict[str, Any]:
    """Version, upstream, plugins and tools: the body of ``/api/v1/server/info``."""
    upstream = (
        "sandbox (fake data, not real procurement records)" if kernel.sandbox else kernel.settings.api_base
    )
    return {
        "name": "naramarket",
        "version": __version__,
        "sandbox": kernel.sandbox,
        "upstream": upstream,
        "plugins": kernel.plugins(),
        "tools": [{"name": t.name, "title": t.title, "plugin": t.plugin} for t in kernel.registry],
    }


_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details with a stable `code`",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "upstream_code": {"type": "string"},
    },
    "required": ["type", "title", "status", "code"],
}


def _problems() -> dict[str, Any]:
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "401": {"description": "No or invalid bearer token (see WWW-Authenticate)", "content": ref},
        "403": {"description": "The token lacks a scope of this tool", "content": ref},
        "404": {"description": "No such tool", "content": ref},
        "422": {"description": "Invalid parameters", "content": ref},
        "429": {"description": "Upstream quota exceeded", "content": ref},
        "502": {"description": "Upstream refused the call", "content": ref},
        "503": {"description": "Upstream unavailable", "content": ref},
    }


def _hoist(schema: dict[str, Any], name: str, components: dict[str, Any]) -> dict[str, Any]:
    """Move a schema's ``$defs`` into OpenAPI components and point refs there."""
    import json

    defs = schema.pop("$defs", {})
    text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/')
    for key, value in defs.items():
        components[key] = json.loads(json.dumps(value).replace('"#/$defs/', '"#/components/schemas/'))
    components[name] = json.loads(text)
    return {"$ref": f"#/components/schemas/{name}"}


def openapi(kernel: Kernel) -> dict[str, Any]:
    """The OpenAPI 3.1 document, generated from each tool's Params and Result Structs."""
    components: dict[str, Any] = {"Problem": _PROBLEM_SCHEMA}
    paths: dict[str, Any] = {
        f"{API}/health": {"get": {"summary": "Liveness", "responses": {"200": {"description": "OK"}}}},
        f"{API}/health/ready": {
            "get": {
                "summary": "Readiness (plugins loaded, upstream client open)",
                "responses": {"200": {"description": "Ready"}, "503": {"description": "Not ready"}},
            }
        },
        f"{API}/server/info": {
            "get": {"summary": "Version, plugins and tools", "responses": {"200": {"description": "OK"}}}
        },
        f"{API}/tools": {"get": {"summary": "List tools", "responses": {"200": {"description": "OK"}}}},
    }
    for tool in kernel.registry:
        params_ref = _hoist(json_schema(tool.params), f"{tool.name}_params", components)
        result_ref = _hoist(json_schema(tool.result), f"{tool.name}_result", components)
        call = {
            "summary": tool.title,
            "description": tool.description,
            "operationId": tool.name,
            "tags": [tool.plugin or "tools"],
            "requestBody": {"required": True, "content": {"application/json": {"schema": params_ref}}},
            "responses": {
                "200": {"description": "Result", "content": {"application/json": {"schema": result_ref}}},
                **_problems(),
            },
        }
        paths[f"{API}/tools/{tool.name}"] = {"post": call}
        for alias in tool.aliases:
            paths[API + alias] = {
                "post": {**call, "operationId": f"{tool.name}_{alias.strip('/').replace('/', '_')}"}
            }
        paths[f"{API}/tools/{tool.name}/stream"] = {
            "post": {
                "summary": f"{tool.title} (SSE)",
                "description": "Server-sent events: `progress`, `item`, `result`, `error`. The "
                "`X-Stream-Id` header names the stream for resuming it.",
                "operationId": f"{tool.name}_stream",
                "tags": [tool.plugin or "tools"],
                "requestBody": {"required": True, "content": {"application/json": {"schema": params_ref}}},
                "responses": {"200": {"description": "Event stream", "content": {"text/event-stream": {}}}},
            }
        }
    paths[f"{API}/streams/{{stream_id}}"] = {
        "get": {
            "summary": "스트림 이어 받기 / Resume a tool stream",
            "description": "The events of an SSE tool stream after `Last-Event-ID` (header) or `after` "
            "(query), on any replica, up to its final `result` or `error` (`client_gone` when its "
            "client left and the call stopped). Kept for 10 minutes; only its caller may resume it.",
            "operationId": "resume_stream",
            "tags": ["streams"],
            "parameters": [
                {"name": "stream_id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}},
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
            ],
            "responses": {
                "200": {"description": "Event stream", "content": {"text/event-stream": {}}},
                **_problems(),
            },
        }
    }
    job_paths, job_components = jobs.openapi_paths(_problems())
    paths.update(job_paths)
    components.update(job_components)
    info: dict[str, Any] = {"title": "naramarket", "version": __version__}
    if kernel.sandbox:
        info["description"] = (
            "SANDBOX: answers come from the built-in fake upstream, not real procurement data."
        )
    return {"openapi": "3.1.0", "info": info, "paths": paths, "components": {"schemas": components}}
