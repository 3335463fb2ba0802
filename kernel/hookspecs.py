"""The plugin hooks. Only ever add hooks or hook arguments; never change a signature."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .tool import Tool

__all__ = ["hookimpl", "hookspec"]

PROJECT = "naramarket"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_tools(register: Callable[[Tool], None]) -> None:
    """Register this plugin's tools by calling ``register(tool)`` once per tool."""
