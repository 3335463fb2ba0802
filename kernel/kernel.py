"""The kernel object: settings, plugins, registry, and (inside its lifespan) the engine and dispatch."""

from __future__ import annotations

from typing import Any

import httpx
import pluggy

from . import plugins as plugin_loading
from .dispatch import Dispatcher
from .logs import register_secret
from .metrics import Metrics
from .observe import Observer
from .registry import Registry
from .settings import Settings
from .telemetry import Telemetry
from .upstream import Upstream, normalise_key

__all__ = ["Kernel", "make_http_client"]

USER_AGENT = "naramarket"


def make_http_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The one upstream HTTP client factory: pooled, keep-alive, bounded time-outs."""
    limits = httpx.Limits(
        max_connections=max(settings.max_concurrency * 2, 10),
        max_keepalive_connections=max(settings.max_concurrency, 10),
        keepalive_expiry=30.0,
    )
    timeout = httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout))
    base = settings.api_base.rstrip("/") + "/"
    return httpx.AsyncClient(
        base_url=base,
        timeout=timeout,
        limits=limits,
        transport=transport,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=False,
    )


class Kernel:
    """Owns everything shared by the adapters; ``async with kernel:`` opens the upstream client."""

    def __init__(
        self,
        settings: Settings,
        *,
        plugin_manager: pluggy.PluginManager | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.plugin_manager = plugin_manager or plugin_loading.make_plugin_manager(settings.load_plugins)
        self.registry: Registry = plugin_loading.load_tools(self.plugin_manager)
        self._transport = transport
        self.metrics = Metrics(process=True)
        self.telemetry = Telemetry()
        for secret in (settings.service_key, settings.metrics_token):
            register_secret(normalise_key(secret) if secret else None)
            register_secret(secret)
        self._client: httpx.AsyncClient | None = None
        self._dispatcher: Dispatcher | None = None
        self._entered = 0

    @property
    def sandbox(self) -> bool:
        """True when answers come from the built-in sandbox upstream, not data.go.kr."""
        return self.settings.sandbox

    @property
    def dispatcher(self) -> Dispatcher:
        """The dispatch path (only inside the lifespan)."""
        if self._dispatcher is None:
            raise RuntimeError("the kernel is not started: use 'async with kernel:'")
        return self._dispatcher

    async def __aenter__(self) -> Kernel:
        self._entered += 1
        if self._entered == 1:
            self._client = make_http_client(self.settings, transport=self._transport)
            self.telemetry.start()
            self.telemetry.instrument(self._client)
            upstream = Upstream(
                self._client,
                service_key=self.settings.service_key,
                max_concurrency=self.settings.max_concurrency,
                rate_limit=self.settings.rate_limit,
                total_timeout=self.settings.timeout * 2,
                observer=Observer(self.telemetry.tracer, self.metrics),
            )
            self._dispatcher = Dispatcher(self.registry, self.settings, upstream)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._entered -= 1
        if self._entered == 0 and self._client is not None:
            await self._client.aclose()
            self._client = None
            self._dispatcher = None
            self.telemetry.shutdown()

    def readiness(self) -> dict[str, Any]:
        """The readiness probe's body: ready once the lifespan runs and plugins gave tools."""
        client = self._client
        checks: dict[str, dict[str, Any]] = {
            "plugins": {"ok": len(self.registry) > 0, "tools": len(self.registry)},
            "upstream_client": {"ok": client is not None and not client.is_closed},
        }
        ready = all(check["ok"] for check in checks.values())
        return {"status": "ready" if ready else "not_ready", "checks": checks}

    def info(self) -> dict[str, Any]:
        """Version, plugins and tools: the body of ``/api/v1/server/info``."""
        from naramarket import __version__

        return {
            "name": "naramarket",
            "version": __version__,
            "sandbox": self.sandbox,
            "upstream": "sandbox (fake data, not real procurement records)"
            if self.sandbox
            else self.settings.api_base,
            "plugins": [
                {"name": name, "version": version}
                for name, version in sorted(plugin_loading.plugin_versions(self.plugin_manager).items())
            ],
            "tools": [{"name": t.name, "title": t.title, "plugin": t.plugin} for t in self.registry],
        }
