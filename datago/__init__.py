"""naramarket.datago: the data.go.kr client library every data.go.kr plugin builds on.

Declare an operation once (path, typed record, date-range limit, identity) and scan it::

    PRODUCTS = G2bOperation("at/ShoppingMallPrdctInfoService", "getMASCntrctPrdctInfoList",
                            record=MallProduct, range_limit=YEAR, dedupe_on=("product_id",))

    listing = await collect(ctx, PRODUCTS, {"prdctClsfcNoNm": "데스크톱컴퓨터"}, window=(start, end))

Key handling, the shared concurrency cap and rate limit, retries, envelopes and result codes,
typed records, date windows and the caller-owned page scan live here; what only 조달청 APIs
share is in ``naramarket.datago.g2b``.
"""

from .aggregate import (
    OTHER,
    Bin,
    GroupRow,
    Groups,
    Histogram,
    Numbers,
    NumberSummary,
    ScanReport,
    quartiles,
    scan_records,
)
from .client import (
    CLIENT,
    Client,
    background,
    client_factory,
    collect,
    collect_merged,
    make_http_client,
    normalise_key,
)
from .envelope import Page
from .errors import (
    AccessDenied,
    InvalidParameter,
    KeyExpired,
    KeyNotRegistered,
    NotConfigured,
    QuotaExceeded,
    RangeTooWide,
    RateLimited,
    RequestBudgetSpent,
    ServiceNotFound,
    UnregisteredIp,
    UpstreamError,
    UpstreamUnavailable,
)
from .limits import RetryPolicy
from .listing import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SANDBOX_MARK,
    Listing,
    ListQuery,
    Order,
    Problem,
    Reason,
    sandbox_mark,
)
from .operation import DATA_GO_KR, DAY, MONTH, WEEK, YEAR, Api, Operation, RangeLimit, split_windows
from .records import KST, KstDateTime, Record, derived, specialise, wire
from .scan import PageFailure

__all__ = [
    "CLIENT",
    "DATA_GO_KR",
    "DAY",
    "DEFAULT_LIMIT",
    "KST",
    "MAX_LIMIT",
    "MONTH",
    "OTHER",
    "SANDBOX_MARK",
    "WEEK",
    "YEAR",
    "AccessDenied",
    "Api",
    "Bin",
    "Client",
    "GroupRow",
    "Groups",
    "Histogram",
    "InvalidParameter",
    "KeyExpired",
    "KeyNotRegistered",
    "KstDateTime",
    "ListQuery",
    "Listing",
    "NotConfigured",
    "NumberSummary",
    "Numbers",
    "Operation",
    "Order",
    "Page",
    "PageFailure",
    "Problem",
    "QuotaExceeded",
    "RangeLimit",
    "RangeTooWide",
    "RateLimited",
    "Reason",
    "Record",
    "RequestBudgetSpent",
    "RetryPolicy",
    "ScanReport",
    "ServiceNotFound",
    "UnregisteredIp",
    "UpstreamError",
    "UpstreamUnavailable",
    "background",
    "client_factory",
    "collect",
    "collect_merged",
    "derived",
    "make_http_client",
    "normalise_key",
    "quartiles",
    "sandbox_mark",
    "scan_records",
    "specialise",
    "split_windows",
    "wire",
]
