"""Per-operation record schema: field kinds resolved once into ready-made value fragments.

Building a row is then a dict copy plus a few ``dict.update`` calls (institution, company, item,
amount, date fragments) and a handful of per-record values (IDs, anchor dates, titles). That keeps
a 999-row page within ~4 ms for a 20-field operation and ~9 ms for the 101-field bid notice list.
"""

from __future__ import annotations

from typing import NamedTuple

from . import entities
from .catalog import Operation
from .determinism import mix64, stable_hash, unit_float
from .fields import (
    AMOUNT,
    CORP,
    DATE,
    ID,
    INST,
    ITEM,
    KEY_FIELDS,
    NUMBER,
    R_ID,
    RANK,
    REGION,
    TITLE,
    URL_ID,
    YN,
    classify,
    date_stem,
)
from .timeline import format_minute
from .vocab import COMPANIES, INSTITUTIONS, Company, Institution, Item

__all__ = [
    "AMOUNT_BUCKETS",
    "BASE_ROWS",
    "DATE_PROFILES",
    "IdSpec",
    "ModePlan",
    "RecordSchema",
    "is_scheduled",
    "schema_for",
]

BASE_ROWS = 64
AMOUNT_BUCKETS = 1024
DATE_PROFILES = 16
_MAX_DATE_FRAGMENTS = 2048  # ~4 months of days x 16 profiles per operation, then start over
# Anchor fields: the record's own timestamp, which date-range queries filter on.
_SPECIFIC_ANCHORS = {
    "bidNtceBgnDt": ("bidNtceDt", "bidNtceDate", "bidNtceBgn"),
    "opengBgnDt": ("opengDt", "opengDate", "opengTm"),
    "cntrctCnclsBgnDate": ("cntrctCnclsDate", "cntrctDate"),
    "rgstDtBgnDt": ("rgstDt",),
    "chgDtBgnDt": ("chgDt",),
    "chgPrdBgnDt": ("chgDt", "chgDate"),
    "orderBgnYm": ("orderYear", "orderMnth", "orderYm"),
    "srchBssYmBgn": ("bssYear", "bssMnth", "totYm"),
    "srchBssYear": ("bssYear", "bssMnth"),
}
_SAME_MOMENT = ("rgstDt", "bidNtceDt", "nticeDt", "ntceNticeDt")
_GENERIC_ANCHORS = (
    "rgstDt",
    "bidNtceDt",
    "nticeDt",
    "ntceNticeDt",
    "opengDt",
    "inptDt",
    "rcptDt",
    "cntrctCnclsDate",
    "cntrctDate",
    "dlvrReqRcptDate",
    "cntrctDlvrReqDate",
    "orderDt",
    "chgDt",
    "dltDt",
    "issDt",
    "rgstDate",
    "chgDate",
    "bidNtceDate",
)
# How far after the anchor a derived date falls, by keyword of its stem (first match wins).
_DATE_RULES = (
    (("bidbegin",), "begin"),
    (("clse", "qlfctrgst", "appldoc"), "deadline"),
    (("dlvrreq",), "same_day"),
    (("openg",), "opening"),
    (("presnatn", "dcmtg", "sptdscrpt"), "explain"),
    (("bidprc",), "bid"),
    (("sucsf", "cncls", "cntrctdate"), "award"),
    (("bgn", "begin"), "start"),
    (("dlvr", "tmlmt", "end", "ccmplt", "scmplt", "expr"), "finish"),
    (("chg", "dlt"), "change"),
    (("inpt", "rcpt", "rgst", "ntce", "ntice", "iss", "open", "mkng"), "same_day"),
)
# Derived dates that may lie after "now", as on the real gateway: what a record schedules (bid
# opening and deadlines, briefings, start and end of a contract, delivery or sanction period, a
# planned order month, a due date). Every other date records something that already happened
# (registration, change, deletion, input, receipt, bid, award, publication): while its moment is
# still ahead of the request's "now" the field is empty, as the gateway leaves an event that has
# not happened yet. 실개찰일시 (rlOpengDt) is an opening that happened, unlike 개찰일시.
_SCHEDULED_RULES = frozenset({"deadline", "opening", "begin", "explain", "start", "finish"})
_SCHEDULED_STEMS = frozenset({"orderym", "rprsntdedt"})
_EVENT_STEMS = frozenset({"rlopeng"})


