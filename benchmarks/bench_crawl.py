"""crawl_list over REST vs a minimal hand-written httpx client, against the sandbox over real TCP.

    .venv/bin/python benchmarks/bench_crawl.py [--rows 5000] [--latency 0.1] [--runs 5]

Both fetch the same pages of getMASCntrctPrdctInfoList (numOfRows=100): page 1, then the rest
with 10 in flight, over warm keep-alive connections. The lower bound is
latency + ceil((pages - 1) / cap) * latency. Also measured: the same with 20% transient faults
(HTTP 500/502/503/429, gateway 23, malformed and truncated bodies), and N concurrent callers
sharing the process-wide cap (max in-flight read from the sandbox's /_sandbox/stats).
"""

from __future__ import annotations

import argparse
import asyncio
import math
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

OP = "at/ShoppingMallPrdctInfoService/getMASCntrctPrdctInfoList"
CATEGORY = "데스크톱컴퓨터"
CAP = 10
TRANSIENT = ["http_500", "http_502", "http_503", "http_429", "code_23", "malformed", "truncated"]


async def minimal_client(base: str, rows: int, page_size: int) -> tuple[float, int]:
    """What a careful hand-written client does: page 1, then the rest at the cap, warm."""
    params = {
        "ServiceKey": sandbox.DEFAULT_SERVICE_KEY,
        "type": "json",
        "numOfRows": str(page_size),
        "prdctClsfcNoNm": CATEGORY,
    }
    limits = httpx.Limits(max_connections=CAP, max_keepalive_connections=CAP)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        sem = asyncio.Semaphore(CAP)

        async def get(page: int) -> list:
            async with sem:
                r = await client.get(OP, params={**params, "pageNo": str(page)})
                return r.json()["response"]["body"]["items"]

        await asyncio.gather(*(get(1) for _ in range(CAP)))  # warm CAP connections
        start = time.perf_counter()
        first = await client.get(OP, params={**params, "pageNo": "1"})
        body = first.json()["response"]["body"]
        pages = math.ceil(body["totalCount"] / page_size)
        rest = await asyncio.gather(*(get(p) for p in range(2, pages + 1)))
        elapsed = time.perf_counter() - start
        count = len(body["items"]) + sum(len(r) for r in rest)
        return elapsed, count


async def naramarket_call(url: str, page_size: int) -> tuple[float, int, bool]:
    """Every record through REST: one call of at most 500 (the contract's cap), then `next` as a
    program would follow it. Each further call asks page 1 of the window again (it tells the total
    and the order), so many calls cost more than one scan: bulk work belongs to export jobs."""
    arguments: dict = {"category": CATEGORY, "page_size": page_size, "limit": 500}
    items: list = []
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        start = time.perf_counter()
        while True:
            answer = await client.post("/api/v1/crawl/list", json=arguments)
            body = answer.json()
            if answer.status_code != 200 or "items" not in body:
                # Under faults a call can fail whole (e.g. page 1 failing every attempt): the
                # answer is a problem document, not a listing. Report it as an incomplete run.
                print(f"  call failed: {answer.status_code} {body.get('code')}", file=sys.stderr)
                return time.perf_counter() - start, len(items), False
            items += body["items"]
            if body["complete"] or body.get("reason") != "limit" or not body.get("next"):
                break
            arguments = body["next"]
        elapsed = time.perf_counter() - start
        unique = {(i["contract_no"], i["contract_seq"], i["product_id"]) for i in items}
        assert len(unique) == len(items), "duplicates in the result"
        return elapsed, len(items), body["complete"]


def stats(base: str) -> dict:
    return httpx.get(f"{base}/_sandbox/stats").json()


