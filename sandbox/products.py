"""One mall product's attribute tables, consistent with what the gateway says about that product.

A product (물품식별번호) is what its id says (``entities.product_facts``: 품명, supplier, maker,
spec, unit price), printed alike by every mall operation that lists it (contract products, 등록상품,
납품요구 lines, 특정품목, 벤처나라) and by the MAS lookup by that id (``getMASCntrctPrdctInfoList`` +
``prdctIdntNo``). Two attribute tables are built from that lookup's row, so they agree with it:

- the official 품목개별속성정보 (``getPrdctIndvAtrbInfoList02``), one row per attribute;
- the fake of the mall web site's attribute page (``MallPage``: ``POST /mall/gm/gms/gmsf/GdsDtlInfo/
  selectPdctAtrbInfo.do`` with JSON ``{"prdctIdntNo": …}``, answering ``{"resultList": [{"prdctAtrbNm",
  "prdctAtrbVl"}]}``). The real page is an unofficial part of the mall's web site (shop.g2b.go.kr),
  not a data.go.kr API; its shape here follows what earlier crawlers of it read.
"""

from __future__ import annotations

import json
from typing import Any

from .state import SandboxState

__all__ = ["MALL_PREFIX", "MallPage", "attribute_rows", "attributes"]

MALL_PREFIX = "/mall"
_PAGE = "/gm/gms/gmsf/GdsDtlInfo/selectPdctAtrbInfo.do"
_LOOKUP = "getMASCntrctPrdctInfoList"


def product_row(state: SandboxState, product_id: str) -> dict[str, str] | None:
    """The gateway's MAS row of ``product_id`` (what a lookup by that id answers first)."""
    op = state.catalog.operations[_LOOKUP]
    universe = state.universe(op, (("prdctIdntNo", product_id),))
    if universe.size == 0:
        return None
    rows = universe.rows(0, 1, state.clock())
    return rows[0] if rows else None


def attributes(row: dict[str, str]) -> list[tuple[str, str, str]]:
    """(속성명, 속성값, 단위) of a product, from its row: 품명, the spec's parts, maker, origin …"""
    spec = row.get("prdctSpecNm", "")
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    out = [("품명", row.get("prdctClsfcNoNm", ""), "")]
    out += [(f"규격{n}", part, "") for n, part in enumerate(parts[1:], start=1)]
    out += [
        ("제조사", row.get("prdctMakrNm", ""), ""),
        ("원산지", row.get("prdctOrgplceNm", ""), ""),
        ("단위", row.get("prdctUnit", ""), ""),
        ("납품기한", row.get("dlvrTmlmtDaynum", ""), "일"),
        ("인증", row.get("prodctCertList", ""), ""),
    ]
    return [(name, value, unit) for name, value, unit in out if value]


def attribute_rows(state: SandboxState, params: dict[str, str]) -> list[dict[str, str]] | None:
    """The rows of ``getPrdctIndvAtrbInfoList02`` for a request's params ([]: no such product)."""
    product_id = params.get("prdctIdntNo", "")
    row = product_row(state, product_id)
    if row is None:
        return []
    return [
        {
            "prdctIdntNo": product_id,
            "prdctIdntNoNm": row.get("prdctSpecNm", ""),
            "dtilPrdctClsfcNo": row.get("dtilPrdctClsfcNo", ""),
            "attrNm": name,
            "attrVal": value,
            "attrUnit": unit,
        }
        for name, value, unit in attributes(row)
    ]


class MallPage:
    """The fake mall web page of product attributes (plain ASGI; ``POST`` with a JSON body)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["path"] != MALL_PREFIX + _PAGE:
            return await _send(send, 404, {"error": "no such page"})
        if scope["method"] != "POST":
            return await _send(send, 405, {"error": "POST only"})
        try:
            product_id = str(json.loads(body or b"{}").get("prdctIdntNo", ""))
        except (ValueError, AttributeError):
            return await _send(send, 400, {"error": "a JSON object is expected"})
        row = product_row(self.state, product_id) if product_id else None
        result = (
            [] if row is None else [{"prdctAtrbNm": n, "prdctAtrbVl": v + u} for n, v, u in attributes(row)]
        )
        await _send(send, 200, {"resultList": result})


async def _send(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json;charset=UTF-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
