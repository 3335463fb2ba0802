"""The registry: the only way the kernel and the adapters know about tools."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import errors
from .tool import Tool

__all__ = ["Registry", "ToolClash"]


class ToolClash(ValueError):
    """Two plugins registered a tool (or REST alias) of the same name."""


class Registry:
    """Tools by name, each stamped with the plugin that registered it."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool[Any, Any]] = {}
        self._aliases: dict[str, str] = {}

    def add(self, tool: Tool[Any, Any], *, plugin: str) -> Tool[Any, Any]:
        """Register ``tool`` for ``plugin``; a clash names both plugins."""
        if not isinstance(tool, Tool):
            raise TypeError(f"plugin {plugin!r} registered {tool!r}, which is not a Tool (use @tool)")
        existing = self._tools.get(tool.name)
        if existing is not None:
            raise ToolClash(
                f"tool {tool.name!r} from plugin {plugin!r} clashes with the one from plugin "
                f"{existing.plugin!r}; rename one of them or leave a plugin out of NARAMARKET_LOAD_PLUGINS"
            )
        for alias in tool.aliases:
            if alias in self._aliases:
                raise ToolClash(
                    f"REST path {alias!r} of tool {tool.name!r} is already used by {self._aliases[alias]!r}"
                )
        stamped = tool.stamped(plugin)
        self._tools[tool.name] = stamped
        for alias in tool.aliases:
            self._aliases[alias] = tool.name
        return stamped

    def find(self, name: str) -> Tool[Any, Any] | None:
        """The tool called ``name``, or None."""
        return self._tools.get(name)

    def get(self, name: str) -> Tool[Any, Any]:
        """The tool called ``name``, or ``ToolNotFound``."""
        tool = self._tools.get(name)
        if tool is None:
            raise errors.ToolNotFound(f"no tool named {name!r}")
        return tool

    def __iter__(self) -> Iterator[Tool[Any, Any]]:
        return iter(sorted(self._tools.values(), key=lambda t: t.name))

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools
