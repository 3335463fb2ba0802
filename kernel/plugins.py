"""Plugin loading through the ``naramarket`` entry-point group, with an allow-list."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from . import hookspecs
from .registry import Registry
from .tool import Tool

__all__ = [
    "ENTRY_POINT_GROUP",
    "installed_plugins",
    "load_tools",
    "make_plugin_manager",
    "plugin_versions",
]

ENTRY_POINT_GROUP = "naramarket"


def make_plugin_manager(
    allow: Iterable[str] | None = None, *, extra: Iterable[tuple[str, object]] = ()
) -> pluggy.PluginManager:
    """A plugin manager with the installed plugins loaded; nothing happens at import time.

    ``allow`` is the ``NARAMARKET_LOAD_PLUGINS`` allow-list: ``None`` loads every installed plugin,
    an empty collection loads none. ``extra`` registers in-process plugins (tests, embedding).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if allow is None:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    else:
        installed = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
        for name in sorted(set(allow) & installed):
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name=name)
    for name, plugin in extra:
        pm.register(plugin, name=name)
    pm.check_pending()
    return pm


def plugin_name(pm: pluggy.PluginManager, plugin: object) -> str:
    """The registered name of ``plugin`` (its entry-point name)."""
    return pm.get_name(plugin) or str(getattr(plugin, "__name__", repr(plugin)))


def installed_plugins() -> list[str]:
    """Names of every plugin installed in this environment, loaded or not."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def plugin_versions(pm: pluggy.PluginManager) -> dict[str, str | None]:
    """Plugin name -> version of the distribution that provides it (None for in-process ones)."""
    versions: dict[str, str | None] = {}
    for plugin, dist in pm.list_plugin_distinfo():
        versions[plugin_name(pm, plugin)] = dist.version
    for name, _ in pm.list_name_plugin():
        versions.setdefault(name, None)
    return versions


def load_tools(pm: pluggy.PluginManager) -> Registry:
    """Call every plugin's ``register_tools`` and collect the tools, stamped with their plugin.

    Each plugin's hook is called on its own (pluggy's ``subset_hook_caller``), so the registry
    knows which plugin registered which tool and can name both sides of a clash.
    """
    registry = Registry()
    plugins = [plugin for _, plugin in pm.list_name_plugin()]
    for plugin in plugins:
        name = plugin_name(pm, plugin)
        hook = pm.subset_hook_caller("register_tools", remove_plugins=[p for p in plugins if p is not plugin])
        hook(register=functools.partial(_add, registry, plugin=name))
    return registry


def _add(registry: Registry, tool: Tool[Any, Any], *, plugin: str) -> None:
    registry.add(tool, plugin=plugin)
