"""The 물품분류 (product classification) lookups, answered from the sandbox's own vocabulary.

물품목록정보서비스 (``ThngListInfoService02``) and 물품관리정보서비스 (``PrdctMngInfoService``) are
reference tables, not streams of dated records: one row per 물품분류번호 (8 digits) or 세부품명번호
(10 digits). The generic record universe (``records``) would answer a 품명 search with hundreds of
copies of one row; here each 품명 of ``vocab`` (goods, services, works) is one class with its
세부품명 (``…01`` is the 품명 itself, a few have more, e.g. CCTV카메라 under 영상감시장치), so a
lookup answers the codes every other sandbox operation prints and filters by.

Name params are partial (LIKE) matches, as the reference docs say ("물품분류명으로 Like 검색");
number params are exact, or a ``…BgnNo``/``…EndNo`` range.
"""

from __future__ import annotations

from typing import Final

from .vocab import GOODS, SERVICES, WORKS, Item, normalize

__all__ = ["OPERATIONS", "detail_classes", "rows"]

_ALL: Final[tuple[Item, ...]] = (*GOODS, *SERVICES, *WORKS)
# English names (UNSPSC-style) of the vocabulary's classes; others print none.
_ENGLISH: Final = {
    "43211507": "Desktop computers", "43211503": "Notebook computers", "43211509": "Tablet computers",
    "43211501": "Computer servers", "43211902": "Computer displays", "43212105": "Laser printers",
    "44101501": "Multifunction printers", "44103103": "Toner", "14111507": "Printer or copier paper",
    "43222612": "Network switches", "46171610": "Security cameras", "56101703": "Desks",
    "56101504": "Chairs", "56101520": "Lockers", "40101806": "Heat pumps",
    "40101701": "Air conditioners", "40161602": "Air cleaners", "55121604": "Electronic signs",
    "42172001": "Defibrillators", "41115404": "Spectrophotometers", "41111504": "Dynamometers",
    "25101503": "Passenger cars", "47131816": "Hand cleaners", "27112703": "Power drills",
    "50202301": "Drinking water", "39111610": "LED lighting fixtures",
}  # fmt: skip
# 세부품명 beyond the first (``…01`` = the 품명 itself): (number suffix, name).
_EXTRA_DETAILS: Final = {
    "46171610": (("02", "CCTV카메라"), ("03", "네트워크영상저장장치")),
    "44101501": (("02", "디지털복합기"),),
    "43211507": (("02", "일체형컴퓨터"),),
    "43211503": (("02", "2in1노트북컴퓨터"),),
}
_SERVICE_LIFE: Final = {"43": "5", "44": "5", "46": "6", "56": "8", "40": "9", "25": "10"}

OPERATIONS: Final = frozenset(
    {
        "getPrdctClsfcNoUnit8Info02",
        "getPrdctClsfcNoUnit10Info02",
        "getThngPrdnmLocplcAccotListInfoInfoPrdnmSearch02",
        "getPrdctClsfcNoUslfsvc",
    }
)


def detail_classes(item: Item) -> tuple[tuple[str, str], ...]:
    """The 세부품명 of one 품명: (세부품명번호, 세부품명), the ``…01`` one first."""
    extra = _EXTRA_DETAILS.get(item.class_no, ())
    return ((item.class_no + "01", item.name), *((item.class_no + n, name) for n, name in extra))


def _like(text: str, term: str | None) -> bool:
    return not term or normalize(term) in normalize(text)


def _within(number: str, low: str | None, high: str | None) -> bool:
    return (not low or number >= low) and (not high or number <= high)


def _class_row(item: Item) -> dict[str, str]:
    return {
        "prdctClsfcNo": item.class_no,
        "prdctClsfcNoNm": item.name,
        "prdctClsfcNoEngNm": _ENGLISH.get(item.class_no, ""),
        "prdctClsfcNoNmDscrpt": f"{item.name}: 예) {item.spec}",
        "useYn": "Y",
        "chgDate": "2024-01-02",
    }


def rows(op_name: str, params: dict[str, str]) -> list[dict[str, str]] | None:
    """Every row of a classification lookup (paged by the caller); None: not such an operation."""
    if op_name not in OPERATIONS:
        return None
    get = params.get
    if op_name == "getPrdctClsfcNoUnit8Info02":
        return [
            _class_row(i)
            for i in _ALL
            if _like(i.name, get("prdctClsfcNoNm"))
            and _like(_ENGLISH.get(i.class_no, ""), get("prdctClsfcNoEngNm"))
            and _within(i.class_no, get("prdctClsfcNoBgnNo"), get("prdctClsfcNoEndNo"))
        ]
    if op_name == "getPrdctClsfcNoUslfsvc":
        return [
            {
                "prdctClsfcNo": i.class_no,
                "prdctClsfcNoNm": i.name,
                "uslfsvc": _SERVICE_LIFE.get(i.class_no[:2], "6"),
                "rgstDate": "2023-01-01",
                "endDate": "",
                "chgRsn": "",
            }
            for i in GOODS
            if _like(i.name, get("prdctClsfcNoNm"))
            and _within(i.class_no, get("prdctClsfcNoBgnNo"), get("prdctClsfcNoEndNo"))
        ]
    out = []
    for item in _ALL:
        english = _ENGLISH.get(item.class_no, "")
        for number, name in detail_classes(item):
            if op_name == "getPrdctClsfcNoUnit10Info02":
                if _like(name, get("dtilPrdctClsfcNoNm")) and _within(
                    number, get("dtilPrdctClsfcNoBgnNo"), get("dtilPrdctClsfcNoEndNo")
                ):
                    out.append(
                        {
                            "dtilPrdctClsfcNo": number,
                            "dtilPrdctClsfcNoNm": name,
                            "dtilPrdctClsfcNoEngNm": english,
                            "dtilPrdctClsfcNoNmDscrpt": f"{name} ({item.name})",
                            "useYn": "Y",
                            "chgDate": "2024-01-02",
                        }
                    )
            elif (
                _like(item.name, get("prdctClsfcNoNm"))
                and _like(english, get("prdctClsfcNoEngNm"))
                and get("prdctClsfcNo") in (None, "", item.class_no)
                and get("dtilPrdctClsfcNo") in (None, "", number)
            ):
                out.append(
                    {
                        "sno": str(len(out) + 1),
                        "prdctClsfcNo": item.class_no,
                        "prdctClsfcNoNm": item.name,
                        "prdctClsfcNoEngNm": english,
                        "dtilPrdctClsfcNo": number,
                        "dtilPrdctClsfcNoNm": name,
                        "dtilPrdctClsfcNoEngNm": english,
                        "dtilPrdctClsfcNoNum": str(len(detail_classes(item))),
                    }
                )
    return out
