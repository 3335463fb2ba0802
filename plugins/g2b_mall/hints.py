"""A list answer that can say what to try next (``hint``), and the filters the gateway lacks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from naramarket.datago import Listing

__all__ = ["Hinted", "all_of", "category_hint", "fold", "hinted"]

T = TypeVar("T")


class Hinted(Listing[T], Generic[T], kw_only=True):
    """A ``Listing`` with a hint for the caller when the answer is empty for a likely reason."""

    hint: Annotated[
        str | None,
        msgspec.Meta(
            description="what to try when nothing matched, e.g. look the category up with "
            "search_categories (null when there is nothing to suggest)"
        ),
    ] = None

    def summary_text(self, tool: str, *, width: int = 40) -> str:
        """The listing's summary, then the hint."""
        text = super().summary_text(tool, width=width)
        return f"{text}\nHint: {self.hint}" if self.hint else text


def hinted(listing: Listing[T], hint: str | None = None) -> Hinted[T]:
    """``listing`` as a ``Hinted`` answer."""
    fields = {name: getattr(listing, name) for name in listing.__struct_fields__}
    return Hinted(**fields, hint=hint)


def category_hint(listing: Listing[Any], **searched: str | None) -> str | None:
    """When nothing matched a category (or spec) search: point to ``search_categories``."""
    given = {name: value for name, value in searched.items() if value}
    if listing.items or not given:
        return None
    words = ", ".join(f"{name}={value!r}" for name, value in given.items())
    first = next(iter(given.values()))
    return (
        f"{words}: 맞는 품목이 없습니다. 나라장터의 정확한 품명은 search_categories로 찾으세요 "
        f'(예: {{"words": "{first}"}}); 기간을 넓혀 볼 수도 있습니다. / Nothing matched {words}: '
        "the gateway searches its own 품명 (e.g. 노트북컴퓨터, not 노트북). Look the category up "
        f'with search_categories ({{"words": "{first}"}}) and use the 품명 or codes it returns, or '
        "widen the dates."
    )


def fold(text: str) -> str:
    """Text as the filters compare it: no whitespace, case-folded."""
    return re.sub(r"\s+", "", text).casefold()


def all_of(*tests: Callable[[Any], bool] | None) -> Callable[[Any], bool] | None:
    """One ``keep`` predicate from several (None: no filter at all)."""
    given = [t for t in tests if t is not None]
    if not given:
        return None
    return lambda row: all(t(row) for t in given)
