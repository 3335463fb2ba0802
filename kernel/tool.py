"""The tool declaration: one place that says what a tool is, for every surface."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import msgspec

from .listing import Listing

if TYPE_CHECKING:
    from .context import Context

__all__ = ["Params", "Tool", "tool"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Params(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base class of tool parameters: callers' unknown fields are refused, not ignored."""


Handler = Callable[["Context", Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool: bilingual text, Params/Result Structs, scopes, MCP annotations and a handler."""

    name: str
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    params: type[msgspec.Struct]
    result: Any
    handler: Handler
    scopes: tuple[str, ...] = ()
    read_only: bool = True
    open_world: bool = True
    idempotent: bool = True
    destructive: bool = False
    aliases: tuple[str, ...] = ()  # extra REST paths under /api/v1, e.g. "/crawl/list"
    plugin: str | None = None  # stamped by the registry
    streams_items: bool = field(default=False)

    @property
    def title(self) -> str:
        """``"한국어 / English"``: Korean first, as users of 나라장터 read it."""
        return f"{self.title_ko} / {self.title_en}"

    @property
    def description(self) -> str:
        """Korean description, then English."""
        return f"{self.description_ko}\n\n{self.description_en}"

    def stamped(self, plugin: str) -> Tool:
        """A copy that records the plugin that registered it."""
        return replace(self, plugin=plugin)


def _is_listing(result: Any) -> bool:
    origin = typing.get_origin(result) or result
    return isinstance(origin, type) and issubclass(origin, Listing)


def tool(
    *,
    name: str,
    title: tuple[str, str],
    description: tuple[str, str],
    scopes: tuple[str, ...] | list[str] = (),
    read_only: bool = True,
    open_world: bool = True,
    idempotent: bool = True,
    destructive: bool = False,
    aliases: tuple[str, ...] | list[str] = (),
) -> Callable[[Handler], Tool]:
    """Declare a tool from an ``async def handler(ctx, params: P) -> R``.

    ``title`` and ``description`` are ``(korean, english)`` pairs. The Params and Result types
    are read from the handler's annotations, so the Structs are the single source of each schema.
    """
    if not _NAME.match(name):
        raise ValueError(f"tool name {name!r} must be snake_case ASCII (MCP clients rely on it)")

    def decorate(handler: Handler) -> Tool:
        if not inspect.iscoroutinefunction(handler):
            raise TypeError(f"tool {name!r}: the handler must be 'async def'")
        hints = typing.get_type_hints(handler)
        positional = [p for p in inspect.signature(handler).parameters if p != "return"]
        if len(positional) != 2:
            raise TypeError(f"tool {name!r}: the handler takes (ctx, params)")
        params = hints.get(positional[1])
        result = hints.get("return")
        if not (isinstance(params, type) and issubclass(params, msgspec.Struct)):
            raise TypeError(f"tool {name!r}: annotate params with a msgspec Struct (Params subclass)")
        if result is None:
            raise TypeError(f"tool {name!r}: annotate the handler's return type")
        return Tool(
            name=name,
            title_ko=title[0],
            title_en=title[1],
            description_ko=description[0],
            description_en=description[1],
            params=params,
            result=result,
            handler=handler,
            scopes=tuple(scopes),
            read_only=read_only,
            open_world=open_world,
            idempotent=idempotent,
            destructive=destructive,
            aliases=tuple(aliases),
            streams_items=_is_listing(result),
        )

    return decorate
