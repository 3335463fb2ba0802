"""kernel/hookspecs.py: every hook is documented, typed, and called by a test below.

datasette's ``test_plugin_hooks_have_tests`` idea: adding a hook without a ``test_hook_<name>``
here fails the suite.
"""

from __future__ import annotations

import inspect
import sys

import msgspec
import pytest

from naramarket.kernel import Context, Params, Tool, hookimpl, hookspecs, tool
from naramarket.kernel.host import make_plugin_manager
from tests.conftest import MALL_TOOLS

HOOKS = sorted(
    name
    for name, obj in vars(hookspecs).items()
    if inspect.isfunction(obj) and hasattr(obj, f"{hookspecs.PROJECT}_spec")
)


def test_there_are_hooks() -> None:
    assert "register_tools" in HOOKS


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_docstring_and_a_typed_signature(name: str) -> None:
    spec = getattr(hookspecs, name)
    assert inspect.getdoc(spec)
    signature = inspect.signature(spec)
    assert signature.return_annotation is not inspect.Signature.empty
    assert all(p.annotation is not inspect.Parameter.empty for p in signature.parameters.values())


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test(name: str) -> None:
    assert hasattr(sys.modules[__name__], f"test_hook_{name}"), f"write test_hook_{name} in this module"


class NoParams(Params):
    """No arguments."""


class Done(msgspec.Struct):
    """An empty result."""


@tool(name="ping", title=("핑", "Ping"), description=("응답합니다.", "Answers."))
async def ping(ctx: Context, p: NoParams) -> Done:
    """Answer."""
    return Done()


class PingPlugin:
    """Registers ``ping``."""

    @hookimpl
    def register_tools(self, register):  # type: ignore[no-untyped-def]
        register(ping)


def test_hook_register_tools() -> None:
    pm = make_plugin_manager(allow=["g2b_mall"], extra=[("ping_plugin", PingPlugin())])
    registered: list[Tool] = []
    pm.hook.register_tools(register=registered.append)
    assert sorted(t.name for t in registered) == sorted(["ping", *MALL_TOOLS])
