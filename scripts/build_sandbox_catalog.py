"""Build ``sandbox/data/catalog.json.gz``: the trimmed G2B catalog the sandbox upstream serves from.

Usage: ``python scripts/build_sandbox_catalog.py [path/to/catalog.json]`` (default
``../shared/g2b-reference/catalog.json`` relative to the repo root). The official doc-example XML
files next to it (``samples/doc-examples/``) fill item-field samples the catalog left empty.

The output keeps only what the fake gateway needs, per operation: service, path prefix, request
params (name, safe ``required`` flag, sample), item fields (name, name_ko, sample), date-range params
with their request format, the per-call range limit parsed into unit and amount, and per 조회구분
(``inqryDiv``) mode the item field its date range filters (``date_modes``, see ``_date_modes``).
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "g2b-reference" / "catalog.json"
OUTPUT = REPO_ROOT / "sandbox" / "data" / "catalog.json.gz"

COMMON_PARAMS = {"servicekey", "pageno", "numofrows", "type"}
SAMPLE_MAX = 160  # long samples (qualification texts) only bloat the package; a prefix looks as real
DATE_PARAM = re.compile(r"(Bgn|End)(Dt|Date|Ym)$|^srchBssYm(Bgn|End)$|^srchBssYear$")
# Wording in the docs that marks a "required" param as conditional or defaulted, hence unsafe to enforce.
CONDITIONAL = re.compile(r"경우\s*필수|선택시\s*필수|입력값이 없을 경우")
LIMIT = re.compile(r"^(\w+):.*?(\d+)\s*(개월|년|주일|주|일)")
UNITS = {"개월": "month", "년": "year", "주일": "week", "주": "week", "일": "day"}
PRACTICE_LIMIT = {"unit": "month", "amount": 1, "source": "practice"}
# One mode of an inqryDiv wording: "1:등록일시", "2.입찰공고번호", "1..공고일시", "4공고번호".
MODE = re.compile(r"(\d)\s*(?:[:.]+\s*)?([가-힣][^,\d]*?)(?=\s*(?:,|\d\s*(?:[:.]+\s*)?[가-힣]|$))")
# A mode label that names a moment (the others name a number: 입찰공고번호, 사업자등록번호 ...).
DATE_LABEL = re.compile(r"(일시|일자|일)$")
# The docs call one moment by different names in the mode and in the item field; these are the
# item fields' names (name_ko) a mode label may mean, first present wins. 낙찰 lists print only the
# actual opening (실개찰일시) for "개찰일시"; UsrInfoService02 says "등록일기준"/"시스템등록일기준" for
# 등록일시; the 물품목록 change history prints its change moment as 물품정보변경일자; "재재" is the
# doc's typo for 제재.
MODE_FIELD_NAMES = {
    "공고게시일시": ("공고게시일시", "입찰공고일시", "게시일시"),
    "공고일시": ("공고일시", "입찰공고일시", "공고게시일시", "게시일시"),
    "개찰일시": ("개찰일시", "실개찰일시"),
    "계약일자": ("계약일자", "계약체결일자"),
    "가격게시일시": ("가격게시일시", "게시일시"),
    "등록일": ("등록일시",),
    "등록일자": ("등록일자", "등록일시"),
    "시스템등록일": ("등록일시",),
    "변경일": ("변경일시",),
    "변경일시": ("변경일시", "물품정보변경일자"),
    "시스템변경일": ("변경일시",),
    "재재시작일자": ("제재시작일자",),
    "최초계약납품요구일자": ("최초계약(납품요구)일자",),
}
DATE_FIELD = re.compile(r"(Dt|Date)$")
# Without inqryDiv, the date params' "… 기준" wording this table names is anchored as mode "" (the item
# fields it may mean, first present wins). Only 업종: elsewhere the wording names the main date already.
BASIS_FIELD_NAMES = {"업종등록일": ("업종등록일시",)}

# UsrInfoService02's portal page lists no response fields at all. These names follow the retired
# UsrInfoService responses so the fake answers with something; flagged "invented" in the output.
INVENTED_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "getPrcrmntCorpBasicInfo02": [
        ("bizno", "사업자등록번호", "1198686612"),
        ("corpNm", "업체명", "주식회사청마토건"),
        ("corpEngNm", "업체영문명", "CHEONGMA CONSTRUCTION CO., LTD."),
        ("ceoNm", "대표자명", "김성원"),
        ("rgstDt", "등록일시", "2025-07-01 10:21:33"),
        ("chgDt", "변경일시", "2025-07-03 09:12:05"),
        ("opbizDt", "개업일시", "2011-03-02 00:00:00"),
        ("corpBsnsDivNm", "업체업무구분명", "물품,용역,공사"),
        ("mnfctDivNm", "제조구분명", "제조"),
        ("emplyeNum", "종업원수", "24"),
        ("zip", "우편번호", "06164"),
        ("adrs", "주소", "서울특별시 강남구 테헤란로 521"),
        ("dtlAdrs", "상세주소", "10층"),
        ("telNo", "전화번호", "02-6258-8989"),
        ("faxNo", "팩스번호", "02-6258-8990"),
        ("hmpgAdrs", "홈페이지주소", "www.example.co.kr"),
        ("rgnNm", "지역명", "서울특별시"),
    ],
    "getPrcrmntCorpIndstrytyInfo02": [
        ("bizno", "사업자등록번호", "3068134668"),
        ("corpNm", "업체명", "주식회사 그린환경산업"),
        ("indstrytyCd", "업종코드", "4119"),
        ("indstrytyNm", "업종명", "토목공사업"),
        ("rgstDt", "등록일시", "2025-07-01 10:21:33"),
        ("chgDt", "변경일시", "2025-07-03 09:12:05"),
        ("rprsntIndstrytyYn", "대표업종여부", "Y"),
        ("vldPrdExprtDt", "유효기간만료일시", "2027-06-30 00:00:00"),
    ],
    "getPrcrmntCorpSplyPrdctInfo02": [
        ("bizno", "사업자등록번호", "6128306057"),
        ("corpNm", "업체명", "주식회사 위노스"),
        ("prdctClsfcNo", "물품분류번호", "43211507"),
        ("prdctClsfcNoNm", "품명", "데스크톱컴퓨터"),
        ("dtilPrdctClsfcNo", "세부품명번호", "4321150701"),
        ("dtilPrdctClsfcNoNm", "세부품명", "데스크톱컴퓨터"),
        ("mnfctDivNm", "제조구분명", "제조"),
        ("rgstDt", "등록일시", "2024-04-10 14:02:11"),
        ("chgDt", "변경일시", "2024-04-12 09:30:00"),
    ],
    "getDminsttInfo02": [
        ("dminsttCd", "수요기관코드", "9111117"),
        ("dminsttNm", "수요기관명", "경상남도교육청 경상남도거제교육지원청 거제장평중학교"),
        ("jrsdctnDivNm", "소관구분명", "교육기관"),
        ("toplvlInsttCd", "최상위기관코드", "7530000"),
        ("toplvlInsttNm", "최상위기관명", "경상남도교육청"),
        ("zip", "우편번호", "53283"),
        ("adrs", "주소", "경상남도 거제시 장평3로 95"),
        ("telNo", "전화번호", "055-630-1234"),
        ("faxNo", "팩스번호", "055-630-1299"),
        ("rgstDt", "등록일시", "2013-03-04 09:00:00"),
        ("chgDt", "변경일시", "2013-03-05 10:00:00"),
    ],
    "getUnptRsttCorpInfo02": [
        ("bizno", "사업자등록번호", "8633000223"),
        ("corpNm", "업체명", "주식회사청마토건"),
        ("ceoNm", "대표자명", "박정연"),
        ("rsttBgnDate", "제재시작일자", "2025-09-01"),
        ("rsttEndDate", "제재종료일자", "2026-02-28"),
        ("rsttRsn", "제재사유", "계약의 이행을 하지 아니한 자"),
        ("rsttInsttNm", "제재기관명", "조달청"),
        ("rgstDt", "등록일시", "2025-08-25 15:40:12"),
    ],
}


def main(argv: list[str]) -> int:
    """Read the full catalog (argv[1] or the default path) and write the trimmed, gzipped copy."""
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    catalog = json.loads(source.read_text(encoding="utf-8"))
    examples_dir = source.parent / "samples" / "doc-examples"
    trimmed = trim(catalog, examples_dir)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(trimmed, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    # mtime=0 keeps the committed file byte-stable across rebuilds.
    OUTPUT.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    ops = trimmed["operations"]
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}: {len(ops)} operations, {OUTPUT.stat().st_size} bytes")
    return 0


def trim(catalog: dict[str, Any], examples_dir: Path) -> dict[str, Any]:
    """Return the trimmed catalog document."""
    services: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for service_name, service in catalog["services"].items():
        prefix = service["base_path"].split("/")[2]
        services[service_name] = {"prefix": prefix, "name_ko": service["name_ko"]}
        for op_name, op in service["operations"].items():
            examples = _doc_example_values(examples_dir / f"{service_name}__{op_name}.xml")
            operations[op_name] = _trim_operation(service_name, prefix, op_name, op, examples)
    codes = catalog["error_codes"]
    return {
        "version": 1,
        "source": "g2b-reference catalog.json " + catalog["meta"]["generated"],
        "services": services,
        "operations": operations,
        "provider_codes": {c["code"]: c["name"] for c in codes["provider_resultCode"]},
        "gateway_codes": {c["code"]: c["name"] for c in codes["gateway_returnReasonCode"]},
    }


def _trim_operation(
    service: str, prefix: str, op_name: str, op: dict[str, Any], examples: dict[str, str]
) -> dict[str, Any]:
    params = [p for p in op["params"] if p["name"].lower() not in COMMON_PARAMS]
    fields = [
        [f["name"], f["name_ko"], _clip(f.get("sample") or examples.get(f["name"], ""))]
        for f in op["item_fields"]
    ]
    invented = not fields and op_name in INVENTED_FIELDS
    if invented:
        fields = [list(f) for f in INVENTED_FIELDS[op_name]]
    limits = _parse_limits(op["date_range_limits"])
    return {
        "service": service,
        "prefix": prefix,
        "params": [
            {"name": p["name"], "required": _safely_required(p), "sample": _clip(p["sample"] or "")}
            for p in params
        ],
        "fields": fields,
        "invented_fields": invented,
        "date_ranges": _date_ranges(params, limits, op),
        "date_modes": _date_modes(op.get("inqryDiv") or "", fields, params),
    }


def _date_modes(
    wording: str, fields: list[list[str]], params: list[dict[str, Any]] | None = None
) -> dict[str, str]:
    """{inqryDiv mode: item field its date range filters}, for the modes that name a moment.

    Derived here, at build time, from the doc's own wording ("1:등록일시, 2.입찰공고번호, 3.변경일시"
    -> {"1": "rgstDt", "3": "chgDt"}) so the table sits next to the other facts taken from the
    reference, is reviewable in the packaged catalog, and the sandbox does no text parsing at load.
    The real gateway filters and orders by the moment the mode names; the sandbox anchors each
    record's timeline on that field (``sandbox.schema.RecordSchema.mode_plan``). Left out: modes
    naming a number, a moment no item field prints (결재일시; 접수일시 where only 입력일시 is
    printed), and "1. 발주년월, 게시일시" (two ranges at once): those keep the record's main date.

    An operation without ``inqryDiv`` whose date params say what they count from ("업종등록일 기준
    조회시작일시") gets that field as mode "" (the gateway looks the mode up by the inqryDiv sent, none).
    """
    by_name_ko: dict[str, list[str]] = {}
    for name, name_ko, _ in fields:
        if DATE_FIELD.search(name):
            by_name_ko.setdefault(name_ko.replace(" ", ""), []).append(name)
    text = re.sub(r"^.*?조회구분(\s*입력)?[,\s]*", "", wording.replace("\n", " "))
    modes: dict[str, str] = {}
    if not wording.strip():
        for param in params or ():
            basis = re.search(r"([가-힣]+)\s*기준", param.get("desc") or "")
            if not DATE_PARAM.search(param["name"]) or basis is None:
                continue
            for name_ko in BASIS_FIELD_NAMES.get(basis.group(1), ()):
                names = by_name_ko.get(name_ko, [])
                if len(names) == 1:
                    modes[""] = names[0]
                    break
            if modes:
                break
        return modes
    for number, raw in MODE.findall(text):
        label = re.sub(r"\([^)]*\)?", "", raw)  # "(입찰공고)", "(선택: 입찰공고차수)"
        label = re.sub(r"(기준)?\s*검색$|기준$", "", label.strip(" ,.)")).replace(" ", "")
        if number in modes or not DATE_LABEL.search(label):
            continue
        for name_ko in MODE_FIELD_NAMES.get(label, (label,)):
            names = by_name_ko.get(name_ko, [])
            if len(names) == 1:
                modes[number] = names[0]
                break
    return modes


def _safely_required(param: dict[str, Any]) -> bool:
    """Required by the doc, not contradicted by the portal, and not worded as conditional."""
    return (
        bool(param["required"])
        and param.get("required_portal") is not False
        and not CONDITIONAL.search(param.get("desc") or "")
    )


def _date_format(param: dict[str, Any]) -> str:
    """``datetime`` (YYYYMMDDHHMM), ``date`` (YYYYMMDD), ``month`` (YYYYMM) or ``year`` (YYYY)."""
    token = re.search(r"YYYY[A-Za-z0-9]*", param.get("desc") or "")
    if token:
        text = token.group(0).upper()
        for start, fmt in (("YYYYMMDDHH", "datetime"), ("YYYYMMDD", "date"), ("YYYYMM", "month")):
            if text.startswith(start):
                return fmt
        return "year"
    by_size = {"12": "datetime", "8": "date", "6": "month", "4": "year"}
    return by_size.get(param["size"], "datetime")


def _date_ranges(
    params: list[dict[str, Any]], limits: dict[str, dict[str, Any]], op: dict[str, Any]
) -> list[dict[str, Any]]:
    by_name = {p["name"]: p for p in params}
    ranges = []
    for name, param in by_name.items():
        if not DATE_PARAM.search(name) or "End" in name:
            continue
        end = name.replace("Bgn", "End", 1) if "Bgn" in name else name
        if end not in by_name:
            continue
        limit = limits.get(name)
        if limit is None and name == "inqryBgnDt" and not _samples_exceed_a_month(op):
            limit = PRACTICE_LIMIT
        ranges.append({"begin": name, "end": end, "format": _date_format(param), "limit": limit})
    return ranges


def _parse_limits(texts: list[str]) -> dict[str, dict[str, Any]]:
    """'inqryBgnDt: 범위는 최대 1개월로 제한' -> {'inqryBgnDt': {'unit': 'month', 'amount': 1, ...}}."""
    limits = {}
    for text in texts:
        match = LIMIT.search(text)
        if match is None:
            raise ValueError(f"unparsed date range limit: {text!r}")
        param, amount, unit = match.groups()
        limits[param] = {"unit": UNITS[unit], "amount": int(amount), "source": "doc"}
    return limits


def _samples_exceed_a_month(op: dict[str, Any]) -> bool:
    """True when the op's own documented example spans more than a month (so longer ranges work)."""
    pairs = []
    samples = {p["name"]: p["sample"] for p in op["params"]}
    pairs.append((samples.get("inqryBgnDt", ""), samples.get("inqryEndDt", "")))
    for url in op.get("doc_example_request") or []:
        begin = re.search(r"inqryBgnDt=(\d+)", url)
        end = re.search(r"inqryEndDt=(\d+)", url)
        if begin and end:
            pairs.append((begin.group(1), end.group(1)))
    for begin, end in pairs:
        if len(begin) >= 8 and len(end) >= 8:
            months = (int(end[:4]) - int(begin[:4])) * 12 + int(end[4:6]) - int(begin[4:6])
            if months > 1 or (months == 1 and end[6:8] > begin[6:8]):
                return True
    return False


def _doc_example_values(path: Path) -> dict[str, str]:
    """Field values of the first <item> in an official doc example (regex: 5 files are not well-formed)."""
    if not path.exists():
        return {}
    item = re.search(r"<item>(.*?)</item>", path.read_text(encoding="utf-8"), re.S)
    if item is None:
        return {}
    values: dict[str, str] = {}
    for name, value in re.findall(r"<(\w+)>([^<]*)</\1>", item.group(1)):
        values.setdefault(name, html.unescape(value.strip()))
    return values


def _clip(text: str) -> str:
    return text if len(text) <= SAMPLE_MAX else text[:SAMPLE_MAX]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
