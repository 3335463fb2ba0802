"""Field values of one institution, company or 품명, and notice titles built from them."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import NamedTuple

from .dates import EPOCH, day_number
from .determinism import stable_hash
from .vocab import (
    COMPANIES,
    DEPARTMENTS,
    GOODS,
    INSTITUTIONS,
    SERVICES,
    STREETS,
    WORKS,
    Company,
    Institution,
    Item,
    normalize,
    person_name,
)

__all__ = [
    "CONTRACT_AMOUNTS",
    "CONTRACT_DATES",
    "CONTRACT_FIELDS",
    "NOTICE_DATE_GROUPS",
    "NOTICE_FIELDS",
    "NOTICE_KINDS",
    "PROCESS_LISTS",
    "PRODUCT_ITEMS",
    "TITLE_WORDS",
    "WINNER_FIELDS",
    "AwardFacts",
    "ContractFacts",
    "NoticeFacts",
    "ProductFacts",
    "award_facts",
    "company_values",
    "contract_facts",
    "contract_number",
    "institution_values",
    "item_values",
    "notice_contract",
    "notice_facts",
    "notice_kind",
    "notice_number",
    "number_kind",
    "pool_for",
    "pool_name",
    "product_facts",
    "product_number",
    "title",
]

_JURISDICTION = {"국가기관": "국가기관", "지방자치단체": "지자체", "교육기관": "교육기관"}


def institution_values(
    fields: list[tuple[str, str]], region_fields: list[str], inst: Institution, seed: int
) -> dict[str, str]:
    """Values for ``fields`` ((name, attribute) pairs) of one institution; regions get its 시도."""
    h = stable_hash(seed, "inst", inst.code)
    region = inst.region
    district = region.districts[h % len(region.districts)]
    values = {
        "Nm": inst.name,
        "Cd": inst.code,
        "RgnNm": f"{region.name} {district}",
        "DivNm": inst.kind,
        "JrsdctnDivNm": _JURISDICTION.get(inst.kind, "기타기관"),
        "Bizno": f"{100 + h % 800:03d}83{(h >> 20) % 100000:05d}",
        "Adrs": f"{region.name} {district} {STREETS[h % len(STREETS)]} {1 + (h >> 8) % 300}",
    }
    person = person_name(h >> 4)
    dept = DEPARTMENTS[(h >> 12) % len(DEPARTMENTS)]
    phone = f"{region.area}-{100 + (h >> 16) % 900}-{(h >> 26) % 10000:04d}"
    email = f"{'gkmsyjhp'[h % 8]}{'aeiou'[(h >> 3) % 5]}*****@korea.kr"
    for attr in ("OfclNm", "person"):
        values[attr] = person
    for attr in ("OfclTelNo", "OfclTel", "phone"):
        values[attr] = phone
    for attr in ("OfclDeptNm", "ChrgDeptNm", "dept"):
        values[attr] = dept
    for attr in ("OfclEmailAdrs", "OfclEmail", "email"):
        values[attr] = email
    values["OfclFaxNo"] = phone[:-4] + f"{(h >> 40) % 10000:04d}"
    fragment = {name: values[attr] for name, attr in fields}
    fragment.update(dict.fromkeys(region_fields, region.name))
    return fragment


def company_values(fields: list[tuple[str, str, str]], corp: Company, seed: int) -> dict[str, str]:
    """Values for ``fields`` ((name, attribute, sample) triples) of one company."""
    h = stable_hash(seed, "corp", corp.bizno)
    region = corp.region
    district = region.districts[h % len(region.districts)]
    dashed = f"{corp.bizno[:3]}-{corp.bizno[3:5]}-{corp.bizno[5:]}"
    address = f"{region.name} {district} {STREETS[(h >> 4) % len(STREETS)]} {1 + (h >> 8) % 200}"
    fragment = {}
    for name, attr, sample in fields:
        if attr in ("Nm",):
            value = corp.name
        elif attr in ("Bizno", "No", "bizno"):
            value = corp.bizno
        elif attr == "Bizrno":
            value = dashed if "-" in sample else corp.bizno
        elif attr in ("CeoNm", "ceo"):
            value = corp.ceo
        elif attr in ("Adrs", "adrs"):
            value = address
        elif attr in ("TelNo", "ContactTel"):
            value = f"{region.area}-{100 + (h >> 12) % 900}-{(h >> 24) % 10000:04d}"
        elif attr == "OfclNm":
            value = person_name(h >> 6)
        elif attr == "LocplcNm":
            value = region.name
        elif attr == "openg_info":
            tail = "^".join(sample.split("^")[3:]) or "0^0"
            value = f"{corp.name}^{corp.bizno}^{corp.ceo}^{tail}"
        else:  # company size (기업구분)
            value = corp.size
        fragment[name] = value
    return fragment


def item_values(fields: list[tuple[str, str, str]], item: Item) -> dict[str, str]:
    """Values for ``fields`` ((name, attribute, sample) triples) of one 품명."""
    detail = item.class_no + "01"
    fragment = {}
    for name, attr, sample in fields:
        if attr == "name":
            fragment[name] = item.name
        elif attr == "class":
            # ThngList's 2/4/6-digit classification levels keep their own width.
            fragment[name] = item.class_no[: len(sample)] if sample.isdigit() else item.class_no
        elif attr == "detail":
            fragment[name] = detail
        elif attr == "spec":
            fragment[name] = item.spec
        elif attr == "unit":
            fragment[name] = item.unit
        else:
            fragment[name] = f"[1^{detail}^{item.name}]"
    return fragment


# The fixed words of each pool's title templates: a 공고명 search for one of them finds records.
TITLE_WORDS: dict[str, tuple[str, ...]] = {
    "goods": ("구매(제조)", "구매 설치", "[긴급]"),
    "services": ("용역(재공고)", "위탁 용역", "년도"),
    "works": ("(긴급)", "정비"),
}


def pool_for(op_name: str) -> tuple[Item, ...]:
    """The 품명 pool an operation's records and titles draw on: services, works, else goods."""
    if "Servc" in op_name:
        return SERVICES
    if "Cnstwk" in op_name:
        return WORKS
    return GOODS


