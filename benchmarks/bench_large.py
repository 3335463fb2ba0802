"""Memory of large REST answers: idle RSS, the peak while 50,000 records go out, RSS afterwards.

    .venv/bin/pip install -e '.[bench]'      # psutil
    .venv/bin/python benchmarks/bench_large.py --rounds 3 [--rows 50000] [--baseline OTHER/.venv/bin]

``naramarket serve`` runs as users run it (its own process, every plugin loaded), against the
sandbox upstream in a process of its own (``naramarket sandbox``, told to hold ``--rows``
products of one category), so the figures are the server's alone. After a warm-up call, RSS is
read when idle; then the client reads every record with ``POST /api/v1/crawl/list`` (the largest
``limit`` one call takes, following ``next``) while RSS is sampled every 20 ms (peak), and read
again one second after the answers are done (after) and once the pages they cached have expired
and been swept (settled: ``--list-ttl`` plus one sweep period, ``SWEEP_EVERY``, plus a second).
The server runs with ``NARAMARKET_CACHE_TTL=list=SECONDS`` (``--list-ttl``, default 5, so a round
does not wait out the default 60 s; ``--list-ttl 60`` measures the default as users run it).
SSE is measured the same way through ``/api/v1/tools/crawl_list/stream``, after REST's settle.

A ``limit`` above ``MAX_LIMIT`` (500) is refused by every surface (the result contract: one answer
stays well under 1 MiB; more is an export job), so "a 50,000-item REST answer" is 100 answers of
500 read one after another (each written in pieces: ``adapters/streaming.py``).

Reported per round: idle, peak, after and settled RSS (MB), after/idle and settled/idle, the
time to read every record and the server's CPU time meanwhile (steadier than wall time here).
With ``--baseline`` another install's ``naramarket`` (e.g. main's venv) is measured in the same
round, so the two can be compared as ratios of the same minutes of this shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from bench_edges import free_port, rss_mb, server

BIN = Path(sys.executable).parent
OPERATION = "getMASCntrctPrdctInfoList"
CATEGORY = "데스크톱컴퓨터"
SERVICE_KEY = "naramarket+sandbox/key=="  # the sandbox's fake key (sandbox.DEFAULT_SERVICE_KEY)
PAGE = 500  # MAX_LIMIT: the most one answer may hold
SWEEP_EVERY = 5.0  # datago.shared.MemoryPageCache.SWEEP_EVERY: how often expired pages leave


def process(
    cmd: list[str], probe: str, env: dict[str, str] | None = None
) -> contextlib.AbstractContextManager[subprocess.Popen[bytes]]:
    """Run ``cmd`` (on any CPU) until the block ends; wait until ``probe`` answers."""
    return server(cmd, 0, probe, env=env, cpu=None)


class Sampler:
    """RSS of one process every 20 ms on a thread, while the block runs: the peak."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb(self.pid))


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used: steadier than wall time on a shared machine."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def span() -> dict[str, str]:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    return {"start_date": (today - dt.timedelta(days=364)).isoformat(), "end_date": today.isoformat()}


def read_rest(client: httpx.Client) -> int:
    """Every record through ``/api/v1/crawl/list``, ``PAGE`` per answer, following ``next``."""
    arguments: dict[str, object] = {"category": CATEGORY, "limit": PAGE, **span()}
    count = 0
    while True:
        r = client.post("/api/v1/crawl/list", json=arguments)
        assert r.status_code == 200, r.text[:500]
        body = r.json()
        count += len(body["items"])
        if body["complete"]:
            return count
        assert body["reason"] == "limit", {k: v for k, v in body.items() if k != "items"}
        arguments = body["next"]


def read_sse(client: httpx.Client) -> int:
    """Every record through ``/api/v1/tools/crawl_list/stream`` (``item`` events), following ``next``."""
    arguments: dict[str, object] = {"category": CATEGORY, "limit": PAGE, **span()}
    count = 0
    while True:
        result = None
        with client.stream("POST", "/api/v1/tools/crawl_list/stream", json=arguments) as r:
            assert r.status_code == 200, r.read()[:500]
            event = ""
            for line in r.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    if event == "item":
                        count += 1
                    elif event == "result":
                        result = json.loads(line[6:])
                    elif event == "error":
                        raise AssertionError(line)
        assert result is not None
        if result["complete"]:
            return count
        arguments = result["next"]


