"""The real app with the export service, over an in-process sandbox whose records are fixed.

The sandbox's period lies in the past, so its records do not move with the clock; ``rows`` sets
how many products the category has. Chunks are made small so a few thousand rows take several
calls and checkpoints.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from naramarket import sandbox
from naramarket.app import SANDBOX_API_BASE, create_app, make_kernel
from naramarket.exports import service as export_service
from naramarket.kernel import Settings
from naramarket.kernel.host import make_plugin_manager
from tests.inprocess import Served, serve

OP = "getMASCntrctPrdctInfoList"
CATEGORY = "데스크톱컴퓨터"
QUERY = {"category": CATEGORY, "start_date": "2025-01-01", "end_date": "2025-12-31"}
PERIOD = {"period_start": "20250101", "period_end": "20251231"}


def sandbox_config(rows: int = 2600, **extra: Any) -> sandbox.SandboxConfig:
    """A sandbox whose category holds ``rows`` products registered in 2025."""
    return sandbox.SandboxConfig(rows={OP: rows}, **PERIOD, **extra)


def export_app(
    data_dir: Path, upstream: Any, *, plugins: tuple[str, ...] = ("g2b_mall", "exports"), **overrides: Any
) -> Any:
    """The real app (REST, SSE, MCP) whose upstream is the ASGI app ``upstream``."""
    values: dict[str, Any] = {
        "rate_limit": 0,
        "data_dir": str(data_dir),
        "api_base": SANDBOX_API_BASE,
        "service_key": sandbox.DEFAULT_SERVICE_KEY,
        **overrides,
    }
    settings = Settings.from_env({}, **values)
    kernel = make_kernel(
        settings,
        transport=httpx.ASGITransport(app=upstream),
        plugin_manager=make_plugin_manager(allow=plugins),
    )
    return create_app(settings, kernel=kernel)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """700 rows a call: a 2,600-row export takes four calls and four checkpoints."""
    monkeypatch.setattr(export_service, "CHUNK_ROWS", 700)
    return 700


@pytest.fixture
def upstream() -> Any:
    """The in-process sandbox (2,600 products in the category)."""
    return sandbox.create_app(sandbox_config())


@pytest.fixture
async def served(tmp_path: Path, upstream: Any) -> AsyncIterator[Served]:
    async with serve(export_app(tmp_path / "data", upstream)) as running:
        yield running


async def finished(
    http: httpx.AsyncClient, job_id: str, states: tuple[str, ...] = ("done", "failed", "cancelled", "paused")
) -> dict[str, Any]:
    """Poll the job until it reaches one of ``states``."""
    with anyio.fail_after(12):
        while True:
            job = (await http.get(f"/api/v1/jobs/{job_id}")).json()
            if job["state"] in states:
                return job
            await anyio.sleep(0.05)
