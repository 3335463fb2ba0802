"""Consistent entities: one notice number, the same facts in every service that prints it."""

from __future__ import annotations

import httpx
import pytest

from naramarket.sandbox import DEFAULT_SERVICE_KEY
from naramarket.sandbox.catalog import load_catalog

from .helpers import body

FACTS = ("bidNtceNm", "ntceInsttNm", "ntceInsttCd", "dminsttNm", "dminsttCd", "bidNtceDt", "opengDt")
FACTS += ("bidClseDt", "presmptPrce", "bssamt", "rlOpengDt", "bsnsDivNm")


def _path(operation: str) -> str:
    op = load_catalog().operations[operation]
    return f"/1230000/{op.prefix}/{op.service}/{operation}"


async def _items(http: httpx.AsyncClient, operation: str, **params: str) -> list[dict[str, str]]:
    query = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json", "numOfRows": "20", **params}
    return body(await http.get(_path(operation), params=query))["items"]


async def _by_number(http: httpx.AsyncClient, operation: str, field: str, number: str) -> dict[str, str]:
    items = await _items(http, operation, inqryDiv="2", **{field: number})
    assert items, (operation, number)
    return items[0]


def _shared(a: dict[str, str], b: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Facts both records print that differ (empty: they agree)."""
    return {k: (a[k], b[k]) for k in FACTS if k in a and k in b and a[k] != b[k]}


@pytest.mark.anyio
async def test_a_listed_notice_resolves_with_the_same_facts_everywhere(client: httpx.AsyncClient) -> None:
    listed = await _items(
        client, "getBidPblancListInfoThng", inqryDiv="1", inqryBgnDt="202507010000", inqryEndDt="202507312359"
    )
    assert listed
    for notice in listed[:5]:
        number = notice["bidNtceNo"]
        found = await _by_number(client, "getBidPblancListInfoThng", "bidNtceNo", number)
        assert found["bidNtceNo"] == number
        assert _shared(notice, found) == {}
        assert notice["bidNtceNm"] == found["bidNtceNm"]
        assert notice["bidNtceDt"] == found["bidNtceDt"] and notice["opengDt"] == found["opengDt"]
        for operation in (
            "getOpengResultListInfoThng",
            "getScsbidListSttusThng",
            "getCntrctProcssIntgOpenThng",
            "getBidPblancListInfoThngBsisAmount",
        ):
            other = await _by_number(client, operation, "bidNtceNo", number)
            assert other["bidNtceNo"] == number
            assert _shared(notice, other) == {}, operation
            assert other["bidNtceNm"] == notice["bidNtceNm"], operation
        contract = (await _items(client, "getCntrctInfoListThngPPSSrch", inqryDiv="1", ntceNo=number))[0]
        assert contract["ntceNo"] == number
        assert contract["cntrctInsttNm"] == notice["ntceInsttNm"]
        assert contract["bsnsDivNm"] == "물품"


@pytest.mark.anyio
async def test_notices_in_result_lists_resolve_with_the_same_facts(client: httpx.AsyncClient) -> None:
    # Opening results ordered by 개찰일시, and awards by 실개찰일시: their notices resolve by number.
    for operation, div, begin, end in (
        ("getOpengResultListInfoServc", "3", "202508010000", "202508152359"),
        ("getScsbidListSttusCnstwk", "3", "202508010000", "202508152359"),
        ("getScsbidListSttusThng", "1", "202508010000", "202508152359"),
    ):
        listed = await _items(client, operation, inqryDiv=div, inqryBgnDt=begin, inqryEndDt=end)
        assert listed, operation
        for row in listed[:3]:
            number = row["bidNtceNo"]
            kind = "Servc" if "Servc" in operation else "Cnstwk" if "Cnstwk" in operation else "Thng"
            notice = await _by_number(client, f"getBidPblancListInfo{kind}", "bidNtceNo", number)
            assert _shared(row, notice) == {}, operation
            assert notice["bidNtceDt"] < notice["opengDt"]
            if div == "3":  # the list's own timestamp is the notice's opening
                stamp = row.get("opengDt") or row["rlOpengDt"]
                assert stamp == notice["opengDt"], operation


@pytest.mark.anyio
async def test_a_number_never_listed_still_has_one_set_of_facts(client: httpx.AsyncClient) -> None:
    number = "R25BK00940072"
    first = await _by_number(client, "getBidPblancListInfoServc", "bidNtceNo", number)
    for operation in (
        "getOpengResultListInfoServc",
        "getScsbidListSttusServc",
        "getCntrctProcssIntgOpenServc",
    ):
        other = await _by_number(client, operation, "bidNtceNo", number)
        assert _shared(first, other) == {}, operation
    assert first["bidNtceDt"].startswith("2025-01-07 12:40")


CONTRACT_FACTS = ("cntrctNm", "cntrctInsttNm", "cntrctInsttCd", "cntrctCnclsDate", "totCntrctAmt")
CONTRACT_FACTS += ("thtmCntrctAmt", "ntceNo", "bsnsDivNm", "corpList")


@pytest.mark.anyio
async def test_a_listed_contract_resolves_by_number_and_names_its_notice(client: httpx.AsyncClient) -> None:
    listed = await _items(
        client, "getCntrctInfoListServc", inqryDiv="1", inqryBgnDt="202507010000", inqryEndDt="202507312359"
    )
    assert listed
    for row in listed[:5]:
        number = row["untyCntrctNo"]
        for operation in ("getCntrctInfoListServc", "getCntrctInfoListServcChgHstry"):
            found = await _by_number(client, operation, "untyCntrctNo", number)
            assert found["untyCntrctNo"] == number
            differ = {
                k: (row[k], found[k])
                for k in CONTRACT_FACTS
                if k in row and k in found and row[k] != found[k]
            }
            assert differ == {}, operation
        notice = await _by_number(client, "getBidPblancListInfoServc", "bidNtceNo", row["ntceNo"])
        assert notice["bidNtceNm"] == row["cntrctNm"]
        assert notice["ntceInsttNm"] == row["cntrctInsttNm"]
        assert notice["opengDt"][:10] < row["cntrctCnclsDate"]


@pytest.mark.anyio
async def test_a_suppliers_number_names_the_same_company_everywhere(client: httpx.AsyncClient) -> None:
    winners = await _items(
        client, "getScsbidListSttusThng", inqryDiv="1", inqryBgnDt="202507010000", inqryEndDt="202507312359"
    )
    for bizno, name in {(w["bidwinnrBizno"], w["bidwinnrNm"]) for w in winners[:5]} | {("1234567890", "")}:
        corp = await _by_number(client, "getPrcrmntCorpBasicInfo02", "bizno", bizno)
        won = await _by_number(client, "getScsbidListSttusThngPPSSrch", "bizno", bizno)
        assert corp["bizno"] == won["bidwinnrBizno"] == bizno
        assert corp["corpNm"] == won["bidwinnrNm"] == (name or corp["corpNm"])