def measure(bin_dir: Path, upstream: str, rows: int, list_ttl: float) -> dict[str, float]:
    port = free_port()
    env = {
        "NARAMARKET_API_BASE": f"{upstream}/1230000",
        "NARAMARKET_SERVICE_KEY": SERVICE_KEY,
        "NARAMARKET_SANDBOX": "0",
        "NARAMARKET_RATE_LIMIT": "0",
        "NARAMARKET_AUTH": "off",
        "NARAMARKET_LOG_LEVEL": "warning",
        "NARAMARKET_CALL_BUDGET": "120",
        "NARAMARKET_CACHE_TTL": f"list={list_ttl:g}",
    }
    cmd = [str(bin_dir / "naramarket"), "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    out: dict[str, float] = {}
    with (
        process(cmd, f"{base}/api/v1/health", env) as proc,
        httpx.Client(base_url=base, timeout=300) as client,
    ):
        # Warm up: imports, connection pools, the sandbox's catalog (a small category).
        client.post("/api/v1/crawl/list", json={"category": "복합기", "limit": 5}).raise_for_status()
        time.sleep(0.5)
        out["idle MB"] = rss_mb(proc.pid)
        for surface, read in (("rest", read_rest), ("sse", read_sse)):
            start, cpu = time.perf_counter(), cpu_seconds(proc.pid)
            with Sampler(proc.pid) as sampler:
                got = read(client)
            out[f"{surface} seconds"] = time.perf_counter() - start
            out[f"{surface} server cpu s"] = cpu_seconds(proc.pid) - cpu
            assert got == rows, (surface, got, rows)
            out[f"{surface} peak MB"] = sampler.peak
            time.sleep(1.0)
            out[f"{surface} after MB"] = rss_mb(proc.pid)
            time.sleep(list_ttl + SWEEP_EVERY)  # every cached page expired, and a sweep since
            out[f"{surface} settled MB"] = rss_mb(proc.pid)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline", type=Path, help="another install's bin/ (e.g. main's .venv/bin)")
    ap.add_argument("--json", type=Path, help="write every round's figures here")
    ap.add_argument(
        "--list-ttl", type=float, default=5.0, help="the server's list page TTL (s); settled is read after it"
    )
    args = ap.parse_args()
    installs = {"this": BIN, **({"baseline": args.baseline} if args.baseline else {})}
    up_port = free_port()
    upstream = f"http://127.0.0.1:{up_port}"
    rounds: list[dict[str, float]] = []
    sandbox = [str(BIN / "naramarket"), "sandbox", "--port", str(up_port)]
    with process(sandbox, f"{upstream}/_sandbox/stats"):
        httpx.put(f"{upstream}/_sandbox/config", json={"rows": {OPERATION: args.rows}}).raise_for_status()
        for turn in range(args.rounds):
            figures: dict[str, float] = {}
            names = list(installs) if turn % 2 == 0 else list(reversed(installs))
            for name in names:
                for key, value in measure(installs[name], upstream, args.rows, args.list_ttl).items():
                    figures[f"{name} {key}"] = value
            rounds.append(figures)
            print(json.dumps(figures), file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(rounds, indent=2))
    report(rounds, list(installs), args.rows, args.list_ttl)


def report(rounds: list[dict[str, float]], installs: list[str], rows: int, list_ttl: float) -> None:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    print(
        f"## {rows:,} records over REST and SSE ({PAGE} per answer, list TTL {list_ttl:g} s), "
        f"median of {len(rounds)} rounds\n"
    )
    columns = ["install", "surface", "idle MB", "peak MB", "after MB", "after / idle", "settled MB"]
    columns += ["settled / idle", "seconds", "server CPU s"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for name in installs:
        for surface in ("rest", "sse"):

            def ratio(key: str, name: str = name, surface: str = surface) -> float:
                return statistics.median(
                    r[f"{name} {surface} {key} MB"] / r[f"{name} idle MB"] for r in rounds
                )

            print(
                f"| {name} | {surface.upper()} | {med(f'{name} idle MB'):.1f} | "
                f"{med(f'{name} {surface} peak MB'):.1f} | {med(f'{name} {surface} after MB'):.1f} | "
                f"{ratio('after'):.2f}× | {med(f'{name} {surface} settled MB'):.1f} | "
                f"{ratio('settled'):.2f}× | {med(f'{name} {surface} seconds'):.1f} | "
                f"{med(f'{name} {surface} server cpu s'):.1f} |"
            )


if __name__ == "__main__":
    main()
