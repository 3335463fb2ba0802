"""The record universe of one query: a fixed, date-ordered set of rows for (operation, filters).

Record ``i`` is a pure function of (seed, operation, non-date filters, the mode's date field, i).
Its timestamp grows with ``i``, so a date range is a contiguous index range found by bisection,
and splitting a range in two returns exactly the same records as asking for the whole.

The timestamp is printed in the field the query's ``inqryDiv`` mode filters (``rlOpengDt`` for
개찰일시, ``cntrctCnclsDate`` for 계약체결일자 …: ``Operation.date_modes``), so a range selects, and
rows come ordered, by what they print there. Without such a mode, or when the mode names the main
date, it is the record's main date (``rgstDt``, ``bidNtceDt`` …: ``RecordSchema.anchor_fields``);
otherwise the main date is put back before it by that field's usual offset (``schema.ModePlan``).

Identifiers that other services print pin the record's core facts, whatever operation answers:
a 입찰공고번호 its notice (``entities.notice_facts``), a 통합계약번호 its contract, and in the mall
(``ShoppingMallPrdctInfoService``) a 물품식별번호 its product (``entities.product_facts``). A list
row prints the number made from its own date (notices, contracts) or from its 품명 and supplier
(products), so the lookup by that number answers the same facts. Limits: a 품명 or company made up
around an unknown code has no product id of its own (such rows keep a random id), and a product's
세부품명 is always the ``…01`` one of its 품명.

No record lies in the future (``timeline``): the timeline ends before the app was created, the
gateway serves only the prefix stamped before the request's minute, and ``rows(…, now)`` empties
the event dates of a record that are still ahead of ``now`` (``schema.is_scheduled``).
"""

from __future__ import annotations

from typing import TypeVar

from . import entities
from .catalog import Operation
from .determinism import mix64, stable_hash, unit_float
from .fields import KEY_FIELDS
from .matching import Filters, Overrides, resolve
from .schema import AMOUNT_BUCKETS, BASE_ROWS, DATE_PROFILES, RecordSchema
from .timeline import WORK_MINUTES, WORK_START, Timeline, format_minute
from .vocab import COMPANIES, INSTITUTIONS, Company, Item

__all__ = ["Filters", "Universe", "universe_size"]

_TO_UNIT = 2.0**-53
_T = TypeVar("_T")


def universe_size(op: Operation, filters: Filters, seed: int, rows: dict[str, int]) -> int:
    """How many records (op, filters) has: ``rows`` override, else a few hundred to a few thousand.

    A name search that matches nothing in the sandbox's world has none (``matching``).
    """
    overrides = resolve(op, filters, seed)
    if overrides is None or not _product_matches(op, overrides, seed):
        return 0
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


def _product_matches(op: Operation, o: Overrides, seed: int) -> bool:
    """False for a lookup by a product id whose 품명 or supplier is not the one also searched."""
    number = o.fields.get("prdctIdntNo") if op.service == _MALL else None
    if not number:
        return True
    facts = entities.product_facts(seed, number)
    return (not o.item or entities.PRODUCT_ITEMS[facts.item] in o.item) and (
        not o.corp or COMPANIES[facts.corp] in o.corp
    )


