"""입찰공고 — 나라장터 bid notices (조달청 BidPublicInfoService, 25 operations).

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one;
it imports only ``naramarket.kernel`` and ``naramarket.datago``.

- ``search_bid_notices``: notices of one 업무구분 (물품/공사/용역/외자/기타), or of all at once, by
  the 나라장터 search conditions (the ``...PPSSrch`` operations, ``inqryDiv`` 1 = 공고게시일시),
  newest first. Each kind is its own operation upstream; without a kind the operations are
  scanned together and merged by date (``collect_merged``), under one result contract (bounded,
  ordered, continuable by ``next``). 기타's PPSSrch takes fewer filters; the ones it lacks are
  refused for it, and leave it out of an all-kinds search.
- ``get_bid_notice``: one notice by number (``inqryDiv`` 2 = 입찰공고번호) with its round, 기초금액,
  면허제한, 참가가능지역, 구매대상물품, 첨부파일 (공고규격서 + e발주) and 변경이력.

Not used: 입찰가격산식A (BidPrceCalclAInfo), 평가대상 주력분야 (EvaluationIndstrytyMfrcInfo) and
혁신장터 최종제안요청서 (PPIFnlRfpIssAtchFileInfo), which are by date or serve few notices.
"""

from __future__ import annotations

from naramarket.kernel import Register, hookimpl

from .notice import BidNoticeDetails, GetBidNotice, NoticeNotFound, get_bid_notice
from .operations import KINDS, all_operations, kind_of
from .records import BidNotice, BidNoticeDetail
from .search import SearchBidNotices, search_bid_notices, wire_params

__all__ = [
    "KINDS",
    "BidNotice",
    "BidNoticeDetail",
    "BidNoticeDetails",
    "GetBidNotice",
    "NoticeNotFound",
    "SearchBidNotices",
    "all_operations",
    "get_bid_notice",
    "kind_of",
    "search_bid_notices",
    "wire_params",
]


@hookimpl
def register_tools(register: Register) -> None:
    """Register the bid-notice tools."""
    register(search_bid_notices)
    register(get_bid_notice)
