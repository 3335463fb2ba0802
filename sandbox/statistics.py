"""공공조달통계 (``PubPrcrmntStatInfoService``): tables of figures per month or per 품명, not records.

The reference examples show the shape a period statistic answers: a ``전체`` row for the whole
range (기준년월 empty), then for each month of the range a ``월별`` row and a ``누계`` row (running
total from the range's first month). 전체 공공조달 현황 (``getTotlPubPrcrmntSttus``) answers the
months of one year, ``월별`` and ``누적``, with the same month of the four previous years beside it.
품목 및 서비스별 실적 (``getPrdctIdntNoServcAccotArslt``) answers one row per 물품분류번호.

What the sandbox makes of it:

- Every figure is a pure function of (seed, operation, month, column): asking for a longer range
  answers the same month with the same figures, and each month has its own. Counts and amounts
  wander around the reference example's values (×0.6–1.4), so their scale is the real one.
- The parts add up: ``arsltSum{Num,Amt}`` is the sum of the row's (count, amount) pairs, 입찰 +
  비입찰 = the contract total, a ``…Rt`` rate is its amount over that total, ``전체`` is the sum of
  the months, ``누계`` the running sum, and a year's column N is that month N years earlier.
- Months after the current one have no figures yet: they are not answered.
- 품목 and 서비스별 실적: one row per 품명 of the sandbox's vocabulary (the codes the mall, the
  classification lookups and the bid lists print; ``prdctClsfcNo``/``prdctClsfcNm`` filter them),
  whose amount per contract is a few units at the 품명's typical unit price, the price the mall's
  products of that 품명 are listed at (``entities.product_facts``, ±25%): a statistic of 데스크톱컴퓨터
  and the mall's desktop prices are in the same range.

Not derived: the statistics are not computed from the records other operations list (their
universes are per query and unbounded in number, so no sum over "all contracts of a month"
exists to be consistent with). Per-agency and per-company statistics (수요기관별, 조달기업별) are
still answered by the generic record universe.
"""

from __future__ import annotations

import re
from typing import Final

from .catalog import Operation
from .determinism import stable_hash, unit_float
from .entities import PRODUCT_ITEMS
from .vocab import normalize

__all__ = ["rows"]

_SERVICE: Final = "PubPrcrmntStatInfoService"
_BY_ITEM: Final = "getPrdctIdntNoServcAccotArslt"
_TOTALS: Final = "getTotlPubPrcrmntSttus"
_PAIR = re.compile(r"^(\w+?)ArsltNum$")
_SUM = ("arsltSumNum", "arsltSumAmt")
# Contract totals and their parts: 입찰계약 + 비입찰계약.
_TOTAL_PARTS: Final = {
    "cntrctTotamt": ("bidCntrctTotamt", "unBidCntrctTotamt"),
    "cnstwkCntrctTotamt": ("bidCntrctTotamt", "unBidCntrctTotamt"),
}
_MONTHLY_KINDS = ("월별", "누계")


