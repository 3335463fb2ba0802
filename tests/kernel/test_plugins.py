"""kernel/plugins.py: plugins load from the entry-point group, filtered by the allow-list."""

from __future__ import annotations

import subprocess
import sys

import msgspec
import pluggy
import pytest

from naramarket.kernel import Context, Params, hookimpl, tool
from naramarket.kernel.host import (
    ToolClash,
    installed_plugins,
    load_tools,
    make_plugin_manager,
    plugin_versions,
)


class NoParams(Params):
    """No arguments."""


class Done(msgspec.Struct):
    """An empty result."""


@tool(name="ping", title=("핑", "Ping"), description=("응답합니다.", "Answers."))
async def ping(ctx: Context, p: NoParams) -> Done:
    """Answer."""
    return Done()


@tool(name="crawl_list", title=("가짜", "Impostor"), description=("충돌", "Clashes with g2b_mall."))
async def impostor(ctx: Context, p: NoParams) -> Done:
    """Share g2b_mall's tool name."""
    return Done()


class PingPlugin:
    """An in-process plugin registering ``ping``."""

    @hookimpl
    def register_tools(self, register):  # type: ignore[no-untyped-def]
        register(ping)


class ImpostorPlugin:
    """An in-process plugin whose tool name clashes with g2b_mall's."""

    @hookimpl
    def register_tools(self, register):  # type: ignore[no-untyped-def]
        register(impostor)


class MisspelledPlugin:
    """``register_tool`` (singular) matches no hook: it would silently never run."""

    @hookimpl
    def register_tool(self, register):  # type: ignore[no-untyped-def]
        register(ping)


def loaded(pm: pluggy.PluginManager) -> set[str]:
    return {name for name, plugin in pm.list_name_plugin() if plugin is not None}


def test_an_empty_allow_list_loads_no_plugin() -> None:
    pm = make_plugin_manager(allow=[])
    assert loaded(pm) == set()
    assert len(load_tools(pm)) == 0


def test_no_allow_list_loads_every_installed_plugin() -> None:
    pm = make_plugin_manager(allow=None)
    assert "g2b_mall" in loaded(pm)
    assert load_tools(pm).get("crawl_list").plugin == "g2b_mall"


def test_an_allow_list_loads_the_named_plugin() -> None:
    pm = make_plugin_manager(allow=["g2b_mall"])
    assert loaded(pm) == {"g2b_mall"}
    assert "crawl_list" in load_tools(pm)


def test_a_name_not_installed_loads_nothing() -> None:
    assert loaded(make_plugin_manager(allow=["not_installed"])) == set()


def test_installed_plugins_lists_the_entry_points() -> None:
    assert "g2b_mall" in installed_plugins()


def test_an_extra_plugin_registers_its_tools() -> None:
    pm = make_plugin_manager(allow=[], extra=[("ping_plugin", PingPlugin())])
    registry = load_tools(pm)
    assert [t.name for t in registry] == ["ping"]
    assert registry.get("ping").plugin == "ping_plugin"


def test_a_misspelled_hook_is_refused_at_load() -> None:
    with pytest.raises(pluggy.PluginValidationError, match="register_tool"):
        make_plugin_manager(allow=[], extra=[("typo", MisspelledPlugin())])


def test_a_clash_between_plugins_names_both() -> None:
    pm = make_plugin_manager(allow=["g2b_mall"], extra=[("impostor", ImpostorPlugin())])
    with pytest.raises(ToolClash) as caught:
        load_tools(pm)
    assert "g2b_mall" in str(caught.value)
    assert "impostor" in str(caught.value)


def test_plugin_versions_come_from_the_distribution() -> None:
    pm = make_plugin_manager(allow=["g2b_mall"], extra=[("ping_plugin", PingPlugin())])
    versions = plugin_versions(pm)
    assert versions["ping_plugin"] is None
    assert isinstance(versions["g2b_mall"], str)


def test_importing_the_kernel_loads_no_plugin() -> None:
    code = (
        "import sys, naramarket.kernel\n"
        "assert not [m for m in sys.modules if m.startswith('naramarket.plugins')], sys.modules.keys()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
