"""naramarket's kernel: what a plugin author imports.

Plugins import only from here and from an upstream client library (``naramarket.datago``).
Adapters and the composition root also use ``naramarket.kernel.host``. Every other module in
this package is private implementation and may change.
"""

from .context import CallEvents, Context, Principal, ResourceKey
from .errors import (
    Forbidden,
    InternalError,
    InvalidParams,
    NaramarketError,
    NotFound,
    ToolNotFound,
    Unauthorized,
    UpstreamError,
    UpstreamUnavailable,
)
from .hookspecs import hookimpl
from .params import DateRange, Params
from .settings import Settings
from .tool import Register, Tool, tool

__all__ = [
    "CallEvents",
    "Context",
    "DateRange",
    "Forbidden",
    "InternalError",
    "InvalidParams",
    "NaramarketError",
    "NotFound",
    "Params",
    "Principal",
    "Register",
    "ResourceKey",
    "Settings",
    "Tool",
    "ToolNotFound",
    "Unauthorized",
    "UpstreamError",
    "UpstreamUnavailable",
    "hookimpl",
    "tool",
]
