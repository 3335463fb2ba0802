"""The BidPublicInfoService operations this plugin calls, declared once per 업무구분 (kind).

Each operation serves one kind (물품 Thng, 공사 Cnstwk, 용역 Servc, 외자 Frgcpt, 기타 Etc): the
gateway answers a notice only through the operation of its own kind. Every list and PPSSrch
operation takes ``inqryDiv`` and ``inqryBgnDt``/``inqryEndDt`` (``YYYYMMDDHHMM``); the gateway
refuses ranges wider than about a calendar month (resultCode 07), hence ``MONTH``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from naramarket.datago import MONTH
from naramarket.datago.g2b import G2bOperation

from .records import (
    BaseAmount,
    BidNotice,
    BidNoticeDetail,
    EligibleRegion,
    LicenseLimit,
    NoticeChange,
    OrderAttachment,
    PurchaseItem,
    with_kind,
)

__all__ = [
    "ATTACHMENTS",
    "KINDS",
    "LICENSE_LIMITS",
    "REGIONS",
    "SERVICE",
    "Kind",
    "KindLabel",
    "all_operations",
    "kind_of",
]

SERVICE = "ad/BidPublicInfoService"
DATES = ("inqryBgnDt", "inqryEndDt")

# The labels a caller may give for 업무구분: Korean as 나라장터 writes it, or English.
KindLabel = Literal["물품", "공사", "용역", "외자", "기타", "goods", "works", "services", "foreign", "other"]


@dataclass(frozen=True, slots=True)
class Kind:
    """One 업무구분 and its operations (None where the service has no operation for the kind)."""

    key: str  # goods | works | services | foreign | other
    label: str  # 물품 | 공사 | 용역 | 외자 | 기타
    search: G2bOperation[BidNotice]  # getBidPblancListInfo{X}PPSSrch, inqryDiv 1 = 공고게시일시
    notice: G2bOperation[BidNoticeDetail]  # getBidPblancListInfo{X}, inqryDiv 2 = 입찰공고번호
    base_amount: G2bOperation[BaseAmount] | None  # getBidPblancListInfo{X}BsisAmount
    purchase_items: G2bOperation[PurchaseItem] | None  # getBidPblancListInfo{X}PurchsObjPrdct
    changes: G2bOperation[NoticeChange] | None  # getBidPblancListInfoChgHstry{X}
    full_search: bool  # the PPSSrch takes every filter (기타's takes only some)


def _kind(key: str, label: str, code: str, *, amounts: bool, items: bool, history: bool) -> Kind:
    prefix = "getBidPblancListInfo"
    notice_id = ("notice_no", "round")
    return Kind(
        key=key,
        label=label,
        search=G2bOperation(
            SERVICE,
            f"{prefix}{code}PPSSrch",
            record=with_kind(BidNotice, label, code),
            range_limit=MONTH,
            dedupe_on=notice_id,
            order_by="posted_at",  # inqryDiv 1: 공고게시일시
            date_params=DATES,
        ),
        notice=G2bOperation(
            SERVICE,
            f"{prefix}{code}",
            record=with_kind(BidNoticeDetail, label, code),
            range_limit=MONTH,
            dedupe_on=notice_id,
            order_by="registered_at",  # inqryDiv 1: 등록일시 (this plugin asks by number, 2)
            date_params=DATES,
        ),
        base_amount=G2bOperation(
            SERVICE,
            f"{prefix}{code}BsisAmount",
            record=BaseAmount,
            range_limit=MONTH,
            dedupe_on=("notice_no", "round", "lot_no"),
            order_by="entered_at",  # inqryDiv 1: 입력일시
            date_params=DATES,
        )
        if amounts
        else None,
        purchase_items=G2bOperation(
            SERVICE,
            f"{prefix}{code}PurchsObjPrdct",
            record=PurchaseItem,
            range_limit=MONTH,
            dedupe_on=("notice_no", "round", "lot_no", "seq"),
            order_by="posted_at",  # inqryDiv 1: 공고게시일시
            date_params=DATES,
        )
        if items
        else None,
        changes=G2bOperation(
            SERVICE,
            f"{prefix}ChgHstry{code}",
            record=NoticeChange,
            range_limit=MONTH,
            dedupe_on=("notice_no", "round", "lot_no", "rebid_no", "changed_at", "item"),
            order_by="changed_at",  # inqryDiv 1: 변경일시
            date_params=DATES,
        )
        if history
        else None,
        full_search=key != "other",
    )


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        _kind("goods", "물품", "Thng", amounts=True, items=True, history=True),
        _kind("works", "공사", "Cnstwk", amounts=True, items=False, history=True),
        _kind("services", "용역", "Servc", amounts=True, items=True, history=True),
        _kind("foreign", "외자", "Frgcpt", amounts=False, items=True, history=False),
        _kind("other", "기타", "Etc", amounts=False, items=False, history=False),
    )
}
_BY_LABEL = {k.label: k for k in KINDS.values()}

# Operations every kind shares (the rows say which kind in 업무구분명).
LICENSE_LIMITS = G2bOperation(
    SERVICE,
    "getBidPblancListInfoLicenseLimit",
    record=LicenseLimit,
    range_limit=MONTH,
    dedupe_on=("notice_no", "round", "group_no", "seq"),
    order_by="registered_at",
    date_params=DATES,
)
REGIONS = G2bOperation(
    SERVICE,
    "getBidPblancListInfoPrtcptPsblRgn",
    record=EligibleRegion,
    range_limit=MONTH,
    dedupe_on=("notice_no", "round", "seq"),
    order_by="registered_at",
    date_params=DATES,
)
ATTACHMENTS = G2bOperation(
    SERVICE,
    "getBidPblancListInfoEorderAtchFileInfo",
    record=OrderAttachment,
    range_limit=MONTH,
    dedupe_on=("notice_no", "round", "seq"),
    order_by=None,  # its rows carry no date
    date_params=DATES,
)


def kind_of(label: str) -> Kind:
    """The kind a caller's label names (물품 or goods, ...)."""
    return KINDS.get(label) or _BY_LABEL[label]


def all_operations() -> list[G2bOperation[Any]]:
    """Every operation this plugin may call (for contract tests)."""
    ops: list[G2bOperation[Any]] = [LICENSE_LIMITS, REGIONS, ATTACHMENTS]
    for kind in KINDS.values():
        ops += [kind.search, kind.notice]
        ops += [op for op in (kind.base_amount, kind.purchase_items, kind.changes) if op is not None]
    return ops
