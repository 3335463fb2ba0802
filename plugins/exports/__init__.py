"""내보내기 — bulk export jobs as tools (MCP, REST, CLI): start one, read its progress.

A first-party plugin like the others; it drives ``naramarket.exports`` (the job service the
composition root opens as the kernel resource ``EXPORTS``). Finished files are also MCP resources
and REST downloads (docs/exports.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from naramarket.exports import EXPORTS, SCOPE, JobView
from naramarket.kernel import Context, Params, Register, hookimpl, tool

__all__ = ["ExportJobs", "ExportStatus", "StartExport", "export_status", "start_export"]

READ = "g2b:read"  # every first-party list tool's scope; a list tool's own scopes are checked again


class StartExport(Params):
    """Parameters of ``start_export``."""

    tool: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=64, description="내보낼 목록 도구 / the list tool, e.g. crawl_list"
        ),
    ]
    params: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="그 도구의 인자 / the tool's arguments; `limit` caps the whole export (leave "
            "it out for every record the query matches)"
        ),
    ] = msgspec.field(default_factory=dict)
    format: Annotated[
        Literal["csv", "ndjson"],
        msgspec.Meta(description="파일 형식 / `csv` (UTF-8 with BOM, opens in Excel) or `ndjson`"),
    ] = "csv"
    file_name: Annotated[
        Annotated[str, msgspec.Meta(max_length=120)] | None,
        msgspec.Meta(description="파일 이름 / name of the file (default: tool, time and job id)"),
    ] = None


class ExportStatus(Params):
    """Parameters of ``export_status``."""

    job_id: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None,
        msgspec.Meta(
            description="작업 ID / the job_id start_export gave; leave it out to list all your jobs"
        ),
    ] = None
    wait: Annotated[
        float,
        msgspec.Meta(
            ge=0,
            le=20,
            description="대기 초 / with a job_id: wait up to this many seconds for it to end, reporting "
            "progress",
        ),
    ] = 0


class ExportJobs(msgspec.Struct, kw_only=True):
    """The answer of ``export_status``: one job, or all the caller's jobs."""

    jobs: Annotated[
        list[JobView], msgspec.Meta(description="작업 목록 / the job asked for, or all yours, newest first")
    ]


@tool(
    name="start_export",
    title=("대량 내보내기 시작", "Start a bulk export"),
    description=(
        "목록 도구가 조회하는 모든 건을 파일(CSV 또는 NDJSON)로 내보내는 작업을 시작하고 job_id를 바로 "
        "돌려줍니다. 진행은 export_status로 봅니다. 대화형 호출의 limit(최대 500건)은 적용되지 않습니다. "
        '예: {"tool": "crawl_list", "params": {"category": "데스크톱컴퓨터"}}',
        "Starts a job that writes every record a list tool's query matches to a file (CSV, UTF-8 with "
        "BOM for Excel, or NDJSON) and answers at once with its job_id; follow it with export_status. "
        "The interactive limit (500) does not apply: `params.limit` caps the export only if given. The "
        'finished file is a resource (naramarket://files/NAME) and at /api/v1/files/NAME. Example: {"tool": '
        '"crawl_list", "params": {"category": "데스크톱컴퓨터"}}',
    ),
    scopes=(SCOPE, READ),
    read_only=False,
    idempotent=False,
)
async def start_export(ctx: Context, p: StartExport) -> JobView:
    """Queue an export job for the caller."""
    service = ctx.resources[EXPORTS]
    return service.start(ctx.principal, p.tool, p.params, format=p.format, file_name=p.file_name)


@tool(
    name="export_status",
    title=("내보내기 진행 상황", "Export job status"),
    description=(
        "내보내기 작업의 상태(queued/running/paused/done/failed/cancelled), 건수, 바이트, 파일을 알려줍니다. "
        "job_id를 빼면 내 작업 전부를 보여줍니다. "
        "wait를 주면 끝날 때까지(최대 20초) 기다리며 진행을 알립니다.",
        "The state of an export job (queued, running, paused, done, failed, cancelled), rows and bytes "
        "written, the upstream's estimate of the total, and the file when done; without `job_id`, all "
        "your jobs. With `wait`, waits up to that many seconds for the job to end, sending progress "
        "notifications meanwhile.",
    ),
    scopes=(SCOPE,),
    read_only=True,
)
async def export_status(ctx: Context, p: ExportStatus) -> ExportJobs:
    """The caller's job (after waiting up to ``wait`` seconds for it to end), or all its jobs."""
    service = ctx.resources[EXPORTS]
    if p.job_id is None:
        return ExportJobs(jobs=service.jobs(ctx.principal))

    async def progress(view: JobView) -> None:
        await ctx.progress(view.rows, view.total, f"{view.state}: {view.rows} rows, {view.bytes} bytes")

    return ExportJobs(
        jobs=[await service.wait(ctx.principal, p.job_id, min(p.wait, ctx.time_left()), progress)]
    )


@hookimpl
def register_tools(register: Register) -> None:
    """Register the export tools."""
    register(start_export)
    register(export_status)
