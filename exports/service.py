"""Export jobs: any list tool, every record the query matches, streamed to a file, resumable.

A job calls its tool through the kernel's dispatch (scopes, validation and the tool span apply as
for any call), ``CHUNK_ROWS`` records at a time, following each answer's ``next`` (the keyset
cursor of the result contract). After each chunk the bytes go to a temporary file, are synced,
and only then is the checkpoint committed (rows, bytes, the next call's arguments). A restarted
server cuts the temporary file back to the checkpoint and goes on, so the finished file is the
same, byte for byte, as one written in a single run. The finished file is renamed into the
owner's files area atomically.

The daily quota (gateway code 22) pauses a job with its resume point; ``resume`` continues it.
Jobs run under ``datago.background()``: they share the upstream cap and rate limit with
interactive calls and queue behind them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import math
import os
import secrets
import time
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import anyio
import msgspec
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from naramarket import datago
from naramarket.datago import MAX_LIMIT, Listing
from naramarket.kernel import (
    InvalidParams,
    NaramarketError,
    NotFound,
    Principal,
    ResourceKey,
    Settings,
    Tool,
    UpstreamError,
)
from naramarket.kernel.host import Dispatcher, Kernel, Observer, Registry, ResourceFactory, problem

from . import formats
from .files import Conflict, FileArea, owner_of, safe_name
from .store import JobRow, JobStore

__all__ = ["CHUNK_ROWS", "EXPORTS", "SCOPE", "ExportService", "JobView", "export_factory", "list_tools"]

# Records per call, one checkpoint each: four pages of the gateway's largest (999), so a call
# oldest first ends on a page boundary and the next starts on a fresh page (nothing fetched twice).
CHUNK_ROWS = 4 * 999
SCOPE = "exports"  # what starting, reading and cancelling exports and reading files need
WORKERS = 2  # jobs running at once (they share the upstream cap anyway)
RETRIES = 6  # consecutive failed calls before a job fails
TERMINAL = frozenset({"done", "failed", "cancelled"})
States = typing.Literal["queued", "running", "paused", "done", "failed", "cancelled"]


Time = Annotated[dt.datetime, msgspec.Meta(tz=True)]  # aware: its schema says format date-time


def _d(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


class JobView(msgspec.Struct, kw_only=True):
    """A job as callers see it."""

    job_id: Annotated[str, _d("작업 ID / the job's id")]
    state: Annotated[
        States,
        _d("상태 / queued, running, paused (the daily quota: resume later), done, failed or cancelled"),
    ]
    tool: Annotated[str, _d("내보내는 도구 / the list tool exported")]
    format: Annotated[str, _d("파일 형식 / csv or ndjson")]
    params: Annotated[dict[str, Any], _d("도구 인자 / the tool's arguments the export runs with")]
    rows: Annotated[int, _d("기록한 건수 / rows written so far")]
    bytes: Annotated[int, _d("기록한 바이트 / bytes written so far")]
    total: Annotated[int | None, _d("전체 추정 / the upstream's estimate of all rows, when known")] = None
    limit: Annotated[int | None, _d("최대 건수 / the caller's cap on the export, if any")] = None
    file: Annotated[str | None, _d("파일 이름 / the file's name in the caller's files area")] = None
    file_url: Annotated[str | None, _d("내려받기 / where to download the file (when done)")] = None
    error: Annotated[dict[str, Any] | None, _d("오류 / the problem that failed or paused the job")] = None
    created_at: Annotated[Time, _d("생성 시각 / when the job was created (UTC)")]
    updated_at: Annotated[Time, _d("갱신 시각 / when the job last changed (UTC)")]
    finished_at: Annotated[Time | None, _d("종료 시각 / when the job ended (UTC)")] = None
    events_url: Annotated[str, _d("진행 이벤트 / the job's server-sent events (progress, warning, done)")]


def _utc(stamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(stamp, dt.UTC)


def _view(job: JobRow) -> JobView:
    return JobView(
        job_id=job.id,
        state=typing.cast(States, job.state),
        tool=job.tool,
        format=job.format,
        params=job.params,
        rows=job.rows,
        bytes=job.bytes,
        total=job.total,
        limit=job.row_limit,
        file=job.file_name,
        file_url=f"/api/v1/files/{quote(job.file_name)}" if job.state == "done" else None,
        error=job.error,
        created_at=_utc(job.created),
        updated_at=_utc(job.updated),
        finished_at=_utc(job.finished) if job.finished is not None else None,
        events_url=f"/api/v1/jobs/{job.id}/events",
    )


def record_type(tool: Tool[Any, Any]) -> Any | None:
    """The item type of a list tool (``Listing[MallProduct]`` -> ``MallProduct``), else None."""
    for candidate in (tool.result, *getattr(tool.result, "__orig_bases__", ())):
        origin = typing.get_origin(candidate) or candidate
        if isinstance(origin, type) and issubclass(origin, Listing):
            args = typing.get_args(candidate)
            return args[0] if args else Any
    return None


def list_tools(registry: Registry) -> list[str]:
    """The names of the tools an export can run: those whose Result is a ``Listing``."""
    return [t.name for t in registry if record_type(t) is not None]


class _Paused(Exception):
    """The upstream's daily quota stopped the job; it keeps its resume point."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error