def pool_name(pool: tuple[Item, ...]) -> str:
    """ "works", "services" or "goods": the key of ``pool`` in ``TITLE_WORDS``."""
    return "works" if pool is WORKS else "services" if pool is SERVICES else "goods"


def title(
    pool: tuple[Item, ...], inst: Institution, item_name: str, year: str, h: int, term: str | None = None
) -> str:
    """A notice/contract title such as "2025년 강원대학교 노트북컴퓨터 구매".

    With ``term`` (a 공고명 search), the first variant that contains it, naming the institution in
    full if its short name lacks the term; ``matching`` only lets through terms some variant holds.
    """
    first = h % 4
    if term is None:
        return _variants(pool, inst.name.split()[-1], inst, item_name, year)[first]
    wanted = normalize(term)
    for label in (inst.name.split()[-1], inst.name):
        variants = _variants(pool, label, inst, item_name, year)
        for k in range(4):
            if wanted in normalize(variants[(first + k) % 4]):
                return variants[(first + k) % 4]
    return _variants(pool, inst.name.split()[-1], inst, item_name, year)[first]


def _variants(
    pool: tuple[Item, ...], short: str, inst: Institution, item_name: str, year: str
) -> tuple[str, ...]:
    if pool is WORKS:
        return (f"{short} {item_name}", f"{year}년 {inst.region.name} {item_name}",
                f"{short} {item_name}(긴급)", f"{year}년 {short} {item_name} 정비")  # fmt: skip
    if pool is SERVICES:
        return (f"{year}년 {short} {item_name} 용역", f"{short} {item_name} 위탁 용역",
                f"{year}년도 {item_name}", f"{short} {item_name} 용역(재공고)")  # fmt: skip
    return (f"{year}년 {short} {item_name} 구매", f"{item_name} 구매(제조)",
            f"{short} {item_name} 구매 설치", f"[긴급] {item_name} 구매")  # fmt: skip


# -- notices: one number, the same facts in every service ---------------------------------------

NOTICE_FIELDS = ("bidNtceNo", "ntceNo")  # response fields holding a 입찰공고번호
NOTICE_KINDS = ("물품", "용역", "공사", "외자")  # 업무구분, by ``notice_kind``
# Date fields a notice's facts fix, by what they date (the rest follow the record's own profile).
NOTICE_DATE_GROUPS = {
    "bidNtceDt": "notice", "bidNtceDate": "notice", "bidNtceBgn": "notice",
    "bidClseDt": "deadline", "bidClseDate": "deadline", "bidClseTm": "deadline",
    "opengDt": "opening", "opengDate": "opening", "opengTm": "opening", "rlOpengDt": "opening",
}  # fmt: skip
_NOTICE_NO = re.compile(r"R(\d{2})BK(\d{6})(\d{2})")
_POOLS = (GOODS, SERVICES, WORKS, GOODS)


