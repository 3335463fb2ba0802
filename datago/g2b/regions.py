"""참가제한지역 (the region bidders are limited to), as every 조달청 search names it.

``prtcptLmtRgnCd`` takes a 2-digit 시도 code; people write 서울, 서울시, 서울특별시, 경기도 … The
table lives here once for every plugin that filters by region.
"""

from __future__ import annotations

from typing import Final

__all__ = ["REGION_CODES", "REGION_CODE_SET", "region_label"]

# 참가제한지역코드 (prtcptLmtRgnCd) by the names people write. 강원/전북 are 특별자치도 now (51/52);
# give 42/45 as codes for notices from before the change.
REGION_CODES: Final[dict[str, str]] = {
    **dict.fromkeys(("전국",), "00"),
    **dict.fromkeys(("서울", "서울시", "서울특별시"), "11"),
    **dict.fromkeys(("부산", "부산시", "부산광역시"), "26"),
    **dict.fromkeys(("대구", "대구시", "대구광역시"), "27"),
    **dict.fromkeys(("인천", "인천시", "인천광역시"), "28"),
    **dict.fromkeys(("광주", "광주시", "광주광역시"), "29"),
    **dict.fromkeys(("대전", "대전시", "대전광역시"), "30"),
    **dict.fromkeys(("울산", "울산시", "울산광역시"), "31"),
    **dict.fromkeys(("세종", "세종시", "세종특별자치시"), "36"),
    **dict.fromkeys(("경기", "경기도"), "41"),
    **dict.fromkeys(("충북", "충청북도"), "43"),
    **dict.fromkeys(("충남", "충청남도"), "44"),
    **dict.fromkeys(("전남", "전라남도"), "46"),
    **dict.fromkeys(("경북", "경상북도"), "47"),
    **dict.fromkeys(("경남", "경상남도"), "48"),
    **dict.fromkeys(("제주", "제주도", "제주특별자치도"), "50"),
    **dict.fromkeys(("강원", "강원도", "강원특별자치도"), "51"),
    **dict.fromkeys(("전북", "전라북도", "전북특별자치도"), "52"),
    **dict.fromkeys(("전남광주통합특별시",), "12"),
    **dict.fromkeys(("기타",), "99"),
}
REGION_CODE_SET: Final = frozenset(REGION_CODES.values()) | {"42", "45"}
"""Every code the gateway knows (42/45: 강원/전북 before they became 특별자치도)."""
_LABELS: Final = {code: name for name, code in reversed(list(REGION_CODES.items()))}


def region_label(code: str) -> str:
    """The short name of a region code (11 -> 서울), or the code itself when it has none."""
    return _LABELS.get(code, code)
