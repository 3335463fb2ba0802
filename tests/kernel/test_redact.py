"""Redaction's fast paths skip the regex scans only where they cannot match: property-checked
against the plain scans on text made of the characters that matter."""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from naramarket.kernel import redact
from naramarket.kernel.redact import REDACTED, redact_field, redact_text


def plain(text: str) -> str:
    """redact_text without its shortcuts (what it did before them)."""
    for secret in sorted(redact._secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = redact._SECRET_ASSIGNMENT.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{REDACTED}", text)
    return redact._BEARER.sub(lambda m: f"{m[1]} {REDACTED}", text)


def test_every_whitespace_but_the_space_is_unprintable():
    """The bearer shortcut rests on this: a string with no space that is printable has no ``\\s``."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c))]
    assert spaces and all(c == " " or not c.isprintable() for c in spaces)


WORDS = st.sampled_from(
    [
        "Bearer",
        "bAsIc",
        "token",
        "ServiceKey",
        "password",
        "api_key",
        "=",
        ":",
        " ",
        "\t",
        "\u3000",
        "\xa0",
        "\n",
        "abc",
        "eyJ.x-y",
        "%2B",
        "&",
        '"',
        "0123abcdef",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=12).map("".join))
def test_the_shortcuts_never_change_what_is_masked(text):
    assert redact_text(text) == plain(text)


def test_field_names_still_decide_and_values_are_still_scrubbed():
    assert redact_field("client_secret", "x") == REDACTED
    assert redact_field("Authorization", "Bearer abc") == REDACTED
    assert redact_field("request_id", "0123456789abcdef") == "0123456789abcdef"
    assert (
        redact_field("note", "see token=abc and Bearer xyz") == f"see token={REDACTED} and Bearer {REDACTED}"
    )
