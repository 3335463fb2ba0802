"""The real app (REST, SSE, MCP, auth) over the fake plugin only, served in process.

No installed plugin is loaded and no upstream exists: the app's data.go.kr client gets a transport
that fails any request, so an adapter test can never reach the network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from naramarket.adapters.oauth import AuthStore
from naramarket.app import create_app, make_kernel
from naramarket.kernel import Settings
from naramarket.kernel.host import make_plugin_manager
from tests.adapters import fake_plugin
from tests.inprocess import Served, serve


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"an adapter test reached the upstream client: {request.method} {request.url}")


def fake_settings(**overrides: Any) -> Settings:
    """Settings independent of the developer's environment; no installed plugin is loaded."""
    return Settings.from_env({}, rate_limit=0, load_plugins=frozenset(), **overrides)


def fake_app(settings: Settings | None = None, **overrides: Any) -> Any:
    """The real app whose only plugin is ``tests.adapters.fake_plugin`` (registered as ``fake``)."""
    settings = settings or fake_settings(**overrides)
    kernel = make_kernel(
        settings,
        transport=httpx.MockTransport(_no_network),
        plugin_manager=make_plugin_manager(allow=(), extra=[("fake", fake_plugin)]),
    )
    return create_app(settings, kernel=kernel)


@pytest.fixture
def activity() -> fake_plugin.Activity:
    """``fake_list``'s record of what it did, zeroed for this test."""
    fake_plugin.ACTIVITY.reset()
    return fake_plugin.ACTIVITY


@pytest.fixture
def make_app() -> Callable[..., Any]:
    """``make_app(**settings)``: a fake-plugin app with those settings."""
    return fake_app


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    """The fake-plugin app, served in process with default (loopback, auth unset) settings."""
    async with serve(fake_app()) as s:
        yield s


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for ``served``."""
    async with served.http() as client:
        yield client


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[Guarded]:
    """The fake-plugin app with auth on (tokens from its own OAuth server), served in process."""
    async with serve(fake_app(auth="on", data_dir=str(tmp_path))) as s, s.http() as client:
        yield Guarded(s, client, tmp_path)


@dataclass
class Guarded:
    """An auth-on app, a client for it, and a way to get tokens with given scopes."""

    served: Served
    http: httpx.AsyncClient
    data_dir: Path

    async def token(self, *scopes: str) -> str:
        """An access token (client_credentials) granting exactly ``scopes``."""
        store = AuthStore(self.data_dir)
        client, secret = store.add_client("adapter tests", list(scopes))
        store.close()
        assert secret is not None
        r = await self.http.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
        )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    async def bearer(self, *scopes: str) -> dict[str, str]:
        """An ``Authorization`` header with a token granting ``scopes``."""
        return {"Authorization": f"Bearer {await self.token(*scopes)}"}
