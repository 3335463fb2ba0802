"""``naramarket export TOOL key=value … -o FILE``: every record of a list tool, into a file.

Runs the export job in this process (the same service the server runs, with its checkpoints
under ``NARAMARKET_DATA_DIR``), shows a progress bar with rate and ETA on stderr (tqdm: when
stderr is a terminal, or with ``--progress``), and moves the finished file to ``FILE``.
``--json`` prints the finished job as JSON on stdout, for scripts. Ctrl-C cancels the job.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

import anyio
import msgspec

from naramarket.exports import EXPORTS, FORMATS, JobView
from naramarket.kernel import NaramarketError
from naramarket.kernel.host import EXIT_UPSTREAM_REFUSED, EXIT_USAGE

__all__ = ["add_parser", "cmd_export"]


def add_parser(sub: Any) -> None:
    """Add ``naramarket export`` to the CLI."""
    export = sub.add_parser(
        "export",
        help="every record of a list tool into a file: naramarket export crawl_list category=… -o out.csv",
    )
    export.add_argument("tool")
    export.add_argument("assignments", nargs="*", metavar="key=value")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the file")
    export.add_argument(
        "--format", choices=FORMATS, help="csv (UTF-8 with BOM) or ndjson; default: from FILE"
    )
    export.add_argument("--json", action="store_true", help="print the finished job as JSON on stdout")
    export.add_argument("--sandbox", action="store_true", help="answer from the built-in fake upstream")
    export.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Run one export to ``args.output``; the exit code says how it ended."""
    from tqdm import tqdm

    from naramarket.app import make_kernel
    from naramarket.cli import _parse_assignments, _print_json, _settings

    output = Path(args.output).expanduser()
    fmt = args.format or ("ndjson" if output.suffix.lower() in (".ndjson", ".jsonl") else "csv")
    if not output.parent.is_dir():
        print(f"naramarket: the folder of {output} does not exist", file=sys.stderr)
        return EXIT_USAGE
    arguments = _parse_assignments(args.assignments)
    kernel = make_kernel(_settings(args))
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = tqdm(
        total=None, unit=" rows", unit_scale=True, dynamic_ncols=True, file=sys.stderr, disable=not show
    )

    def advance(view: JobView) -> None:
        if view.total and bar.total != view.total:
            bar.total = view.total
        bar.update(view.rows - bar.n)

    async def run() -> tuple[JobView, Path | None]:
        async with kernel:
            service = kernel.resources[EXPORTS]
            view = service.start(None, args.tool, arguments, format=fmt)
            try:
                while view.state in ("queued", "running"):
                    await service.changed(view.job_id, 0.5)
                    view = service.get(None, view.job_id)
                    advance(view)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await service.cancel(None, view.job_id)
                raise
            path = service.files.path("local", view.file) if view.state == "done" and view.file else None
            return view, path

    try:
        view, finished = anyio.run(run)
    except NaramarketError as exc:
        bar.close()
        print(f"naramarket: {exc.code}: {exc.detail}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        bar.close()
        print("naramarket: export cancelled", file=sys.stderr)
        return 130
    bar.close()
    if finished is None:
        error = view.error or {}
        print(f"naramarket: export {view.state}: {error.get('detail', '')}", file=sys.stderr)
        if view.state == "paused":
            print("naramarket: the daily quota stopped it; resume the job on a server later", file=sys.stderr)
        return EXIT_UPSTREAM_REFUSED if view.state == "paused" or error.get("status", 500) < 500 else 1
    shutil.move(finished, output)
    if args.json:
        _print_json({**msgspec.to_builtins(view), "path": str(output)})
    else:
        print(f"naramarket: {view.rows} rows, {view.bytes} bytes -> {output}", file=sys.stderr)
    if kernel.sandbox:
        print("naramarket: SANDBOX — fake data, not real procurement records", file=sys.stderr)
    return 0
