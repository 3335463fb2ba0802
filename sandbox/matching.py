"""Which search values exist in the sandbox's world, and the entities a query's filters pin.

The one place that decides, per class of request param, how a filter value is judged:

- **Name searches** (품명 ``prdctClsfcNoNm``/세부품명, 품목명 ``prdctIdntNoNm``, 기관명 ``ntceInsttNm``/
  ``dminsttNm``/…, 업체명 ``corpNm``/``cntrctCorpNm``/…, 공고명·계약명·사업명 ``bidNtceNm``/…, 지역명
  ``prtcptLmtRgnNm``/``dminsttRgnNm``) are **partial matches** against the sandbox's vocabularies
  (``vocab``): the value must occur inside some 품명, institution, company or region name; for a
  title, inside a 품명, an institution name or a fixed word of the titles (구매, 용역 …), so whole
  titles like "2025년 강원대학교 노트북" do not match. Records then carry the full name that
  matched ("컴퓨터" finds 데스크톱컴퓨터, 노트북컴퓨터 …). A value that occurs nowhere has no
  records, and the gateway answers "no data" (resultCode 03, ``items`` empty, totalCount 0:
  ``envelopes.no_data``) as the real one does for a 품명 nobody sells.
  Why partial: the reference docs say so for these params ("공고명 일부 입력시에도 조회 가능",
  "수요기관명 일부 입력시에도 조회 가능", "계약업체명으로 Like 검색", "물품분류명으로 Like 검색",
  "참가제한지역명 일부 입력시에도 조회 가능"); where a doc is silent we assume the same LIKE search,
  so a real word is never refused by a stricter rule than the gateway's. Case and runs of
  whitespace are ignored (``vocab.normalize``).
- **Codes and numbers** (기관코드, 사업자등록번호, 물품분류번호, 공고번호 …) are unchanged: a value
  in the vocabulary pins that entity, any other value is carried by records made up around it,
  because the sandbox cannot know every real code and numbers are what clients copy from answers.
- **Ranges and coded flags** (추정가격 ``presmptPrceBgn``/``presmptPrceEnd``, 국제구분코드
  ``intrntnlDivCd``) pin the records' values into them: a notice's price is moved into the range
  searched (a lookup by its number still prints its own price) and 국제입찰여부 follows the code.
- **Names the sandbox has no vocabulary for** (영문품명 ``engRprsntPrdctNm``, 업종명
  ``indstrytyNm``, 공종명, 지청명 …) are not judged either: records carry them as searched.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from .catalog import Operation, load_catalog
from .determinism import stable_hash
from .entities import TITLE_WORDS, pool_for, pool_name
from .fields import CORP, INST, ITEM, REGION, TITLE, classify
from .vocab import (
    COMPANIES,
    GOODS,
    INSTITUTIONS,
    REGIONS,
    SERVICES,
    WORKS,
    Company,
    Institution,
    Item,
    normalize,
)

__all__ = ["Filters", "Overrides", "resolve", "search_class"]

Filters = tuple[tuple[str, str], ...]  # sorted (param, value) pairs, blanks removed

# Search classes of name params (see the module docstring).
ITEM_NAME, ITEM_SPEC, INST_NAME, CORP_NAME, TITLE_TERM, REGION_NAME = (
    "item_name", "item_spec", "inst_name", "corp_name", "title", "region",
)  # fmt: skip
ALL_ITEMS: tuple[Item, ...] = (*GOODS, *SERVICES, *WORKS)
# Every region string a record can print: 시도, "시도 시군구", and 전국 (no regional restriction).
_REGION_TEXTS = ("전국", *(t for r in REGIONS for t in (r.name, *(f"{r.name} {d}" for d in r.districts))))


class Overrides(NamedTuple):
    """Entities and values the query's filters pin; an empty tuple pins nothing (any entity)."""

    inst_a: tuple[Institution, ...]
    inst_b: tuple[Institution, ...]
    corp: tuple[Company, ...]
    item: tuple[Item, ...]
    title_items: tuple[Item, ...]  # a 공고명 term's 품명 when the item is pinned otherwise
    title_insts: tuple[Institution, ...]  # a 공고명 term's institutions when inst_a is pinned otherwise
    title_term: str | None  # titles must contain it
    fields: dict[str, str]  # response fields set to a value as such
    price: tuple[int | None, int | None] = (None, None)  # 추정가격 range searched (presmptPrceBgn/End)


def search_class(name: str, kind: tuple[str, tuple[str, ...]]) -> str | None:
    """How a filter on param ``name`` (of ``fields.classify`` kind ``kind``) is judged; None: not."""
    what, detail = kind
    if what == ITEM and detail[0] == "name" and not name.startswith("eng"):  # no English vocabulary
        return ITEM_NAME
    if what == ITEM and detail[0] == "spec":
        return ITEM_SPEC
    if what == INST and detail[1] == "Nm":
        return INST_NAME
    if what == CORP and detail[0] == "Nm":
        return CORP_NAME
    if what == TITLE:
        return TITLE_TERM
    if what == REGION or (what == INST and detail[1] == "RgnNm"):
        return REGION_NAME
    return None


def resolve(op: Operation, filters: Filters, seed: int) -> Overrides | None:
    """What ``filters`` pin for ``op``; None when a name search matches nothing (no data)."""
    return _resolve(op.name, filters, seed)


