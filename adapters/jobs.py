"""REST and SSE for export jobs and the files area (``naramarket.exports``; docs/exports.md).

``POST /api/v1/exports`` (tool + params + format) and the report's ``POST /api/v1/crawl/csv``
(``crawl_list``'s parameters plus ``format``) answer ``202 {"job_id": …}`` at once;
``/api/v1/jobs[/{id}[/events]]`` follow and cancel jobs; ``/api/v1/files[/{name}]`` list, fetch
and delete finished files, and ``POST /api/v1/files/save`` saves a JSON result as a file. Every
route needs the ``exports`` scope when auth is on, and a caller sees only its own jobs and files.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import msgspec
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from naramarket.exports import EXPORTS, SCOPE, ExportService, formats, owner_of, safe_name
from naramarket.kernel import Forbidden, InvalidParams, NaramarketError, Principal
from naramarket.kernel.host import Kernel

from .http import JSONResponse, principal, problem_response, read_body

__all__ = ["MAX_SAVE", "PayloadTooLarge", "routes"]

API = "/api/v1"
MAX_SAVE = 16 << 20  # files/save: a JSON result of up to 16 MiB
TERMINAL_EVENTS = frozenset({"done", "failed", "cancelled", "paused"})
KEEPALIVE_SECONDS = 15.0
_MEDIA = {".csv": "text/csv; charset=utf-8", ".ndjson": "application/x-ndjson", ".json": "application/json"}


class PayloadTooLarge(NaramarketError):
    """The request body is larger than the route accepts."""

    code = "payload_too_large"
    title = "Payload too large"
    status = 413


class ExportRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Body of ``POST /api/v1/exports``."""

    tool: str
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    format: str = "csv"
    file_name: str | None = None


class SaveRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Body of ``POST /api/v1/files/save``: a JSON result (records, or an object with ``items``)."""

    name: str
    data: Any
    overwrite: bool = False


def _allowed(request: Request) -> Principal | None:
    caller = principal(request)
    if caller is not None and SCOPE not in caller.scopes:
        raise Forbidden(f"exports and files need scope {SCOPE}; the token lacks it", scopes=(SCOPE,))
    return caller


def _decode(body: bytes, kind: type[Any]) -> Any:
    try:
        return msgspec.json.decode(body or b"{}", type=kind)
    except msgspec.ValidationError as exc:
        raise InvalidParams(f"request body: {exc}") from None
    except msgspec.DecodeError:
        raise InvalidParams("request body is not valid JSON") from None


async def _read_limited(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit >> 20} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def _rows_of(data: Any) -> list[Any]:
    rows = data.get("items") if isinstance(data, dict) and "items" in data else data
    if not isinstance(rows, list):
        raise InvalidParams("data: a list of records, or a result with `items`, to save as CSV or NDJSON")
    return rows


def _columns(rows: list[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row if isinstance(row, dict) else ():
            seen.setdefault(str(key), None)
    return list(seen) or ["value"]


def routes(kernel: Kernel) -> list[BaseRoute]:
    """The export and files routes; the service is the kernel resource ``EXPORTS``."""

    def service() -> ExportService:
        return kernel.resources[EXPORTS]

    async def start(request: Request, tool: str | None = None) -> Response:
        try:
            caller = _allowed(request)
            body = await read_body(request)
            if tool is None:
                wanted = _decode(body, ExportRequest)
                tool, params, fmt, name = wanted.tool, wanted.params, wanted.format, wanted.file_name
            else:  # the report's /crawl/csv: the tool's own parameters, plus format and file_name
                params = _decode(body, dict[str, Any])
                fmt = str(params.pop("format", "csv"))
                name = params.pop("file_name", None)
            job = service().start(caller, tool, params, format=fmt, file_name=name)
        except NaramarketError as exc:
            return problem_response(exc, request)
        return JSONResponse(job, status_code=202, headers={"Location": f"{API}/jobs/{job.job_id}"})

    async def create_export(request: Request) -> Response:
        return await start(request)

    async def crawl_csv(request: Request) -> Response:
        return await start(request, "crawl_list")

    async def list_jobs(request: Request) -> Response:
        try:
            return JSONResponse({"jobs": service().jobs(_allowed(request))})
        except NaramarketError as exc:
            return problem_response(exc, request)

    async def job(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        try:
            caller = _allowed(request)
            if request.method == "DELETE":
                return JSONResponse(await service().cancel(caller, job_id))
            return JSONResponse(service().get(caller, job_id))
        except NaramarketError as exc:
            return problem_response(exc, request)

    async def resume(request: Request) -> Response:
        try:
            return JSONResponse(
                service().resume(_allowed(request), request.path_params["job_id"]), status_code=202
            )
        except NaramarketError as exc:
            return problem_response(exc, request)

    async def events(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        raw = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
        try:
            caller = _allowed(request)
            after = int(raw) if raw.isdigit() else 0
            service().events(caller, job_id, after)  # 404 before a stream opens
        except NaramarketError as exc:
            return problem_response(exc, request)

        async def stream() -> AsyncIterator[bytes]:
            last = after
            while True:
                sent_terminal = False
                for seq, name, data in service().events(caller, job_id, last):
                    last = seq
                    data.pop("seq", None)
                    yield b"id: %d\nevent: %s\ndata: %s\n\n" % (seq, name.encode(), msgspec.json.encode(data))
                    sent_terminal = name in TERMINAL_EVENTS
                if sent_terminal:
                    return
                await service().changed(job_id, KEEPALIVE_SECONDS)
                if not service().events(caller, job_id, last):
                    yield b": keep-alive\n\n"

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def list_files(request: Request) -> Response:
        try:
            caller = _allowed(request)
            return JSONResponse({"files": service().files.listing(owner_of(caller), f"{API}/files/")})
        except NaramarketError as exc:
            return problem_response(exc, request)

    async def save_file(request: Request) -> Response:
        try:
            caller = _allowed(request)
            wanted = _decode(await _read_limited(request, MAX_SAVE), SaveRequest)
            name = safe_name(wanted.name)
            if name.endswith(".json"):
                data = msgspec.json.format(msgspec.json.encode(wanted.data), indent=2) + b"\n"
            else:
                rows = _rows_of(wanted.data)
                fmt: formats.Format = "ndjson" if name.endswith(".ndjson") else "csv"
                columns = _columns(rows)
                data = formats.header(fmt, columns) + formats.encode_rows(fmt, rows, columns)
            saved = service().files.save(owner_of(caller), name, data, overwrite=wanted.overwrite)
        except NaramarketError as exc:
            return problem_response(exc, request)
        body = {"name": saved.name, "bytes": len(data), "url": f"{API}/files/{quote(saved.name)}"}
        return JSONResponse(body, status_code=201, headers={"Location": body["url"]})

    async def file(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            owner = owner_of(_allowed(request))
            if request.method == "DELETE":
                service().files.delete(owner, name)
                return Response(status_code=204)
            fd, info = service().files.open(owner, name)
        except NaramarketError as exc:
            return problem_response(exc, request)

        async def content() -> AsyncIterator[bytes]:
            with os.fdopen(fd, "rb") as source:
                while chunk := source.read(1 << 16):
                    yield chunk

        suffix = os.path.splitext(name)[1].lower()
        return StreamingResponse(
            content(),
            media_type=_MEDIA.get(suffix, "application/octet-stream"),
            headers={
                "Content-Length": str(info.st_size),
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            },
        )

    return [
        Route(f"{API}/exports", create_export, methods=["POST"]),
        Route(f"{API}/crawl/csv", crawl_csv, methods=["POST"]),
        Route(f"{API}/jobs", list_jobs, methods=["GET"]),
        Route(f"{API}/jobs/{{job_id}}", job, methods=["GET", "DELETE"]),
        Route(f"{API}/jobs/{{job_id}}/resume", resume, methods=["POST"]),
        Route(f"{API}/jobs/{{job_id}}/events", events, methods=["GET"]),
        Route(f"{API}/files", list_files, methods=["GET"]),
        Route(f"{API}/files/save", save_file, methods=["POST"]),
        Route(f"{API}/files/{{name}}", file, methods=["GET", "DELETE"]),
    ]


def openapi_paths(problems: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI paths of these routes, and the component schemas they refer to."""
    from naramarket.exports import JobView
    from naramarket.kernel.host import json_schema

    job_schema = json_schema(JobView)
    components = {"ExportJob": job_schema, "ExportRequest": json_schema(ExportRequest)}
    job = {"application/json": {"schema": {"$ref": "#/components/schemas/ExportJob"}}}
    tags = ["exports"]

    def op(summary: str, description: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "summary": summary,
            "description": description,
            "tags": tags,
            "responses": {**responses, **problems},
            **extra,
        }

    body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExportRequest"}}},
    }
    job_id = [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    name = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]
    paths = {
        f"{API}/exports": {
            "post": op(
                "Start an export job",
                "Every record a list tool's query matches, into a CSV (UTF-8 with BOM) or NDJSON file. "
                "Answers 202 at once; `params.limit` caps the export only if given. Scope `exports`.",
                {"202": {"description": "The queued job", "content": job}},
                requestBody=body,
            )
        },
        f"{API}/crawl/csv": {
            "post": op(
                "Export crawl_list (the report's route)",
                "`crawl_list`'s parameters plus `format` (csv, ndjson) and `file_name`; answers 202.",
                {"202": {"description": "The queued job", "content": job}},
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
            )
        },
        f"{API}/jobs": {
            "get": op("The caller's export jobs", "Newest first.", {"200": {"description": "Jobs"}})
        },
        f"{API}/jobs/{{job_id}}": {
            "get": op(
                "An export job",
                "State, rows, bytes, file, error.",
                {"200": {"description": "The job", "content": job}},
                parameters=job_id,
            ),
            "delete": op(
                "Cancel an export job",
                "Stops it and removes its temporary file.",
                {"200": {"description": "The job", "content": job}},
                parameters=job_id,
            ),
        },
        f"{API}/jobs/{{job_id}}/resume": {
            "post": op(
                "Resume a paused job",
                "After the daily quota (gateway code 22) resets.",
                {"202": {"description": "The job", "content": job}},
                parameters=job_id,
            )
        },
        f"{API}/jobs/{{job_id}}/events": {
            "get": op(
                "Job progress as server-sent events",
                "`queued`, `running`, `progress` {rows, bytes, total}, `warning`, then `done`, `failed`, "
                "`cancelled` or `paused`. Ids are the job's sequence numbers: `Last-Event-ID` resumes.",
                {"200": {"description": "Event stream", "content": {"text/event-stream": {}}}},
                parameters=job_id,
            )
        },
        f"{API}/files": {
            "get": op(
                "The caller's files", "Finished exports and saved results.", {"200": {"description": "Files"}}
            )
        },
        f"{API}/files/save": {
            "post": op(
                "Save a JSON result as a file (the report's route)",
                "Body `{name, data, overwrite}`: `.csv`/`.ndjson` take records (or a result with `items`), "
                "`.json` any JSON. At most 16 MiB.",
                {"201": {"description": "Saved"}},
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": json_schema(SaveRequest)}},
                },
            )
        },
        f"{API}/files/{{name}}": {
            "get": op(
                "Download a file", "As an attachment.", {"200": {"description": "The file"}}, parameters=name
            ),
            "delete": op("Delete a file", "", {"204": {"description": "Deleted"}}, parameters=name),
        },
    }
    return paths, components