class NoticeFacts(NamedTuple):
    """What every service says about one notice number (``notice_facts``)."""

    kind: int  # index into NOTICE_KINDS
    pool: tuple[Item, ...]
    inst_a: int  # index into INSTITUTIONS: 공고기관
    inst_b: int  # 수요기관
    item: int  # index into ``pool``
    variant: int  # title variant hash (``title``)
    bucket: int  # amount bucket of the other amounts
    price: int  # 추정가격 (KRW)
    notice: int | None  # 공고일시, minute since EPOCH; None when the number does not encode one
    second: int
    days: int  # 공고 to 개찰, whole days (same time of day); 마감 an hour before 개찰

    def minutes(self, group: str) -> int | None:
        """The minute of ``group`` ("notice", "deadline", "opening"), None if unknown."""
        if self.notice is None:
            return None
        opening = self.notice + self.days * 1440
        return {"notice": self.notice, "opening": opening, "deadline": opening - 60}[group]


def notice_kind(op_name: str) -> int:
    """The 업무구분 (index into NOTICE_KINDS) of the notices an operation lists."""
    for k, key in enumerate(("Thng", "Servc", "Cnstwk", "Frgcpt")):
        if key in op_name:
            return k
    return 0


def opening_days(q: int) -> int:
    """Days from notice to opening for a number whose last two digits are ``4 * q + kind``."""
    return 5 + q % 10


