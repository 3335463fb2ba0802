"""A mall product id names one product in every mall answer; statistics are per month and add up,
and a 품명's statistics are at the prices the mall lists its products at."""

from __future__ import annotations

import httpx
import pytest

from naramarket.sandbox import DEFAULT_SERVICE_KEY
from naramarket.sandbox.catalog import load_catalog

from .helpers import body

pytestmark = pytest.mark.anyio

PRODUCT_FACTS = ("prdctClsfcNo", "prdctClsfcNoNm", "dtilPrdctClsfcNo", "prdctUnit")
MAS = "getMASCntrctPrdctInfoList"
SPAN = {"rgstDtBgnDt": "202501010000", "rgstDtEndDt": "202512312359"}


async def _items(http: httpx.AsyncClient, operation: str, **params: str) -> list[dict[str, str]]:
    op = load_catalog().operations[operation]
    query = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json", "numOfRows": "50", **params}
    return body(await http.get(f"/1230000/{op.prefix}/{op.service}/{operation}", params=query))["items"]


async def _product(http: httpx.AsyncClient, product_id: str, operation: str = MAS) -> dict[str, str]:
    rows = await _items(http, operation, prdctIdntNo=product_id, **SPAN)
    assert len(rows) == 1, product_id
    return rows[0]


@pytest.mark.parametrize(
    ("operation", "params", "spec", "price", "company"),
    [
        (MAS, {"prdctClsfcNoNm": "복합기", **SPAN}, "prdctSpecNm", "cntrctPrceAmt", "cntrctCorpNo"),
        ("getDlvrReqDtlInfoList", {"inqryDiv": "1", "inqryBgnDate": "20251001", "inqryEndDate": "20251031"},
         "prdctIdntNoNm", "prdctUprc", "cntrctCorpBizno"),
        ("getSpcifyPrdlstPrcureInfoList", {"inqryDiv": "1", "inqryBgnDate": "20250101",
         "inqryEndDate": "20251231", "inqryPrdctDiv": "1", "prdctClsfcNoNm": "책상"},
         "prdctIdntNoNm", "prdctUprc", "bizno"),
    ],
)  # fmt: skip
async def test_a_listed_product_id_is_the_same_product_in_the_mall(
    client: httpx.AsyncClient, operation: str, params: dict[str, str], spec: str, price: str, company: str
) -> None:
    rows = await _items(client, operation, **params)
    assert len(rows) >= 10
    for row in rows[:10]:
        product = await _product(client, row["prdctIdntNo"])
        assert {k: product[k] for k in PRODUCT_FACTS} == {k: row[k] for k in PRODUCT_FACTS}
        assert (product["prdctSpecNm"], product["cntrctPrceAmt"], product["cntrctCorpNo"]) == (
            row[spec],
            row[price],
            row[company],
        )
        keys = (*PRODUCT_FACTS, "prdctSpecNm", "cntrctPrceAmt", "prdctMakrNm", "cntrctCorpNo")
        for other in ("getUcntrctPrdctInfoList", "getThptyUcntrctPrdctInfoList"):
            offer = await _product(client, row["prdctIdntNo"], other)
            assert {k: offer[k] for k in keys} == {k: product[k] for k in keys}


async def test_the_official_attribute_table_describes_the_listed_product(client: httpx.AsyncClient) -> None:
    row = (await _items(client, MAS, prdctClsfcNoNm="노트북컴퓨터", **SPAN))[0]
    table = await _items(client, "getPrdctIndvAtrbInfoList02", prdctIdntNo=row["prdctIdntNo"])
    values = {a["attrNm"]: a["attrVal"] for a in table}
    assert values["품명"] == "노트북컴퓨터" and values["제조사"] == row["prdctMakrNm"]
    assert {a["prdctIdntNoNm"] for a in table} == {row["prdctSpecNm"]}


async def test_period_statistics_answer_each_month_of_the_range(client: httpx.AsyncClient) -> None:
    rows = await _items(client, "getCntrctMthdAccotSttus", srchBssYmBgn="202503", srchBssYmEnd="202508")
    assert [r["statDivNm"] for r in rows] == ["전체"] + ["월별", "누계"] * 6
    monthly = [r for r in rows if r["statDivNm"] == "월별"]
    assert [(r["bssYear"], r["bssMnth"]) for r in monthly] == [("2025", f"{m:02d}") for m in range(3, 9)]
    parts = ("gnrlCmpt", "lmtCmpt", "dsgntCmpt", "prvtcntrct", "unClsfc")
    for row in rows:
        assert int(row["arsltSumNum"]) == sum(int(row[f"{p}ArsltNum"]) for p in parts)
    assert int(rows[0]["arsltSumAmt"]) == sum(int(r["arsltSumAmt"]) for r in monthly)
    year = await _items(client, "getTotlPubPrcrmntSttus", srchBssYear="2025")
    earlier = await _items(client, "getTotlPubPrcrmntSttus", srchBssYear="2024")
    march = next(r for r in year if r["bssMnth"] == "03" and r["statDivNm"] == "월별")
    before = next(r for r in earlier if r["bssMnth"] == "03" and r["statDivNm"] == "월별")
    assert march["bssYear1Amt"] == before["bssYearAmt"]  # last year's column is last year's figure


async def test_a_categorys_statistics_are_at_the_malls_prices(client: httpx.AsyncClient) -> None:
    stats = await _items(
        client, "getPrdctIdntNoServcAccotArslt", srchBssYmBgn="202501", srchBssYmEnd="202506",
        prdctClsfcNm="데스크톱컴퓨터",
    )  # fmt: skip
    assert [r["prdctClsfcNo"] for r in stats] == ["43211507"]
    prices = [
        int(r["cntrctPrceAmt"]) for r in await _items(client, MAS, prdctClsfcNoNm="데스크톱컴퓨터", **SPAN)
    ]
    # A contract buys 1-20 units at about the mall's unit prices.
    average = int(stats[0]["arsltSumAmt"]) / int(stats[0]["arsltSumNum"])
    assert min(prices) <= average <= 20 * max(prices)
