"""The kernel object: settings, plugins and registry; in its lifespan, shared resources and dispatch."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

import pluggy

from . import plugins as plugin_loading
from .context import ResourceKey, Resources
from .dispatch import Dispatcher
from .observe import NullObserver, Observer
from .registry import Registry
from .settings import Settings

__all__ = ["Kernel", "ResourceFactory"]

ResourceFactory = Callable[[Settings, Observer], AbstractAsyncContextManager[Any]]
"""Opens one shared resource for the kernel's lifespan (e.g. the upstream client)."""


class Kernel:
    """Owns what the adapters share; ``async with kernel:`` opens the resources and dispatch.

    ``resources`` maps typed keys to factories; the composition root supplies them (the kernel
    itself knows no upstream). Handlers read the opened values as ``ctx.resources[KEY]``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        plugin_manager: pluggy.PluginManager | None = None,
        observer: Observer | None = None,
        resources: Mapping[ResourceKey[Any], ResourceFactory] | None = None,
    ) -> None:
        self.settings = settings
        self.plugin_manager = plugin_manager or plugin_loading.make_plugin_manager(settings.load_plugins)
        self.registry: Registry = plugin_loading.load_tools(self.plugin_manager)
        self.observer: Observer = observer or NullObserver()
        self.resources = Resources()
        self._factories = dict(resources or {})
        self._stack: contextlib.AsyncExitStack | None = None
        self._dispatcher: Dispatcher | None = None
        # The app's lifespan and a caller that embeds the app (tests, the CLI around stdio MCP) may
        # both enter the kernel; resources open on the first entry and close on the last exit.
        self._entered = 0

    @property
    def sandbox(self) -> bool:
        """True when answers come from the built-in sandbox upstream, not the real one."""
        return self.settings.sandbox

    @property
    def started(self) -> bool:
        """True inside the lifespan."""
        return self._dispatcher is not None

    @property
    def dispatcher(self) -> Dispatcher:
        """The dispatch path (only inside the lifespan)."""
        if self._dispatcher is None:
            raise RuntimeError("the kernel is not started: use 'async with kernel:'")
        return self._dispatcher

    async def __aenter__(self) -> Kernel:
        self._entered += 1
        if self._entered == 1:
            stack = contextlib.AsyncExitStack()
            try:
                for key, factory in self._factories.items():
                    self.resources[key] = await stack.enter_async_context(
                        factory(self.settings, self.observer)
                    )
            except BaseException:
                self._entered -= 1
                self.resources.clear()
                await stack.aclose()
                raise
            self._stack = stack
            self._dispatcher = Dispatcher(
                self.registry, self.settings, observer=self.observer, resources=self.resources
            )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._entered -= 1
        if self._entered == 0 and self._stack is not None:
            stack, self._stack = self._stack, None
            self._dispatcher = None
            self.resources.clear()
            await stack.aclose()

    def readiness(self) -> dict[str, Any]:
        """The readiness probe's body: ready once the lifespan runs and plugins gave tools."""
        checks: dict[str, dict[str, Any]] = {
            "plugins": {"ok": len(self.registry) > 0, "tools": len(self.registry)},
            "lifespan": {"ok": self.started},
        }
        for key in self._factories:
            checks[key.name] = {"ok": key in self.resources}
        ready = all(check["ok"] for check in checks.values())
        return {"status": "ready" if ready else "not_ready", "checks": checks}

    def plugins(self) -> list[dict[str, str | None]]:
        """The loaded plugins with the versions of the distributions that provide them."""
        versions = plugin_loading.plugin_versions(self.plugin_manager)
        return [{"name": name, "version": version} for name, version in sorted(versions.items())]
