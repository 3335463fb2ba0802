"""Hints on empty list answers (``Listing.hint``), and the filters the gateway lacks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from naramarket.datago import Listing
from naramarket.datago.g2b import category_hint

__all__ = ["all_of", "category_hint", "fold", "hinted"]

T = TypeVar("T")


def hinted(listing: Listing[T], hint: str | None = None) -> Listing[T]:
    """``listing`` with ``hint`` (what to try when nothing matched)."""
    return msgspec.structs.replace(listing, hint=hint) if hint else listing


def fold(text: str) -> str:
    """Text as the filters compare it: no whitespace, case-folded."""
    return re.sub(r"\s+", "", text).casefold()


def all_of(*tests: Callable[[Any], bool] | None) -> Callable[[Any], bool] | None:
    """One ``keep`` predicate from several (None: no filter at all)."""
    given = [t for t in tests if t is not None]
    if not given:
        return None
    return lambda row: all(t(row) for t in given)