@functools.lru_cache(maxsize=1024)
def _resolve(op_name: str, filters: Filters, seed: int) -> Overrides | None:
    op = load_catalog().operations[op_name]
    samples = {p.name: p.sample for p in op.params}
    names: dict[str, list[str]] = {}  # search class -> values; records must match them all
    codes: dict[tuple[str, str], str] = {}
    fields: dict[str, str] = {}
    field_names = {f.name for f in op.fields}
    for name, value in filters:
        kind = classify(name, samples.get(name, ""), op.service)
        judged = search_class(name, kind)
        what, detail = kind
        if judged == REGION_NAME:
            text = next((t for t in _REGION_TEXTS if _has(t, value)), None)
            if text is None:
                return None
            if name in field_names:
                fields[name] = text
            continue
        if judged is not None:
            names.setdefault(f"inst_{detail[0]}" if judged == INST_NAME else judged, []).append(value)
        elif what == INST and detail[1] == "Cd":
            codes[(f"inst_{detail[0]}", "Cd")] = value
        elif what == CORP and detail[0] in ("Bizno", "Bizrno", "No", "bizno"):
            codes[("corp", "Bizno")] = value.replace("-", "")
        elif what == ITEM and detail[0] in ("class", "detail"):
            codes[("item", detail[0])] = value
        if judged is None and name in field_names and what != TITLE:
            fields[name] = value  # codes and unjudged names: records carry the value as searched
    inst_a = _institutions(names.get("inst_a"), codes.get(("inst_a", "Cd")), "inst_a", seed)
    inst_b = _institutions(names.get("inst_b"), codes.get(("inst_b", "Cd")), "inst_b", seed)
    corp = _companies(names.get(CORP_NAME), codes.get(("corp", "Bizno")), seed)
    number = codes.get(("item", "detail")) or codes.get(("item", "class"))
    item = _items(names.get(ITEM_NAME), names.get(ITEM_SPEC), number, seed)
    if inst_a is None or inst_b is None or corp is None or item is None:
        return None
    terms = names.get(TITLE_TERM, [])
    term = terms[-1] if terms else None  # two title params in one query: the last one counts
    title_items: tuple[Item, ...] = ()
    title_insts: tuple[Institution, ...] = ()
    if term is not None and not any(_has(w, term) for w in TITLE_WORDS[pool_name(pool_for(op_name))]):
        # Not a fixed word of the titles: the term must occur in a 품명 or an institution they name.
        if term_items := tuple(i for i in ALL_ITEMS if _has(i.name, term)):
            item, title_items = (term_items, ()) if not item else (item, term_items)
        elif term_insts := tuple(i for i in INSTITUTIONS if _has(i.name, term)):
            inst_a, title_insts = (term_insts, ()) if not inst_a else (inst_a, term_insts)
        else:
            return None
    for param, (field, values) in _FLAG_PINS.items():  # a coded flag pins the field it filters
        value = dict(filters).get(param)
        if value in values and field in field_names:
            fields[field] = values[value]
    price = (_amount(dict(filters).get("presmptPrceBgn")), _amount(dict(filters).get("presmptPrceEnd")))
    return Overrides(inst_a, inst_b, corp, item, title_items, title_insts, term, fields, price)


# Coded filters whose rows carry the answer in another field: 국제구분코드 1 국내 / 2 국제 -> 국제입찰여부.
_FLAG_PINS: dict[str, tuple[str, dict[str, str]]] = {"intrntnlDivCd": ("intrbidYn", {"1": "N", "2": "Y"})}


def _amount(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _has(text: str, term: str) -> bool:
    return normalize(term) in normalize(text)


def _institutions(
    names: list[str] | None, code: str | None, role: str, seed: int
) -> tuple[Institution, ...] | None:
    if names is None and code is None:
        return ()
    name = names[0] if names else None  # for the hash of a made-up institution, as before
    named = tuple(i for i in INSTITUTIONS if all(_has(i.name, n) for n in names or ()))
    if not named:
        return None
    found = tuple(i for i in named if code in (None, i.code))
    if found:
        return found
    # An unknown code: an institution made up around it (of the searched name, if one was given).
    base = named[0] if names else INSTITUTIONS[stable_hash(seed, role, name, code) % len(INSTITUTIONS)]
    return (base._replace(code=code or base.code),)


def _companies(names: list[str] | None, bizno: str | None, seed: int) -> tuple[Company, ...] | None:
    if names is None and bizno is None:
        return ()
    name = names[0] if names else None
    named = tuple(c for c in COMPANIES if all(_has(c.name, n) for n in names or ()))
    if not named:
        return None
    found = tuple(c for c in named if bizno in (None, c.bizno))
    if found:
        return found
    base = named[0] if names else COMPANIES[stable_hash(seed, "corp", name, bizno) % len(COMPANIES)]
    return (base._replace(bizno=bizno or base.bizno),)


def _items(
    names: list[str] | None, specs: list[str] | None, number: str | None, seed: int
) -> tuple[Item, ...] | None:
    if names is None and specs is None and number is None:
        return ()
    named = tuple(
        i
        for i in ALL_ITEMS
        if all(_has(i.name, n) for n in names or ())
        and all(_has(i.spec, s) or _has(i.name, s) for s in specs or ())
    )
    if not named:
        return None
    if number is None:
        return named
    # 8 digits name the 품명, 10 its 세부품명 (``classification.detail_classes``: …01, …02 …).
    found = tuple(i for i in named if (i.class_no + "01").startswith(number) or number[:8] == i.class_no)
    if found:
        return found
    # An unknown 물품분류번호: a 품명 made up around it.
    searched = names is not None or specs is not None
    base = named[0] if searched else ALL_ITEMS[stable_hash(seed, "item", None, number) % len(ALL_ITEMS)]
    class_no = number[:8].ljust(8, "0")
    return (Item(class_no, base.name, base.unit, f"{base.name}, 규격서 참조"),)
