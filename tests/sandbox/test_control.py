"""The ``/_sandbox/`` endpoints and the latency knob."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from .helpers import BID_THNG, bid_params, client_for, make_config


@pytest.mark.anyio
async def test_stats_count_requests_operations_and_codes(client: httpx.AsyncClient) -> None:
    await client.get(BID_THNG, params=bid_params())
    await client.get(BID_THNG, params=bid_params(ServiceKey="wrong"))
    await client.get("/1230000/ad/BidPublicInfoService/nothing")
    stats = (await client.get("/_sandbox/stats")).json()
    assert stats["total_requests"] == 3
    assert stats["operations"] == {"getBidPblancListInfoThng": 2}
    assert stats["result_codes"] == {"00": 1, "30": 1, "12": 1}
    assert stats["in_flight"] == 0


@pytest.mark.anyio
async def test_stats_report_the_peak_of_concurrent_requests() -> None:
    async with client_for(make_config(latency=0.1)) as http:
        params = bid_params()

        async def call() -> None:
            await http.get(BID_THNG, params=params)

        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(call)
        stats = (await http.get("/_sandbox/stats")).json()
        assert stats["max_in_flight"] == 6
        await http.post("/_sandbox/reset")
        await http.get(BID_THNG, params=bid_params())
        stats = (await http.get("/_sandbox/stats")).json()
        assert (stats["total_requests"], stats["max_in_flight"]) == (1, 1)


@pytest.mark.anyio
async def test_latency_and_jitter_delay_every_gateway_answer() -> None:
    async with client_for(make_config(latency=0.15, jitter=0.05)) as http:
        started = time.perf_counter()
        await http.get(BID_THNG, params=bid_params())
        elapsed = time.perf_counter() - started
        assert 0.15 <= elapsed < 0.5
        started = time.perf_counter()
        await http.get("/_sandbox/stats")  # control endpoints are not delayed
        assert time.perf_counter() - started < 0.1


@pytest.mark.anyio
async def test_config_changes_at_runtime(client: httpx.AsyncClient) -> None:
    before = (await client.get("/_sandbox/config")).json()
    assert before["items_shape"] == "list" and before["resolved_period"] == ["2025-01-01", "2025-12-31"]
    change = {"items_shape": "item_list", "rows": {"getBidPblancListInfoThng": 40000}, "latency": 0.0}
    after = (await client.put("/_sandbox/config", json=change)).json()
    assert after["items_shape"] == "item_list" and after["rows"] == {"getBidPblancListInfoThng": 40000}
    page = (await client.get(BID_THNG, params=bid_params(inqryBgnDt=None, inqryEndDt=None))).json()
    assert page["response"]["body"]["totalCount"] == 40000
    assert list(page["response"]["body"]["items"]) == ["item"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "change",
    [
        {"fault_rate": 2},
        {"items_shape": "table"},
        {"faults": ["meteor"]},
        {"rows": {"getNothing": 5}},
        {"seed": 3},
        {"latency": "slow"},
    ],
)
async def test_invalid_config_changes_are_refused(
    client: httpx.AsyncClient, change: dict[str, object]
) -> None:
    response = await client.put("/_sandbox/config", json=change)
    assert response.status_code == 400
    assert (await client.get("/_sandbox/config")).json()["fault_rate"] == 0.0
