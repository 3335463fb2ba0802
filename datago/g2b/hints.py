"""Hints for empty answers of 조달청 list searches: where the exact 품명 or codes come from."""

from __future__ import annotations

from typing import Any

from ..listing import Listing

__all__ = ["category_hint"]


def category_hint(listing: Listing[Any], **searched: str | None) -> str | None:
    """When nothing matched a category (or item, spec) search: point to ``search_categories``."""
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
