"""An aggregate over 50,000 rows: analyze_mall_prices vs reading the rows, over real TCP.

    .venv/bin/python benchmarks/bench_aggregate.py [--rows 50000] [--latency 0.0] [--runs 3]

Each measurement runs in a fresh process (peak RSS, ``ru_maxrss``, only grows) holding the
naramarket server and the client, with the sandbox upstream in a process of its own, on loopback:

- **aggregate**: ``POST /api/v1/tools/analyze_mall_prices`` with ``group_by=maker``: the server
  scans every row and answers quartiles per maker (a few KB);
- **rows** (the anchor): every row through ``POST /api/v1/crawl/list`` following ``next`` (limit
  500 a call), collected by the client, as an agent or program without server-side aggregates
  would do before computing the same statistics itself.

Reported: seconds, rows/s, peak RSS and its growth over the process's RSS once both servers are
up (the baseline), and the ratios aggregate/rows. The aggregate streams: its RSS growth stays
about flat as ``--rows`` grows (run with --rows 10000 and 50000 to see), while reading the rows
grows with them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OP = "getMASCntrctPrdctInfoList"
CATEGORY = "데스크톱컴퓨터"
# Every row the sandbox has: its records spread over the year up to today (KST).
SPAN = {
    "start_date": "2020-01-01",
    "end_date": dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date().isoformat(),
}


def rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def current_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def aggregate(url: str) -> tuple[int, dict]:
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        r = await client.post(
            "/api/v1/tools/analyze_mall_prices", json={"category": CATEGORY, "group_by": "maker", **SPAN}
        )
        body = r.json()
        assert r.status_code == 200, r.text
        assert body["scan"]["complete"], body["scan"]
        return body["scan"]["rows_read"], body


async def rows(url: str) -> tuple[int, list]:
    items: list = []
    arguments: dict = {"category": CATEGORY, "limit": 500, **SPAN}
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        while True:
            body = (await client.post("/api/v1/crawl/list", json=arguments)).json()
            items += body["items"]
            if body["complete"] or body["reason"] != "limit":
                break
            arguments = body["next"]
    prices = sorted(i["price"] for i in items if i["price"] is not None)
    statistics.quantiles(prices, n=4, method="inclusive")  # what the client then computes
    return len(items), items


def upstream_process(n_rows: int, latency: float, port: int) -> None:
    """The sandbox upstream in its own process, so the child's RSS is naramarket's alone."""
    from naramarket import sandbox

    config = sandbox.SandboxConfig(latency=latency, rows={OP: n_rows})
    sandbox.server.run(port=port, config=config)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child(mode: str, n_rows: int, latency: float) -> None:
    import multiprocessing

    from naramarket.app import create_app
    from naramarket.kernel import Settings
    from naramarket.sandbox import DEFAULT_SERVICE_KEY
    from tests.conftest import start_server

    port = free_port()
    upstream = multiprocessing.get_context("spawn").Process(
        target=upstream_process, args=(n_rows, latency, port), daemon=True
    )
    upstream.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/_sandbox/stats", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    settings = Settings.from_env(
        {},
        api_base=f"{url}/1230000",
        service_key=DEFAULT_SERVICE_KEY,
        rate_limit=0,
        call_budget=600.0,
        load_plugins=frozenset({"g2b_mall", "g2b_analytics"}),
    )
    server = start_server(create_app(settings))
    # Warm up both servers (connection pools, the sandbox's catalog, imports) on a small category.
    httpx.post(f"{server.url}/api/v1/crawl/list", json={"category": "복합기", "limit": 5}, timeout=60)
    base = current_rss_kb()
    start = time.perf_counter()
    n, _held = asyncio.run(aggregate(server.url) if mode == "aggregate" else rows(server.url))
    elapsed = time.perf_counter() - start
    print(json.dumps({"mode": mode, "rows": n, "seconds": elapsed, "peak_kb": rss_kb(), "base_kb": base}))
    upstream.terminate()


def measure(mode: str, n_rows: int, latency: float) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--rows", str(n_rows), "--latency", str(latency)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", choices=["aggregate", "rows"])
    args = ap.parse_args()
    if args.child:
        child(args.child, args.rows, args.latency)
        return
    results: dict[str, list[dict]] = {"aggregate": [], "rows": []}
    for _ in range(args.runs):
        for mode in results:
            result = measure(mode, args.rows, args.latency)
            assert result["rows"] == args.rows, result
            results[mode].append(result)

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    t_agg, t_rows = med("aggregate", "seconds"), med("rows", "seconds")
    grow_agg = statistics.median(r["peak_kb"] - r["base_kb"] for r in results["aggregate"]) / 1024
    grow_rows = statistics.median(r["peak_kb"] - r["base_kb"] for r in results["rows"]) / 1024
    print(
        f"## analyze_mall_prices over {args.rows:,} rows (group_by maker), latency "
        f"{args.latency * 1000:.0f} ms, median of {args.runs} fresh processes\n"
    )
    print("| run | time (s) | rows/s | peak RSS (MiB) | RSS growth (MiB) |")
    print("|---|---|---|---|---|")
    for mode, label in (
        ("rows", "rows via crawl_list + next (anchor)"),
        ("aggregate", "analyze_mall_prices"),
    ):
        t = med(mode, "seconds")
        grow = grow_rows if mode == "rows" else grow_agg
        print(
            f"| {label} | {t:.2f} | {args.rows / t:,.0f} | {med(mode, 'peak_kb') / 1024:.0f} | {grow:.0f} |"
        )
    print(
        f"\naggregate / rows: time {t_agg / t_rows:.2f}x, RSS growth {grow_agg / max(grow_rows, 1e-9):.2f}x"
    )


if __name__ == "__main__":
    main()
