"""``create_app``: the sandbox as one ASGI application."""

from __future__ import annotations

from typing import Any

from .config import SandboxConfig
from .control import control_app
from .gateway import Gateway
from .products import MALL_PREFIX, MallPage
from .state import SandboxState

__all__ = ["SandboxApp", "create_app"]

SANDBOX_HEADER = (b"x-naramarket-sandbox", b"1")


class SandboxApp:
    """Routes ``/_sandbox/…`` to control, ``/mall/…`` to the fake mall page, the rest to the gateway."""

    def __init__(self, config: SandboxConfig) -> None:
        self.state = SandboxState(config)
        self._gateway = Gateway(self.state)
        self._control = control_app(self.state)
        self._mall = MallPage(self.state)  # the mall web site's (unofficial) attribute page

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan (and anything else) is Starlette's business
            return await self._control(scope, receive, send)

        async def send_marked(message: dict[str, Any]) -> None:
            # Every answer says it is fake, so nobody mistakes it for procurement data.
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), SANDBOX_HEADER]}
            await send(message)

        path = scope["path"]
        if path == "/_sandbox" or path.startswith("/_sandbox/"):
            return await self._control(scope, receive, send_marked)
        if path.startswith(MALL_PREFIX + "/"):
            return await self._mall(scope, receive, send_marked)
        # The gateway gets uvicorn's own ``receive``: the connection faults reach the socket through it.
        return await self._gateway(scope, receive, send_marked)


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    """Build a sandbox upstream; ``config`` defaults to ``SandboxConfig()``."""
    return SandboxApp(config or SandboxConfig())