class Universe:
    """All records of one (operation, filters) query, in timestamp order."""

    def __init__(
        self,
        schema: RecordSchema,
        timeline: Timeline,
        filters: Filters,
        size: int,
        overrides: Overrides,
        anchor: str | None = None,
    ) -> None:
        """``anchor``: the item field the query's mode filters (``Operation.date_modes``), if any."""
        self.schema = schema
        self.plan = schema.mode_plan(anchor)
        self.timeline = timeline
        self.size = size
        self.key = stable_hash(schema.seed, schema.op.name, filters)
        self._scale = timeline.minutes / size if size else 0.0
        self.overrides = overrides
        # Fragments of the pinned entities, built once: a page then only picks among them.
        o = overrides
        self._fixed_a = [schema.inst_fragment("a", inst) for inst in o.inst_a]
        self._fixed_b = [schema.inst_fragment("b", inst) for inst in o.inst_b]
        self._fixed_corp = [schema.corp_fragment(corp) for corp in o.corp]
        self._fixed_item = [schema.item_fragment(item) for item in o.item]
        # A notice number pins the record's core facts (``entities.notice_facts``): in a lookup by
        # number that number, in a list one made from the record's own date (``_notice_of``).
        self.notice_field = next((s.name for s in schema.ids if s.name in entities.NOTICE_FIELDS), None)
        self.notice_lookup = o.fields.get(self.notice_field or "")
        self.contract_field = next((s.name for s in schema.ids if s.name in entities.CONTRACT_FIELDS), None)
        self.contract_lookup = o.fields.get(self.contract_field or "")
        self.contract_dates = [(n, f) for n, f in schema.dates.items() if n in entities.CONTRACT_DATES]
        self.notice_kind = entities.notice_kind(schema.op.name)
        # A contract looked up by its notice's number is the one that notice led to (if dated).
        self.notice_contract = (
            entities.notice_contract(self.notice_lookup)
            if self.contract_field is not None and self.notice_lookup
            else None
        )
        # Award rows name the notice's winner (``entities.award_facts``); the integrated process
        # (계약과정통합공개) lists its winner and contract once they are past.
        corp_names = {name for name, _, _ in schema.corp_fields}
        self.names_winner = all(f in corp_names for f in entities.WINNER_FIELDS)
        # A number belongs to one 업무구분 (its last two digits, as ``entities.notice_number``): the
        # sandbox answers it in every kind's operation, but lists its award and contract only in its own.
        self.process_lists = all(f in schema.template for f in entities.PROCESS_LISTS) and all(
            entities.number_kind(value) in (None, self.notice_kind) for value in o.fields.values()
        )
        self.notice_dates = [
            (name, fmt, entities.NOTICE_DATE_GROUPS[name])
            for name, fmt in schema.dates.items()
            if name in entities.NOTICE_DATE_GROUPS
        ]
        stamped = [n for n, _ in (self.plan.fields if self.plan else schema.anchor_fields)]
        groups = {entities.NOTICE_DATE_GROUPS.get(n) for n in stamped}
        # What the record's timestamp dates: its notice, its opening, or something after both.
        self.notice_role = "notice" if "notice" in groups else "opening" if "opening" in groups else "other"
        self._item_frag_cache: dict[Item, dict[str, str]] = {}
        # A mall product id pins the product's facts (``entities.product_facts``): in a lookup by
        # id that id, in a list one made from the row's 품명 and supplier (``_apply_product``).
        self.product_field = (
            "prdctIdntNo" if schema.op.service == _MALL and "prdctIdntNo" in schema.template else None
        )
        self.product_lookup = o.fields.get("prdctIdntNo") if self.product_field else None
        # 가격정보 rows: a 가격게시번호 of their own (the catalog has no sample of its format).
        self.price_notice = "prceNticeNo" in schema.template
        self.line_fields = [(q, a) for q, a in _LINE_FIELDS if q in schema.template or a in schema.template]

    def minute_of(self, i: int) -> int:
        """Timestamp (minute since EPOCH) of record ``i``: evenly spread, jittered, monotonic.

        The moment the query's date range filters: the mode's field, else the main date.
        """
        return self._minute(i, mix64(self.key + i))

    def _minute(self, i: int, h: int) -> int:
        return self.timeline.at(int(self._position(i, h)))

    def _position(self, i: int, h: int) -> float:
        # Record i sits at a jittered point of its own slot [i, i+1) of business time. Float
        # rounding is monotonic, so timestamps never decrease with i and bisection stays valid.
        return (i + (h >> 11) * _TO_UNIT) * self._scale

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

    def rows(self, start: int, stop: int, now: int | None = None) -> list[dict[str, str]]:
        """Records ``start`` to ``stop`` (exclusive), every value a string.

        With ``now`` (minute since ``EPOCH``), event dates after it are empty (``schema.is_scheduled``).
        """
        s = self.schema
        o = self.overrides
        template, base_rows = s.template, s.base_rows
        inst_a_frags, inst_b_frags, corp_frags = s.inst_frags["a"], s.inst_frags["b"], s.corp_frags
        item_frags, items = s.item_frags, s.items
        n_inst, n_corp, n_item = len(INSTITUTIONS), len(COMPANIES), len(items)
        fixed_a, fixed_b, fixed_corp, fixed_item = (
            self._fixed_a,
            self._fixed_b,
            self._fixed_corp,
            self._fixed_item,
        )
        event_reach = s.event_reach
        plan = self.plan
        out = []
        for i in range(start, stop):
            h = mix64(self.key + i)
            row = template.copy()
            row.update(base_rows[h % BASE_ROWS])
            position = self._position(i, h)
            stamp = minute = self.timeline.at(int(position))
            # Seconds: how far into its minute the record sits, so they grow with i within a minute.
            second = int((position - int(position)) * 60)
            profile = (h >> 42) % DATE_PROFILES
            if plan is not None:  # the main date, before the mode's field by its usual offset
                minute = _main_minute(stamp, plan.days[profile], mix64(h))
            facts = contract = award = None
            if self.contract_field is not None and not self.notice_lookup:
                contract_no = self.contract_lookup or self._contract_of(stamp, second)
                contract = entities.contract_facts(s.seed, contract_no)
            elif self.contract_field is not None and self.notice_contract is not None:
                contract_no = self.notice_contract  # a contract looked up by its notice's number
                contract = entities.contract_facts(s.seed, contract_no)
            if self.notice_field is not None or contract is not None:
                number = self.notice_lookup or (
                    contract.notice if contract else self._notice_of(stamp, second)
                )
                facts = entities.notice_facts(s.seed, number)
                pool = facts.pool
                a, b = facts.inst_a, facts.inst_b
                item = pool[facts.item]
                item_frag = item_frags[facts.item] if pool is items else self._item_frag(item)
                bucket, variant = facts.bucket, facts.variant
            else:
                pool = items
                a = (h >> 6) % n_inst
                b = a if (h >> 12) & 1 else (h >> 13) % n_inst  # often the publisher is also the buyer
                item_index = (h >> 26) % n_item
                item, item_frag = items[item_index], item_frags[item_index]
                bucket, variant = (h >> 32) % AMOUNT_BUCKETS, h >> 50
            row.update(_pick(fixed_a, h >> 6) or inst_a_frags[a])
            row.update(_pick(fixed_b, h >> 13) or inst_b_frags[b])
            if facts is not None and (self.names_winner or self.process_lists):
                award = entities.award_facts(s.seed, number)
            corp_index = contract.corp if contract else award.corp if award else (h >> 19) % n_corp
            row.update(_pick(fixed_corp, h >> 19) or corp_frags[corp_index])
            row.update(_pick(fixed_item, h >> 26) or item_frag)
            item = _pick(o.item, h >> 26) or item
            if s.unit_priced:
                row.update(s.item_amounts(item, bucket))
            else:
                row.update(s.amount_fragment(bucket))
            product = None
            if self.product_field is not None:
                corp = _pick(o.corp, h >> 19) or COMPANIES[corp_index]
                product = self._apply_product(row, item, corp, h)
                item = entities.PRODUCT_ITEMS[product[1].item] if product else item
            day = minute // 1440
            if now is not None and day * 1440 + event_reach[profile] > now:
                row.update(s.date_fragment_until(profile, day, now))
            else:
                row.update(s.date_fragment(profile, day))
            for name, fmt in s.anchor_fields:
                row[name] = format_minute(minute, second, fmt)
            if plan is not None:
                for name, fmt in plan.fields:
                    row[name] = format_minute(stamp, second, fmt)
            year = format_minute(minute, 0, "year")
            for spec in s.ids:
                row[spec.name] = spec.value(i, year)
            for name in s.rank_fields:
                row[name] = str(i + 1)
            if product is not None:
                row["prdctIdntNo"] = product[0]
            if self.price_notice and item.price and "prce" in row:  # 가격정보 of a goods 품명: its price
                row.update(_price_split(item.price, h))
            if self.price_notice:  # 가격게시번호: the year it was published and its place in it
                row["prceNticeNo"] = f"{year}{(self.key + i) % 10**7:07d}"
            if facts is not None:
                if self.notice_field is not None:
                    row[self.notice_field] = number
                year = self._apply_notice(row, facts, now) or year
            if contract is not None:
                row[self.contract_field] = contract_no
                self._apply_contract(row, contract, now)
            if award is not None and self.names_winner:
                self._apply_award(row, award)
            if s.title_fields:
                inst = _pick(o.title_insts, h >> 6) or _pick(o.inst_a, h >> 6) or INSTITUTIONS[a]
                subject = (_pick(o.title_items, h >> 26) or item).name
                title = entities.title(pool, inst, subject, year, variant, o.title_term)
                for name in s.title_fields:
                    row[name] = title
            if award is not None and self.process_lists:
                self._apply_process(row, award, facts, now)
            if o.fields:
                row.update(o.fields)
            for name, pre, post, id_field in s.urls:
                row[name] = pre + row.get(id_field, "") + post
            out.append(row)
        return out

    def _notice_of(self, stamp: int, second: int) -> str:
        """The number of the notice a listed record (timestamp ``stamp``) belongs to."""
        q = entities.quarter_of(second)
        days = entities.opening_days(q)
        if self.notice_role == "notice":
            notice = stamp
        elif self.notice_role == "opening":
            notice = stamp - days * 1440
        else:  # awarded or contracted after it was opened
            notice = stamp - (days + 2) * 1440
        return entities.notice_number(notice, self.notice_kind, q)

    def _contract_of(self, stamp: int, second: int) -> str:
        """The number of the contract a listed record (timestamp ``stamp``) belongs to."""
        return entities.contract_number(stamp, self.notice_kind, entities.quarter_of(second))

    def _apply_product(
        self, row: dict[str, str], item: Item, corp: Company, h: int
    ) -> tuple[str, entities.ProductFacts] | None:
        """Print the facts of the row's product; its (id, facts) (None: the row keeps its own).

        A lookup by id prints that id's facts; a list row prints the id of a product of the row's
        (pinned) 품명 and supplier. A 품명 or company made up around an unknown code has no id
        of its own: such rows keep their values and a random id.
        """
        number = self.product_lookup
        if not number:
            item_index, corp_index = _PRODUCT_INDEX.get(item), _CORP_INDEX.get(corp)
            if item_index is None or corp_index is None:
                return None
            number = entities.product_number(item_index, corp_index, h >> 40)
        facts = entities.product_facts(self.schema.seed, number)
        row.update(self._item_frag(entities.PRODUCT_ITEMS[facts.item]))
        row.update(self.schema.corp_frags[facts.corp])
        for name in _PRODUCT_SPECS:
            if name in row:
                row[name] = facts.spec
        if "prdctMakrNm" in row:
            row["prdctMakrNm"] = COMPANIES[facts.maker].name
        for name in _PRODUCT_PRICES:
            if name in row:
                row[name] = str(facts.price)
        # Lines (납품요구 상세, 특정품목 조달내역 and totals, 벤처나라 주문): quantity x that price.
        quantity = 1 + (h >> 8) % 40
        for qty_field, amount_field in self.line_fields:
            if qty_field in row:
                row[qty_field] = str(quantity)
            if amount_field in row:
                row[amount_field] = str(quantity * facts.price)
        return number, facts

    def _apply_contract(self, row: dict[str, str], contract: entities.ContractFacts, now: int | None) -> None:
        """Print the contract's amounts and 계약체결일자 (unless still ahead of ``now``)."""
        for name in entities.CONTRACT_AMOUNTS:
            if name in row:
                row[name] = str(contract.amount)
        at = contract.concluded
        if at is None or (now is not None and at > now):
            return
        for name, fmt in self.contract_dates:
            row[name] = format_minute(at, 0, fmt)

    def _apply_award(self, row: dict[str, str], award: entities.AwardFacts) -> None:
        """Print the winner's amount, rate and the number of bidders (the company is its fragment)."""
        for name, value in (
            ("sucsfbidAmt", str(award.amount)),
            ("sucsfbidRate", award.rate),
            ("prtcptCnum", str(award.bidders)),
        ):
            if name in row:
                row[name] = value

    def _apply_process(
        self, row: dict[str, str], award: entities.AwardFacts, facts: entities.NoticeFacts, now: int | None
    ) -> None:
        """낙찰자정보목록 once opened, 계약정보목록 once concluded, in the documented ``[a^b^…]`` form."""
        row["bidwinrInfoList"] = row["cntrctInfoList"] = ""
        if now is not None and award.opened > now:
            return
        corp = COMPANIES[award.corp]
        opened = format_minute(award.opened, 0, "dt_m")
        row["bidwinrInfoList"] = (
            f"[1^{corp.name}^{corp.bizno}^{corp.ceo}^{award.amount}^{award.rate}^{award.bidders}^{opened}]"
        )
        if now is not None and award.concluded > now:
            return
        title = next((row[n] for n in self.schema.title_fields if row.get(n)), "")
        agency, demand = INSTITUTIONS[facts.inst_a].name, INSTITUTIONS[facts.inst_b].name
        method = row.get("cntrctCnclsMthdNm") or "일반경쟁"
        concluded = format_minute(award.concluded, 0, "date")
        row["cntrctInfoList"] = (
            f"[1^{award.contract}^{title}^{agency}^{demand}^{method}^{award.amount}^{concluded}]"
        )

    def _apply_notice(self, row: dict[str, str], facts: entities.NoticeFacts, now: int | None) -> str | None:
        """Print the notice's dates, 업무구분 and prices; the notice's year, None if it has no date."""
        if "bsnsDivNm" in row and row["bsnsDivNm"] in entities.NOTICE_KINDS:
            row["bsnsDivNm"] = entities.NOTICE_KINDS[facts.kind]
        price = _within(facts.price, self.overrides.price)
        if "presmptPrce" in row:
            row["presmptPrce"] = str(price)
        if "bssamt" in row:
            row["bssamt"] = str(price + price // 10)
        notice = facts.notice
        if notice is None or (now is not None and notice > now):
            return None  # an odd or future number: the record keeps its own dates
        for name, fmt, group in self.notice_dates:
            at = facts.minutes(group)
            assert at is not None
            if name == "rlOpengDt" and now is not None and at > now:
                row[name] = ""  # not opened yet
            else:
                row[name] = format_minute(at, facts.second if group != "deadline" else 0, fmt)
        return format_minute(notice, 0, "year")

    def _item_frag(self, item: Item) -> dict[str, str]:
        frag = self._item_frag_cache.get(item)
        if frag is None:
            frag = self._item_frag_cache[item] = self.schema.item_fragment(item)
        return frag


_MALL = "ShoppingMallPrdctInfoService"
_PRODUCT_INDEX = {item: k for k, item in enumerate(entities.PRODUCT_ITEMS)}
_CORP_INDEX = {corp: k for k, corp in enumerate(COMPANIES)}
_PRODUCT_SPECS = ("prdctSpecNm", "prdctIdntNoNm")  # 물품규격명
_PRODUCT_PRICES = ("cntrctPrceAmt", "prdctUprc")  # 계약가격, 물품단가: the product's unit price
# (quantity, amount) pairs of one product line: the amount is the quantity times the unit price.
_LINE_FIELDS = (("prdctQty", "prdctAmt"), ("dlvrReqQty", "dlvrReqAmt"), ("sumQty", "sumAmt"),
                ("", "orderSumAmt"))  # fmt: skip


def _price_split(typical: int, h: int) -> dict[str, str]:
    """가격, 재료비 and 노무비 of a goods 품명 on a price list: its typical price ±25%, 80% material."""
    price = int(round(typical * 1.25 ** (unit_float(h >> 3) * 2 - 1), -1 if typical >= 1000 else 0))
    material = price * 4 // 5
    return {"prce": str(price), "mtrlcst": str(material), "lbrcst": str(price - material)}


def _within(price: int, bounds: tuple[int | None, int | None]) -> int:
    """``price``, moved into a searched range (deterministically) when it lies outside."""
    low, high = bounds
    if (low is None or price >= low) and (high is None or price <= high):
        return price
    low = low or 0
    if high is None:
        return low + price
    if high < low:
        return low
    span = high - low + 1
    return low + price % span


def _main_minute(stamp: int, days: int, h: int) -> int:
    """A record's main date ``days`` days before ``stamp``, in business hours and never after it."""
    of_day = stamp % 1440
    if days == 0:  # the same day (e.g. 접수일시 at 18:00 after a 등록일시): at or before the stamp
        return stamp - h % (max(0, of_day - WORK_START) + 1)
    return (stamp // 1440 - days) * 1440 + WORK_START + h % WORK_MINUTES


def _pick(choices: tuple[_T, ...] | list[_T], h: int) -> _T | None:
    """One of ``choices`` by hash ``h``; None if there are none."""
    return choices[h % len(choices)] if choices else None
