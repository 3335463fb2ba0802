"""Tool parameters: the ``Params`` base every tool's parameter Struct derives from, and mixins."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

__all__ = ["DateRange", "Params"]


class _KeywordOnly(msgspec.StructMeta):
    """Makes every Params subclass keyword-only, so mixins with defaults (``DateRange``) can come
    first and a plugin's required fields after them — msgspec does not inherit ``kw_only``."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **config: Any) -> Any:
        config.setdefault("kw_only", True)
        return super().__new__(mcls, name, bases, namespace, **config)


class Params(msgspec.Struct, metaclass=_KeywordOnly, kw_only=True, forbid_unknown_fields=True):
    """Base class of tool parameters: keyword-only, and callers' unknown fields are refused."""


class DateRange(Params, kw_only=True):  # kw_only spelled out for type checkers
    """A ``start_date``/``end_date`` pair, both or neither and never backwards: derive a tool's
    Params from it (``class Search(DateRange): ...``) instead of re-checking dates in a handler."""

    start_date: Annotated[
        dt.date | None, msgspec.Meta(description="시작일 / first day, inclusive (YYYY-MM-DD)")
    ] = None
    end_date: Annotated[
        dt.date | None, msgspec.Meta(description="종료일 / last day, inclusive (YYYY-MM-DD)")
    ] = None

    def __post_init__(self) -> None:
        # A ValueError here reaches the caller as ``invalid_params`` on every surface.
        if (self.start_date is None) != (self.end_date is None):
            raise ValueError("give both start_date and end_date, or neither")
        if self.start_date is not None and self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")

    def dates_or_last(self, days: int, *, today: dt.date) -> tuple[dt.date, dt.date]:
        """The given range, or the ``days`` days that end with ``today`` when none was given."""
        if self.start_date is not None and self.end_date is not None:
            return self.start_date, self.end_date
        return today - dt.timedelta(days=days - 1), today
