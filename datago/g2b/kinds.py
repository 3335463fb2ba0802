"""업무구분 (the kind of procurement), as every 나라장터 service names it.

Operations come one per kind, named by a suffix (``getCntrctInfoListThng`` …); users say the Korean
label or its English alias. Plugins accept the subset their service has (a ``Literal`` of labels)
and map it here, so the table lives once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

__all__ = ["ALL_KINDS", "ENGLISH_KINDS", "KIND_SUFFIXES", "AllKinds", "kind_suffixes"]

KIND_SUFFIXES: Final[Mapping[str, str]] = {
    "물품": "Thng",
    "공사": "Cnstwk",
    "용역": "Servc",
    "외자": "Frgcpt",
    "기타": "Etc",
}
"""The Korean label of a kind -> the suffix of its operations."""

ENGLISH_KINDS: Final[Mapping[str, str]] = {
    "goods": "물품",
    "works": "공사",
    "services": "용역",
    "foreign": "외자",
    "other": "기타",
}
"""The English alias users may give -> the Korean label."""

AllKinds = Literal["전체", "all"]
ALL_KINDS: Final = ("전체", "all")
"""The labels that ask a search for every kind at once (merged by date: ``datago.collect_merged``)."""


def kind_suffixes(*labels: str) -> dict[str, str]:
    """Korean labels and their English aliases -> operation suffix, for the kinds a service has."""
    known = {label: KIND_SUFFIXES[label] for label in labels}
    known.update({english: known[korean] for english, korean in ENGLISH_KINDS.items() if korean in known})
    return known
