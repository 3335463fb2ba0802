"""A test harness for plugin authors (a pytest plugin, loaded through the ``pytest11`` entry point).

Write a plugin's tests against an isolated kernel that loads only the plugins you name and answers
from the built-in sandbox upstream (no key, no network)::

    import pytest
    import naramarket_myapi

    @pytest.mark.anyio
    async def test_bid_notices(naramarket_harness):
        async with naramarket_harness(naramarket_myapi) as nm:
            listing = await nm.call("bid_notices", start_date="2026-09-01", end_date="2026-09-30")
        assert listing.complete

Nothing here runs at import time; the fixtures import the server only when a test asks for them.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from naramarket.kernel import Settings, Tool
    from naramarket.kernel.host import CallEvents, Kernel, Principal

__all__ = ["Harness", "naramarket_harness"]


class Harness:
    """An isolated, sandbox-backed kernel with exactly the given plugins (modules or objects).

    ``async with Harness(plugin) as nm:`` opens it; ``await nm.call(tool, **arguments)`` runs a
    tool through the same dispatch as every surface (validation, scopes, the result check).
    """

    def __init__(self, *plugins: object, settings: Settings | None = None, **setting_overrides: Any) -> None:
        import msgspec

        from naramarket.app import make_kernel
        from naramarket.kernel import Settings
        from naramarket.kernel.host import NullObserver, make_plugin_manager

        base = settings or Settings()
        # The sandbox, no rate limit (tests measure behaviour, not the bucket), and no installed
        # plugin other than the ones named: a test sees the same tools on every machine.
        base = msgspec.structs.replace(base, sandbox=True, rate_limit=0, load_plugins=frozenset())
        if setting_overrides:
            base = msgspec.structs.replace(base, **setting_overrides)
        named = [(_plugin_name(p), p) for p in plugins]
        self.kernel: Kernel = make_kernel(
            base,
            observer=NullObserver(),
            plugin_manager=make_plugin_manager(allow=(), extra=named),
        )

    @property
    def tools(self) -> list[Tool[Any, Any]]:
        """The registered tools, by name."""
        return list(self.kernel.registry)

    async def call(
        self,
        tool: str,
        /,
        *,
        principal: Principal | None = None,
        events: CallEvents | None = None,
        **arguments: Any,
    ) -> Any:
        """Call ``tool`` with keyword ``arguments`` (strings are converted as the CLI does)."""
        return await self.kernel.dispatcher.call(tool, arguments, principal=principal, events=events)

    async def __aenter__(self) -> Harness:
        await self.kernel.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.kernel.__aexit__(exc_type, exc, tb)


def _plugin_name(plugin: object) -> str:
    name = getattr(plugin, "__name__", None) or type(plugin).__name__
    return str(name).rsplit(".", 1)[-1]


@pytest.fixture
def naramarket_harness() -> Callable[..., Harness]:
    """``naramarket_harness(plugin, ...)`` → an isolated sandbox-backed ``Harness`` to ``async with``."""
    return Harness
