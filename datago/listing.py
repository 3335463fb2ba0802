"""The result shape of every multi-page tool: items plus an honest account of completeness."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

import msgspec

__all__ = ["Listing", "ResumePoint"]

T = TypeVar("T")


class ResumePoint(msgspec.Struct, kw_only=True):
    """Where a stopped scan can pick up again (pass it back as the tool's params)."""

    page_no: int
    window_start: str | None = None


class Listing(msgspec.Struct, Generic[T], kw_only=True):
    """Records of a listing, with whether the scan covered everything upstream reported."""

    items: list[T]
    total_count: Annotated[int, msgspec.Meta(description="the number of matching rows the upstream reported")]
    complete: Annotated[
        bool,
        msgspec.Meta(description="true only when every page of every window was fetched"),
    ]
    pages_fetched: int = 0
    pages_failed: int = 0
    error: dict[str, Any] | None = None
    resume: ResumePoint | None = None
