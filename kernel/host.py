"""What adapters and the composition root use to host tools (plugins need only ``naramarket.kernel``)."""

from .context import CallEvents, Principal, ResourceKey, Resources, current_call
from .dispatch import Arguments, Dispatcher, PreparedCall
from .errors import (
    EXIT_UPSTREAM_REFUSED,
    EXIT_UPSTREAM_UNAVAILABLE,
    EXIT_USAGE,
    problem,
)
from .kernel import Kernel, ResourceFactory
from .observe import NullObserver, Observed, Observer, tracing_on
from .plugins import ENTRY_POINT_GROUP, installed_plugins, load_tools, make_plugin_manager, plugin_versions
from .redact import REDACTED, redact_field, redact_text, redact_value, register_secret
from .registry import Registry, ToolClash
from .schema import json_schema
from .settings import DEFAULT_API_BASE, Settings

__all__ = [
    "DEFAULT_API_BASE",
    "ENTRY_POINT_GROUP",
    "EXIT_UPSTREAM_REFUSED",
    "EXIT_UPSTREAM_UNAVAILABLE",
    "EXIT_USAGE",
    "REDACTED",
    "Arguments",
    "CallEvents",
    "Dispatcher",
    "Kernel",
    "NullObserver",
    "Observed",
    "Observer",
    "PreparedCall",
    "Principal",
    "Registry",
    "ResourceFactory",
    "ResourceKey",
    "Resources",
    "Settings",
    "ToolClash",
    "current_call",
    "installed_plugins",
    "json_schema",
    "load_tools",
    "make_plugin_manager",
    "plugin_versions",
    "problem",
    "redact_field",
    "redact_text",
    "redact_value",
    "register_secret",
    "tracing_on",
]