def reset(base: str, **config) -> None:
    httpx.post(f"{base}/_sandbox/reset")
    if config:
        httpx.put(f"{base}/_sandbox/config", json=config).raise_for_status()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--callers", type=int, default=3)
    args = ap.parse_args()

    config = sandbox.SandboxConfig(latency=args.latency, rows={"getMASCntrctPrdctInfoList": args.rows})
    upstream = start_server(sandbox.create_app(config))
    settings = Settings.from_env(
        {},
        api_base=f"{upstream.url}/1230000",
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        max_concurrency=CAP,
        rate_limit=0,
        cache_ttl="list=0,detail=0,stats=0",  # every run fetches: this measures the engine, not the cache
    )
    server = start_server(create_app(settings))
    pages = math.ceil(args.rows / args.page_size)
    bound = args.latency + math.ceil((pages - 1) / CAP) * args.latency
    base = f"{upstream.url}/1230000"

    asyncio.run(naramarket_call(server.url, args.page_size))  # warm naramarket's pool
    mins, nms, inflight = [], [], []
    for _ in range(args.runs):
        reset(upstream.url)
        t, n = asyncio.run(minimal_client(base, args.rows, args.page_size))
        assert n == args.rows, n
        mins.append(t)
        reset(upstream.url)
        t, n, complete = asyncio.run(naramarket_call(server.url, args.page_size))
        assert n == args.rows and complete, (n, complete)
        nms.append(t)
        inflight.append(stats(upstream.url)["max_in_flight"])

    faulty = []
    for run in range(args.runs):  # a different fault pattern each run, same records
        reset(upstream.url, fault_rate=0.2, faults=TRANSIENT, fault_seed=run)
        t, n, complete = asyncio.run(naramarket_call(server.url, args.page_size))
        # A page that fails all its attempts is reported (complete false, pages_failed), never
        # silently lost: count it rather than stop the benchmark.
        assert complete or n < args.rows, (n, complete)
        faulty.append((t, stats(upstream.url).get("faults_injected"), complete))
    reset(upstream.url, fault_rate=0.0)

    async def many() -> list[tuple[float, int, bool]]:
        calls = (naramarket_call(server.url, args.page_size) for _ in range(args.callers))
        return await asyncio.gather(*calls)

    reset(upstream.url)
    start = time.perf_counter()
    results = asyncio.run(many())
    together = time.perf_counter() - start
    assert all(n == args.rows for _, n, _ in results)
    shared_inflight = stats(upstream.url)["max_in_flight"]

    med_min, med_nm = statistics.median(mins), statistics.median(nms)
    med_fault = statistics.median(t for t, _, _ in faulty)
    whole = sum(1 for _, _, complete in faulty if complete)
    print(
        f"## crawl_list: {args.rows} products, {pages} pages of {args.page_size}, "
        f"latency {args.latency * 1000:.0f} ms, cap {CAP}, median of {args.runs}\n"
    )
    print("| run | time (s) | vs lower bound | notes |")
    print("|---|---|---|---|")
    print(f"| lower bound | {bound:.3f} | 1.00x | latency + ceil((pages-1)/cap) x latency |")
    print(f"| minimal httpx client | {med_min:.3f} | {med_min / bound:.2f}x | warm connections |")
    print(
        f"| naramarket REST `POST /api/v1/crawl/list` | {med_nm:.3f} | {med_nm / bound:.2f}x | "
        f"**{med_nm / med_min:.2f}x the minimal client**; upstream max in flight {max(inflight)} |"
    )
    print(
        f"| naramarket, 20% transient faults | {med_fault:.3f} | {med_fault / bound:.2f}x | "
        f"**{med_fault / med_nm:.2f}x fault-free**; complete in {whole} of {args.runs} runs (the "
        f"others report the page that failed every attempt); faults injected per run: "
        f"{[f for _, f, _ in faulty]}; per-run ratio "
        f"{min(t for t, _, _ in faulty) / med_nm:.2f}-{max(t for t, _, _ in faulty) / med_nm:.2f}x |"
    )
    print(
        f"| {args.callers} concurrent callers | {together:.3f} | {together / bound:.2f}x | "
        f"sharing one cap: upstream max in flight {shared_inflight} |"
    )
    server.stop()
    upstream.stop()


if __name__ == "__main__":
    main()
