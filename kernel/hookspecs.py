"""The plugin hooks. Only ever add hooks or hook arguments; never change a signature."""

from __future__ import annotations

import pluggy

from .tool import Register

__all__ = ["hookimpl", "hookspec"]

PROJECT = "naramarket"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_tools(register: Register) -> None:
    """Register this plugin's tools by calling ``register(tool)`` once per tool."""
