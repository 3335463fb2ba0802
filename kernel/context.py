"""What a tool handler gets: settings, the caller, event hooks and the process's shared resources."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio

from .observe import NullObserver, Observer
from .settings import Settings

if TYPE_CHECKING:
    from .tool import Tool

__all__ = ["CallEvents", "Context", "Principal", "ResourceKey", "Resources", "current_call", "now"]

T = TypeVar("T")


def now() -> float:
    """``anyio.current_time()``, read from the running asyncio loop without asking which backend runs."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:  # another backend (trio)
        return anyio.current_time()


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
    items: Callable[[list[Any]], Awaitable[None]] | None = None


class ResourceKey(Generic[T]):
    """A typed key for a process-wide resource (an upstream client, a cache), like pytest's StashKey.

    A library declares ``CLIENT = ResourceKey[Client]("datago.client")``; the composition root
    gives the kernel a factory for it; handlers read ``ctx.resources[CLIENT]`` with its type.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ResourceKey({self.name!r})"


class Resources(dict[ResourceKey[Any], Any]):
    """The resources the kernel opened in its lifespan, by typed key."""

    def __getitem__(self, key: ResourceKey[T]) -> T:
        if key not in self:
            raise LookupError(f"no resource {key.name!r}: the kernel was built without it, or is not started")
        value: T = super().__getitem__(key)
        return value


@dataclass(slots=True)
class Context:
    """Per-call context handed to a tool handler."""

    tool: Tool[Any, Any]
    settings: Settings
    resources: Resources = field(default_factory=Resources)
    principal: Principal | None = None
    events: CallEvents = field(default_factory=CallEvents)
    observer: Observer = field(default_factory=NullObserver)
    deadline: float = math.inf  # when the call's time budget ends (anyio's clock); set by dispatch
    requests_left: float = math.inf  # upstream requests the call may still make; set by dispatch

    def time_left(self) -> float:
        """Seconds left of this call's time budget: every upstream step of the call shares it."""
        return max(0.0, self.deadline - now())

    async def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report progress to whoever is listening (MCP progress, SSE ``progress`` events)."""
        if self.events.progress is not None:
            await self.events.progress(done, total, message)

    async def items(self, items: list[Any]) -> None:
        """Hand records to whoever streams them (SSE ``item`` events) as soon as they arrive."""
        if self.events.items is not None and items:
            await self.events.items(items)


# The Context of the tool call running in this task (and the tasks it starts): an upstream client
# spends ``requests_left`` through it without every plugin passing ``ctx`` down.
current_call: ContextVar[Context | None] = ContextVar("naramarket.current_call", default=None)
