"""Fixtures for the sandbox upstream tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from .helpers import client_for, make_config


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """A client for a fresh sandbox with the pinned 2025 period and default settings."""
    async with client_for(make_config()) as http:
        yield http
