"""The shared page cache across two replicas on one real redis-server, against the sandbox over TCP.

    .venv/bin/python benchmarks/bench_shared_cache.py [--latency 0.1] [--runs 7] [--callers 100]

1. A repeated query: replica A asks a category first (its pages come from the upstream), then
   replica B asks the same (its pages come from the shared cache in Redis). Median time of each
   and their ratio, over ``--runs`` categories (each cold in its first call).
2. ``--callers`` identical concurrent requests, split over both replicas, on a cold cache: how
   many requests reached the upstream (the sandbox's own count), against one call alone.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from naramarket import sandbox
from naramarket.app import create_app
from naramarket.kernel import Settings
from tests.conftest import start_server
from tests.services import RedisServer

LIMIT = 200
CATEGORY = "데스크톱컴퓨터"


def upstream_total(url: str) -> int:
    return int(httpx.get(f"{url}/_sandbox/stats").json()["total_requests"])


async def call(http: httpx.AsyncClient, url: str, days_back: int) -> float:
    """crawl_list of one category over 60 days ending ``days_back`` ago (distinct days: distinct pages)."""
    end = dt.date.today() - dt.timedelta(days=days_back)
    query = {"category": CATEGORY, "limit": LIMIT, "page_size": 50, "end_date": end.isoformat(),
             "start_date": (end - dt.timedelta(days=60)).isoformat()}  # fmt: skip
    start = time.perf_counter()
    response = await http.post(f"{url}/api/v1/tools/crawl_list", json=query)
    response.raise_for_status()
    assert len(response.json()["items"]) == LIMIT, "the sandbox has too few records for this query"
    return time.perf_counter() - start


async def repeated(replicas: list[str], runs: int) -> tuple[list[float], list[float]]:
    cold, cached = [], []
    async with httpx.AsyncClient(timeout=60) as http:
        await call(http, replicas[0], 100)  # warm both replicas' connections
        await call(http, replicas[1], 101)
        for run in range(runs):
            cold.append(await call(http, replicas[0], run))
            cached.append(await call(http, replicas[1], run))
    return cold, cached


async def concurrent(replicas: list[str], callers: int, days_back: int) -> None:
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=callers)) as http:
        await asyncio.gather(*(call(http, replicas[i % 2], days_back) for i in range(callers)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--callers", type=int, default=100)
    args = ap.parse_args()

    redis = RedisServer().start()
    upstream = start_server(
        sandbox.create_app(
            sandbox.SandboxConfig(latency=args.latency, rows={"getMASCntrctPrdctInfoList": 5000})
        )
    )
    settings = Settings.from_env(
        {},
        api_base=f"{upstream.url}/1230000",
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        redis_url=redis.url,
        load_plugins=frozenset({"g2b_mall"}),
    )
    servers = [start_server(create_app(settings)), start_server(create_app(settings))]
    replicas = [s.url for s in servers]
    try:
        cold, cached = asyncio.run(repeated(replicas, args.runs))
        before = upstream_total(upstream.url)
        asyncio.run(concurrent(replicas, 1, 50))
        alone = upstream_total(upstream.url) - before
        before = upstream_total(upstream.url)
        asyncio.run(concurrent(replicas, args.callers, 51))
        together = upstream_total(upstream.url) - before
    finally:
        for server in servers:
            server.stop()
        upstream.stop()
        redis.stop()

    cold_s, cached_s = statistics.median(cold), statistics.median(cached)
    print(f"upstream latency {args.latency * 1000:.0f} ms, limit {LIMIT}, {args.runs} runs (medians)")
    print(f"  from the upstream (replica A, cold):   {cold_s * 1000:7.1f} ms")
    print(f"  from the shared cache (replica B):     {cached_s * 1000:7.1f} ms")
    print(f"  ratio cached / upstream:               {cached_s / cold_s:7.3f}")
    print(f"{args.callers} concurrent identical calls over 2 replicas, cold cache:")
    print(f"  upstream requests: {together}   (one call alone: {alone})")


if __name__ == "__main__":
    main()