def is_scheduled(stem: str) -> bool:
    """True for a derived date (by ``date_stem``) that may lie in the future."""
    if stem in _EVENT_STEMS:
        return False
    return stem in _SCHEDULED_STEMS or _rule(stem) in _SCHEDULED_RULES


# Shapes for key fields whose catalog sample is empty (new-system numbers: R + yy + stage + seq).
_ID_SHAPES = {
    "bidNtceNo": "R25BK00000000",
    "bfSpecRgstNo": "R25BD00000000",
    "orderPlanUntyNo": "R25DD00000000",
    "prcrmntReqNo": "R25DC00000000",
    "untyCntrctNo": "R25TA00000000",
    "dcsnCntrctNo": "R25TA00000000",
    "dlvrReqNo": "R25TB00000000",
    "cntrctDlvrReqNo": "R25TB00000000",
    "prdctIdntNo": "00000000",
}


class IdSpec(NamedTuple):
    """A per-record identifier: ``R{yy}{stage}{seq}`` or a fixed-width digit sequence."""

    name: str
    stage: str  # "" for all-digit identifiers
    pattern: str  # "%08d": zero-padded width of the sequence part
    modulus: int
    offset: int
    stride: int
    year_prefix: bool  # legacy numbers start with the year (2016050000077)

    def value(self, i: int, year: str) -> str:
        """The identifier of record ``i`` registered in ``year``."""
        seq = self.pattern % ((self.offset + i * self.stride) % self.modulus)
        if self.stage:
            return "R" + year[2:] + self.stage + seq
        return year + seq[4:] if self.year_prefix else seq


class ModePlan(NamedTuple):
    """Dating of records whose query mode filters a date other than the record's main one.

    The universe's timeline then stamps ``fields`` (the mode's field and any sharing its stem, as
    ``bidClseDate``/``bidClseTm`` do); the main date sits ``days[profile]`` days before, where the
    field's usual offset puts it, so the other dates keep their relation (``RecordSchema.mode_plan``).
    """

    fields: tuple[tuple[str, str], ...]  # (name, response format)
    days: tuple[int, ...]  # per date profile: days from the main date to the mode's field


