"""The ScsbidInfoService operations this plugin calls, and the labels that choose among them.

업무구분 (kind) picks the operation: 물품 Thng, 공사 Cnstwk, 용역 Servc, 외자 Frgcpt. Date windows:
the reference documents state no range limit for these operations, but in practice a range
over about one calendar month answers 07 (catalog README, "Limits"), so scans go month by month
and the library halves a window the gateway still refuses.
"""

from __future__ import annotations

from typing import Any, Literal

from naramarket.datago import MONTH, Operation, specialise
from naramarket.datago.g2b import (
    ENGLISH_KINDS,
    KIND_SUFFIXES,
    REGION_CODE_SET,
    REGION_CODES,
    G2bOperation,
    kind_suffixes,
)

from .records import Award, Bidder, Failure, Opening, Rebid, ReservePrice

__all__ = [
    "AWARDS_BY_NOTICE",
    "AWARD_SEARCH",
    "BIDDERS",
    "FAILURES",
    "KINDS",
    "KIND_LABEL",
    "OPENINGS",
    "OPERATIONS",
    "REBIDS",
    "REGION_CODES",
    "RESERVE_PRICES",
    "SERVICE",
    "Kind",
    "kind_suffix",
    "region_code",
]

SERVICE = "as/ScsbidInfoService"

Kind = Literal["물품", "공사", "용역", "외자", "goods", "works", "services", "foreign"]
# Korean label (also what English labels map to) -> the operations' name part.
_SUFFIX = {label: KIND_SUFFIXES[label] for label in ("물품", "공사", "용역", "외자")}  # no 기타 here
KIND_LABEL: dict[str, str] = {
    label: ENGLISH_KINDS.get(label, label) for label in kind_suffixes("물품", "공사", "용역", "외자")
}
KINDS = ("물품", "공사", "용역", "외자")  # the order an unknown kind is looked for in


def kind_suffix(kind: str) -> str:
    """``"공사"``/``"works"`` -> ``"Cnstwk"``."""
    return _SUFFIX[KIND_LABEL[kind]]


_ROW_ID = ("notice_no", "notice_round", "classification_no", "rebid_no")

# 낙찰 목록 by 나라장터 search conditions, inqryDiv 2 (개찰일시): rlOpengDt is the date it filters on.
AWARD_SEARCH: dict[str, G2bOperation[Award]] = {
    label: G2bOperation(
        SERVICE,
        f"getScsbidListSttus{suffix}PPSSrch",
        record=specialise(Award, suffix, kind=label),
        range_limit=MONTH,
        dedupe_on=_ROW_ID,
        order_by="opened_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )
    for label, suffix in _SUFFIX.items()
}
# One notice's award (inqryDiv 4: 입찰공고번호), its opening summary (inqryDiv 4) and its
# multiple reserve prices (inqryDiv 2: 입찰공고번호).
AWARDS_BY_NOTICE: dict[str, G2bOperation[Award]] = {
    label: G2bOperation(
        SERVICE,
        f"getScsbidListSttus{suffix}",
        record=specialise(Award, suffix, kind=label),
        dedupe_on=_ROW_ID,
    )
    for label, suffix in _SUFFIX.items()
}
OPENINGS: dict[str, G2bOperation[Opening]] = {
    label: G2bOperation(SERVICE, f"getOpengResultListInfo{suffix}", record=Opening, dedupe_on=_ROW_ID)
    for label, suffix in _SUFFIX.items()
}
RESERVE_PRICES: dict[str, G2bOperation[ReservePrice]] = {
    label: G2bOperation(
        SERVICE,
        f"getOpengResultListInfo{suffix}PreparPcDetail",
        record=ReservePrice,
        dedupe_on=(*_ROW_ID, "sequence"),
    )
    for label, suffix in _SUFFIX.items()
}
# Kind-independent: every bidder of an opening, 유찰 and 재입찰 (by bidNtceNo [+ bidNtceOrd]).
BIDDERS = G2bOperation(
    SERVICE, "getOpengResultListInfoOpengCompt", record=Bidder, dedupe_on=(*_ROW_ID, "rank", "bizno")
)
FAILURES = G2bOperation(SERVICE, "getOpengResultListInfoFailing", record=Failure, dedupe_on=_ROW_ID)
REBIDS = G2bOperation(SERVICE, "getOpengResultListInfoRebid", record=Rebid, dedupe_on=_ROW_ID)

OPERATIONS: tuple[Operation[Any], ...] = (
    *AWARD_SEARCH.values(),
    *AWARDS_BY_NOTICE.values(),
    *OPENINGS.values(),
    *RESERVE_PRICES.values(),
    BIDDERS,
    FAILURES,
    REBIDS,
)


def region_code(value: str) -> str:
    """A 시도 name (서울, 경기도 …) or 2-digit code -> the gateway's code; ValueError if unknown."""
    text = value.strip().replace(" ", "")
    if text in REGION_CODE_SET:
        return text
    if text in REGION_CODES:
        return REGION_CODES[text]
    names = ", ".join(n for n in REGION_CODES if len(n) <= 3)
    raise ValueError(f"region: {value!r} is not a 시도 name or code; use one of {names}, or a 2-digit code")
