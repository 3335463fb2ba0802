"""Which kind of number the caller has: told (``number_kind``) or read from its shape.

New-system (차세대 나라장터, 2025-) numbers say their stage: ``R`` + year + two letters + 8 digits,
BK/BM 입찰공고, BD 사전규격, DC 조달요청, DD 발주계획, TA 계약 (통합계약번호). Older numbers are
digits of a typical width: 11 (입찰공고, e.g. 20160234982, optionally ``-00`` round), 13 (통합계약번호,
e.g. 2016050000077), 10 (조달요청, e.g. 2523304577; 외자 requests look like 16GA0289), 5-7
(사전규격, e.g. 333556) and the dashed 발주계획번호 (1-3-2023-Z009268-000004).
"""

from __future__ import annotations

import re
from typing import Final, Literal, NamedTuple

__all__ = ["KIND_NAMES", "NUMBER_KINDS", "NumberKind", "NumberKindLabel", "Resolved", "resolve"]

NumberKind = Literal["notice", "request", "prespec", "order_plan", "contract"]
NumberKindLabel = Literal[
    "notice", "request", "prespec", "order_plan", "contract",
    "입찰공고", "공고", "조달요청", "요청", "사전규격", "발주계획", "계약",
]  # fmt: skip

NUMBER_KINDS: Final[dict[str, NumberKind]] = {
    "notice": "notice",
    "입찰공고": "notice",
    "공고": "notice",
    "request": "request",
    "조달요청": "request",
    "요청": "request",
    "prespec": "prespec",
    "사전규격": "prespec",
    "order_plan": "order_plan",
    "발주계획": "order_plan",
    "contract": "contract",
    "계약": "contract",
}
KIND_NAMES: Final[dict[NumberKind, str]] = {
    "notice": "입찰공고번호 / bid notice no.",
    "request": "조달요청번호 / procurement request no.",
    "prespec": "사전규격등록번호 / pre-spec registration no.",
    "order_plan": "발주계획번호 / order plan no.",
    "contract": "통합계약번호 / unified contract no.",
}

_NEW = re.compile(r"R\d{2}([A-Z]{2})\d{8}")
_STAGES: Final[dict[str, NumberKind]] = {
    "BK": "notice",
    "BM": "notice",
    "BD": "prespec",
    "DC": "request",
    "DD": "order_plan",
    "TA": "contract",
}
_ROUND = re.compile(r"(.+?)-(\d{2,3})")
_LEGACY: Final[tuple[tuple[re.Pattern[str], NumberKind], ...]] = (
    (re.compile(r"\d{11}"), "notice"),
    (re.compile(r"\d{13}"), "contract"),
    (re.compile(r"\d{10}|\d{2}[A-Z]{2}\d{4}"), "request"),
    (re.compile(r"\d{5,7}"), "prespec"),
    (re.compile(r"\d-\d-\d{4}-[0-9A-Z]+-\d+"), "order_plan"),
)


class Resolved(NamedTuple):
    """The number to send, what it is, and a notice round given as its ``-000`` suffix."""

    number: str
    kind: NumberKind
    round: str | None


def resolve(number: str, told: str | None) -> Resolved:
    """What ``number`` is (``told``: a ``number_kind`` label); ValueError naming the field if unclear."""
    text = number.strip().upper()
    kind = NUMBER_KINDS[told] if told is not None else None
    round_ = None
    if (m := _ROUND.fullmatch(text)) and kind in (None, "notice") and _looks_like_notice(m.group(1)):
        text, round_ = m.group(1), m.group(2)
    if m := _NEW.fullmatch(text):
        stage = _STAGES.get(m.group(1))
        if stage is None:
            raise ValueError(
                f"number: {text} is a 나라장터 number of stage {m.group(1)}, which this tool cannot follow "
                "(it follows BK/BM 입찰공고, BD 사전규격, DC 조달요청, DD 발주계획 and TA 계약 numbers)"
            )
        if kind is not None and kind != stage:
            raise ValueError(
                f"number_kind: {text} is a {KIND_NAMES[stage]} (stage {m.group(1)}), not a {KIND_NAMES[kind]}"
            )
        return Resolved(text, stage, round_)
    if kind is not None:
        return Resolved(text, kind, round_)
    for pattern, guess in _LEGACY:
        if pattern.fullmatch(text):
            return Resolved(text, guess, round_)
    raise ValueError(
        f"number: cannot tell what kind of number {number!r} is; give number_kind "
        "(notice, request, prespec, order_plan or contract)"
    )


def _looks_like_notice(text: str) -> bool:
    m = _NEW.fullmatch(text)
    return (m is not None and m.group(1) in ("BK", "BM")) or (text.isdigit() and len(text) == 11)