def rows(op: Operation, params: dict[str, str], seed: int, now_month: int) -> list[dict[str, str]] | None:
    """The table ``op`` answers for ``params`` (None: not a table operation; []: no data).

    ``now_month``: the current month as ``year * 12 + month - 1``; later months are not answered.
    """
    if op.service != _SERVICE:
        return None
    fields = {f.name: f.sample for f in op.fields}
    if op.name == _TOTALS:
        year = params.get("srchBssYear", "") or str(now_month // 12)  # default: this year
        if not (year.isdigit() and len(year) == 4):
            return []
        return _yearly(op, fields, int(year), seed, now_month)
    months = _months(params, now_month)
    if op.name == _BY_ITEM:
        return _by_item(op, fields, params, months, seed)
    if "bssMnth" not in fields:
        return None  # per agency / per company: the generic records
    if not months:
        return []
    monthly = [_figures(op, fields, m, seed) for m in months]
    out = [_stamp(_total(fields, monthly), None, "전체")]
    running: list[dict[str, str]] = []
    for month, figures in zip(months, monthly, strict=True):
        running.append(figures)
        out.append(_stamp(figures, month, "월별"))
        out.append(_stamp(_total(fields, running), month, "누계"))
    return [{name: row.get(name, "") for name in fields} for row in out]


def _months(params: dict[str, str], now_month: int) -> list[int]:
    """The months of ``srchBssYmBgn``..``srchBssYmEnd`` up to ``now_month`` (default: this year so far)."""
    begin, end = params.get("srchBssYmBgn", ""), params.get("srchBssYmEnd", "")
    low = _month(begin) if begin else now_month - now_month % 12
    high = _month(end) if end else now_month
    if low is None or high is None:
        return []
    return list(range(low, min(high, now_month) + 1))


def _month(text: str) -> int | None:
    if not (len(text) == 6 and text.isdigit() and 1 <= int(text[4:]) <= 12):
        return None
    return int(text[:4]) * 12 + int(text[4:]) - 1


def _draw(seed: int, op: str, key: object, column: str) -> float:
    """A factor in [0.6, 1.4): one month's (or 품명's) value of one column."""
    return 0.6 + 0.8 * unit_float(stable_hash(seed, "stat", op, key, column))


def _number(sample: str) -> float:
    try:
        return float(sample)
    except ValueError:
        return 0.0


def _figures(op: Operation, fields: dict[str, str], month: int, seed: int) -> dict[str, str]:
    """One month's figures of a period statistic, parts adding up to their totals."""
    values: dict[str, float] = {}
    for name, sample in fields.items():
        if name in _SUM or name in ("bssYear", "bssMnth", "statDivNm") or name.endswith("Rt"):
            continue
        base = _number(sample)
        if base or name.endswith(("Num", "Amt", "amt")):
            values[name] = round(base * _draw(seed, op.name, month, name))
    for total, parts in _TOTAL_PARTS.items():
        if total in values and all(p in values for p in parts):
            values[total] = sum(values[p] for p in parts)
    return _finish(fields, values)


def _finish(fields: dict[str, str], values: dict[str, float]) -> dict[str, str]:
    """Sums and rates from the parts; every value printed as an integer string."""
    pairs = [m.group(1) for name in fields if (m := _PAIR.match(name)) and name != "arsltSumNum"]
    if "arsltSumNum" in fields:
        values["arsltSumNum"] = sum(values.get(f"{p}ArsltNum", 0) for p in pairs)
        values["arsltSumAmt"] = sum(values.get(f"{p}ArsltAmt", 0) for p in pairs)
    out = {name: str(int(value)) for name, value in values.items()}
    for name in fields:
        if name.endswith("Rt"):
            part = values.get(name[:-2], 0.0)
            whole = next((values[t] for t in _TOTAL_PARTS if t in values and t != name[:-2]), 0.0)
            out[name] = f"{100 * part / whole:.2f}" if whole else "0.00"
    return out


def _total(fields: dict[str, str], months: list[dict[str, str]]) -> dict[str, str]:
    values: dict[str, float] = {}
    for figures in months:
        for name, text in figures.items():
            if not name.endswith("Rt"):
                values[name] = values.get(name, 0) + int(text)
    return _finish(fields, values)


def _stamp(figures: dict[str, str], month: int | None, kind: str) -> dict[str, str]:
    row = dict(figures)
    row["statDivNm"] = kind
    row["bssYear"] = "" if month is None else str(month // 12)
    row["bssMnth"] = "" if month is None else f"{month % 12 + 1:02d}"
    return row


def _yearly(
    op: Operation, fields: dict[str, str], year: int, seed: int, now_month: int
) -> list[dict[str, str]]:
    """전체 공공조달 현황: per month of ``year``, its amount and the same month 1-4 years before."""
    base = max(_number(s) for s in fields.values())

    def amount(month: int) -> int:
        return 0 if month > now_month else round(base * _draw(seed, op.name, month, "bssYearAmt"))

    out: list[dict[str, str]] = []
    running = [0] * 5
    for m in range(12):
        month = year * 12 + m
        if month > now_month:
            break
        values = [amount(month - 12 * back) for back in range(5)]
        running = [r + v for r, v in zip(running, values, strict=True)]
        for kind, figures in (("월별", values), ("누적", running)):
            row = {"bssMnth": f"{m + 1:02d}", "statDivNm": kind, "bssYearAmt": str(figures[0])}
            row.update({f"bssYear{back}Amt": str(figures[back]) for back in range(1, 5)})
            out.append({name: row.get(name, "") for name in fields})
    return out


def _by_item(
    op: Operation, fields: dict[str, str], params: dict[str, str], months: list[int], seed: int
) -> list[dict[str, str]]:
    """품목 및 서비스별 실적: one row per 품명, at unit prices the mall's products of it share."""
    code, name = params.get("prdctClsfcNo", ""), params.get("prdctClsfcNm", "")
    items = [
        item
        for item in PRODUCT_ITEMS
        if (not code or item.class_no.startswith(code))
        and (not name or normalize(name) in normalize(item.name))
    ]
    if not months or not items:
        return []
    pairs = [m.group(1) for n in fields if (m := _PAIR.match(n)) and n != "arsltSumNum"]
    out = []
    for item in sorted(items, key=lambda i: i.class_no):
        values: dict[str, float] = {}
        for pair in pairs:
            count = 0
            amount = 0.0
            share = 4 if pair == "prvtcntrct" else 0 if pair == "unClsfc" else 1
            for month in months:
                n = int(share * 3 * _draw(seed, op.name, (item.class_no, month), pair))
                count += n
                # A contract buys a few units (1-20) at the 품명's unit price (±25%, as the mall).
                unit = item.price or 1_000_000 * _draw(seed, op.name, item.class_no, "unit")
                for k in range(n):
                    h = stable_hash(seed, "stat", item.class_no, month, pair, k)
                    price = unit * 1.25 ** (unit_float(h) * 2 - 1)
                    amount += round(price * (1 + (h >> 8) % 20), -1)
            values[f"{pair}ArsltNum"], values[f"{pair}ArsltAmt"] = count, amount
        row = _finish(fields, values)
        row.update({"linkSystmNm": "전체", "prdctClsfcNo": item.class_no, "prdctClsfcNm": item.name})
        out.append({n: row.get(n, "") for n in fields})
    return out
