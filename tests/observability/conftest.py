"""Fixtures of the observability tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.observability.spans import Spans, session_spans


@pytest.fixture
def spans() -> Iterator[Spans]:
    """The session's span recorder, emptied for this test."""
    recorded = session_spans()
    recorded.clear()
    yield recorded
    recorded.clear()
