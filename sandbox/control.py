"""``/_sandbox/`` endpoints: stats, reset, and reading or changing the config at runtime."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .config import ConfigPatch, apply_patch
from .state import SandboxState

__all__ = ["control_app"]


def control_app(state: SandboxState) -> Starlette:
    """A Starlette app serving the control endpoints for ``state``."""

    async def stats(request: Request) -> Response:
        return _json(state.stats.snapshot())

    async def reset(request: Request) -> Response:
        state.reset()
        return _json({"reset": True})

    async def config(request: Request) -> Response:
        if request.method == "PUT":
            try:
                patch = msgspec.json.decode(await request.body(), type=ConfigPatch)
                state.config = apply_patch(state.config, patch)
            except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:
                return _json({"error": str(exc)}, status=400)
        return _json(config_document(state))

    return Starlette(
        routes=[
            Route("/_sandbox/stats", stats, methods=["GET"]),
            Route("/_sandbox/reset", reset, methods=["POST"]),
            Route("/_sandbox/config", config, methods=["GET", "PUT"]),
        ]
    )


def config_document(state: SandboxState) -> dict[str, Any]:
    """The config in force, plus the resolved record period."""
    document: dict[str, Any] = msgspec.to_builtins(state.config)
    document["resolved_period"] = [day.isoformat() for day in state.period]
    return document


def _json(payload: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(payload), status_code=status, media_type="application/json")
