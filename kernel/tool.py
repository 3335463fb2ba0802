"""The tool declaration: one place that says what a tool is, for every surface."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from .params import Params

if TYPE_CHECKING:
    from .context import Context

__all__ = ["Register", "Tool", "tool"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

P = TypeVar("P", bound=Params)
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Tool(Generic[P, R]):
    """A tool: bilingual text, Params/Result types, scopes, MCP annotations and a handler.

    Calling a ``Tool`` calls its handler, so a plugin's tests can ``await my_tool(ctx, params)``.
    """

    name: str
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    params: type[P]
    result: Any  # a type or a generic alias such as Listing[MallProduct]
    handler: Callable[[Context, P], Awaitable[R]]
    scopes: tuple[str, ...] = ()
    read_only: bool = True
    open_world: bool = True
    idempotent: bool = True
    destructive: bool = False
    aliases: tuple[str, ...] = ()  # extra REST paths under /api/v1, e.g. "/crawl/list"
    plugin: str | None = None  # stamped by the registry

    @property
    def title(self) -> str:
        """``"한국어 / English"``: Korean first, as users of 나라장터 read it."""
        return f"{self.title_ko} / {self.title_en}"

    @property
    def description(self) -> str:
        """Korean description, then English."""
        return f"{self.description_ko}\n\n{self.description_en}"

    def stamped(self, plugin: str) -> Tool[P, R]:
        """A copy that records the plugin that registered it."""
        return replace(self, plugin=plugin)

    async def __call__(self, ctx: Context, params: P) -> R:
        return await self.handler(ctx, params)


Register: TypeAlias = Callable[[Tool[Any, Any]], None]
"""The callback a plugin's ``register_tools`` hook receives: call it once per tool."""


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
) -> Callable[[Callable[[Context, P], Awaitable[R]]], Tool[P, R]]:
    """Declare a tool from an ``async def handler(ctx, params: P) -> R``.

    ``title`` and ``description`` are ``(korean, english)`` pairs. The Params and Result types
    are read from the handler's annotations, so the Structs are the single source of each schema;
    ``P`` must derive from ``Params`` (unknown fields refused).
    """
    if not _NAME.match(name):
        raise ValueError(f"tool name {name!r} must be snake_case ASCII (MCP clients rely on it)")
    for pair, what in ((title, "title"), (description, "description")):
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(t, str) and t for t in pair)):
            raise TypeError(f"tool {name!r}: {what} is a (korean, english) pair of non-empty strings")

    def decorate(handler: Callable[[Context, P], Awaitable[R]]) -> Tool[P, R]:
        if not inspect.iscoroutinefunction(handler):
            raise TypeError(f"tool {name!r}: the handler must be 'async def'")
        hints = typing.get_type_hints(handler)
        positional = [p for p in inspect.signature(handler).parameters if p != "return"]
        if len(positional) != 2:
            raise TypeError(f"tool {name!r}: the handler takes (ctx, params)")
        params = hints.get(positional[1])
        result = hints.get("return")
        if not (isinstance(params, type) and issubclass(params, Params)):
            raise TypeError(
                f"tool {name!r}: annotate params with a subclass of naramarket.kernel.Params "
                f"(got {params!r}); a plain msgspec Struct would accept unknown fields"
            )
        if result is None:
            raise TypeError(f"tool {name!r}: annotate the handler's return type")
        return Tool(
            name=name,
            title_ko=title[0],
            title_en=title[1],
            description_ko=description[0],
            description_en=description[1],
            params=typing.cast(type[P], params),
            result=result,
            handler=handler,
            scopes=tuple(scopes),
            read_only=read_only,
            open_world=open_world,
            idempotent=idempotent,
            destructive=destructive,
            aliases=tuple(aliases),
        )

    return decorate
