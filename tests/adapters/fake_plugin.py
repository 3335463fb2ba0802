"""A tiny plugin for the adapter tests: no upstream, answers known in advance.

- ``fake_list`` streams numbered things in chunks through ``ctx.items``/``ctx.progress`` (optionally
  slowly, optionally failing part-way) and returns them all, like a listing tool does;
- ``fake_admin`` needs the ``fake:admin`` scope and is neither read-only nor idempotent;
- ``fake_fail`` fails the way its argument says: a bug, an upstream outage, bad input found late.

``ACTIVITY`` records what ``fake_list`` did, so a test can see a call stop when its caller leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import anyio
import msgspec

from naramarket.kernel import (
    Context,
    InvalidParams,
    Params,
    Register,
    UpstreamUnavailable,
    hookimpl,
    tool,
)

ADMIN = "fake:admin"
LEAK = "postgres://fake:hunter2@db"  # a bug's message: must never reach a caller


@dataclass
class Activity:
    """What ``fake_list`` calls did: chunks handed over, calls started, finished and cancelled."""

    chunks: int = 0
    started: int = 0
    finished: int = 0
    cancelled: int = 0

    def reset(self) -> None:
        self.chunks = self.started = self.finished = self.cancelled = 0


ACTIVITY = Activity()


class Thing(msgspec.Struct):
    n: int
    label: str


class Things(msgspec.Struct):
    items: list[Thing]
    total_count: int
    complete: bool


class ListThings(Params):
    count: Annotated[int, msgspec.Meta(ge=0, le=100_000, description="개수 / how many things")]
    chunk: Annotated[int, msgspec.Meta(ge=1, le=1000, description="묶음 / things per chunk")] = 10
    delay: Annotated[float, msgspec.Meta(ge=0, le=5, description="지연 / seconds between chunks")] = 0.0
    fail_at: int | None = None  # raise a bug once this many things were handed over


@tool(
    name="fake_list",
    title=("가짜 목록", "Fake listing"),
    description=("번호 붙은 항목을 묶음으로 보냅니다.", "Streams numbered things in chunks."),
    open_world=False,
    aliases=("/fake/list",),
)
async def fake_list(ctx: Context, p: ListThings) -> Things:
    ACTIVITY.started += 1
    things: list[Thing] = []
    try:
        while len(things) < p.count:
            if p.fail_at is not None and len(things) >= p.fail_at:
                raise RuntimeError(f"lost the connection to {LEAK}")
            if p.delay:
                await anyio.sleep(p.delay)
            chunk = [Thing(n, f"thing {n}") for n in range(len(things), min(p.count, len(things) + p.chunk))]
            things.extend(chunk)
            ACTIVITY.chunks += 1
            await ctx.items(chunk)
            await ctx.progress(len(things), p.count, f"{len(things)}/{p.count}")
    except anyio.get_cancelled_exc_class():
        ACTIVITY.cancelled += 1
        raise
    ACTIVITY.finished += 1
    return Things(items=things, total_count=p.count, complete=True)


class Note(Params):
    text: Annotated[str, msgspec.Meta(min_length=1)]


class Noted(msgspec.Struct):
    text: str
    subject: str | None


@tool(
    name="fake_admin",
    title=("가짜 관리", "Fake admin"),
    description=("관리자 범위가 필요합니다.", "Needs the admin scope."),
    scopes=(ADMIN,),
    read_only=False,
    idempotent=False,
    destructive=True,
    open_world=False,
)
async def fake_admin(ctx: Context, p: Note) -> Noted:
    return Noted(p.text, ctx.principal.subject if ctx.principal else None)


class Failure(Params):
    kind: Literal["bug", "upstream", "late_invalid"]


class Nothing(msgspec.Struct):
    ok: bool


@tool(
    name="fake_fail",
    title=("가짜 실패", "Fake failure"),
    description=("말한 대로 실패합니다.", "Fails the way it is told to."),
)
async def fake_fail(ctx: Context, p: Failure) -> Nothing:
    if p.kind == "bug":
        raise RuntimeError(f"lost the connection to {LEAK}")
    if p.kind == "upstream":
        raise UpstreamUnavailable("the fake upstream is down")
    raise InvalidParams("fake_fail: the answer depends on a field checked late")


@hookimpl
def register_tools(register: Register) -> None:
    register(fake_list)
    register(fake_admin)
    register(fake_fail)
