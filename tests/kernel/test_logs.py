"""Logs: JSON lines on stderr's stand-in, secrets masked, context ids bound, stdlib routed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import structlog

from naramarket.kernel.logs import REDACTED, configure_logging, redact_text, register_secret

KEY = "logs+MARKER/77=="


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


def test_a_registered_key_is_masked_in_every_spelling():
    register_secret(KEY)
    for spelling in (KEY, quote(KEY, safe=""), quote(quote(KEY, safe=""), safe="")):
        assert redact_text(f"GET /x?a=1&k={spelling}&b=2") == f"GET /x?a=1&k={REDACTED}&b=2"


def test_secrets_in_text_are_masked_even_when_unregistered():
    text = redact_text(
        "GET /x?ServiceKey=abc%2Bdef&pageNo=1 Authorization: Bearer eyJ.abc.def password=hunter2"
    )
    assert "abc%2Bdef" not in text and "eyJ.abc.def" not in text and "hunter2" not in text
    assert "pageNo=1" in text


def test_httpx_request_lines_and_secret_fields_are_redacted(lines):
    register_secret(KEY)
    logging.getLogger("httpx").info(
        'HTTP Request: GET https://apis.data.go.kr/x?ServiceKey=%s "200"', quote(KEY)
    )
    structlog.get_logger("naramarket.test").info(
        "login", password="pw-123456", client_secret="s3cr3t", user="kim"
    )
    out = lines.getvalue()
    assert quote(KEY) not in out and KEY not in out
    assert "pw-123456" not in out and "s3cr3t" not in out
    login = next(r for r in records(lines) if r["event"] == "login")
    assert login["password"] == REDACTED and login["user"] == "kim"


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
