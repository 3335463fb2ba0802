"""Secret redaction: one mechanism for every output (logs, spans, error documents).

Secrets are registered once (the service key, tokens); ``redact_text`` masks them in any spelling
(raw, percent-encoded, double-encoded) plus ``key=value`` assignments and bearer credentials that
were never registered. The log and trace set-up of the composition root both call it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "redact_field", "redact_text", "redact_value", "register_secret"]

REDACTED = "***"

# Fields whose value is a secret whatever it looks like.
_SECRET_FIELD = re.compile(
    r"(?i)(passw(or)?d|passwd|secret|token|authorization|api[_-]?key|service[_-]?key|cookie|credential)"
)
# Secrets written into text: query parameters, ``key: value`` pairs and bearer tokens.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(service_?key|api_?key|access_token|refresh_token|id_token|client_secret|password|token)"
    r"(\s*[=:]\s*)(\"?)[^&\s\"',;]+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# Process-wide on purpose: a secret must stay masked in every output of the process, including
# log lines written by libraries that never see a kernel object.
_secrets: set[str] = set()
_longest_first: list[str] = []  # _secrets in the order they are masked (a key inside a longer one)


def register_secret(value: str | None) -> None:
    """Redact ``value`` (and its percent-encoded spellings) from every output from now on."""
    if not value or len(value) < 4:  # a 1-3 character "secret" would shred ordinary text
        return
    once = quote(value, safe="")
    _secrets.update({value, once, quote(once, safe=""), quote_plus(value)})
    _longest_first[:] = sorted(_secrets, key=len, reverse=True)


def redact_text(text: str) -> str:
    """``text`` with every registered secret, ``ServiceKey=…``-style value and bearer token masked."""
    for secret in _longest_first:
        if secret in text:
            text = text.replace(secret, REDACTED)
    # Most text skips the scans: no assignment without = or :, no bearer without whitespace.
    if "=" in text or ":" in text:
        text = _SECRET_ASSIGNMENT.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{REDACTED}", text)
    if " " in text or not text.isprintable():  # any whitespace but " " is unprintable
        text = _BEARER.sub(lambda m: f"{m[1]} {REDACTED}", text)
    return text


def redact_value(value: Any) -> Any:
    """``value`` with secrets masked in every string, mapping and sequence inside it."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_field(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


@functools.lru_cache(maxsize=1024)  # field names repeat: every log line and span has the same few
def _secret_field(key: str) -> bool:
    return _SECRET_FIELD.search(key) is not None


def redact_field(key: str, value: Any) -> Any:
    """The value of field ``key``: masked whole when the name says it is a secret, else scrubbed."""
    if key != "event" and _secret_field(key) and value not in (None, "", True, False):
        return REDACTED
    return redact_value(value)
