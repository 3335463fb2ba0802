"""The sandbox over real TCP (uvicorn on an ephemeral loopback port)."""

from __future__ import annotations

import httpx
import pytest

from naramarket.sandbox import serving

from .helpers import BID_THNG, bid_params, make_config


@pytest.mark.anyio
async def test_served_over_tcp_with_connection_level_faults() -> None:
    async with serving(make_config()) as url, httpx.AsyncClient(base_url=url) as http:
        assert url.startswith("http://127.0.0.1:")
        response = await http.get(BID_THNG, params=bid_params())
        assert response.json()["response"]["header"]["resultCode"] == "00"
        assert response.headers["x-naramarket-sandbox"] == "1"

        await http.put("/_sandbox/config", json={"fault_rate": 1.0, "faults": ["reset"]})
        with pytest.raises(httpx.TransportError):  # the socket is closed without an answer
            await http.get(BID_THNG, params=bid_params())
        await http.put("/_sandbox/config", json={"faults": ["truncated"]})
        with pytest.raises(httpx.RemoteProtocolError):  # fewer bytes than Content-Length
            await http.get(BID_THNG, params=bid_params())

        await http.put("/_sandbox/config", json={"fault_rate": 0.0})
        assert (await http.get(BID_THNG, params=bid_params())).status_code == 200
        stats = (await http.get("/_sandbox/stats")).json()
        assert stats["faults"] == {"reset": 1, "truncated": 1}
