"""The compose topology without containers: two replicas, redis-server and nginx on loopback.

Every part is a real process: the sandbox upstream (``naramarket sandbox``), ``redis-server``, two
``naramarket serve`` replicas sharing it, and ``nginx`` running the shipped
deployments/nginx/nginx.conf (only the replicas' addresses and the listen port replaced). What the
upstream saw is read from the sandbox's own counters (``/_sandbox/stats``).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client

from tests.adapters.test_mcp_resume import CuttingProxy
from tests.conftest import BIN, free_port, sandbox_environ
from tests.deployments.test_configs import loopback_nginx_conf
from tests.inprocess import sse_events
from tests.services import RedisServer, binary

pytestmark = pytest.mark.anyio

SANDBOX_KEY = "naramarket+sandbox/key=="
RATE = 4.0  # the cluster's configured upstream requests per second
UPSTREAM_TPS = 5  # the sandbox gateway refuses (code 23) above this many calls per second


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered at {url}")


@dataclass
class Topology:
    sandbox: str
    replicas: list[str]
    front: str
    redis: RedisServer
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def stats(self) -> dict:
        return httpx.get(f"{self.sandbox}/_sandbox/stats").json()

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=15)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    nginx = binary("nginx")
    tmp = tmp_path_factory.mktemp("topology")
    redis = RedisServer().start()
    env = sandbox_environ()
    env.pop("NARAMARKET_SANDBOX")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        sandbox_port = free_port()
        processes["sandbox"] = start(
            [str(BIN / "naramarket"), "sandbox", "--port", str(sandbox_port), "--latency", "0.05"],
            env,
            tmp / "sandbox.log",
        )
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        wait_http(f"{sandbox}/_sandbox/stats")
        httpx.put(f"{sandbox}/_sandbox/config", json={"max_tps": UPSTREAM_TPS}).raise_for_status()
        replica_env = {
            **env,
            "NARAMARKET_API_BASE": f"{sandbox}/1230000",
            "NARAMARKET_SERVICE_KEY": SANDBOX_KEY,
            "NARAMARKET_REDIS_URL": redis.url,
            "NARAMARKET_RATE_LIMIT": str(RATE),
            "NARAMARKET_MAX_CONCURRENCY": "4",
            "NARAMARKET_QUOTA_DAILY": "1000",
            "NARAMARKET_AUTH": "off",
        }
        ports = [free_port(), free_port()]
        for index, port in enumerate(ports, start=1):
            processes[f"replica-{index}"] = start(
                [str(BIN / "naramarket"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                replica_env,
                tmp / f"replica-{index}.log",
            )
        replicas = [f"http://127.0.0.1:{port}" for port in ports]
        for url in replicas:
            wait_http(f"{url}/api/v1/health/ready")
        front_port = free_port()
        conf = loopback_nginx_conf(tmp, ports, front_port)
        processes["nginx"] = start(
            [nginx, "-c", str(conf), "-e", str(tmp / "nginx-error.log"), "-g", "daemon off;"],
            env,
            tmp / "nginx.log",
        )
        front = f"http://127.0.0.1:{front_port}"
        wait_http(f"{front}/api/v1/health")
        yield Topology(sandbox, replicas, front, redis, processes)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=15)
        redis.stop()


def crawl(category: str, limit: int = 10) -> dict:
    return {"category": category, "limit": limit, "page_size": limit}


def forget_cached_pages(redis: RedisServer) -> None:
    import redis as redis_py

    client = redis_py.Redis.from_url(redis.url)
    for key in client.scan_iter("naramarket:page*"):
        client.delete(key)
    client.close()


async def test_the_same_page_through_both_replicas_at_once_reaches_the_upstream_once(
    topology: Topology,
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        # one call alone: how many upstream pages this question takes
        before = topology.stats()["total_requests"]
        alone = await http.post(f"{topology.replicas[0]}/api/v1/tools/crawl_list", json=crawl("노트북컴퓨터"))
        pages = topology.stats()["total_requests"] - before
        assert alone.status_code == 200 and pages >= 1
        forget_cached_pages(topology.redis)
        answers = []

        async def ask(url: str) -> None:
            answers.append(await http.post(f"{url}/api/v1/tools/crawl_list", json=crawl("노트북컴퓨터")))

        before = topology.stats()["total_requests"]
        async with anyio.create_task_group() as group:
            for i in range(12):
                group.start_soon(ask, topology.replicas[i % 2])
    assert [a.status_code for a in answers] == [200] * 12
    assert {a.json()["items"] == alone.json()["items"] for a in answers} == {True}
    # twelve callers on two replicas at once: each page was fetched from the upstream once
    assert topology.stats()["total_requests"] - before == pages


async def test_a_burst_never_exceeds_the_rate_at_the_upstream_and_the_ledger_counts_exactly(
    topology: Topology,
) -> None:
    categories = [f"품목{i}" for i in range(16)]  # distinct queries: nothing comes from the cache
    before = topology.stats()
    async with httpx.AsyncClient(timeout=60) as http:
        answers = []

        async def ask(category: str) -> None:
            answers.append(await http.post(f"{topology.front}/api/v1/tools/crawl_list", json=crawl(category)))

        async with anyio.create_task_group() as group:
            for category in categories:
                group.start_soon(ask, category)
        info = (await http.get(f"{topology.front}/api/v1/server/info")).json()
    after = topology.stats()
    assert [a.status_code for a in answers] == [200] * len(categories)
    assert after["total_requests"] - before["total_requests"] == len(categories)
    # the gateway refuses above UPSTREAM_TPS a second; the cluster paced itself under it
    assert after["result_codes"].get("23", 0) == 0
    quota = info["upstream_quota"]
    assert quota["shared_by"] == "redis" and quota["daily_limit"] == 1000
    # one ledger for both replicas: it counted every call the upstream received, no more, no less
    assert sum(op["used"] for op in quota["operations"].values()) == after["total_requests"]
    (used,) = quota["operations"].values()
    assert used["remaining"] == 1000 - used["used"]


async def test_sse_passes_through_nginx_as_it_is_produced(topology: Topology) -> None:
    seen: list[tuple[float, str]] = []
    async with (
        httpx.AsyncClient(timeout=60) as http,
        http.stream(
            "POST",
            f"{topology.front}/api/v1/tools/crawl_list/stream",
            json={"category": "의자", "limit": 80, "page_size": 10},
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                seen.append((time.monotonic(), line.split(":", 1)[1].strip()))
    kinds = [kind for _, kind in seen]
    assert kinds[-1] == "result" and "item" in kinds
    # eight pages at RATE (4) a second, past the bucket's burst: the first items arrive
    # well before the result does, not all at once at the end (buffered: 0 s apart)
    first_item = next(t for t, kind in seen if kind == "item")
    assert seen[-1][0] - first_item > 0.3


async def test_an_mcp_session_works_through_nginx(topology: Topology) -> None:
    async with Client(f"{topology.front}/mcp", mode="legacy") as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool("crawl_list", crawl("책상", 5))
    assert "crawl_list" in [t.name for t in tools]
    assert result.is_error is not True and len(result.structured_content["items"]) == 5


async def test_an_sse_stream_cut_at_nginx_resumes_on_either_replica(topology: Topology) -> None:
    text = ""
    body = {"category": "사물함", "limit": 80, "page_size": 10}  # eight pages at RATE per second
    async with httpx.AsyncClient(timeout=60) as http:
        async with http.stream("POST", f"{topology.front}/api/v1/tools/crawl_list/stream", json=body) as r:
            stream_id = r.headers["x-stream-id"]
            async for chunk in r.aiter_text():
                text += chunk
                if "event: item" in text and text.endswith("\n\n"):
                    break  # the client's connection drops here
        seen = sse_events(text)
        last = seen[-1][0]
        answers = [
            await http.get(f"{url}/api/v1/streams/{stream_id}", headers={"Last-Event-ID": str(last)})
            for url in topology.replicas
        ]
    assert [a.status_code for a in answers] == [200, 200]
    missed = [sse_events(a.text) for a in answers]
    assert missed[0] == missed[1]  # the same events whichever replica is asked (kept in Redis)
    assert [i for i, _, _ in missed[0]] == list(range(last + 1, last + 1 + len(missed[0])))
    assert missed[0][-1][1] == "error" and missed[0][-1][2]["code"] == "client_gone"


async def test_an_mcp_stream_cut_in_front_of_nginx_resumes_from_redis(topology: Topology) -> None:
    proxy = CuttingProxy(topology.front)
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        if not progress:
            proxy.cut()  # the network drops after the first page
        progress.append(done)

    try:
        async with Client(f"{proxy.url}/mcp", mode="legacy") as client:
            result = await client.call_tool(
                "crawl_list",
                {"category": "공기청정기", "limit": 60, "page_size": 10},
                progress_callback=on_progress,
            )
    finally:
        proxy.close()
    assert result.is_error is not True and len(result.structured_content["items"]) == 60
    assert progress == sorted(set(progress)) and len(progress) >= 2  # each once, in order
    assert proxy.resumed() and all("-" in event_id for event_id in proxy.resumed())  # Redis entry ids


async def test_stopping_one_replica_loses_no_request(topology: Topology) -> None:
    topology.stop("replica-2")
    async with httpx.AsyncClient(timeout=30) as http:
        answers = [
            await http.post(f"{topology.front}/api/v1/tools/crawl_list", json=crawl("책상")) for _ in range(8)
        ]
        answers += [await http.get(f"{topology.front}/api/v1/tools") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 16


async def test_stopping_redis_degrades_to_the_process_without_errors(topology: Topology) -> None:
    topology.redis.stop()
    async with httpx.AsyncClient(timeout=30) as http:
        answers = [
            await http.post(f"{topology.front}/api/v1/tools/crawl_list", json=crawl(f"사무용품{i}"))
            for i in range(4)
        ]
        info = await http.get(f"{topology.replicas[0]}/api/v1/server/info")
        metrics = (await http.get(f"{topology.replicas[0]}/metrics")).text
    assert [a.status_code for a in answers] == [200] * 4
    assert info.status_code == 200
    assert 'naramarket_shared_state_fallbacks_total{part="cache"}' in metrics
