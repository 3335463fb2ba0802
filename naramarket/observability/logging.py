"""Structured logs: structlog over stdlib logging, one line per event on stderr, secrets redacted.

stdout belongs to stdio MCP, so nothing here ever writes to it. Every record — structlog's, the
stdlib's, uvicorn's and httpx's (which logs whole request URLs, ``ServiceKey`` included, at INFO) —
passes the same processors, the last of which removes secrets (``naramarket.kernel.host``'s
redaction, the one the traces use too) before anything is rendered.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Iterable, MutableMapping
from contextvars import ContextVar
from typing import IO, Any

import msgspec
from opentelemetry import trace

from naramarket.kernel.host import redact_field, tracing_on

__all__ = ["PRINCIPAL", "REQUEST_ID", "configure_logging", "own_line", "structlog_logger"]

_HANDLER_MARK = "_naramarket_handler"
ACCESS_LOGGER = "naramarket.http"  # adapters.telemetry's per-request line


# Fields the processors write (level, logger name, time, trace ids) hold no caller text.
_WRITTEN_BY_US = frozenset({"level", "logger", "timestamp", "trace_id", "span_id"})
# Numbers under these names are measurements (a secret-looking name is masked whatever its value).
_MEASURES = frozenset({"count", "duration_ms", "status"})
# The app's own per-call lines take these from closed vocabularies (registered tool names, error
# codes, route templates, HTTP methods); the same names on any other logger's line are scrubbed.
_OWN_LINES = frozenset({"naramarket.dispatch", "naramarket.http"})
_VOCABULARY = frozenset({"tool", "outcome", "route", "method"})
_OWN_VOCABULARY = _VOCABULARY | {"event"}


def redact_event(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask secret fields and secrets inside any string value.

    Only fields that can hold a secret are looked at: every string and container, except what the
    processors and the app's own per-call lines write from closed vocabularies."""
    return _redacted(event, _VOCABULARY if event.get("logger") in _OWN_LINES else frozenset())


