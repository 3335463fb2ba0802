"""The record universe of one query: a fixed, date-ordered set of rows for (operation, filters).

Record ``i`` is a pure function of (seed, operation, non-date filters, i). Its timestamp grows
with ``i``, so a date range is a contiguous index range found by bisection, and splitting a range
in two returns exactly the same records as asking for the whole.
"""

from __future__ import annotations

from typing import NamedTuple

from .catalog import Operation
from .determinism import mix64, stable_hash, unit_float
from .fields import CORP, INST, ITEM, KEY_FIELDS, TITLE, classify
from .schema import AMOUNT_BUCKETS, BASE_ROWS, DATE_PROFILES, RecordSchema
from .timeline import Timeline, format_minute
from .vocab import COMPANIES, GOODS, INSTITUTIONS, SERVICES, WORKS, Company, Institution, Item

__all__ = ["Filters", "Universe", "universe_size"]

Filters = tuple[tuple[str, str], ...]  # sorted (param, value) pairs, blanks removed
_TO_UNIT = 2.0**-53


class Overrides(NamedTuple):
    """Entities and values pinned by the query's filters, so found records carry what was searched."""

    inst_a: Institution | None
    inst_b: Institution | None
    corp: Company | None
    item: Item | None
    title_term: str | None
    fields: dict[str, str]


def universe_size(op: Operation, filters: Filters, seed: int, rows: dict[str, int]) -> int:
    """How many records (op, filters) has: ``rows`` override, else a few hundred to a few thousand."""
    if op.name in rows:
        return rows[op.name]
    size = int(300 * 10 ** unit_float(stable_hash(seed, "size", op.name)))
    for name, value in filters:
        h = stable_hash(seed, "size", op.name, name, value)
        if name in KEY_FIELDS:  # an identifier names one notice/contract, or a few detail rows
            if "OpengCompt" in op.name:
                return 3 + h % 25
            if "PreparPcDetail" in op.name:
                return 15  # 복수예비가격: always 15
            return 1 + (h % 3 if "ChgHstry" in op.name or "Lmt" in op.name else 0)
        size = max(1, int(size * (0.05 + 0.35 * unit_float(h))))
    return size


