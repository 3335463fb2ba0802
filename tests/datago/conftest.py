"""Shared fixtures of the kernel tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Run ``@pytest.mark.anyio`` tests on asyncio only (the server's event loop)."""
    return "asyncio"
