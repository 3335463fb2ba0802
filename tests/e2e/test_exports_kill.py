"""An export killed with ``kill -9`` resumes by itself when the server restarts, to the same bytes.

Real processes on loopback: a sandbox upstream (fixed records, some latency), and ``naramarket
serve`` started, killed with SIGKILL mid-export, and started again on the same data folder.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from naramarket import sandbox
from tests.conftest import BIN, free_port, sandbox_environ

ROWS = 40_000
QUERY = {"category": "데스크톱컴퓨터", "start_date": "2025-01-01", "end_date": "2025-12-31"}
UPSTREAM = """
import sys
from naramarket import sandbox
config = sandbox.SandboxConfig(rows={"getMASCntrctPrdctInfoList": int(sys.argv[2])}, period_start="20250101",
                               period_end="20251231", latency=0.1)
sandbox.run("127.0.0.1", int(sys.argv[1]), config)
"""


def wait_for(url: str, process: subprocess.Popen[bytes], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert process.poll() is None, "the process exited"
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def serve(data_dir: Path, upstream: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = sandbox_environ(
        NARAMARKET_SANDBOX="0",
        NARAMARKET_API_BASE=upstream,
        NARAMARKET_SERVICE_KEY=sandbox.DEFAULT_SERVICE_KEY,
        NARAMARKET_DATA_DIR=str(data_dir),
        NARAMARKET_RATE_LIMIT="0",
    )
    process = subprocess.Popen(
        [str(BIN / "naramarket"), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/api/v1/health", process)
    return process, url


def poll(url: str, job_id: str, until: Any, within: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/api/v1/jobs/{job_id}", timeout=5).json()
        if until(job):
            return job
        assert job["state"] in ("queued", "running"), job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not get there: {job}")


def export(url: str) -> str:
    r = httpx.post(f"{url}/api/v1/exports", json={"tool": "crawl_list", "params": QUERY}, timeout=10)
    assert r.status_code == 202, r.text
    return str(r.json()["job_id"])


def sha256(url: str, job: dict[str, Any]) -> str:
    r = httpx.get(url + job["file_url"], timeout=30)
    assert r.status_code == 200
    return hashlib.sha256(r.content).hexdigest()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(10)


def test_an_export_killed_mid_way_finishes_after_a_restart_with_the_same_sha256(tmp_path: Path) -> None:
    port = free_port()
    upstream = subprocess.Popen(
        [sys.executable, "-c", UPSTREAM, str(port), str(ROWS)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/1230000"
    try:
        wait_for(f"http://127.0.0.1:{port}/_sandbox/stats", upstream)

        reference, url = serve(tmp_path / "reference", base)
        try:
            job = poll(url, export(url), lambda j: j["state"] == "done")
            assert job["rows"] == ROWS
            expected = sha256(url, job)
        finally:
            stop(reference)

        first, url = serve(tmp_path / "killed", base)
        try:
            job_id = export(url)
            seen = poll(url, job_id, lambda j: j["rows"] >= 10_000)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
        finally:
            stop(first)
        assert seen["state"] == "running" and seen["rows"] < ROWS

        again, url = serve(tmp_path / "killed", base)
        try:
            # Nobody asks it to resume: the restarted server does by itself.
            job = poll(url, job_id, lambda j: j["state"] == "done")
            assert job["rows"] == ROWS
            assert sha256(url, job) == expected
            assert list((tmp_path / "killed" / "exports" / "tmp").iterdir()) == []
            progress = [
                line for line in httpx.get(f"{url}{job['events_url']}", timeout=10).text.split("\n\n")
            ]
            assert (
                sum("event: running" in block for block in progress) == 2
            )  # started twice, once per process
        finally:
            stop(again)
    finally:
        stop(upstream)
