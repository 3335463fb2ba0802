"""Logs: JSON lines on stderr's stand-in, secrets masked, context and trace ids bound, stdlib routed."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import quote, quote_plus

import pytest
import structlog
from opentelemetry import trace

from naramarket.kernel.host import REDACTED, register_secret
from naramarket.observability import configure_logging, own_line

KEY = "logs+MARKER/77=="
SPELLINGS = (KEY, quote(KEY, safe=""), quote(quote(KEY, safe=""), safe=""), quote_plus(KEY))


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    buffer = io.StringIO()
    configure_logging("info", "json", stream=buffer, quiet=())
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def records(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_registered_key_is_masked_in_every_spelling(lines):
    register_secret(KEY)
    for spelling in SPELLINGS:
        logging.getLogger("naramarket.test").info("GET /x?a=1&k=%s&b=2", spelling)
    assert [r["event"] for r in records(lines)] == [f"GET /x?a=1&k={REDACTED}&b=2"] * len(SPELLINGS)


def test_secrets_in_text_are_masked_even_when_unregistered(lines):
    logging.getLogger("naramarket.test").info(
        "GET /x?ServiceKey=abc%2Bdef&pageNo=1 Authorization: Bearer eyJ.abc.def password=hunter2"
    )
    out = lines.getvalue()
    assert "abc%2Bdef" not in out and "eyJ.abc.def" not in out and "hunter2" not in out
    assert "pageNo=1" in out


def test_httpx_request_lines_and_secret_fields_are_redacted(lines):
    register_secret(KEY)
    logging.getLogger("httpx").info(
        'HTTP Request: GET https://apis.data.go.kr/x?ServiceKey=%s "200"', quote(KEY)
    )
    structlog.get_logger("naramarket.test").info(
        "login", password="pw-123456", client_secret="s3cr3t", user="kim", note=f"key {KEY}"
    )
    out = lines.getvalue()
    assert all(spelling not in out for spelling in SPELLINGS)
    assert "pw-123456" not in out and "s3cr3t" not in out
    login = next(r for r in records(lines) if r["event"] == "login")
    assert login["password"] == REDACTED and login["user"] == "kim" and login["note"] == f"key {REDACTED}"


def test_exception_tracebacks_are_redacted_too(lines):
    register_secret(KEY)
    try:
        raise RuntimeError(f"failed on ?ServiceKey={KEY}")
    except RuntimeError:
        logging.getLogger("naramarket.test").exception("boom")
    assert KEY not in lines.getvalue()
    assert "RuntimeError" in records(lines)[-1]["exception"]


def test_context_variables_are_bound_into_each_line(lines):
    with structlog.contextvars.bound_contextvars(request_id="req-1", principal="alice"):
        logging.getLogger("uvicorn.error").warning("from uvicorn")
    (line,) = records(lines)
    assert line["request_id"] == "req-1" and line["principal"] == "alice"
    assert line["logger"] == "uvicorn.error" and line["level"] == "warning"


def test_lines_inside_a_recording_span_name_its_trace(lines, spans):
    logging.getLogger("naramarket.test").info("outside")
    with trace.get_tracer("tests").start_as_current_span("call") as span:
        logging.getLogger("naramarket.test").info("inside")
    outside, inside = records(lines)
    assert "trace_id" not in outside
    context = span.get_span_context()
    assert inside["trace_id"] == format(context.trace_id, "032x")
    assert inside["span_id"] == format(context.span_id, "016x")


def test_quiet_loggers_stay_at_warning_unless_debug():
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("httpx").level
    try:
        configure_logging("info", "json", stream=io.StringIO())
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
        configure_logging("debug", "json", stream=io.StringIO())
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.DEBUG
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("httpx").setLevel(saved[2])


def test_configuring_again_replaces_the_handler_and_bad_levels_are_refused():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    first, second = io.StringIO(), io.StringIO()
    try:
        configure_logging("info", "json", stream=first, quiet=())
        configure_logging("info", "json", stream=second, quiet=())
        logging.getLogger("naramarket.test").info("once")
        with pytest.raises(ValueError, match="unknown log level"):
            configure_logging("loud", "json", stream=io.StringIO())
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert first.getvalue() == "" and len(second.getvalue().splitlines()) == 1


def test_a_tty_gets_readable_lines_not_json():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = Tty()
    try:
        configure_logging("info", stream=stream, quiet=())
        logging.getLogger("naramarket.test").info("hello")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert "hello" in stream.getvalue() and not stream.getvalue().startswith("{")


def test_access_lines_only_when_asked_and_the_level_applies_to_the_apps_own_lines():
    """One line per call by default (the tool line); ``warning`` silences it; access lines opt in."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("naramarket.http").level
    default, silent, with_access = io.StringIO(), io.StringIO(), io.StringIO()
    try:
        for stream, level in ((default, "info"), (silent, "warning")):
            configure_logging(level, "json", stream=stream, quiet=())
            logging.getLogger("naramarket.http").info("http request")
            logging.getLogger("naramarket.dispatch").info("tool call")
            structlog.get_logger("naramarket.test").info("structlog line")
            logging.getLogger("naramarket.dispatch").warning("still here")
        configure_logging("info", "json", stream=with_access, quiet=(), access_log=True)
        logging.getLogger("naramarket.http").info("http request")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("naramarket.http").setLevel(saved[2])
    assert [r["event"] for r in records(default)] == ["tool call", "structlog line", "still here"]
    assert [r["event"] for r in records(silent)] == ["still here"]
    assert [r["event"] for r in records(with_access)] == ["http request"]


