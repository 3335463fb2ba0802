"""Fault injection (deterministic per request and attempt), quota (22) and per-second limit (23)."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from .helpers import BID_THNG, bid_params, client_for, make_config


async def outcomes(seed: int, attempts: int = 40) -> list[str]:
    """What ``attempts`` identical requests get from a 50% faulty sandbox: "ok" or the failure."""
    config = make_config(seed=seed, fault_rate=0.5, faults=("http_500", "http_503", "code_23", "malformed"))
    seen = []
    async with client_for(config) as http:
        for _ in range(attempts):
            response = await http.get(BID_THNG, params=bid_params())
            try:
                ok = response.json()["response"]["header"]["resultCode"] == "00"
            except (json.JSONDecodeError, KeyError):
                ok = False
            seen.append("ok" if ok else f"{response.status_code}:{response.content[-40:]!r}")
    return seen


@pytest.mark.anyio
async def test_faults_replay_identically_for_a_seed_and_retries_can_succeed() -> None:
    first, again, other = await outcomes(1), await outcomes(1), await outcomes(2)
    assert first == again
    assert first != other
    assert "ok" in first and len(set(first)) > 2  # the very same URL fails in several ways, then works
    retried = [i for i in range(1, len(first)) if first[i] == "ok" and first[i - 1] != "ok"]
    assert retried


@pytest.mark.anyio
async def test_zero_fault_rate_injects_nothing() -> None:
    async with client_for(make_config(fault_rate=0.0)) as http:
        for _ in range(20):
            assert (await http.get(BID_THNG, params=bid_params())).status_code == 200
        assert (await http.get("/_sandbox/stats")).json()["faults_injected"] == 0


async def one_faulty(kind: str, **params: str | None) -> httpx.Response:
    async with client_for(make_config(fault_rate=1.0, faults=(kind,), timeout_sleep=0.2)) as http:
        return await http.get(BID_THNG, params=bid_params(**params))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kind", "status"), [("http_500", 500), ("http_502", 502), ("http_503", 503), ("http_429", 429)]
)
async def test_http_status_faults(kind: str, status: int) -> None:
    response = await one_faulty(kind)
    assert response.status_code == status
    assert response.headers["x-naramarket-sandbox"] == "1"


@pytest.mark.anyio
@pytest.mark.parametrize(("kind", "code"), [("code_22", "22"), ("code_23", "23"), ("code_30", "30")])
async def test_gateway_code_faults_are_xml_even_for_json(kind: str, code: str) -> None:
    response = await one_faulty(kind)
    assert response.headers["content-type"].startswith("text/xml")
    assert f"<returnReasonCode>{code}</returnReasonCode>".encode() in response.content


@pytest.mark.anyio
async def test_malformed_bodies_do_not_parse() -> None:
    response = await one_faulty("malformed")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


@pytest.mark.anyio
async def test_truncated_bodies_stop_short_of_their_content_length() -> None:
    response = await one_faulty("truncated")
    assert len(response.content) < int(response.headers["content-length"])
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


@pytest.mark.anyio
async def test_a_reset_raises_in_process() -> None:
    with pytest.raises(ConnectionResetError):
        await one_faulty("reset")


@pytest.mark.anyio
async def test_a_timeout_fault_holds_the_answer_for_timeout_sleep() -> None:
    started = time.perf_counter()
    response = await one_faulty("timeout")
    assert time.perf_counter() - started >= 0.2
    assert response.json()["response"]["header"]["resultCode"] == "00"


@pytest.mark.anyio
async def test_quota_per_operation_then_22_until_reset() -> None:
    async with client_for(make_config(quota=3)) as http:
        codes = [(await http.get(BID_THNG, params=bid_params())).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = await http.get(BID_THNG, params=bid_params())
        assert b"<returnReasonCode>22</returnReasonCode>" in refused.content
        other_op = "/1230000/ad/BidPublicInfoService/getBidPblancListInfoServc"
        assert (await http.get(other_op, params=bid_params())).status_code == 200
        await http.post("/_sandbox/reset")
        assert (await http.get(BID_THNG, params=bid_params())).status_code == 200


@pytest.mark.anyio
async def test_more_than_max_tps_calls_in_a_second_get_23() -> None:
    async with client_for(make_config(max_tps=5)) as http:
        responses = [await http.get(BID_THNG, params=bid_params()) for _ in range(8)]
    refused = [r for r in responses if b"<returnReasonCode>23</returnReasonCode>" in r.content]
    assert len(refused) == 3
