"""Export throughput and peak memory: ``naramarket export`` of N rows from the sandbox over TCP.

    .venv/bin/python benchmarks/bench_export.py [--rows 100000 1000000]

For each size a sandbox upstream (a process of its own, standing in for data.go.kr) holds that
many products in one category, and ``naramarket export crawl_list … -o FILE`` (a process of its
own: the engine, the kernel and every plugin, as a user runs it) writes them all to a CSV. Its
peak RSS comes from ``wait4``; rows/s and MB/s from the wall time of the export. The goal: the
peak at 1,000,000 rows at most 150 MB and at most 1.2x the peak at 100,000 rows (memory does not
grow with the size of the export).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from naramarket import sandbox
from tests.conftest import BIN, free_port, sandbox_environ

UPSTREAM = """
import sys
from naramarket import sandbox
config = sandbox.SandboxConfig(rows={"getMASCntrctPrdctInfoList": int(sys.argv[2])},
                               period_start="20250101", period_end="20251231")
sandbox.run("127.0.0.1", int(sys.argv[1]), config)
"""


def run(rows: int, folder: Path) -> dict[str, float]:
    port = free_port()
    upstream = subprocess.Popen(
        [sys.executable, "-c", UPSTREAM, str(port), str(rows)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/_sandbox/stats", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        env = sandbox_environ(
            NARAMARKET_SANDBOX="0",
            NARAMARKET_API_BASE=f"http://127.0.0.1:{port}/1230000",
            NARAMARKET_SERVICE_KEY=sandbox.DEFAULT_SERVICE_KEY,
            NARAMARKET_DATA_DIR=str(folder / f"data-{rows}"),
            NARAMARKET_RATE_LIMIT="0",
        )
        env.pop("NARAMARKET_LOAD_PLUGINS")  # every installed plugin, as a user has it
        out = folder / f"export-{rows}.csv"
        command = [
            str(BIN / "naramarket"),
            "export",
            "crawl_list",
            "category=데스크톱컴퓨터",
            "start_date=2025-01-01",
            "end_date=2025-12-31",
            "-o",
            str(out),
            "--no-progress",
        ]
        start = time.perf_counter()
        export = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(export.pid, 0)
        elapsed = time.perf_counter() - start
        export.returncode = os.waitstatus_to_exitcode(status)
        if export.returncode != 0:
            raise SystemExit(f"export failed: {export.stderr.read().decode() if export.stderr else ''}")
        size = out.stat().st_size
        with out.open("rb") as f:
            lines = sum(1 for _ in f) - 1
        assert lines == rows, (lines, rows)
        out.unlink()
        cpu = usage.ru_utime + usage.ru_stime
        return {
            "rows": rows,
            "seconds": elapsed,
            "mb": size / 1e6,
            "rss_mb": usage.ru_maxrss / 1024,
            "cpu": cpu,
        }
    finally:
        upstream.terminate()
        upstream.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = [run(n, Path(folder)) for n in args.rows]
    print("| rows | time (s) | rows/s | MB written | MB/s | exporter CPU (s) | peak RSS (MB) | vs smallest |")
    print("|---|---|---|---|---|---|---|---|")
    anchor = results[0]["rss_mb"]
    for r in results:
        print(
            f"| {r['rows']:,} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | {r['mb']:.0f} | "
            f"{r['mb'] / r['seconds']:.1f} | {r['cpu']:.0f} | {r['rss_mb']:.0f} | "
            f"{r['rss_mb'] / anchor:.2f}x |"
        )


if __name__ == "__main__":
    main()
