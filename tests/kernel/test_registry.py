"""kernel/registry.py: tools by name, stamped with their plugin; clashes are refused, naming both."""

from __future__ import annotations

import msgspec
import pytest

from naramarket.kernel import Context, Params, Tool, ToolNotFound, tool
from naramarket.kernel.host import Registry, ToolClash


class NoParams(Params):
    """No arguments."""


class Done(msgspec.Struct):
    """An empty result."""


def make_tool(name: str, *, aliases: tuple[str, ...] = ()) -> Tool:
    """A do-nothing tool called ``name``."""

    async def handler(ctx: Context, p: NoParams) -> Done:
        return Done()

    return tool(name=name, title=("도구", "Tool"), description=("설명", "Description"), aliases=aliases)(
        handler
    )


def test_a_registered_tool_is_found_by_name_and_stamped_with_its_plugin() -> None:
    registry = Registry()
    registry.add(make_tool("crawl_list"), plugin="g2b_mall")
    assert "crawl_list" in registry
    assert registry.get("crawl_list").plugin == "g2b_mall"


def test_a_name_clash_names_both_plugins() -> None:
    registry = Registry()
    registry.add(make_tool("crawl_list"), plugin="g2b_mall")
    with pytest.raises(ToolClash) as caught:
        registry.add(make_tool("crawl_list"), plugin="acme_mall")
    assert "g2b_mall" in str(caught.value)
    assert "acme_mall" in str(caught.value)
    assert registry.get("crawl_list").plugin == "g2b_mall"  # the first one stays


def test_a_rest_alias_clash_is_refused() -> None:
    registry = Registry()
    registry.add(make_tool("crawl_list", aliases=("/crawl/list",)), plugin="g2b_mall")
    with pytest.raises(ToolClash, match="/crawl/list"):
        registry.add(make_tool("mall_list", aliases=("/crawl/list",)), plugin="acme_mall")


def test_registering_something_that_is_not_a_tool_names_the_plugin() -> None:
    async def bare(ctx: Context, p: NoParams) -> Done:
        return Done()

    with pytest.raises(TypeError, match="acme_mall"):
        Registry().add(bare, plugin="acme_mall")  # type: ignore[arg-type]


def test_an_unknown_name_is_tool_not_found() -> None:
    with pytest.raises(ToolNotFound, match="nope"):
        Registry().get("nope")


def test_tools_are_listed_by_name() -> None:
    registry = Registry()
    for name in ("zeta", "alpha", "mid"):
        registry.add(make_tool(name), plugin="p")
    assert [t.name for t in registry] == ["alpha", "mid", "zeta"]
    assert len(registry) == 3