def quarter_of(second: int) -> int:
    """The sub-minute slot (0..24) a record at ``second`` takes: numbers keep the order of seconds."""
    return min(24, second * 25 // 60)


@functools.lru_cache(maxsize=64)
def _year_start(year: int) -> int:
    return day_number(dt.date(year, 1, 1)) * 1440


def notice_number(minute: int, kind: int, q: int) -> str:
    """The 입찰공고번호 of a ``kind`` notice published at ``minute`` in sub-minute slot ``q``.

    ``R{yy}BK{minute of the year:06d}{4q + kind:02d}``: the number carries its notice date, so any
    service can tell a notice's dates from its number alone (``notice_facts``).
    """
    year = (EPOCH + dt.timedelta(days=minute // 1440)).year
    return f"R{year % 100:02d}BK{minute - _year_start(year):06d}{4 * q + kind:02d}"


@functools.lru_cache(maxsize=8192)
def notice_facts(seed: int, number: str) -> NoticeFacts:
    """A notice's core facts, a pure function of (seed, number): every service agrees on them.

    Numbers ``notice_number`` makes decode to their date; any other number (legacy, odd) still has
    a title, institutions, kind and price, but no dates (records keep their own).
    """
    h = stable_hash(seed, "notice", number)
    notice = None
    match = _NOTICE_NO.fullmatch(number)
    if match:
        year, moy, k = 2000 + int(match.group(1)), int(match.group(2)), int(match.group(3))
        if moy < _year_start(year + 1) - _year_start(year):
            notice = _year_start(year) + moy
    else:
        k = h % 100
    kind, q = k % 4, min(24, k // 4)
    pool = _POOLS[kind]
    n = len(INSTITUTIONS)
    a = (h >> 6) % n
    b = a if (h >> 12) & 1 else (h >> 13) % n
    price = (1 + (h >> 32) % 900) * 10 ** (5 + (h >> 44) % 3)
    return NoticeFacts(
        kind, pool, a, b, (h >> 26) % len(pool), h >> 50, (h >> 20) % 1024, price, notice,
        q * 60 // 25, opening_days(q),
    )  # fmt: skip


# -- contracts: a 통합계약번호 names its contract, and through it the notice it came from ---------

CONTRACT_FIELDS = ("untyCntrctNo",)
CONTRACT_DATES = ("cntrctCnclsDate", "cntrctDate")  # 계약체결일자
CONTRACT_AMOUNTS = ("totCntrctAmt", "thtmCntrctAmt", "cntrctAmt", "ttalCntrctAmt")
_CONTRACT_NO = re.compile(r"R(\d{2})TA(\d{6})(\d{2})")


class ContractFacts(NamedTuple):
    """What every service says about one contract number (``contract_facts``)."""

    notice: str  # the 입찰공고번호 it was awarded from (its facts: title, institutions, kind)
    corp: int  # index into vocab.COMPANIES: 계약업체
    amount: int  # 계약금액 (KRW)
    concluded: int | None  # 계약체결 minute since EPOCH; None when the number does not encode one


def contract_number(minute: int, kind: int, q: int) -> str:
    """The 통합계약번호 of a contract concluded at ``minute``: ``R{yy}TA{minute of year}{4q+kind}``."""
    year = (EPOCH + dt.timedelta(days=minute // 1440)).year
    return f"R{year % 100:02d}TA{minute - _year_start(year):06d}{4 * q + kind:02d}"


def contract_notice(concluded: int, kind: int, q: int) -> str:
    """The notice a contract concluded at ``concluded`` came from: opened two days before."""
    return notice_number(concluded - (opening_days(q) + 2) * 1440, kind, q)


@functools.lru_cache(maxsize=8192)
def contract_facts(seed: int, number: str) -> ContractFacts:
    """A contract's core facts, a pure function of (seed, number)."""
    h = stable_hash(seed, "contract", number)
    concluded = None
    match = _CONTRACT_NO.fullmatch(number)
    if match:
        year, moy, k = 2000 + int(match.group(1)), int(match.group(2)), int(match.group(3))
        if moy < _year_start(year + 1) - _year_start(year):
            concluded = _year_start(year) + moy
    if concluded is not None:
        notice = contract_notice(concluded, k % 4, min(24, k // 4))
    else:  # an undated notice number (its minute of the year is out of range): facts, no dates
        yy = number[2:4] if number[:4].isdigit() and number.startswith("20") else "25"
        notice = f"R{yy}BK9{h % 10**7:07d}"
    price = notice_facts(seed, notice).price
    amount = int(price * (0.8 + 0.15 * ((h >> 8) % 1000) / 1000)) // 10 * 10  # 낙찰률 80-95%
    return ContractFacts(notice, h % len(COMPANIES), amount, concluded)


_R_NUMBER = re.compile(r"R\d{2}[A-Z]{2}\d{6}(\d{2})")


def number_kind(number: str) -> int | None:
    """The 업무구분 (index into NOTICE_KINDS) an ``R{yy}XX{8 digits}`` number names; None for others."""
    match = _R_NUMBER.fullmatch(number)
    return int(match.group(1)) % 4 if match else None


def notice_contract(number: str) -> str | None:
    """The 통합계약번호 of the contract a dated notice led to (``contract_notice`` the other way).

    None for a number that does not encode its notice date.
    """
    match = _NOTICE_NO.fullmatch(number)
    if not match:
        return None
    year, moy, k = 2000 + int(match.group(1)), int(match.group(2)), int(match.group(3))
    if moy >= _year_start(year + 1) - _year_start(year):
        return None
    kind, q = k % 4, min(24, k // 4)
    return contract_number(_year_start(year) + moy + (opening_days(q) + 2) * 1440, kind, q)


# -- awards: a dated notice's winner is the company of the contract it led to -------------------

WINNER_FIELDS = ("bidwinnrNm", "bidwinnrBizno")  # a record holding these names a notice's winner
PROCESS_LISTS = ("bidwinrInfoList", "cntrctInfoList")  # 계약과정통합공개: 낙찰자정보목록, 계약정보목록


class AwardFacts(NamedTuple):
    """Who won a notice and the contract that followed (``award_facts``)."""

    contract: str  # 통합계약번호 (``notice_contract``)
    corp: int  # index into vocab.COMPANIES: 낙찰업체 = 계약업체
    amount: int  # 낙찰금액 = 계약금액 (KRW)
    rate: str  # 낙찰률 (%, 3 decimals): the amount against the 추정가격
    bidders: int  # 참가업체수
    opened: int  # 개찰 minute since EPOCH
    concluded: int  # 계약체결 minute since EPOCH


@functools.lru_cache(maxsize=8192)
def award_facts(seed: int, number: str) -> AwardFacts | None:
    """The award and contract of a dated notice; None when the number does not encode its date."""
    facts = notice_facts(seed, number)
    contract_no = notice_contract(number)
    if contract_no is None or facts.notice is None:
        return None
    contract = contract_facts(seed, contract_no)
    assert contract.concluded is not None and contract.notice == number
    opened = facts.minutes("opening")
    assert opened is not None
    rate = f"{100 * contract.amount / facts.price:.3f}"
    bidders = 2 + stable_hash(seed, "bidders", number) % 30
    return AwardFacts(contract_no, contract.corp, contract.amount, rate, bidders, opened, contract.concluded)


# -- mall products: a 물품식별번호 names its product, and so its facts, in every mall answer -------

PRODUCT_ITEMS: tuple[Item, ...] = (*GOODS, *SERVICES, *WORKS)  # the 품명 a product id can encode
_PRODUCT_SPACE = 10**7
_PRODUCT_MUL = 3_141_593  # odd and not a multiple of 5: a bijection of [0, 10**7)
_PRODUCT_INV = pow(_PRODUCT_MUL, -1, _PRODUCT_SPACE)
_PRODUCT_ADD = 1_234_567
_PRODUCT_SLOTS = 64  # items and companies per id: both vocabularies are smaller
_LEGAL_FORMS = re.compile(r"^(주식회사|\(주\)|\(유\))\s*")


class ProductFacts(NamedTuple):
    """What every mall operation says about one product id (``product_facts``)."""

    item: int  # index into PRODUCT_ITEMS: 품명, 물품분류번호, 세부품명 (…01), unit
    corp: int  # index into vocab.COMPANIES: the contractor (계약업체) who supplies it
    maker: int  # index into vocab.COMPANIES: 제조사 (often the contractor itself)
    spec: str  # 물품규격명: the 품명's typical spec, then brand and model
    price: int  # 계약단가 (KRW): the unit price in contract lists, delivery and procurement lines


def product_number(item: int, corp: int, serial: int) -> str:
    """The 8-digit 물품식별번호 of product ``serial`` of 품명 ``item`` supplied by company ``corp``.

    The number encodes (item, corp, serial) through a fixed bijection, so it looks like the real
    ones (2xxxxxxx) and ``product_facts`` reads the 품명 and supplier back from it.
    """
    serial %= _PRODUCT_SPACE // (_PRODUCT_SLOTS * _PRODUCT_SLOTS)
    n = (serial * _PRODUCT_SLOTS + corp) * _PRODUCT_SLOTS + item
    return str(2 * _PRODUCT_SPACE + (n * _PRODUCT_MUL + _PRODUCT_ADD) % _PRODUCT_SPACE)


@functools.lru_cache(maxsize=8192)
def product_facts(seed: int, number: str) -> ProductFacts:
    """A product's facts, a pure function of (seed, number): lists, lookups and tables agree.

    Numbers ``product_number`` makes decode to their 품명 and supplier (so a category or supplier
    search lists ids of that category and supplier); any other id gets goods facts from its hash.
    """
    h = stable_hash(seed, "product", number)
    item = corp = -1
    if number.isdigit():
        n = ((int(number) % _PRODUCT_SPACE - _PRODUCT_ADD) * _PRODUCT_INV) % _PRODUCT_SPACE
        item, corp = n % _PRODUCT_SLOTS, (n // _PRODUCT_SLOTS) % _PRODUCT_SLOTS
    if not (0 <= item < len(PRODUCT_ITEMS) and 0 <= corp < len(COMPANIES)):
        item, corp = h % len(GOODS), (h >> 8) % len(COMPANIES)
    maker = corp if (h >> 20) % 3 else (h >> 24) % len(COMPANIES)
    of = PRODUCT_ITEMS[item]
    brand = _LEGAL_FORMS.sub("", COMPANIES[maker].name)
    model = f"{chr(65 + (h >> 30) % 26)}{chr(65 + (h >> 35) % 26)}-{100 + (h >> 40) % 9900}"
    base = of.price or (1 + (h >> 14) % 900) * 10 ** (4 + (h >> 50) % 3)
    value = base * 1.25 ** (((h >> 54) % 1000) / 999 * 2 - 1)  # the 품명's typical price ±25%
    price = int(round(value, -1 if value >= 1000 else 0))
    return ProductFacts(item, corp, maker, f"{of.spec}, {brand}, {model}", price)
