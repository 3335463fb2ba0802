"""End-to-end tests: real sockets, subprocess servers, fresh venvs, long fault runs.

Every test under ``tests/e2e/`` is marked ``e2e`` (the default ``pytest`` run deselects them; ``./dev
test`` runs them) and gets a generous time-out unless it sets its own ``@pytest.mark.timeout``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from naramarket.app import create_app
from tests.conftest import LiveServer, sandbox_settings, start_server

HERE = Path(__file__).resolve().parent
E2E_TIMEOUT = 180  # seconds; the default run's per-test limit (pyproject) is much lower


@pytest.hookimpl(tryfirst=True)  # before "-m" deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(E2E_TIMEOUT))


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """One sandbox-backed naramarket server (g2b_mall only) on a loopback port, for read-only tests."""
    live = start_server(create_app(sandbox_settings()))
    yield live
    live.stop()