class RecordSchema:
    """Everything needed to build rows of one operation, derived once per (operation, seed)."""

    def __init__(self, op: Operation, seed: int) -> None:
        self.op = op
        self.seed = seed
        self.items = entities.pool_for(op.name)
        self.template = dict.fromkeys((f.name for f in op.fields), "")
        self.inst_fields: dict[str, list[tuple[str, str]]] = {"a": [], "b": []}
        self.corp_fields: list[tuple[str, str, str]] = []
        self.item_fields: list[tuple[str, str, str]] = []
        self.region_fields: list[str] = []
        self.title_fields: list[str] = []
        self.rank_fields: list[str] = []
        self.ids: list[IdSpec] = []
        self._url_samples: list[tuple[str, str]] = []
        self.dates: dict[str, str] = {}
        self.amounts: list[tuple[str, float, int]] = []
        self._sampled: set[str] = set()  # amount fields the official example fills in
        self.varied: list[tuple[str, str, str]] = []  # (name, kind, sample) for base rows
        for field in op.fields:
            self._add(field.name, field.sample, classify(field.name, field.sample, op.service))
        self._borrow_date_formats({f.name for f in op.fields if not f.sample})
        # Key fields first (bidNtceNo before befBidBbancNo): URLs then carry the record's own number.
        self.ids.sort(key=lambda spec: KEY_FIELDS.index(spec.name) if spec.name in KEY_FIELDS else 99)
        self.primary_id = self.ids[0].name if self.ids else None
        self.urls = [self._url_with_id(name, sample) for name, sample in self._url_samples]
        self.anchor_fields, self.derived_fields = self._split_dates()
        self.base_rows = [self._base_row(k) for k in range(BASE_ROWS)]
        self.inst_frags = {g: [self.inst_fragment(g, i) for i in INSTITUTIONS] for g in ("a", "b")}
        self.corp_frags = [self.corp_fragment(c) for c in COMPANIES]
        self.item_frags = [self.item_fragment(i) for i in self.items]
        self._amount_cache: dict[int, dict[str, str]] = {}
        # The mall's amounts are unit prices of the record's 품명: a desktop PC costs about a
        # million won, not the doc example's 42.8M-won playground set.
        self.unit_priced = op.service == "ShoppingMallPrdctInfoService" and bool(self._sampled)
        self._reference = max((base for name, base, _ in self.amounts if name in self._sampled), default=1.0)
        self._item_amount_cache: dict[tuple[str, int], dict[str, str]] = {}
        self._date_cache: dict[tuple[int, int], dict[str, str]] = {}
        self._offsets = [self._profile_offsets(p) for p in range(DATE_PROFILES)]
        # Per profile: the event dates (name, minutes after the anchor day's 00:00) and the latest.
        events = [(n, stem) for n, _, stem in self.derived_fields if not is_scheduled(stem)]
        self._events = [
            [(name, offsets[stem][0] * 1440 + offsets[stem][1]) for name, stem in events]
            for offsets in self._offsets
        ]
        self.event_reach = [max((m for _, m in e), default=-(1 << 40)) for e in self._events]
        self._plans: dict[str | None, ModePlan | None] = {}

    def mode_plan(self, anchor: str | None) -> ModePlan | None:
        """How to date records when the query's ``inqryDiv`` filters field ``anchor``.

        The real gateway filters and orders by the moment the mode names (``Operation.date_modes``:
        개찰일시 -> ``rlOpengDt``, 계약체결일자 -> ``cntrctCnclsDate`` ...). None when ``anchor`` is
        already among the record's main dates (``anchor_fields``) or is not a date of the operation:
        records are then dated as without a mode.
        """
        if anchor in self._plans:
            return self._plans[anchor]
        plan = None
        if anchor in self.dates and anchor not in {name for name, _ in self.anchor_fields}:
            stem = date_stem(anchor)
            fields = tuple((n, f) for n, f, s in self.derived_fields if s == stem)
            plan = ModePlan(fields, tuple(offsets[stem][0] for offsets in self._offsets))
        self._plans[anchor] = plan
        return plan

    def _add(self, name: str, sample: str, kind: tuple[str, tuple[str, ...]]) -> None:
        what, detail = kind
        if what == DATE:
            self.dates[name] = detail[0]
        elif what == ID:
            self.ids.append(self._id_spec(name, sample))
        elif what == URL_ID:
            self._url_samples.append((name, sample))
        elif what == AMOUNT:
            self.amounts.append(self._amount_spec(name, sample))
        elif what == INST:
            self.inst_fields[detail[0]].append((name, detail[1]))
        elif what == CORP:
            self.corp_fields.append((name, detail[0], sample))
        elif what == ITEM:
            self.item_fields.append((name, detail[0], sample))
        elif what == REGION:
            self.region_fields.append(name)
        elif what == TITLE:
            self.title_fields.append(name)
        elif what == RANK:
            self.rank_fields.append(name)
        else:
            self.varied.append((name, what, sample))

    # -- identifiers, URLs, amounts -------------------------------------------------------------

    def _id_spec(self, name: str, sample: str) -> IdSpec:
        h = stable_hash(self.seed, self.op.name, "id", name)
        sample = sample or _ID_SHAPES.get(name, "")
        match = R_ID.fullmatch(sample)
        if match:
            digits = len(match.group(3))
            offset = 10 ** (digits - 2) + h % 10 ** (digits - 2)  # like R25BK00940072
            return IdSpec(name, match.group(2), f"%0{digits}d", 10**digits, offset, 1, False)
        digits = len(sample) if sample else 13
        year_prefix = sample.startswith("20")
        return IdSpec(name, "", f"%0{digits}d", 10**digits, h % 10**digits, 1 + (h >> 32) % 7, year_prefix)

    def _url_with_id(self, name: str, sample: str) -> tuple[str, str, str, str]:
        """(field, text before the number, text after it, field holding the number)."""
        match = R_ID.search(sample)
        assert match is not None
        stage = match.group(2)
        same_stage = [s.name for s in self.ids if s.stage == stage]
        target = same_stage[0] if same_stage else (self.primary_id or "")
        return name, sample[: match.start()], sample[match.end() :], target

    def _amount_spec(self, name: str, sample: str) -> tuple[str, float, int]:
        if sample:
            self._sampled.add(name)
            decimals = len(sample.split(".")[1]) if "." in sample else 0
            return name, float(sample), decimals
        h = stable_hash(self.seed, self.op.name, "amount", name)
        return name, float((1 + h % 90) * 10 ** (5 + (h >> 8) % 3)), 0

    def item_amounts(self, item: Item, bucket: int) -> dict[str, str]:
        """Unit-priced amounts for ``item``: its typical price within ±25%, the doc's ratios kept.

        Amount fields the official example leaves empty stay empty (e.g. 할인금액 without a
        discount); items of unknown price fall back to ``amount_fragment``.
        """
        if not item.price:
            return self.amount_fragment(bucket)
        key = (item.class_no, bucket % 64)
        cached = self._item_amount_cache.get(key)
        if cached is None:
            factor = item.price / self._reference * 1.25 ** (key[1] / 63 * 2 - 1)
            cached = {}
            for name, base, decimals in self.amounts:
                if name not in self._sampled:
                    cached[name] = ""
                elif decimals:
                    cached[name] = f"{base * factor:.{decimals}f}"
                else:
                    value = base * factor
                    cached[name] = str(int(round(value, -1 if abs(value) >= 1000 else 0)))
            self._item_amount_cache[key] = cached
        return cached

    def amount_fragment(self, bucket: int) -> dict[str, str]:
        """All amount fields scaled by one factor in [0.1, 10]: the doc example's ratios survive."""
        cached = self._amount_cache.get(bucket)
        if cached is None:
            factor = 10 ** (bucket / (AMOUNT_BUCKETS - 1) * 2 - 1)
            cached = {}
            for name, base, decimals in self.amounts:
                value = base * factor
                if decimals:
                    cached[name] = f"{value:.{decimals}f}"
                else:
                    cached[name] = str(int(round(value, -1 if abs(value) >= 1000 else 0)))
            self._amount_cache[bucket] = cached
        return cached

    # -- dates ----------------------------------------------------------------------------------

    def _split_dates(self) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
        anchors: list[str] = []
        for date_range in self.op.date_ranges:
            anchors += [n for n in _SPECIFIC_ANCHORS.get(date_range.begin, ()) if n in self.dates]
        anchors += [n for n in _SAME_MOMENT if n in self.dates]
        if not anchors:
            anchors = [n for n in _GENERIC_ANCHORS if n in self.dates][:1]
        anchor_set = set(anchors)
        anchored = [(n, f) for n, f in self.dates.items() if n in anchor_set]
        derived = [(n, f, date_stem(n)) for n, f in self.dates.items() if n not in anchor_set]
        return anchored, derived

    def _borrow_date_formats(self, unsampled: set[str]) -> None:
        """A date field without a sample prints like a sampled sibling with the same suffix."""
        for suffix in ("Dt", "Date"):
            sampled = [f for n, f in self.dates.items() if n.endswith(suffix) and n not in unsampled]
            for name in self.dates:
                if sampled and name in unsampled and name.endswith(suffix):
                    self.dates[name] = sampled[0]

    def date_fragment(self, profile: int, day: int) -> dict[str, str]:
        """Derived dates (deadlines, openings, deliveries ...) for a record anchored on ``day``."""
        key = (profile, day)
        cached = self._date_cache.get(key)
        if cached is None:
            if len(self._date_cache) >= _MAX_DATE_FRAGMENTS:
                self._date_cache.clear()
            offsets = self._offsets[profile]
            cached = {}
            for name, fmt, stem in self.derived_fields:
                days, minute = offsets[stem]
                cached[name] = format_minute((day + days) * 1440 + minute, 0, fmt)
            self._date_cache[key] = cached
        return cached

    def date_fragment_until(self, profile: int, day: int, now: int) -> dict[str, str]:
        """``date_fragment`` with the event dates after minute ``now`` left empty (not happened yet)."""
        fragment = dict(self.date_fragment(profile, day))
        start = day * 1440
        for name, offset in self._events[profile]:
            if start + offset > now:
                fragment[name] = ""
        return fragment

    def _profile_offsets(self, profile: int) -> dict[str, tuple[int, int]]:
        h = stable_hash(self.seed, self.op.name, "profile", profile)
        deadline_day = 5 + h % 10
        deadline_time = (10, 11, 14, 16, 17, 18)[(h >> 8) % 6] * 60
        offsets = {}
        for _, _, stem in self.derived_fields:
            r = stable_hash(h, stem)
            offsets[stem] = _offset(_rule(stem), deadline_day, deadline_time, r)
        return offsets

    # -- entities -------------------------------------------------------------------------------

    def inst_fragment(self, group: str, inst: Institution) -> dict[str, str]:
        """Values of every field of institution ``group`` ("a" publishes, "b" demands) for ``inst``."""
        regions = self.region_fields if group == "a" else []
        return entities.institution_values(self.inst_fields[group], regions, inst, self.seed)

    def corp_fragment(self, corp: Company) -> dict[str, str]:
        """Values of every company field for ``corp``."""
        return entities.company_values(self.corp_fields, corp, self.seed)

    def item_fragment(self, item: Item) -> dict[str, str]:
        """Values of every 품명-related field for ``item``."""
        return entities.item_values(self.item_fields, item)

    def title(self, inst: Institution, item_name: str, year: str, h: int, term: str | None = None) -> str:
        """A notice/contract title such as "2025년 강원대학교 노트북컴퓨터 구매" (containing ``term``)."""
        return entities.title(self.items, inst, item_name, year, h, term)

    # -- everything else ------------------------------------------------------------------------

    def _base_row(self, k: int) -> dict[str, str]:
        row = {}
        for name, kind, sample in self.varied:
            h = mix64(stable_hash(self.seed, self.op.name, name) + k)
            row[name] = _vary(kind, sample, h)
        return row


