"""What a tool handler gets: the upstream bound to this call, settings, principal and event hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .operation import Operation
from .records import Record
from .settings import Settings
from .tool import Tool
from .upstream import Upstream

__all__ = ["CallEvents", "Context", "Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a subject and the scopes their token grants (None in dispatch = local user)."""

    subject: str
    scopes: frozenset[str] = frozenset()
    client_id: str | None = None
    issuer: str | None = None


@dataclass(slots=True)
class CallEvents:
    """Hooks an adapter attaches to a call: progress (MCP progress, SSE) and streamed items (SSE)."""

    progress: Callable[[int, int | None, str | None], Awaitable[None]] | None = None
    items: Callable[[list[Record]], Awaitable[None]] | None = None


class BoundUpstream:
    """``ctx.upstream``: the shared engine, reporting this call's progress and items as they arrive."""

    def __init__(self, engine: Upstream, events: CallEvents) -> None:
        self.engine = engine
        self.events = events

    async def collect(
        self,
        op: Operation,
        params: Mapping[str, str],
        *,
        window: tuple[Any, Any] | None = None,
        page_size: int = 100,
        max_pages: int | None = None,
        first_page: int = 1,
    ) -> dict[str, Any]:
        """Every page (and date window) of ``op``: the fields of a ``Listing``."""
        progress = self.events.progress

        async def on_progress(done: int, total: int | None) -> None:
            if progress is not None:
                await progress(done, total, None)

        return await self.engine.collect(
            op,
            {k: v for k, v in params.items() if v is not None},
            window=window,
            page_size=page_size,
            max_pages=max_pages,
            first_page=first_page,
            on_items=self.events.items,
            on_progress=on_progress,
        )


@dataclass(slots=True)
class Context:
    """Per-call context handed to a tool handler."""

    tool: Tool
    settings: Settings
    upstream: BoundUpstream
    principal: Principal | None = None
    events: CallEvents | None = None

    async def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report progress to whoever is listening (MCP progress, SSE ``progress`` events)."""
        if self.events is not None and self.events.progress is not None:
            await self.events.progress(done, total, message)
