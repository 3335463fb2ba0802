"""Shared fixtures and helpers: sandbox settings and environments, loopback servers for e2e tests.

No test loads the plugins installed in the environment unless it asks for them: settings and
subprocess environments made here allow only ``g2b_mall``, so a third-party plugin installed into
the same venv changes no tool list.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from hypothesis import settings as hypothesis_settings

from naramarket.kernel import Settings

# No per-example deadline: it is a timing assertion, and the machines that run the suite are shared
# and noisy (a loaded run failed a pure date-window property with FlakyFailure on time alone).
hypothesis_settings.register_profile("naramarket", deadline=None)
hypothesis_settings.load_profile("naramarket")

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


MALL_TOOLS = (  # the g2b_mall plugin's tools, sorted: crawl_list and the mall's nine operations
    "crawl_list", "get_delivery_request", "get_product", "search_delivery_items",
    "search_delivery_requests", "search_item_procurement_totals", "search_item_procurements",
    "search_mall_products", "search_mall_registrations", "search_venture_orders",
)  # fmt: skip
FIRST_PARTY = frozenset({"g2b_mall"})
"""The plugins a test loads unless it asks for others (``NARAMARKET_LOAD_PLUGINS``)."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class LiveServer:
    """A uvicorn server running the real app in a background thread."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now (for servers started as subprocesses)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(app: object) -> LiveServer:
    """Serve ``app`` on 127.0.0.1 on a free port; returns once it accepts connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    return LiveServer(url=f"http://127.0.0.1:{port}", server=server, thread=thread)


def sandbox_settings(**overrides: object) -> Settings:
    """Settings for a sandbox-backed server, independent of the developer's environment.

    Only ``g2b_mall`` is loaded; pass ``load_plugins=`` to name others, or ``load_plugins=None``
    to ask for every installed plugin.
    """
    overrides.setdefault("load_plugins", FIRST_PARTY)
    if overrides["load_plugins"] is None:
        overrides.pop("load_plugins")  # Settings' own default: every installed plugin
    return Settings.from_env({"NARAMARKET_SANDBOX": "1"}, rate_limit=0, **overrides)


def sandbox_environ(**extra: str) -> dict[str, str]:
    """Environment for a subprocess (CLI, stdio MCP, ``naramarket serve``) on the sandbox.

    No ``NARAMARKET_*`` variable of the developer's leaks in; only ``g2b_mall`` is loaded unless
    ``extra`` says otherwise (``NARAMARKET_LOAD_PLUGINS=""`` loads none).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARAMARKET_")}
    env["NARAMARKET_SANDBOX"] = "1"
    env["NARAMARKET_LOAD_PLUGINS"] = ",".join(sorted(FIRST_PARTY))
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@pytest.fixture
def sandbox_env() -> dict[str, str]:
    """Environment for subprocesses (CLI, stdio MCP) that run on the sandbox (see ``sandbox_environ``)."""
    return sandbox_environ()


@pytest.fixture
def redis_server() -> Iterator[object]:
    """A real redis-server on a loopback port for one test (skips, naming the package, without one)."""
    from tests.services import RedisServer

    server = RedisServer().start()
    yield server
    server.stop()
