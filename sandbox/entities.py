"""Field values of one institution, company or 품명, and notice titles built from them."""

from __future__ import annotations

from .determinism import stable_hash
from .vocab import (
    DEPARTMENTS,
    GOODS,
    SERVICES,
    STREETS,
    WORKS,
    Company,
    Institution,
    Item,
    normalize,
    person_name,
)

__all__ = [
    "TITLE_WORDS",
    "company_values",
    "institution_values",
    "item_values",
    "pool_for",
    "pool_name",
    "title",
]

_JURISDICTION = {"국가기관": "국가기관", "지방자치단체": "지자체", "교육기관": "교육기관"}


def institution_values(
    fields: list[tuple[str, str]], region_fields: list[str], inst: Institution, seed: int
) -> dict[str, str]:
    """Values for ``fields`` ((name, attribute) pairs) of one institution; regions get its 시도."""
    h = stable_hash(seed, "inst", inst.code)
    region = inst.region
    district = region.districts[h % len(region.districts)]
    values = {
        "Nm": inst.name,
        "Cd": inst.code,
        "RgnNm": f"{region.name} {district}",
        "DivNm": inst.kind,
        "JrsdctnDivNm": _JURISDICTION.get(inst.kind, "기타기관"),
        "Bizno": f"{100 + h % 800:03d}83{(h >> 20) % 100000:05d}",
        "Adrs": f"{region.name} {district} {STREETS[h % len(STREETS)]} {1 + (h >> 8) % 300}",
    }
    person = person_name(h >> 4)
    dept = DEPARTMENTS[(h >> 12) % len(DEPARTMENTS)]
    phone = f"{region.area}-{100 + (h >> 16) % 900}-{(h >> 26) % 10000:04d}"
    email = f"{'gkmsyjhp'[h % 8]}{'aeiou'[(h >> 3) % 5]}*****@korea.kr"
    for attr in ("OfclNm", "person"):
        values[attr] = person
    for attr in ("OfclTelNo", "OfclTel", "phone"):
        values[attr] = phone
    for attr in ("OfclDeptNm", "ChrgDeptNm", "dept"):
        values[attr] = dept
    for attr in ("OfclEmailAdrs", "OfclEmail", "email"):
        values[attr] = email
    values["OfclFaxNo"] = phone[:-4] + f"{(h >> 40) % 10000:04d}"
    fragment = {name: values[attr] for name, attr in fields}
    fragment.update(dict.fromkeys(region_fields, region.name))
    return fragment


def company_values(fields: list[tuple[str, str, str]], corp: Company, seed: int) -> dict[str, str]:
    """Values for ``fields`` ((name, attribute, sample) triples) of one company."""
    h = stable_hash(seed, "corp", corp.bizno)
    region = corp.region
    district = region.districts[h % len(region.districts)]
    dashed = f"{corp.bizno[:3]}-{corp.bizno[3:5]}-{corp.bizno[5:]}"
    address = f"{region.name} {district} {STREETS[(h >> 4) % len(STREETS)]} {1 + (h >> 8) % 200}"
    fragment = {}
    for name, attr, sample in fields:
        if attr in ("Nm",):
            value = corp.name
        elif attr in ("Bizno", "No", "bizno"):
            value = corp.bizno
        elif attr == "Bizrno":
            value = dashed if "-" in sample else corp.bizno
        elif attr in ("CeoNm", "ceo"):
            value = corp.ceo
        elif attr in ("Adrs", "adrs"):
            value = address
        elif attr in ("TelNo", "ContactTel"):
            value = f"{region.area}-{100 + (h >> 12) % 900}-{(h >> 24) % 10000:04d}"
        elif attr == "OfclNm":
            value = person_name(h >> 6)
        elif attr == "LocplcNm":
            value = region.name
        elif attr == "openg_info":
            tail = "^".join(sample.split("^")[3:]) or "0^0"
            value = f"{corp.name}^{corp.bizno}^{corp.ceo}^{tail}"
        else:  # company size (기업구분)
            value = corp.size
        fragment[name] = value
    return fragment


def item_values(fields: list[tuple[str, str, str]], item: Item) -> dict[str, str]:
    """Values for ``fields`` ((name, attribute, sample) triples) of one 품명."""
    detail = item.class_no + "01"
    fragment = {}
    for name, attr, sample in fields:
        if attr == "name":
            fragment[name] = item.name
        elif attr == "class":
            # ThngList's 2/4/6-digit classification levels keep their own width.
            fragment[name] = item.class_no[: len(sample)] if sample.isdigit() else item.class_no
        elif attr == "detail":
            fragment[name] = detail
        elif attr == "spec":
            fragment[name] = item.spec
        elif attr == "unit":
            fragment[name] = item.unit
        else:
            fragment[name] = f"[1^{detail}^{item.name}]"
    return fragment


# The fixed words of each pool's title templates: a 공고명 search for one of them finds records.
TITLE_WORDS: dict[str, tuple[str, ...]] = {
    "goods": ("구매(제조)", "구매 설치", "[긴급]"),
    "services": ("용역(재공고)", "위탁 용역", "년도"),
    "works": ("(긴급)", "정비"),
}


def pool_for(op_name: str) -> tuple[Item, ...]:
    """The 품명 pool an operation's records and titles draw on: services, works, else goods."""
    if "Servc" in op_name:
        return SERVICES
    if "Cnstwk" in op_name:
        return WORKS
    return GOODS


def pool_name(pool: tuple[Item, ...]) -> str:
    """ "works", "services" or "goods": the key of ``pool`` in ``TITLE_WORDS``."""
    return "works" if pool is WORKS else "services" if pool is SERVICES else "goods"


def title(
    pool: tuple[Item, ...], inst: Institution, item_name: str, year: str, h: int, term: str | None = None
) -> str:
    """A notice/contract title such as "2025년 강원대학교 노트북컴퓨터 구매".

    With ``term`` (a 공고명 search), the first variant that contains it, naming the institution in
    full if its short name lacks the term; ``matching`` only lets through terms some variant holds.
    """
    first = h % 4
    if term is None:
        return _variants(pool, inst.name.split()[-1], inst, item_name, year)[first]
    wanted = normalize(term)
    for label in (inst.name.split()[-1], inst.name):
        variants = _variants(pool, label, inst, item_name, year)
        for k in range(4):
            if wanted in normalize(variants[(first + k) % 4]):
                return variants[(first + k) % 4]
    return _variants(pool, inst.name.split()[-1], inst, item_name, year)[first]


def _variants(
    pool: tuple[Item, ...], short: str, inst: Institution, item_name: str, year: str
) -> tuple[str, ...]:
    if pool is WORKS:
        return (f"{short} {item_name}", f"{year}년 {inst.region.name} {item_name}",
                f"{short} {item_name}(긴급)", f"{year}년 {short} {item_name} 정비")  # fmt: skip
    if pool is SERVICES:
        return (f"{year}년 {short} {item_name} 용역", f"{short} {item_name} 위탁 용역",
                f"{year}년도 {item_name}", f"{short} {item_name} 용역(재공고)")  # fmt: skip
    return (f"{year}년 {short} {item_name} 구매", f"{item_name} 구매(제조)",
            f"{short} {item_name} 구매 설치", f"[긴급] {item_name} 구매")  # fmt: skip
