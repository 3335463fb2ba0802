"""naramarket's kernel: the public surface plugins and adapters build on.

Plugins import only from here (``from naramarket.kernel import tool, Params, ...``); everything
else in this package is private implementation and may change.
"""

from .context import CallEvents, Context, Principal
from .dispatch import Dispatcher, to_builtins
from .errors import (
    AccessDenied,
    Forbidden,
    InternalError,
    InvalidParameter,
    InvalidParams,
    KeyExpired,
    KeyNotRegistered,
    NaramarketError,
    QuotaExceeded,
    RangeTooWide,
    RateLimited,
    ServiceNotFound,
    ToolNotFound,
    Unauthorized,
    UnregisteredIp,
    UpstreamError,
    UpstreamUnavailable,
    problem,
)
from .hookspecs import hookimpl
from .kernel import Kernel, make_http_client
from .listing import Listing, ResumePoint
from .operation import DAY, MONTH, WEEK, YEAR, Operation, RangeLimit
from .records import KST, Record, upstream
from .registry import Registry, ToolClash
from .schema import json_schema
from .settings import Settings
from .tool import Params, Tool, tool

__all__ = [
    "DAY",
    "KST",
    "MONTH",
    "WEEK",
    "YEAR",
    "AccessDenied",
    "CallEvents",
    "Context",
    "Dispatcher",
    "Forbidden",
    "InternalError",
    "InvalidParameter",
    "InvalidParams",
    "Kernel",
    "KeyExpired",
    "KeyNotRegistered",
    "Listing",
    "NaramarketError",
    "Operation",
    "Params",
    "Principal",
    "QuotaExceeded",
    "RangeLimit",
    "RangeTooWide",
    "RateLimited",
    "Record",
    "Registry",
    "ResumePoint",
    "ServiceNotFound",
    "Settings",
    "Tool",
    "ToolClash",
    "ToolNotFound",
    "Unauthorized",
    "UnregisteredIp",
    "UpstreamError",
    "UpstreamUnavailable",
    "hookimpl",
    "json_schema",
    "make_http_client",
    "problem",
    "to_builtins",
    "tool",
    "upstream",
]
