"""The ``naramarket`` command line: serve, tools, call, sandbox, plugins, mcp; and ``naramarket-mcp``.

Output is JSON on stdout; messages and logs go to stderr; exit codes come from the error class
(2 invalid input, 3 auth, 4 upstream refused, 5 upstream unavailable, 1 unexpected).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import msgspec

from naramarket import __version__
from naramarket.kernel import NaramarketError, Settings
from naramarket.kernel.host import CallEvents, problem

__all__ = ["main", "mcp_stdio_main"]


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return Settings.from_env(sandbox=True if getattr(args, "sandbox", False) else None)
    except ValueError as exc:
        raise SystemExit(f"naramarket: {exc}") from None


def _parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` words -> arguments. Values stay strings; the tool's Params convert them."""
    arguments: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"naramarket: expected key=value, got {pair!r}")
        arguments[key.strip()] = value
    return arguments


@contextlib.contextmanager
def _start_up() -> Iterator[None]:
    """No cyclic garbage collection while a server imports and builds itself.

    Start-up creates about a million objects that live as long as the process (the MCP SDK's
    pydantic models, code objects, the catalog) and next to no garbage, yet the collector walks
    them again and again as they are made: about a tenth of the time to the first ``initialize``
    answer. Afterwards they go straight to the oldest generation (``freeze`` then ``unfreeze``
    moves them there without a pass over them); left in the youngest, the first collection would
    walk them all at once. Left frozen, serving would trigger full collections far more often
    (their threshold is a quarter of the objects the last one saw): +19% CPU per MCP call.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _print_json(value: Any) -> None:
    sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n")
    sys.stdout.flush()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from naramarket.adapters.auth import check_bind
    from naramarket.observability import configure_tracing

    configure_tracing()
    if args.sandbox:
        os.environ["NARAMARKET_SANDBOX"] = "1"  # so --reload workers see it too
    settings = _settings(args)
    if args.allow_open:
        settings = msgspec.structs.replace(settings, auth_allow_open=True)
        os.environ["NARAMARKET_AUTH_ALLOW_OPEN"] = "1"
    try:
        check_bind(settings, args.host)
    except ValueError as exc:
        raise SystemExit(f"naramarket: {exc}") from None
    from naramarket.cli_auth import first_run_hint

    hint = first_run_hint(settings, args.host)
    if hint:
        print(hint, file=sys.stderr)
    if settings.sandbox:
        print(
            "naramarket: SANDBOX mode — answers are fake data, not real procurement records", file=sys.stderr
        )
    print(
        f"naramarket {__version__}: http://{args.host}:{args.port}/api/v1  MCP: http://{args.host}:{args.port}/mcp",
        file=sys.stderr,
    )
    if args.reload:
        uvicorn.run("naramarket.cli:_reload_app", factory=True, host=args.host, port=args.port, reload=True)
        return 0
    with _start_up():
        from naramarket.app import create_app
        from naramarket.serving import Server, server_config

        loop, http = server_implementations()
        config = server_config(
            create_app(settings),
            settings,
            host=args.host,
            port=args.port,
            loop=loop,
            http=http,
            log_level=_serve_log_level(args),
            log_config=None,  # keep the redacting handler from _configure_logging
            access_log=False,  # the app logs each request itself (route, status, request and trace ids)
        )
    Server(config, settings).run()
    return 0


def server_implementations() -> tuple[str, str]:
    """uvicorn's event loop and HTTP parser: uvloop and httptools where installed, else asyncio and h11.

    Both are dependencies; uvloop has no Windows build, so there (and on other Pythons) the server
    runs on the standard library's loop rather than failing.
    """
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") is not None else "h11"
    return loop, http


def _serve_log_level(args: argparse.Namespace) -> str:
    """``--log-level``, else ``NARAMARKET_LOG_LEVEL`` (or the settings file), else info."""
    if getattr(args, "log_level", None):
        return str(args.log_level)
    try:
        return Settings.from_env().log_level
    except ValueError:
        return "info"


def _reload_app() -> Any:
    """The app of a ``serve --reload`` worker (a process of its own: it sets up tracing too)."""
    from naramarket.app import create_app
    from naramarket.observability import configure_tracing

    configure_tracing()
    return create_app()


def cmd_tools(args: argparse.Namespace) -> int:
    from naramarket.adapters.rest import tool_summary
    from naramarket.app import make_kernel

    kernel = make_kernel(_settings(args))
    if args.json:
        _print_json([tool_summary(t) for t in kernel.registry])
        return 0
    for t in kernel.registry:
        print(f"{t.name:24} {t.title}  [{t.plugin}]")
    return 0


def cmd_call(args: argparse.Namespace) -> int:
    from naramarket.app import make_kernel
    from naramarket.observability import configure_tracing

    configure_tracing()  # the call's spans are exported (and flushed) when the process exits
    arguments = _parse_assignments(args.assignments)
    kernel = make_kernel(_settings(args))

    show_progress = args.progress if args.progress is not None else sys.stderr.isatty()

    async def progress(done: int, total: int | None, message: str | None) -> None:
        print(f"naramarket: {message or f'{done}/{total}'}", file=sys.stderr, flush=True)

    async def run() -> Any:
        events = CallEvents(progress=progress) if show_progress else None
        async with kernel:
            return await kernel.dispatcher.call(args.tool, arguments, events=events)

    try:
        result = anyio.run(run)
    except NaramarketError as exc:
        doc = problem(exc)  # redacted, like every other output
        print(f"naramarket: {exc.code}: {doc['detail']}", file=sys.stderr)
        if args.verbose:
            print(json.dumps(doc, ensure_ascii=False, indent=2), file=sys.stderr)
        return exc.exit_code
    _print_json(result)
    if kernel.sandbox:
        print("naramarket: SANDBOX — fake data, not real procurement records", file=sys.stderr)
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from naramarket import sandbox

    config = sandbox.SandboxConfig(latency=args.latency, fault_rate=args.fault_rate, seed=args.seed)
    print(
        f"naramarket sandbox (fake data.go.kr): http://{args.host}:{args.port}/1230000/…  "
        f"ServiceKey={sandbox.DEFAULT_SERVICE_KEY}",
        file=sys.stderr,
    )
    sandbox.run(args.host, args.port, config)
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from naramarket.app import make_kernel

    kernel = make_kernel(_settings(args))
    plugins = kernel.plugins()
    if args.json:
        _print_json(plugins)
    else:
        for p in plugins:
            print(f"{p['name']:20} {p['version'] or '(in-process)'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(prog="naramarket", description="나라장터 procurement data server")
    parser.add_argument("--version", action="version", version=f"naramarket {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve REST, SSE and MCP over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--sandbox", action="store_true", help="answer from the built-in fake upstream")
    serve.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    serve.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error", "critical"),
        help="log level of the server's lines (default: NARAMARKET_LOG_LEVEL or info)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="also log one line per HTTP request (route, status, duration) at info",
    )
    serve.add_argument(
        "--allow-open", action="store_true", help="allow NARAMARKET_AUTH=off on a non-loopback host"
    )
    serve.set_defaults(func=cmd_serve)

    tools = sub.add_parser("tools", help="list the tools")
    tools.add_argument("--json", action="store_true", help="full descriptions with JSON Schemas")
    tools.add_argument("--sandbox", action="store_true")
    tools.set_defaults(func=cmd_tools)

    call = sub.add_parser("call", help="call a tool: naramarket call crawl_list category=데스크톱컴퓨터")
    call.add_argument("tool")
    call.add_argument("assignments", nargs="*", metavar="key=value")
    call.add_argument("--sandbox", action="store_true")
    call.add_argument("-v", "--verbose", action="store_true", help="print the full problem on errors")
    call.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress lines on stderr (default: when stderr is a terminal)",
    )
    call.set_defaults(func=cmd_call)

    sb = sub.add_parser("sandbox", help="serve the fake data.go.kr upstream alone")
    sb.add_argument("--host", default="127.0.0.1")
    sb.add_argument("--port", type=int, default=8089)
    sb.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    sb.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail (0-1)")
    sb.add_argument("--seed", type=int, default=0)
    sb.set_defaults(func=cmd_sandbox)

    plugins = sub.add_parser("plugins", help="list loaded plugins")
    plugins.add_argument("--json", action="store_true")
    plugins.set_defaults(func=cmd_plugins)

    mcp = sub.add_parser(
        "mcp",
        help="serve MCP over stdin/stdout (same as naramarket-mcp)",
        description="Serve the tools over MCP on stdin/stdout (same as naramarket-mcp).",
        epilog=_MCP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_mcp_options(mcp)
    mcp.set_defaults(func=cmd_mcp)

    from naramarket.cli_auth import add_parsers
    from naramarket.cli_export import add_parser as add_export

    add_parsers(sub)
    add_export(sub)
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    """Logs go to stderr (JSON lines, readable on a TTY); one-shot commands show only warnings.

    ``serve`` logs at ``--log-level`` (else ``NARAMARKET_LOG_LEVEL``): the same level holds for
    the app's own lines and uvicorn's, so ``warning`` silences the per-call INFO lines.
    """
    from naramarket.observability import configure_logging

    try:
        settings = Settings.from_env()
    except ValueError:
        settings = Settings()  # the command itself reports the bad setting
    server = args.command == "serve"
    if server:
        level = _serve_log_level(args)
    else:
        level = settings.log_level if "NARAMARKET_LOG_LEVEL" in os.environ else "warning"
    configure_logging(level, settings.log_format, access_log=bool(getattr(args, "access_log", False)))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``naramarket``."""
    args = build_parser().parse_args(argv)
    _configure_logging(args)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


