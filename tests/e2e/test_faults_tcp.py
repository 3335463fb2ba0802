"""The fetch engine against ``naramarket sandbox`` over real TCP, with injected faults.

The sandbox runs as its own process (the CLI command users run), so timeouts, resets and
truncated bodies are real socket events, not simulations inside one event loop.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import quote

import anyio
import httpx
import pytest

from naramarket import sandbox
from naramarket.app import make_kernel
from naramarket.datago import CLIENT, KeyNotRegistered, Listing
from naramarket.kernel import Settings
from naramarket.kernel.host import Kernel
from naramarket.plugins.g2b_mall import MAS_PRODUCTS, MallProduct
from tests.conftest import BIN, free_port

ROWS = 450
QUERY = {"prdctClsfcNoNm": "데스크톱컴퓨터"}


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """``naramarket sandbox --port N`` in a subprocess; yields its base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARAMARKET_")}
    proc = subprocess.Popen(
        [str(BIN / "naramarket"), "sandbox", "--port", str(port), "--seed", "7"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{base}/_sandbox/stats").raise_for_status()
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def configure(base: str, **config: object) -> None:
    deadline = time.monotonic() + 10
    while stats(base)["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.05)  # requests abandoned by a client time-out are still being answered
    httpx.post(f"{base}/_sandbox/reset").raise_for_status()
    patch = {"fault_rate": 0.0, "rows": {"getMASCntrctPrdctInfoList": ROWS}, "quota": None, **config}
    httpx.put(f"{base}/_sandbox/config", json=patch).raise_for_status()


def stats(base: str) -> dict:
    return httpx.get(f"{base}/_sandbox/stats").json()


def kernel_for(base: str, **overrides: object) -> Kernel:
    settings = Settings.from_env(
        {},
        api_base=f"{base}/1230000",
        service_key=overrides.pop("service_key", sandbox.DEFAULT_SERVICE_KEY),
        rate_limit=0,
        load_plugins=frozenset({"g2b_mall"}),
        **overrides,
    )
    return make_kernel(settings)


async def crawl(kernel: Kernel, **options: object) -> Listing[MallProduct]:
    async with kernel:
        client = kernel.resources[CLIENT]
        client.retry.base = client.retry.throttled_base = 0.005  # keep the test fast
        return await client.collect(MAS_PRODUCTS, QUERY, page_size=25, **{"limit": 100_000, **options})


def identities(listing: Listing[MallProduct]) -> list[tuple[str, str, str]]:
    return [(i.contract_no, i.contract_seq, i.product_id) for i in listing.items]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "faults",
    [
        ["http_500", "http_502", "http_503"],
        ["http_429", "code_23"],
        ["reset", "truncated", "malformed"],
    ],
)
async def test_transient_faults_lose_and_duplicate_nothing(upstream, faults):
    configure(upstream)
    clean = await crawl(kernel_for(upstream))
    configure(upstream, fault_rate=0.3, faults=faults)
    listing = await crawl(kernel_for(upstream))
    assert listing.complete is True
    assert identities(listing) == identities(clean)  # same records, same order
    assert len(set(identities(listing))) == ROWS
    seen = stats(upstream)
    assert seen["faults_injected"] > 0
    assert seen["total_requests"] > ROWS // 25  # the faulted pages were asked again


@pytest.mark.anyio
async def test_a_read_timeout_is_retried(upstream):
    configure(upstream, fault_rate=0.2, faults=["timeout"], timeout_sleep=3.0)
    listing = await crawl(kernel_for(upstream, timeout=0.5))
    assert listing.complete is True
    assert len(listing.items) == ROWS
    assert stats(upstream)["faults"].get("timeout", 0) > 0


@pytest.mark.anyio
async def test_daily_quota_returns_the_partial_result_and_next_continues_it(upstream):
    configure(upstream)
    clean = await crawl(kernel_for(upstream))
    configure(upstream, quota=5)
    partial = await crawl(kernel_for(upstream))
    assert (partial.complete, partial.reason) == (False, "upstream_stopped")
    assert partial.error is not None and partial.error.code == "quota_exceeded"
    seen = stats(upstream)
    # 22 is never retried: no page was asked twice (pages already in flight also got 22).
    assert seen["total_requests"] <= ROWS // 25
    assert seen["result_codes"]["22"] == seen["total_requests"] - 5
    assert len(partial.items) % 25 == 0  # whole pages, up to the first refused one
    assert partial.next is not None
    configure(upstream)  # a new day
    rest = await crawl(kernel_for(upstream), cursor=partial.next["cursor"])
    assert identities(partial) + identities(rest) == identities(clean)


@pytest.mark.anyio
async def test_concurrent_callers_share_one_cap(upstream):
    configure(upstream, latency=0.05)
    kernel = kernel_for(upstream, max_concurrency=4)
    async with kernel:
        results = []

        async def one() -> None:
            results.append(
                await kernel.dispatcher.call(
                    "crawl_list", {"category": "데스크톱컴퓨터", "page_size": 25, "limit": 500}
                )
            )

        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(one)
    assert [len(r.items) for r in results] == [ROWS] * 3
    assert stats(upstream)["max_in_flight"] == 4


@pytest.mark.anyio
async def test_encoding_key_is_sent_once_encoded_and_double_encoding_is_refused(upstream):
    configure(upstream)
    encoded = quote(sandbox.DEFAULT_SERVICE_KEY, safe="")  # the portal's "Encoding" key
    assert "%2B" in encoded
    listing = await crawl(kernel_for(upstream, service_key=encoded), limit=25)
    assert len(listing.items) == 25
    with pytest.raises(KeyNotRegistered) as info:
        await crawl(kernel_for(upstream, service_key=quote(encoded, safe="")), limit=25)
    assert "Decoding" in info.value.detail
    assert encoded not in info.value.detail and sandbox.DEFAULT_SERVICE_KEY not in info.value.detail
