"""Helpers shared by the sandbox tests: pinned config, in-process client, request builders."""

from __future__ import annotations

from typing import Any

import httpx

from naramarket.sandbox import DEFAULT_SERVICE_KEY, SandboxConfig, create_app

# Pinned so record contents do not depend on today's date.
PERIOD = {"period_start": "20250101", "period_end": "20251231"}
BID_THNG = "/1230000/ad/BidPublicInfoService/getBidPblancListInfoThng"
MAS = "/1230000/at/ShoppingMallPrdctInfoService/getMASCntrctPrdctInfoList"


def make_config(**overrides: Any) -> SandboxConfig:
    """A config with the pinned period; ``overrides`` replace any field."""
    return SandboxConfig(**{**PERIOD, **overrides})


def client_for(config: SandboxConfig) -> httpx.AsyncClient:
    """An httpx client talking to a fresh sandbox app in-process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(create_app(config)), base_url="http://sandbox")


def bid_params(**overrides: str | None) -> dict[str, str]:
    """A valid JSON request for the goods bid-notice list in July 2025; None drops a param."""
    params: dict[str, str | None] = {
        "ServiceKey": DEFAULT_SERVICE_KEY,
        "type": "json",
        "inqryDiv": "1",
        "inqryBgnDt": "202507010000",
        "inqryEndDt": "202507312359",
        "pageNo": "1",
        "numOfRows": "10",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def body(response: httpx.Response) -> dict[str, Any]:
    """The ``response.body`` of a JSON success or no-data answer."""
    assert response.status_code == 200, response.text
    return response.json()["response"]["body"]


async def fetch_all(http: httpx.AsyncClient, path: str, params: dict[str, str]) -> list[dict[str, str]]:
    """Every item of a query, following pages of 999 until totalCount is reached."""
    items: list[dict[str, str]] = []
    page = 1
    while True:
        payload = (await http.get(path, params={**params, "numOfRows": "999", "pageNo": str(page)})).json()
        header = payload["response"]["header"]
        if header["resultCode"] == "03":
            return items
        page_body = payload["response"]["body"]
        items += page_body["items"]
        if len(items) >= page_body["totalCount"]:
            return items
        page += 1