_MCP_EPILOG = """\
stdout carries only MCP messages; logs and notes go to stderr. The server runs until the client
closes stdin.

environment:
  NARAMARKET_SERVICE_KEY   data.go.kr service key (Decoding) for real data (or --service-key-file)
  NARAMARKET_*             every other setting (README, "Settings"); flags here win over them

example (Claude Code):
  claude mcp add naramarket -- /abs/path/.venv/bin/naramarket-mcp --sandbox
"""


def add_mcp_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``naramarket-mcp`` (and ``naramarket mcp``)."""
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="answer from the built-in fake upstream (no key needed; NOT real procurement data)",
    )
    parser.add_argument(
        "--service-key-file",
        metavar="PATH",
        help="read the data.go.kr service key from this file instead of NARAMARKET_SERVICE_KEY",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="a TOML file of settings (as NARAMARKET_CONFIG; environment wins)"
    )
    parser.add_argument(
        "--load-plugins",
        metavar="NAMES",
        help="comma-separated plugins to load ('' = none; default: every installed plugin)",
    )
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error", "critical"),
        help="stderr log level (default: NARAMARKET_LOG_LEVEL or info)",
    )
    parser.add_argument(
        "--log-format",
        choices=("json", "console", "auto"),
        help="stderr log format (default: auto = console on a terminal, JSON lines otherwise)",
    )


def build_mcp_parser() -> argparse.ArgumentParser:
    """The argument parser of ``naramarket-mcp`` (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="naramarket-mcp",
        description="Serve naramarket's tools (나라장터 procurement data) over MCP on stdin/stdout.",
        epilog=_MCP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"naramarket-mcp {__version__}")
    add_mcp_options(parser)
    return parser