class _Stopped(Exception):
    """The upstream stopped the scan for good (a key problem): the job fails with this problem."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error


def _is_quota(error: NaramarketError | dict[str, Any] | None) -> bool:
    if isinstance(error, dict):
        return error.get("code") == "quota_exceeded" or error.get("upstream_code") == "22"
    return error is not None and (
        error.code == "quota_exceeded" or getattr(error, "upstream_code", None) == "22"
    )


class ExportService:
    """Starts, runs, resumes and cancels export jobs; ``async with service.running():`` runs the workers."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        dispatcher: Dispatcher,
        *,
        chunk_rows: int | None = None,
        workers: int = WORKERS,
        metrics: Any | None = None,
    ) -> None:
        root = Path(settings.data_dir).expanduser() / "exports"
        self.registry = registry
        self.dispatcher = dispatcher
        self.chunk_rows = chunk_rows or CHUNK_ROWS
        self.workers = workers
        self.metrics = metrics
        self.store = JobStore(root / "jobs.sqlite3")
        self.files = FileArea(root / "files")
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._changed: dict[str, anyio.Event] = {}
        self._scopes: dict[str, anyio.CancelScope] = {}
        self._send: MemoryObjectSendStream[str] | None = None
        self._lock_file: Any = None

    # -- lifecycle --------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[ExportService]:
        """Run the workers; unfinished jobs of an earlier process resume by themselves."""
        send, receive = anyio.create_memory_object_stream[str](max_buffer_size=math.inf)
        self._send = send
        try:
            async with anyio.create_task_group() as tg:
                for _ in range(self.workers):
                    tg.start_soon(self._worker, receive.clone())
                receive.close()
                self._recover()
                try:
                    yield self
                finally:
                    tg.cancel_scope.cancel()  # running jobs stay "running": the next start resumes them
        finally:
            self._send = None
            send.close()
            self.store.close()
            if self._lock_file is not None:
                self._lock_file.close()

    def _recover(self) -> None:
        """Clean temporary files nobody will resume; queue the jobs an earlier process left running.

        Only the process holding the data folder's lock does it: two servers sharing a folder must
        not both resume one job.
        """
        self._lock_file = open(self.tmp.parent / "recovery.lock", "a+b")  # noqa: SIM115 (held for the lifespan)
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return
        self.files.sweep_partials()
        keep = {f"{j.id}.part" for j in self.store.in_states("queued", "running", "paused")}
        for leftover in self.tmp.iterdir():
            if leftover.name not in keep:
                leftover.unlink(missing_ok=True)
        for job in self.store.in_states("running", "queued"):
            self.store.update(job.id, state="queued")
            self._enqueue(job.id)
        self._count_states()

    def _enqueue(self, job_id: str) -> None:
        assert self._send is not None, "the export service is not running"
        self._send.send_nowait(job_id)

    async def _worker(self, receive: MemoryObjectReceiveStream[str]) -> None:
        async with receive:
            async for job_id in receive:
                job = self.store.get(job_id)
                if job is None or job.state != "queued":
                    continue
                with anyio.CancelScope() as scope:
                    self._scopes[job_id] = scope
                    try:
                        await self._execute(job)
                    finally:
                        self._scopes.pop(job_id, None)

    # -- what callers do --------------------------------------------------------------------

    def start(
        self,
        principal: Principal | None,
        tool_name: str,
        params: dict[str, Any] | None,
        *,
        format: str = "csv",
        file_name: str | None = None,
    ) -> JobView:
        """Check the export (tool, scopes, parameters, name) and queue it; returns at once."""
        if format not in formats.FORMATS:
            raise InvalidParams(f"format: one of {', '.join(formats.FORMATS)}")
        tool = self.registry.find(tool_name)
        if tool is not None and record_type(tool) is None:
            names = ", ".join(list_tools(self.registry))
            raise InvalidParams(f"{tool_name} does not answer a list; exports take list tools: {names}")
        arguments = dict(params or {})
        row_limit = arguments.pop("limit", None)
        if row_limit is not None and (
            isinstance(row_limit, bool)
            or not isinstance(row_limit, int | str)
            or not str(row_limit).isdigit()
        ):
            raise InvalidParams("limit: a whole number of rows (leave it out to export everything)")
        row_limit = int(row_limit) if row_limit is not None else None
        if row_limit is not None and row_limit < 1:
            raise InvalidParams("limit: at least 1 (leave it out to export everything)")
        if tool is not None and "order" in tool.params.__struct_fields__:
            # Oldest first unless asked otherwise: new rows land at the end, and each call starts
            # on the page where the last one ended (newest first re-reads a window's first page).
            arguments.setdefault("order", "oldest")
        # Dispatch checks the tool, the caller's scopes and the parameters once, here.
        prepared = self.dispatcher.prepare(
            tool_name, self._params(tool, arguments, MAX_LIMIT), principal=principal
        )
        arguments = {
            k: v for k, v in msgspec.to_builtins(prepared.params).items() if v is not None and k != "limit"
        }
        job_id = secrets.token_hex(8)
        owner = owner_of(principal)
        fmt = typing.cast(formats.Format, format)
        if file_name is None:
            file_name = f"{tool_name}-{time.strftime('%Y%m%d-%H%M%S')}-{job_id[:6]}{formats.suffix(fmt)}"
        else:
            file_name = safe_name(file_name, extensions=(formats.suffix(fmt),))
            if self.files.path(owner, file_name).exists() or any(
                j.file_name == file_name and j.state not in TERMINAL for j in self.store.owned_by(owner)
            ):
                raise Conflict(f"a file named {file_name!r} exists or is being written; choose another name")
        now = time.time()
        job = JobRow(
            id=job_id,
            owner=owner,
            principal=asdict(principal) if principal is not None else None,
            tool=tool_name,
            params=arguments,
            format=format,
            file_name=file_name,
            row_limit=row_limit,
            state="queued",
            created=now,
            updated=now,
        )
        job.principal = msgspec.to_builtins(job.principal) if job.principal else None
        self.store.insert(job)
        self._emit(job_id, "queued", {})
        self._enqueue(job_id)
        return self.get(principal, job_id)

    def get(self, principal: Principal | None, job_id: str) -> JobView:
        """The caller's job (another caller's job is "not found": its existence is not told)."""
        return _view(self._owned(principal, job_id))

    def jobs(self, principal: Principal | None) -> list[JobView]:
        """The caller's jobs, newest first."""
        return [_view(j) for j in self.store.owned_by(owner_of(principal))]

    async def cancel(self, principal: Principal | None, job_id: str) -> JobView:
        """Stop a queued, running or paused job and remove its temporary file."""
        job = self._owned(principal, job_id)
        if job.state in TERMINAL:
            return _view(job)
        self.store.update(job_id, state="cancelled", finished=time.time())  # a queued job is skipped
        scope = self._scopes.get(job_id)
        if scope is not None:
            scope.cancel()
            with anyio.move_on_after(5):
                while job_id in self._scopes:
                    await self.changed(job_id, 0.1)
        (self.tmp / f"{job_id}.part").unlink(missing_ok=True)
        self._emit(job_id, "cancelled", {})
        self._count_states()
        return self.get(principal, job_id)

    def resume(self, principal: Principal | None, job_id: str) -> JobView:
        """Queue a paused job again (after the daily quota resets)."""
        job = self._owned(principal, job_id)
        if job.state != "paused":
            raise Conflict(f"job {job_id} is {job.state}; only a paused job can be resumed")
        self.store.update(job_id, state="queued", error=None)
        self._emit(job_id, "queued", {})
        self._enqueue(job_id)
        return self.get(principal, job_id)

    def forget(self, principal: Principal | None, job_id: str) -> None:
        """Remove a finished job from the list (its file stays in the files area)."""
        job = self._owned(principal, job_id)
        if job.state not in TERMINAL:
            raise Conflict(f"job {job_id} is {job.state}; cancel it first")
        self.store.delete(job_id)

    async def wait(
        self,
        principal: Principal | None,
        job_id: str,
        seconds: float,
        on_progress: Callable[[JobView], Awaitable[None]] | None = None,
    ) -> JobView:
        """The job once it ends or ``seconds`` pass, calling ``on_progress`` at each change."""
        view = self.get(principal, job_id)
        if on_progress is not None:
            await on_progress(view)  # where it stands now, even when it has already ended
        with anyio.move_on_after(seconds):
            while view.state not in TERMINAL and view.state != "paused":
                await self.changed(job_id)
                view = self.get(principal, job_id)
                if on_progress is not None:
                    await on_progress(view)
        return view

    async def changed(self, job_id: str, seconds: float = 1.0) -> None:
        """Wait until the job changes (or ``seconds`` pass: a change in another process is polled)."""
        event = self._changed.setdefault(job_id, anyio.Event())
        with anyio.move_on_after(seconds):
            await event.wait()

    def events(
        self, principal: Principal | None, job_id: str, after: int
    ) -> list[tuple[int, str, dict[str, Any]]]:
        """The job's events after sequence number ``after`` (``Last-Event-ID``)."""
        self._owned(principal, job_id)
        return self.store.events_after(job_id, after)

    def _owned(self, principal: Principal | None, job_id: str) -> JobRow:
        job = self.store.get(job_id) if isinstance(job_id, str) and len(job_id) <= 64 else None
        if job is None or job.owner != owner_of(principal):
            raise NotFound(f"no export job {job_id!r}")
        return job

    # -- running a job ----------------------------------------------------------------------

    def _params(self, tool: Tool[Any, Any] | None, arguments: dict[str, Any], rows: int) -> Any:
        """The tool's Params for one call of ``rows`` records (validated at the interactive cap first).

        The cap protects interactive answers; a job streams each chunk to disk, so it may ask for
        more per call (fewer calls, fewer repeated first pages) once the arguments are valid.
        """
        if tool is None:
            return arguments
        has_limit = "limit" in tool.params.__struct_fields__
        checked = {**arguments, "limit": min(rows, MAX_LIMIT)} if has_limit else arguments
        try:
            params = msgspec.convert(checked, tool.params, strict=False)
        except msgspec.ValidationError as exc:
            raise InvalidParams(f"{tool.name}: {exc}") from None
        return msgspec.structs.replace(params, limit=rows) if has_limit else params

    async def _execute(self, job: JobRow) -> None:
        job = self.store.update(job.id, state="running", event=("running", {"rows": job.rows}))
        self._count_states()
        self._notify(job.id)
        try:
            with datago.background():
                await self._fill(job)
        except _Paused as paused:
            error = paused.error
            self.store.update(job.id, state="paused", error=error, event=("paused", {"error": error}))
        except _Stopped as stopped:
            self._fail(job.id, stopped.error)
        except NaramarketError as exc:
            self._fail(job.id, problem(exc))
        except anyio.get_cancelled_exc_class():
            raise  # cancelled (its state says so) or shut down (stays "running": resumed at start)
        except Exception as exc:  # a bug here must not kill the worker
            self._fail(
                job.id,
                {
                    "code": "internal_error",
                    "title": "Internal error",
                    "status": 500,
                    "detail": f"the export failed unexpectedly ({type(exc).__name__})",
                },
            )
        finally:
            self._count_states()
            self._notify(job.id)

    def _fail(self, job_id: str, error: dict[str, Any]) -> None:
        self.store.update(
            job_id, state="failed", error=error, finished=time.time(), event=("failed", {"error": error})
        )
        (self.tmp / f"{job_id}.part").unlink(missing_ok=True)

    async def _fill(self, job: JobRow) -> None:
        tool = self.registry.find(job.tool)
        if tool is None:
            raise NotFound(f"the tool {job.tool!r} is no longer loaded")
        principal = (
            Principal(**{**job.principal, "scopes": frozenset(job.principal["scopes"])})
            if job.principal
            else None
        )
        part = self.tmp / f"{job.id}.part"
        fmt = typing.cast(formats.Format, job.format)
        with open(part, "a+b") as out:  # noqa: ASYNC230 (a local file; chunks are written in a thread)
            out.truncate(job.bytes)  # whatever was written after the last checkpoint goes
            arguments = job.next or job.params
            failures = 0
            while True:
                wanted = (
                    self.chunk_rows
                    if job.row_limit is None
                    else min(self.chunk_rows, job.row_limit - job.rows)
                )
                if wanted <= 0:
                    break
                call = self.dispatcher.prepare(
                    job.tool, self._params(tool, arguments, wanted), principal=principal
                )
                try:
                    listing = await call.run()
                except UpstreamError as exc:
                    if _is_quota(exc):
                        raise _Paused(problem(exc)) from None
                    failures += 1
                    if failures >= RETRIES or exc.status not in (429, 502, 503, 504):
                        raise
                    self._emit(job.id, "warning", {"message": f"retrying after: {exc.detail}"})
                    await anyio.sleep(min(30.0, 0.5 * 2**failures))
                    continue
                items = listing.items
                if job.row_limit is not None:
                    items = items[: job.row_limit - job.rows]
                columns = job.columns or formats.columns_of(record_type(tool), items[0] if items else None)
                chunk = (formats.header(fmt, columns) if job.bytes == 0 else b"") + formats.encode_rows(
                    fmt, items, columns
                )
                await anyio.to_thread.run_sync(_append, out, job.bytes, chunk)
                finished = listing.complete or listing.next is None
                rows = job.rows + len(items)
                total = rows if finished else max(rows, rows + listing.total_count - len(listing.items))
                if job.row_limit is not None:
                    total = min(total, job.row_limit)
                job = self.store.update(
                    job.id,
                    rows=rows,
                    bytes=job.bytes + len(chunk),
                    total=total if total else job.total,
                    next=None if finished else listing.next,
                    columns=columns,
                    event=("progress", {"rows": rows, "bytes": job.bytes + len(chunk), "total": total}),
                )
                self._record(fmt, len(items), len(chunk))
                self._notify(job.id)
                if finished or (job.row_limit is not None and job.rows >= job.row_limit):
                    break
                arguments = listing.next
                if listing.error is not None:  # stopped early: the daily quota, or a page it could not get
                    stopped = msgspec.to_builtins(listing.error)
                    if _is_quota(stopped):
                        raise _Paused(stopped) from None
                    failures = failures + 1 if not items else 0
                    if failures >= RETRIES or listing.reason == "upstream_stopped":
                        raise _Stopped(stopped)
                    self._emit(job.id, "warning", {"message": stopped.get("detail", ""), "error": stopped})
                    await anyio.sleep(min(30.0, 0.5 * 2**failures) if not items else 0)
                else:
                    failures = 0
            out.flush()
            os.fsync(out.fileno())
        self._finish(job, part)

    def _finish(self, job: JobRow, part: Path) -> None:
        target = self.files.path(job.owner, job.file_name)
        os.replace(part, target)
        self.store.update(
            job.id,
            state="done",
            finished=time.time(),
            next=None,
            event=(
                "done",
                {
                    "rows": job.rows,
                    "bytes": job.bytes,
                    "file": job.file_name,
                    "file_url": f"/api/v1/files/{quote(job.file_name)}",
                },
            ),
        )

    def _emit(self, job_id: str, name: str, data: dict[str, Any]) -> None:
        self.store.update(job_id, event=(name, data))
        self._notify(job_id)

    def _notify(self, job_id: str) -> None:
        event = self._changed.pop(job_id, None)
        if event is not None:
            event.set()

    def _record(self, fmt: str, rows: int, size: int) -> None:
        if self.metrics is not None:
            self.metrics.export_rows.labels(fmt).inc(rows)
            self.metrics.export_bytes.labels(fmt).inc(size)

    def _count_states(self) -> None:
        if self.metrics is None:
            return
        counts = self.store.count_states()
        for state in typing.get_args(States):
            self.metrics.export_jobs.labels(state).set(counts.get(state, 0))


def _append(out: Any, offset: int, chunk: bytes) -> None:
    """Write ``chunk`` at ``offset`` and make it durable before the checkpoint names it."""
    out.seek(offset)
    out.write(chunk)
    out.flush()
    os.fsync(out.fileno())


EXPORTS: ResourceKey[ExportService] = ResourceKey("naramarket.exports")
"""The process's export service, as the kernel holds it: ``ctx.resources[EXPORTS]``."""


def export_factory(kernel: Callable[[], Kernel], *, metrics: Any | None = None) -> ResourceFactory:
    """The kernel resource factory for ``EXPORTS``: the service and its workers, for the kernel's lifespan.

    ``kernel`` is called when the lifespan starts (the kernel does not exist yet when its resources
    are declared). Jobs dispatch through the kernel's registry, settings, observer and resources.
    """

    @contextlib.asynccontextmanager
    async def open_exports(settings: Settings, observer: Observer) -> AsyncIterator[ExportService]:
        owner = kernel()
        dispatcher = Dispatcher(owner.registry, settings, observer=observer, resources=owner.resources)
        service = ExportService(settings, owner.registry, dispatcher, metrics=metrics)
        async with service.running():
            yield service

    return open_exports