def _vary(kind: str, sample: str, h: int) -> str:
    """Flags flip sometimes and counts/rates wander around the sample; other fields keep it."""
    if kind == YN:
        keep = unit_float(h) < 0.8
        if sample == "Y":
            return "Y" if keep else "N"
        return "N" if (keep or not sample) and unit_float(h >> 7) < 0.9 else "Y"
    if kind == NUMBER:
        if "." in sample:
            decimals = len(sample.split(".")[1])
            value = float(sample)
            if 80 <= value < 100:  # 투찰률/낙찰률: stay a plausible percentage
                return f"{min(99.999, value + (unit_float(h) - 0.5) * 6):.{decimals}f}"
            return f"{value * (0.5 + unit_float(h)):.{decimals}f}"
        value_int = int(sample)
        if value_int == 0:
            return "0"
        return str(max(1, int(value_int * (0.5 + unit_float(h)))))
    return sample


def _rule(stem: str) -> str:
    for keywords, rule in _DATE_RULES:
        if any(k in stem for k in keywords):
            return rule
    return "data"


def _offset(rule: str, deadline_day: int, deadline_time: int, r: int) -> tuple[int, int]:
    """(days after the anchor day, minute of day) for a derived date."""
    business_minute = 9 * 60 + r % (9 * 60)
    # Opening follows the deadline by an hour, or comes the next morning after an 18:00 deadline.
    late = deadline_time >= 18 * 60
    opening = (deadline_day + 1, 10 * 60) if late else (deadline_day, deadline_time + 60)
    return {
        "begin": (1 + r % 3, (9, 10)[r % 2] * 60),
        "deadline": (deadline_day, deadline_time),
        "opening": opening,
        "explain": (max(1, deadline_day - 3), 14 * 60),
        "bid": (deadline_day - 1, business_minute),
        "award": (deadline_day + 2 + r % 5, business_minute),
        "start": (deadline_day + 10 + r % 20, 0),
        "finish": (deadline_day + 60 + r % 300, 0),
        "change": (1 + r % 20, business_minute),
        "same_day": (0, 18 * 60 + r % 50),  # after any anchor (09:00-18:00) of the same day
    }.get(rule, (r % 30, business_minute))


_SCHEMAS: dict[tuple[str, int], RecordSchema] = {}


def schema_for(op: Operation, seed: int) -> RecordSchema:
    """The schema of ``op`` for ``seed``, built on first use."""
    schema = _SCHEMAS.get((op.name, seed))
    if schema is None:
        schema = _SCHEMAS[(op.name, seed)] = RecordSchema(op, seed)
    return schema
