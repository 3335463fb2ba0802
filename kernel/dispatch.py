"""The one call path for every surface: decode params, run the handler, check the result.

REST, SSE, MCP and the CLI all call ``Dispatcher.call``; policy (scopes, validation, the tool
span, metrics and the log line) is applied here once.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Mapping
from typing import Any

import msgspec

from . import errors
from .context import BoundUpstream, CallEvents, Context, Principal
from .registry import Registry
from .settings import Settings
from .tool import Tool
from .upstream import Upstream

__all__ = ["Dispatcher", "to_builtins"]

log = logging.getLogger("naramarket.dispatch")


def to_builtins(value: Any) -> Any:
    """A result Struct as JSON-ready builtins (dates as ISO 8601 strings)."""
    return msgspec.to_builtins(value)


class Dispatcher:
    """Runs tools by name for any adapter."""

    def __init__(self, registry: Registry, settings: Settings, upstream: Upstream) -> None:
        self.registry = registry
        self.settings = settings
        self.upstream = upstream

    def decode_params(
        self, tool: Tool, arguments: Mapping[str, Any] | bytes | msgspec.Struct | None
    ) -> msgspec.Struct:
        """Arguments (a mapping or JSON bytes) -> the tool's Params, or ``InvalidParams``."""
        if isinstance(arguments, tool.params):
            return arguments
        if isinstance(arguments, msgspec.Struct):  # another tool's Params: a caller bug, not bad input
            raise TypeError(f"{tool.name} takes {tool.params.__name__}, not {type(arguments).__name__}")
        try:
            if isinstance(arguments, bytes | bytearray | memoryview):
                raw = bytes(arguments).strip() or b"{}"
                return msgspec.json.decode(raw, type=tool.params)
            # strict=False: CLI and query-string callers send "100" for 100; JSON stays typed.
            return msgspec.convert(dict(arguments or {}), tool.params, strict=False)
        except msgspec.ValidationError as exc:
            raise errors.InvalidParams(f"{tool.name}: {exc}") from None
        except msgspec.DecodeError as exc:
            raise errors.InvalidParams(f"{tool.name}: request body is not valid JSON ({exc})") from None

    @staticmethod
    def authorize(tool: Tool, principal: Principal | None) -> None:
        """Refuse (``Forbidden``) a principal whose token lacks one of the tool's scopes.

        ``None`` is the local user (CLI, stdio MCP, an open loopback server): nothing to check.
        """
        if principal is None:
            return
        missing = [s for s in tool.scopes if s not in principal.scopes]
        if missing:
            raise errors.Forbidden(
                f"{tool.name} needs scope {' '.join(tool.scopes)}; the token lacks {' '.join(missing)}",
                scopes=tool.scopes,
            )

    async def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | bytes | msgspec.Struct | None = None,
        *,
        principal: Principal | None = None,
        events: CallEvents | None = None,
    ) -> Any:
        """Call tool ``name`` and return its Result; every failure is a ``NaramarketError``.

        Each call is one span (tool, plugin, result count, completeness, error code), one
        ``naramarket_tool_calls_total`` count and one log line — unknown tools included.
        """
        subject = principal.subject if principal is not None else None
        with self.upstream.observer.tool_call(self.registry.find(name), subject) as observed:
            tool = self.registry.get(name)
            self.authorize(tool, principal)
            params = self.decode_params(tool, arguments)
            return observed.done(await self._run(tool, params, principal, events or CallEvents()))

    async def _run(
        self, tool: Tool, params: msgspec.Struct, principal: Principal | None, events: CallEvents
    ) -> Any:
        """The handler with its Context, and its result checked against the tool's Result type."""
        ctx = Context(
            tool=tool,
            settings=self.settings,
            upstream=BoundUpstream(self.upstream, events),
            principal=principal,
            events=events,
        )
        try:
            result = await tool.handler(ctx, params)
        except errors.NaramarketError:
            raise
        except Exception as exc:  # a bug in the tool: log it, never blame the caller
            log.exception("tool %s failed", tool.name)  # the log processor redacts secrets
            # Only the tool's name and the exception's type: never the message, which may hold a URL.
            raise errors.InternalError(f"{tool.name} failed unexpectedly ({type(exc).__name__})") from exc
        expected = typing.get_origin(tool.result) or tool.result
        if isinstance(expected, type) and isinstance(result, expected):
            return result
        try:
            return msgspec.convert(result, tool.result, from_attributes=True)
        except msgspec.ValidationError as exc:
            log.error("tool %s returned a result that does not match its Result type: %s", tool.name, exc)
            raise errors.InternalError(f"{tool.name} produced an invalid result") from None