def test_the_per_call_lines_direct_writer_writes_what_logging_would(lines, spans):
    """``own_line`` skips ``logging``'s machinery when only our JSON handler would see the line; the
    line must be the one the handler writes (fields, order, redaction, context, trace ids)."""
    register_secret(KEY)
    logger = logging.getLogger("naramarket.dispatch")
    fields = {"tool": "crawl_list", "outcome": "ok", "count": 3, "duration_ms": 1.5, "note": f"k={KEY}"}

    root = logging.getLogger()
    handler = next(h for h in root.handlers if getattr(h, "_naramarket_handler", False))
    others = [h for h in root.handlers if h is not handler]  # pytest's capture: its own listener
    for other in others:
        root.removeHandler(other)

    def both() -> tuple[dict, dict]:
        own_line(logger, logging.WARNING, "tool call", dict(fields))
        handler.addFilter(lambda record: True)  # any filter sends the line through logging instead
        try:
            own_line(logger, logging.WARNING, "tool call", dict(fields))
        finally:
            handler.filters.clear()
        fast, slow = records(lines)[-2:]
        stamps = [datetime.fromisoformat(r.pop("timestamp").replace("Z", "+00:00")) for r in (fast, slow)]
        assert all(s.utcoffset() == timedelta(0) for s in stamps) and stamps[0] <= stamps[1]
        return fast, slow

    with (
        structlog.contextvars.bound_contextvars(request_id="req-9", principal=f"user {KEY}"),
        trace.get_tracer("tests").start_as_current_span("call"),
    ):
        try:
            fast, slow = both()
        finally:
            for other in others:
                root.addHandler(other)
    assert list(fast.items()) == list(slow.items())  # the same fields in the same order
    assert fast["principal"] == f"user {REDACTED}" and fast["note"] == f"k={REDACTED}"
    assert fast["request_id"] == "req-9" and len(fast["trace_id"]) == 32 and fast["level"] == "warning"
    assert KEY not in lines.getvalue()


def test_the_direct_writer_defers_to_logging_when_someone_else_listens(lines):
    """Another handler (a test's capture, an operator's extra sink) gets the per-call line too."""
    extra = io.StringIO()
    handler = logging.StreamHandler(extra)
    logging.getLogger("naramarket").addHandler(handler)
    try:
        own_line(logging.getLogger("naramarket.dispatch"), logging.INFO, "tool call", {"tool": "x"})
    finally:
        logging.getLogger("naramarket").removeHandler(handler)
    assert extra.getvalue().strip() == "tool call"
    assert [r["event"] for r in records(lines)] == ["tool call"]


class _Sink(io.RawIOBase):
    """A file's stand-in that records each write system call."""

    def __init__(self) -> None:
        self.calls: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.calls.append(bytes(data))
        return len(data)


def test_per_call_lines_on_stderr_go_out_once_per_turn_of_the_loop_in_order():
    """On a line-buffered stream (stderr) the per-call lines of one turn of the event loop are one
    write; any other line still comes out in the order it was logged."""
    sink = _Sink()
    stream = io.TextIOWrapper(io.BufferedWriter(sink), encoding="utf-8", line_buffering=True)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("info", "json", stream=stream, quiet=())
        for other in [h for h in root.handlers if not getattr(h, "_naramarket_handler", False)]:
            root.removeHandler(other)  # pytest's capture: the direct writer needs the handler alone
        calls = logging.getLogger("naramarket.dispatch")

        async def turn() -> int:
            for n in range(3):
                own_line(calls, logging.INFO, "tool call", {"tool": "t", "count": n})
            before = len(sink.calls)
            await asyncio.sleep(0)
            own_line(calls, logging.INFO, "tool call", {"tool": "t", "count": 3})
            logging.getLogger("naramarket.test").warning("another line")  # flushes what is pending
            own_line(calls, logging.INFO, "tool call", {"tool": "t", "count": 4})
            await asyncio.sleep(0)
            return before

        written_before_the_turn_ended = asyncio.run(turn())
        own_line(calls, logging.INFO, "tool call", {"tool": "t", "count": 5})  # no loop: at once
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert written_before_the_turn_ended == 0
    assert sink.calls[0].count(b"\n") == 3  # the first turn's three lines: one write
    lines = [json.loads(line) for line in b"".join(sink.calls).splitlines()]
    assert [line.get("count", line["event"]) for line in lines] == [0, 1, 2, 3, "another line", 4, 5]


def test_the_request_id_and_principal_of_the_request_being_served_reach_every_line(lines):
    """What the HTTP layer and a tool call set (observability.REQUEST_ID, PRINCIPAL) is in the per-call
    line and in any other line written meanwhile, and gone once they are reset."""
    from naramarket.observability.logging import PRINCIPAL, REQUEST_ID

    request, caller = REQUEST_ID.set("req-42"), PRINCIPAL.set("alice")
    try:
        own_line(logging.getLogger("naramarket.dispatch"), logging.INFO, "tool call", {"tool": "x"})
        logging.getLogger("naramarket.test").warning("meanwhile")
        structlog.get_logger("naramarket.test").warning("from structlog")
    finally:
        PRINCIPAL.reset(caller)
        REQUEST_ID.reset(request)
    logging.getLogger("naramarket.test").warning("afterwards")
    *during, after = records(lines)
    assert [r["event"] for r in during] == ["tool call", "meanwhile", "from structlog"]
    assert all(r["request_id"] == "req-42" and r["principal"] == "alice" for r in during)
    assert "request_id" not in after and "principal" not in after