class Universe:
    """All records of one (operation, filters) query, in timestamp order."""

    def __init__(self, schema: RecordSchema, timeline: Timeline, filters: Filters, size: int) -> None:
        self.schema = schema
        self.timeline = timeline
        self.size = size
        self.key = stable_hash(schema.seed, schema.op.name, filters)
        self._scale = timeline.minutes / size if size else 0.0
        self.overrides = _overrides(schema, filters)

    def minute_of(self, i: int) -> int:
        """Timestamp (minute since EPOCH) of record ``i``: evenly spread, jittered, monotonic."""
        return self._minute(i, mix64(self.key + i))

    def _minute(self, i: int, h: int) -> int:
        # Record i sits at a jittered point of its own slot [i, i+1) of business time. Float
        # rounding is monotonic, so timestamps never decrease with i and bisection stays valid.
        return self.timeline.at(int((i + (h >> 11) * _TO_UNIT) * self._scale))

    def index_at(self, minute: int) -> int:
        """Index of the first record at or after ``minute`` (bisection: O(log n))."""
        lo, hi = 0, self.size
        while lo < hi:
            mid = (lo + hi) // 2
            if self.minute_of(mid) < minute:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def rows(self, start: int, stop: int) -> list[dict[str, str]]:
        """Records ``start`` to ``stop`` (exclusive), every value a string."""
        s = self.schema
        o = self.overrides
        template, base_rows = s.template, s.base_rows
        inst_a_frags, inst_b_frags, corp_frags = s.inst_frags["a"], s.inst_frags["b"], s.corp_frags
        item_frags, items = s.item_frags, s.items
        n_inst, n_corp, n_item = len(INSTITUTIONS), len(COMPANIES), len(items)
        fixed_a = s.inst_fragment("a", o.inst_a) if o.inst_a else None
        fixed_b = s.inst_fragment("b", o.inst_b) if o.inst_b else None
        fixed_corp = s.corp_fragment(o.corp) if o.corp else None
        fixed_item = s.item_fragment(o.item) if o.item else None
        out = []
        for i in range(start, stop):
            h = mix64(self.key + i)
            row = template.copy()
            row.update(base_rows[h % BASE_ROWS])
            a = (h >> 6) % n_inst
            b = a if (h >> 12) & 1 else (h >> 13) % n_inst  # often the publisher is also the buyer
            row.update(fixed_a or inst_a_frags[a])
            row.update(fixed_b or inst_b_frags[b])
            row.update(fixed_corp or corp_frags[(h >> 19) % n_corp])
            item_index = (h >> 26) % n_item
            row.update(fixed_item or item_frags[item_index])
            bucket = (h >> 32) % AMOUNT_BUCKETS
            if s.unit_priced:
                row.update(s.item_amounts(o.item or items[item_index], bucket))
            else:
                row.update(s.amount_fragment(bucket))
            minute = self._minute(i, h)
            row.update(s.date_fragment((h >> 42) % DATE_PROFILES, minute // 1440))
            second = (h >> 46) % 60
            for name, fmt in s.anchor_fields:
                row[name] = format_minute(minute, second, fmt)
            year = format_minute(minute, 0, "year")
            for spec in s.ids:
                row[spec.name] = spec.value(i, year)
            for name in s.rank_fields:
                row[name] = str(i + 1)
            if s.title_fields:
                inst = o.inst_a or INSTITUTIONS[a]
                subject = o.title_term or (o.item or items[item_index]).name
                title = s.title(inst, subject, year, h >> 50)
                for name in s.title_fields:
                    row[name] = title
            if o.fields:
                row.update(o.fields)
            for name, pre, post, id_field in s.urls:
                row[name] = pre + row.get(id_field, "") + post
            out.append(row)
        return out


def _overrides(schema: RecordSchema, filters: Filters) -> Overrides:
    """Resolve filters to pinned entities (looked up in the vocabulary, else made up from them)."""
    attrs: dict[tuple[str, str], str] = {}
    title_term = None
    fields = {}
    samples = {p.name: p.sample for p in schema.op.params}
    for name, value in filters:
        kind, detail = classify(name, samples.get(name, ""), schema.op.service)
        if kind == INST and detail[1] in ("Nm", "Cd"):
            attrs[(f"inst_{detail[0]}", detail[1])] = value
        elif kind == CORP and detail[0] in ("Nm", "Bizno", "Bizrno", "No", "bizno"):
            attrs[("corp", "Nm" if detail[0] == "Nm" else "Bizno")] = value.replace("-", "")
        elif kind == ITEM and detail[0] in ("name", "class", "detail"):
            attrs[("item", detail[0])] = value
        elif kind == TITLE:
            title_term = value
        if name in schema.template and kind != TITLE:
            fields[name] = value
    seed = schema.seed
    return Overrides(
        inst_a=_institution(attrs, "inst_a", seed),
        inst_b=_institution(attrs, "inst_b", seed),
        corp=_company(attrs, seed),
        item=_item(attrs, seed),
        title_term=title_term,
        fields=fields,
    )


def _institution(attrs: dict[tuple[str, str], str], role: str, seed: int) -> Institution | None:
    name, code = attrs.get((role, "Nm")), attrs.get((role, "Cd"))
    if name is None and code is None:
        return None
    for inst in INSTITUTIONS:
        if name in (None, inst.name) and code in (None, inst.code):
            return inst
    base = INSTITUTIONS[stable_hash(seed, role, name, code) % len(INSTITUTIONS)]
    return base._replace(name=name or base.name, code=code or base.code)


def _company(attrs: dict[tuple[str, str], str], seed: int) -> Company | None:
    name, bizno = attrs.get(("corp", "Nm")), attrs.get(("corp", "Bizno"))
    if name is None and bizno is None:
        return None
    for corp in COMPANIES:
        if name in (None, corp.name) and bizno in (None, corp.bizno):
            return corp
    base = COMPANIES[stable_hash(seed, "corp", name, bizno) % len(COMPANIES)]
    return base._replace(name=name or base.name, bizno=bizno or base.bizno)


def _item(attrs: dict[tuple[str, str], str], seed: int) -> Item | None:
    name = attrs.get(("item", "name"))
    number = attrs.get(("item", "detail")) or attrs.get(("item", "class"))
    if name is None and number is None:
        return None
    pool = (*GOODS, *SERVICES, *WORKS)
    for item in pool:
        if name in (None, item.name) and (number is None or (item.class_no + "01").startswith(number)):
            return item
    base = pool[stable_hash(seed, "item", name, number) % len(pool)]
    class_no = (number or f"{40000000 + stable_hash(seed, 'class', name) % 50000000}")[:8].ljust(8, "0")
    item_name = name or base.name
    return Item(class_no, item_name, base.unit, f"{item_name}, 규격서 참조")
