"""The fuzz suite (marker ``fuzz``; ``./dev test`` runs it, the fast loop does not): schemathesis
against ``/openapi.json`` in both auth modes, and hypothesis against the MCP scope gate and the
envelope decoder. Each test counts the cases it ran; the total is reported at the end of the run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CASES: Counter[str] = Counter()  # fuzz target -> cases run
SERVER_ERRORS: Counter[str] = Counter()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.fuzz)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(120))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CASES:
        return
    terminalreporter.section("fuzz")
    for target, count in sorted(CASES.items()):
        terminalreporter.write_line(f"{target}: {count} cases, {SERVER_ERRORS[target]} server errors")
    terminalreporter.write_line(
        f"total: {sum(CASES.values())} cases, {sum(SERVER_ERRORS.values())} server errors"
    )
