"""Build ``datago/g2b/data/catalog.json.gz``: the operation catalog the G2B library ships.

Usage: ``python scripts/build_g2b_catalog.py [path/to/catalog.json]`` (default
``../shared/g2b-reference/catalog.json`` relative to the repo root).

Why a second copy next to ``sandbox/data/catalog.json.gz``: the sandbox is a fake *upstream* that
imports nothing of naramarket (an import-linter contract), and it keeps what a fake gateway needs
(samples of every item field, invented fields). The library keeps what a *client* needs to call
and explain an operation: parameters with their Korean names, descriptions and required flags,
the 조회구분 (inqryDiv) modes, date parameters with their format and range limit, and the item
fields with their Korean names. Both are derived from the same reference; neither reads the other.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

# UsrInfoService02's portal page lists no response fields; the sandbox's builder keeps the fields of
# the retired UsrInfoService responses (flagged ``fields_invented``): better than rows of nothing.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_sandbox_catalog import INVENTED_FIELDS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "g2b-reference" / "catalog.json"
OUTPUT = REPO_ROOT / "datago" / "g2b" / "data" / "catalog.json.gz"

COMMON_PARAMS = {"servicekey", "pageno", "numofrows", "type"}
DATE_PARAM = re.compile(r"(Bgn|End)(Dt|Date|Ym)$|^srchBssYm(Bgn|End)$|^srchBssYear$")
# Doc wording that makes a "required" flag conditional or defaulted: not enforceable as such.
CONDITIONAL = re.compile(r"경우\s*필수|선택시\s*필수|입력값이 없을 경우")
# "조회구분 '1', '3' 선택시 필수", "조회구분이 2인 경우 필수", "조건구분이 1인 경우 필수" ...
REQUIRED_WHEN = re.compile(
    r"조[회건]구분\s*(?:이\s*)?[\"'‘]?([\d\s,'‘’\"]+?)[\"'’]?\s*(?:인|일|선택시)\s*(?:경우\s*)?필수"
)
LIMIT = re.compile(r"^(\w+):.*?(\d+)\s*(개월|년|주일|주|일)")
MODE = re.compile(r"(\d)\s*(?:[:.]\s*)?([가-힣][^,\d]*?)(?=\s*(?:,|\d\s*(?:[:.]\s*)?[가-힣]|$))")
# The doc calls the same moment by different names in a mode and in the item field.
SYNONYMS = {"공고게시일시": "입찰공고일시", "공고일시": "입찰공고일시", "계약일자": "계약체결일자"}
PRACTICE_LIMIT = "month"  # list operations without a documented limit answer 07 past about a month


def main(argv: list[str]) -> int:
    """Read the reference catalog (argv[1] or the default path) and write the packaged copy."""
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    catalog = build(json.loads(source.read_text(encoding="utf-8")))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(catalog, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    OUTPUT.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))  # mtime=0: byte-stable rebuilds
    count = sum(len(s["operations"]) for s in catalog["services"])
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}: {count} operations, {OUTPUT.stat().st_size} bytes")
    return 0


def build(reference: dict[str, Any]) -> dict[str, Any]:
    """The packaged catalog document."""
    services = []
    for name, service in reference["services"].items():
        services.append(
            {
                "name": name,
                "name_ko": service["name_ko"],
                "path": "/".join(service["base_path"].split("/")[2:]),  # "ad/BidPublicInfoService"
                "operations": [_operation(n, op, name) for n, op in sorted(service["operations"].items())],
            }
        )
    return {
        "version": 1,
        "source": "g2b-reference catalog.json " + reference["meta"]["generated"],
        "services": services,
    }


def _operation(name: str, op: dict[str, Any], service: str) -> dict[str, Any]:
    modes = _modes(op.get("inqryDiv") or "")
    limits = _limits(op["date_range_limits"])
    items = op["item_fields"] or [
        {"name": n, "name_ko": ko, "sample": sample} for n, ko, sample in INVENTED_FIELDS.get(name, [])
    ]
    fields = [[f["name"], f["name_ko"]] for f in items]
    samples = {f["name"]: f.get("sample") or "" for f in items}
    params = [
        [
            p["name"],
            p.get("name_ko") or "",
            bool(p["required"]),
            p.get("sample") or "",
            p.get("desc") or "",
            _enforced(p),
            _required_when(p)
            if "inqryDiv" in modes or any(q["name"] == "inqryDiv" for q in op["params"])
            else [],
        ]
        for p in op["params"]
    ]
    return {
        "name": name,
        "summary_ko": op.get("summary_ko") or "",
        "summary_en": op.get("summary_en") or "",
        "description_ko": op.get("description_ko") or "",
        "params": params,
        "modes": modes,
        "date_ranges": _date_ranges(op, limits),
        "fields": fields,
        "fields_invented": not op["item_fields"] and bool(fields),
        "order_fields": _order_fields(op, modes, samples, service, fields),
    }


def _enforced(param: dict[str, Any]) -> bool:
    """Required by the doc, not contradicted by the portal, and not worded as conditional."""
    return (
        bool(param["required"])
        and param.get("required_portal") is not False
        and not CONDITIONAL.search(param.get("desc") or "")
    )


def _required_when(param: dict[str, Any]) -> list[str]:
    """The 조회구분 modes in which the doc says this parameter is required."""
    match = REQUIRED_WHEN.search((param.get("desc") or "").replace("\n", " "))
    return sorted(set(re.findall(r"\d", match.group(1)))) if match else []


def _modes(text: str) -> dict[str, str]:
    """'1:등록일시 , 2.입찰공고번호' -> {'1': '등록일시', '2': '입찰공고번호'}."""
    text = re.sub(r"^.*?조회구분(\s*입력)?[,\s]*", "", text.replace("\n", " "))
    modes = {}
    for number, label in MODE.findall(text):
        label = re.sub(r"\([^)]*\)?", "", label)  # "(선택: 입찰공고차수)", "(입찰공고"
        modes.setdefault(number, re.sub(r"\s+", " ", label).strip(" ,.)"))
    return modes


def _date_format(param: dict[str, Any]) -> str:
    """``datetime`` (YYYYMMDDHHMM), ``date`` (YYYYMMDD), ``month`` (YYYYMM) or ``year`` (YYYY)."""
    token = re.search(r"YYYY[A-Za-z0-9]*", param.get("desc") or "")
    if token:
        text = token.group(0).upper()
        for start, fmt in (("YYYYMMDDHH", "datetime"), ("YYYYMMDD", "date"), ("YYYYMM", "month")):
            if text.startswith(start):
                return fmt
        return "year"
    return {"12": "datetime", "8": "date", "6": "month", "4": "year"}.get(param.get("size") or "", "datetime")


def _limits(texts: list[str]) -> dict[str, str]:
    """'inqryBgnDt: 범위는 최대 1개월로 제한' -> {'inqryBgnDt': 'month'} (day … 36 months)."""
    limits = {}
    for text in texts:
        match = LIMIT.search(text)
        if match is None:
            raise ValueError(f"unparsed date range limit: {text!r}")
        param, amount, unit = match.groups()
        months = {"개월": int(amount), "년": 12 * int(amount)}.get(unit)
        if months is not None:
            limits[param] = {1: "month", 12: "year", 36: "36 months"}[months]
        else:
            limits[param] = "week" if unit.startswith("주") else "day"
    return limits


def _date_ranges(op: dict[str, Any], limits: dict[str, str]) -> list[dict[str, Any]]:
    by_name = {p["name"]: p for p in op["params"]}
    ranges = []
    for name, param in by_name.items():
        if not DATE_PARAM.search(name) or "End" in name:
            continue
        end = name.replace("Bgn", "End", 1) if "Bgn" in name else name
        if end not in by_name:
            continue
        limit, source = limits.get(name), "doc"
        if limit is None and name == "inqryBgnDt":
            limit, source = PRACTICE_LIMIT, "practice"
        ranges.append(
            {"begin": name, "end": end, "format": _date_format(param), "limit": limit, "limit_source": source}
        )
    return ranges


def _order_fields(
    op: dict[str, Any],
    modes: dict[str, str],
    samples: dict[str, str],
    service: str,
    _fields: list[list[str]] | None = None,
) -> dict[str, list[str]]:
    """Which item field each date mode filters on: {mode: [field, kind, response format]}.

    Mode "" is an operation without 조회구분 whose date parameters name the field (``rgstDtBgnDt``
    filters ``rgstDt``). Only exact matches are kept: a wrong guess would make "newest first"
    wrong, so an unmatched mode keeps the upstream's order.
    """
    fields = {name: ko for name, ko in (_fields or [])}
    by_label: dict[str, list[str]] = {}
    for name, label in fields.items():
        if name.endswith(("Dt", "Date")):
            by_label.setdefault(label.replace(" ", ""), []).append(name)
    found: dict[str, list[str]] = {}
    for mode, label in modes.items():
        key = re.sub(r"(기준)?\s*검색$|기준$", "", label).replace(" ", "")
        names = by_label.get(key, []) or by_label.get(SYNONYMS.get(key, ""), [])
        if len(names) == 1:
            found[mode] = _order_field(names[0], samples.get(names[0], ""), service)
    if not modes:
        for param in op["params"]:
            match = re.fullmatch(r"(\w+?)Bgn(Dt|Date)", param["name"])
            if match and match.group(1) != "inqry":
                stem = match.group(1)
                for candidate in (stem, stem + "Dt", stem + "Date"):
                    if candidate in fields:
                        found[""] = _order_field(candidate, samples.get(candidate, ""), service)
                        break
                if "" in found:
                    break
    return found


def _order_field(name: str, sample: str, service: str) -> list[str]:
    """[field, "datetime" | "date", the strftime format the gateway prints it in]."""
    shapes = (
        (r"\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}:\d{1,2}", "datetime", "%Y-%m-%d %H:%M:%S"),
        (r"\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}", "datetime", "%Y-%m-%d %H:%M"),
        (r"\d{4}-\d{2}-\d{2}", "date", "%Y-%m-%d"),
        (r"\d{8}", "date", "%Y%m%d"),
    )
    for pattern, kind, fmt in shapes:
        if re.fullmatch(pattern, sample.strip()):
            return [name, kind, fmt]
    compact = service.startswith("ShoppingMall")  # that service prints YYYYMMDD
    if name.endswith("Dt"):
        return [name, "datetime", "%Y%m%d" if compact else "%Y-%m-%d %H:%M:%S"]
    return [name, "date", "%Y%m%d" if compact else "%Y-%m-%d"]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