def _mcp_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment (and ``--config``), overridden by the flags; exit 2 if invalid."""
    env = dict(os.environ)
    if args.config is not None:
        env["NARAMARKET_CONFIG"] = str(Path(args.config).expanduser())
    overrides: dict[str, Any] = {
        "sandbox": True if args.sandbox else None,
        "log_level": args.log_level,
        "log_format": args.log_format,
    }
    if args.load_plugins is not None:
        overrides["load_plugins"] = [n.strip() for n in args.load_plugins.split(",") if n.strip()]
    if args.service_key_file is not None:
        try:
            key = Path(args.service_key_file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise _Usage(f"cannot read --service-key-file: {exc.strerror}: {args.service_key_file}") from None
        if not key:
            raise _Usage(f"--service-key-file {args.service_key_file} is empty")
        overrides["service_key"] = key
    try:
        return Settings.from_env(env, **overrides)
    except OSError as exc:
        raise _Usage(f"cannot read the settings file: {exc.strerror}: {exc.filename}") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError too
        raise _Usage(str(exc)) from None


class _Usage(Exception):
    """A set-up mistake of the operator's: a message on stderr and exit 2."""


def cmd_mcp(args: argparse.Namespace) -> int:
    """MCP over stdio until the client closes stdin (stdout carries only protocol messages)."""
    with _start_up():
        from naramarket.lean_sdk import defer_package_inits

        defer_package_inits()
        from naramarket.adapters.mcp import run_stdio
        from naramarket.app import make_kernel
        from naramarket.observability import configure_logging, configure_tracing

        prog = "naramarket-mcp"
        try:
            settings = _mcp_settings(args)
            configure_logging(settings.log_level, settings.log_format)
        except (_Usage, ValueError) as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
            return 2
        configure_tracing()
        kernel = make_kernel(settings)
    if settings.sandbox:
        print(f"{prog}: SANDBOX mode — answers are fake data, not real procurement records", file=sys.stderr)
    elif not settings.service_key:
        print(
            f"{prog}: NARAMARKET_SERVICE_KEY is not set: tool calls will fail (not_configured); "
            "set it, pass --service-key-file, or use --sandbox for fake data",
            file=sys.stderr,
        )
    if sys.stdin.isatty():
        print(
            f"{prog}: speaking MCP on stdin/stdout; start it from an MCP client (see --help)", file=sys.stderr
        )
    try:
        anyio.run(run_stdio, kernel)
    except KeyboardInterrupt:
        return 130
    return 0


def mcp_stdio_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``naramarket-mcp``: MCP over stdio (stdout carries only protocol messages)."""
    return cmd_mcp(build_mcp_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