def _redacted(event: MutableMapping[str, Any], vocabulary: frozenset[str]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if key in _WRITTEN_BY_US or key in vocabulary:
            continue
        if key in _MEASURES and (value is None or type(value) in (int, float)):
            continue
        event[key] = redact_field(key, value)
    return event


# The request's id (set by the HTTP telemetry layer) and the calling principal (set around a tool
# call): every line written meanwhile carries them. Two plain context variables, not structlog's
# ``bind_contextvars``: they are set on every request, and a set/reset of these costs a tenth.
REQUEST_ID: ContextVar[str | None] = ContextVar("naramarket.request_id", default=None)
PRINCIPAL: ContextVar[str | None] = ContextVar("naramarket.principal", default=None)


def add_call_context(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: the request id and principal of the request or call being served."""
    request_id = REQUEST_ID.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    principal = PRINCIPAL.get()
    if principal is not None:
        event.setdefault("principal", principal)
    return event


def add_trace_context(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the current OpenTelemetry trace and span ids, when a span is recording."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event


_encoder = msgspec.json.Encoder()


def _dumps(event: Any, default: Any = None, **_ignored: Any) -> str:
    """JSON for one log line: msgspec (UTF-8 as is, like ``ensure_ascii=False``), ``default`` for the rest."""
    try:
        return _encoder.encode(event).decode()
    except (TypeError, msgspec.EncodeError):
        return msgspec.json.encode(event, enc_hook=default or repr).decode()


_second: list[Any] = [-1, ""]  # the last whole second a line was stamped in, and its text


def _timestamp() -> str:
    """Now in UTC as ISO 8601 with microseconds (``2026-12-01T03:49:25.913470Z``), as structlog's
    ``TimeStamper(fmt="iso", utc=True)`` writes it; the date and time of day are formatted once per
    second."""
    now = time.time()
    second = int(now)
    if second != _second[0]:
        _second[1] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second[0] = second
    return f"{_second[1]}.{int((now - second) * 1_000_000):06d}Z"


_fast_handler: LineHandler | None = None  # the JSON handler configure_logging installed
_LEVEL_NAMES = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}


def own_line(logger: logging.Logger, level: int, event: str, fields: dict[str, Any]) -> None:
    """One of the app's own per-call lines (the tool call, the access line), level already checked;
    ``fields`` is the caller's fresh dict (its values may be replaced by their redaction).

    When the line would reach nothing but the JSON handler ``configure_logging`` installed (the
    server's case), it is built here as that handler would build it — the same processors, the
    same field order, redaction included — and written at once: no ``LogRecord``, no formatter
    chain. That is most of a small call's logging cost. Anything else (another handler, a filter,
    the console renderer, a test's capture) takes the ordinary ``logging`` path.
    """
    handler = _fast_handler
    root = logging.root
    if handler is None or len(root.handlers) != 1 or root.handlers[0] is not handler or handler.filters:
        logger.log(level, event, extra=fields)
        return
    node: logging.Logger | None = logger
    while node is not None and node is not root:  # nothing on the way up may see it differently
        if node.handlers or node.filters or not node.propagate or node.disabled:
            logger.log(level, event, extra=fields)
            return
        node = node.parent  # type: ignore[assignment]
    if level < handler.level:
        return
    line: dict[str, Any] = {"event": event}
    add_call_context(None, "", line)
    bound = sys.modules.get("structlog.contextvars")  # what code bound with structlog, if anything
    if bound is not None and getattr(bound, "_CONTEXT_VARS", True):
        bound.merge_contextvars(None, "", line)
    # Redacted as ``redact_event`` would, but only what can hold a secret: the context and the
    # fields (``event`` is the app's own literal here, so it joins the closed vocabularies);
    # level, logger, trace ids and time are written below.
    _redacted(line, _OWN_VOCABULARY)
    line["level"] = _LEVEL_NAMES.get(level) or logging.getLevelName(level).lower()
    line["logger"] = logger.name
    line.update(_redacted(fields, _OWN_VOCABULARY))
    if tracing_on():  # else no span can be recording
        add_trace_context(None, "", line)
    line["timestamp"] = _timestamp()
    try:
        data = _encoder.encode(line)
    except (TypeError, msgspec.EncodeError):
        data = msgspec.json.encode(line, enc_hook=repr)
    handler.write_own(data, event, level)


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stream handler ``configure_logging`` installs: every record through the formatter, and
    the app's per-call lines (``own_line``) already rendered, gathered over one turn of the event
    loop and written together.

    A per-call line written at once is one system call per request (stderr is line-buffered, and
    unbuffered under ``PYTHONUNBUFFERED``): a tenth of a small call's CPU when stderr is a file.
    Gathered, the lines of one turn go out in one write, microseconds later. Order is kept: any
    other record, and any flush, writes what is gathered first.
    """

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(stream)
        self._gathered: list[bytes] = []
        raw = getattr(stream, "buffer", None)
        utf8 = str(getattr(stream, "encoding", "")).lower().replace("-", "").replace("_", "") == "utf8"
        self._raw = raw if utf8 and hasattr(raw, "write") else None  # bytes go straight there

    def write_own(self, data: bytes, event: str, level: int) -> None:
        """Write one rendered per-call line (JSON bytes, no terminator)."""
        with self.lock:  # type: ignore[union-attr]  # StreamHandler always has one
            gathered = self._gathered
            gathered.append(data)
            if len(gathered) > 1:
                return  # the turn's first line scheduled the write
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (the CLI): at once
                self.flush()
                return
            loop.call_soon(self.flush)  # the first of this turn: write them when the turn ends

    def _write_gathered(self) -> None:
        if not self._gathered:
            return
        data = b"\n".join(self._gathered) + b"\n"
        self._gathered.clear()
        try:
            if self._raw is not None:
                self.stream.flush()  # whatever the text layer holds goes first
                self._raw.write(data)
            else:
                self.stream.write(data.decode())
        except Exception:  # as logging does: a broken stream never breaks the call
            self.handleError(logging.makeLogRecord({"msg": "per-call lines", "levelno": logging.ERROR}))

    def emit(self, record: logging.LogRecord) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_gathered()
        super().emit(record)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write_gathered()
        super().flush()


def _shared_processors() -> list[Any]:
    import structlog

    return [
        add_call_context,  # request_id, principal
        structlog.contextvars.merge_contextvars,  # whatever else code binds with structlog
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        add_trace_context,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(
    level: str | int = "info",
    fmt: str = "auto",
    *,
    stream: IO[str] | None = None,
    quiet: Iterable[str] = ("httpx", "httpcore"),
    access_log: bool = False,
) -> logging.Handler:
    """Route structlog, stdlib, uvicorn and httpx logs through one redacting handler on ``stream``.

    ``fmt`` is ``json``, ``console`` or ``auto`` (console on a TTY, JSON lines otherwise). Loggers
    in ``quiet`` (one line per upstream page) are held at WARNING unless ``level`` is DEBUG, and so
    is the per-request access line (``naramarket.http``) unless ``access_log``: a tool call logs
    one line of its own. Levels are checked before a line is built, so a line nobody reads costs
    no formatting, no redaction and no rendering. Calling it again replaces the handler it
    installed before; returns the handler.
    """
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "console" if getattr(stream, "isatty", lambda: False)() else "json"
    formatter = _Formatter(fmt)
    handler = LineHandler(stream)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)
    global _fast_handler
    _fast_handler = handler if fmt == "json" else None
    numeric = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    for name in quiet:
        logging.getLogger(name).setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)
    access = numeric if access_log or numeric <= logging.DEBUG else max(numeric, logging.WARNING)
    logging.getLogger(ACCESS_LOGGER).setLevel(access)

    # structlog (and, where installed, the rich and pygments its dev module imports) loads when a
    # line first needs it, not at start-up: stdio MCP answers ``initialize`` without it.
    global _structlog_level
    with _structlog_lock:
        _structlog_level = numeric
    if "structlog" in sys.modules:  # loaded already: nothing to save, configure it now
        _configure_structlog()
    return handler


_structlog_lock = threading.Lock()
_structlog_level: int | None = None  # the level configure_logging asked for, until structlog is set up


def _configure_structlog() -> None:
    """Apply the structlog configuration ``configure_logging`` asked for, once per call of it."""
    global _structlog_level
    with _structlog_lock:
        numeric, _structlog_level = _structlog_level, None
        if numeric is None:
            return
        import structlog

        structlog.configure(
            processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            logger_factory=structlog.stdlib.LoggerFactory(),
            # Below the level a structlog call returns at once: no processor runs, nothing is built.
            wrapper_class=structlog.make_filtering_bound_logger(numeric),
            cache_logger_on_first_use=True,
        )


def structlog_logger(name: str) -> Any:
    """``structlog.get_logger(name)``, with structlog loaded and configured by ``configure_logging``
    first (the app's modules ask here instead of importing structlog when they are imported)."""
    _configure_structlog()
    import structlog

    return structlog.get_logger(name)


class _Formatter(logging.Formatter):
    """structlog's ``ProcessorFormatter`` for every record that is not an own line (those are
    rendered by ``own_line``), built when the first such record is formatted."""

    def __init__(self, fmt: str) -> None:
        super().__init__()
        self._kind = fmt
        self._real: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        real = self._real
        if real is None:
            _configure_structlog()
            real = self._real = _processor_formatter(self._kind)
        return real.format(record)


def _processor_formatter(fmt: str) -> logging.Formatter:
    import structlog

    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer(serializer=_dumps)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # before redaction: tracebacks can hold URLs
            redact_event,
            renderer,
        ],
    )
