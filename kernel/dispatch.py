"""The one call path for every surface: prepare (lookup, scopes, params) once, then run.

REST, SSE, MCP and the CLI all go through ``Dispatcher``: ``prepare()`` answers early what can be
answered before any work starts (an unknown tool, a missing scope, invalid parameters), so SSE can
refuse before opening a stream and MCP can tell a protocol error from a tool error; ``run()``
executes the handler; ``call()`` is both. Policy — scopes, validation, the tool observation — is
applied here once.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from . import errors
from .context import CallEvents, Context, Principal, Resources, current_call, now
from .observe import NullObserver, Observer
from .params import Params
from .registry import Registry
from .settings import Settings
from .tool import Tool

__all__ = ["Arguments", "Dispatcher", "PreparedCall"]

log = logging.getLogger("naramarket.dispatch")

Arguments = Mapping[str, Any] | bytes | Params | None


def decode_params(tool: Tool[Any, Any], arguments: Arguments) -> Params:
    """Arguments (a mapping, JSON bytes or the Params itself) -> the tool's Params, or ``InvalidParams``."""
    if isinstance(arguments, tool.params):
        return typing.cast(Params, arguments)
    if isinstance(arguments, msgspec.Struct):  # another tool's Params: a caller bug, not bad input
        raise TypeError(f"{tool.name} takes {tool.params.__name__}, not {type(arguments).__name__}")
    try:
        if isinstance(arguments, bytes | bytearray | memoryview):
            raw = bytes(arguments).strip() or b"{}"
            return typing.cast(Params, msgspec.json.decode(raw, type=tool.params))
        # strict=False: CLI and query-string callers send "100" for 100; JSON stays typed.
        return typing.cast(Params, msgspec.convert(dict(arguments or {}), tool.params, strict=False))
    except msgspec.ValidationError as exc:
        raise errors.InvalidParams(f"{tool.name}: {_explain(exc)}") from None
    except msgspec.DecodeError as exc:
        raise errors.InvalidParams(f"{tool.name}: request body is not valid JSON ({exc})") from None


def _explain(exc: msgspec.ValidationError) -> str:
    """msgspec's message, with the one that confuses people (dates) said plainly."""
    text = str(exc)
    if "Invalid RFC3339 encoded date" in text:
        return text.replace(
            "Invalid RFC3339 encoded date", "Invalid date: use YYYY-MM-DD (날짜는 YYYY-MM-DD 형식)"
        )
    return text


def authorize(tool: Tool[Any, Any], principal: Principal | None) -> None:
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


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """A call that passed lookup, authorisation and decoding; ``await run()`` executes it."""

    dispatcher: Dispatcher
    tool: Tool[Any, Any]
    params: Params
    principal: Principal | None

    async def run(self, events: CallEvents | None = None) -> Any:
        """Run the handler and return its Result; every failure is a ``NaramarketError``."""
        return await self.dispatcher._run(self, events or CallEvents())


class Dispatcher:
    """Runs tools by name for any adapter."""

    def __init__(
        self,
        registry: Registry,
        settings: Settings,
        *,
        observer: Observer | None = None,
        resources: Resources | None = None,
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.observer: Observer = observer or NullObserver()
        self.resources = resources if resources is not None else Resources()

    authorize = staticmethod(authorize)

    def prepare(
        self, name: str, arguments: Arguments = None, *, principal: Principal | None = None
    ) -> PreparedCall:
        """Look the tool up, check the caller's scopes and decode the arguments — each once.

        A refusal here is observed as a tool call of its own (one span, count and log line), so
        unknown tools and bad parameters show up in metrics like any other outcome.
        """
        tool = self.registry.find(name)
        try:
            if tool is None:
                raise errors.ToolNotFound(f"no tool named {name!r}")
            authorize(tool, principal)
            return PreparedCall(self, tool, decode_params(tool, arguments), principal)
        except errors.NaramarketError:
            subject = principal.subject if principal is not None else None
            with self.observer.tool_call(tool.name if tool else None, tool.plugin if tool else None, subject):
                raise

    async def call(
        self,
        name: str,
        arguments: Arguments = None,
        *,
        principal: Principal | None = None,
        events: CallEvents | None = None,
    ) -> Any:
        """``prepare`` then ``run``: the Result of tool ``name``, or a ``NaramarketError``."""
        return await self.prepare(name, arguments, principal=principal).run(events)

    async def _run(self, call: PreparedCall, events: CallEvents) -> Any:
        tool, principal = call.tool, call.principal
        subject = principal.subject if principal is not None else None
        ctx = Context(
            tool=tool,
            settings=self.settings,
            resources=self.resources,
            principal=principal,
            events=events,
            observer=self.observer,
            deadline=now() + self.settings.call_budget,
            requests_left=self.settings.call_requests,
        )
        with self.observer.tool_call(tool.name, tool.plugin, subject) as observed:
            token = current_call.set(ctx)
            try:
                result = await tool.handler(ctx, call.params)
            except errors.NaramarketError:
                raise
            except Exception as exc:  # a bug in the tool: log it, never blame the caller
                log.exception("tool %s failed", tool.name)  # the log processor redacts secrets
                # Only the tool's name and the exception's type: never the message, which may hold a URL.
                raise errors.InternalError(f"{tool.name} failed unexpectedly ({type(exc).__name__})") from exc
            finally:
                current_call.reset(token)
            return observed.done(_checked(tool, result))


def _checked(tool: Tool[Any, Any], result: Any) -> Any:
    """``result`` as the tool's declared Result type, or ``InternalError``."""
    expected = typing.get_origin(tool.result) or tool.result
    if isinstance(expected, type) and isinstance(result, expected):
        return result
    try:
        return msgspec.convert(result, tool.result, from_attributes=True)
    except msgspec.ValidationError as exc:
        log.error("tool %s returned a result that does not match its Result type: %s", tool.name, exc)
        raise errors.InternalError(f"{tool.name} produced an invalid result") from None
