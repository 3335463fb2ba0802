"""Classify item fields by what they hold, from their name and catalog sample.

The upstream's abbreviations are regular (…Nm name, …Cd code, …Amt amount, …Dt date-time, …Yn
flag, …InsttNm institution, …CorpNm company), so a handful of rules covers ~950 field names.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "AMOUNT",
    "CORP",
    "DATE",
    "ID",
    "INST",
    "ITEM",
    "NUMBER",
    "RANK",
    "REGION",
    "STATIC",
    "TITLE",
    "URL_ID",
    "YN",
    "Kind",
    "classify",
    "date_stem",
]

DATE, ID, URL_ID, AMOUNT, INST, CORP, ITEM, TITLE, REGION, RANK, NUMBER, YN, STATIC = (
    "date", "id", "url_id", "amount", "inst", "corp", "item", "title", "region", "rank", "number", "yn",
    "static",
)  # fmt: skip


class Kind(NamedTuple):
    """What a field holds; ``detail`` depends on the kind (date format, role/attribute, ...)."""

    kind: str
    detail: tuple[str, ...] = ()


R_ID = re.compile(r"R(\d{2})([A-Z]{2})(\d{8,})")
_INST = re.compile(
    r"^((?:[a-z][A-Za-z]*?)?(?:Instt|instt))"
    r"(Nm|Cd|RgnNm|DivNm|JrsdctnDivNm|OfclNm|OfclTelNo|OfclTel|OfclFaxNo|OfclEmailAdrs|OfclEmail|"
    r"OfclDeptNm|ChrgDeptNm|Bizno|Adrs)$"
)
_CORP = re.compile(
    r"^((?:[a-z][A-Za-z]*?)?(?:Corp|corp|winnr|prcbdr|Makr))"
    r"(Nm|Bizno|Bizrno|No|CeoNm|Adrs|TelNo|ContactTel|OfclNm|LocplcNm|EntrprsDivNm|EntrprsDivNmNm)$"
)
# Institutions that publish or contract ("A") versus those that consume ("B"); often the same.
_INST_A_ROLES = ("ntce", "cntrct", "order", "totlmng", "link", "bfSpecNtce")
_INST_A_EXTRA = {
    "deptNm": "dept", "ofclNm": "person", "ofclTelNo": "phone", "ofclEmail": "email",
    "telNo": "phone", "exctvNm": "person", "cntrctDeptNm": "dept", "cntrctDeptTelNo": "phone",
    "cntrctOfclNm": "person", "cntrctOfclEmail": "email", "prcrmntReqOfclNm": "person",
    "prcrmntReqChrgDeptNm": "dept", "mkrNm": "person", "mkrEmail": "email", "mkrTel": "phone",
}  # fmt: skip
_CORP_EXTRA = {
    "bizno": "bizno", "entrprsDivNm": "size", "ceoNm": "ceo", "opengCorpInfo": "openg_info",
    "hdoffceLocplc": "adrs", "fctryLocplc": "adrs", "cntrctCorpNo": "bizno",
}  # fmt: skip
_ITEM = {
    "prdctClsfcNoNm": "name", "prdctClsfcNm": "name", "rprsntPrdctClsfcNoNm": "name", "prdnm": "name",
    "reqNm": "name", "vntrPrdctNm": "name", "usgCntnts": "name", "pubPrcrmntClsfcNm": "name",
    "engRprsntPrdctNm": "name", "dtilPrdctClsfcNoNm": "name", "rprsntDtilPrdctClsfcNoNm": "name",
    "prdctClsfcNo": "class", "rprsntPrdctClsfcNo": "class", "pubPrcrmntClsfcNo": "class",
    "dtilPrdctClsfcNo": "detail", "rprsntDtilPrdctClsfcNo": "detail",
    "prdctSpecNm": "spec", "prdctIdntNoNm": "spec", "krnPrdctNm": "spec",
    "prdctClsfcNoNmNdSpec": "spec", "rprsntSpecDtlsCntnts": "spec",
    "prdctUnit": "unit", "rprsntUnit": "unit", "unit": "unit", "reqUnitNm": "unit",
    "purchsObjPrdctList": "list", "prdctDtlList": "list",
}  # fmt: skip
_TITLES = frozenset({
    "bidNtceNm", "cntrctNm", "bizNm", "prcrmntReqNm", "dlvrReqNm", "cntrctDlvrReqNm", "ntceNm",
    "cnstwkNm", "bfSpecBizNm", "orderBizNm",
})  # fmt: skip
# Positions within one notice's rows (bidders by rank, the 15 reserve prices): record index + 1.
_RANKS = frozenset({"opengRank", "compnoRsrvtnPrceSno"})
# Identifiers that must differ per record even when the sample is a legacy all-digit number.
KEY_FIELDS = (
    "bidNtceNo", "bfSpecRgstNo", "untyCntrctNo", "dcsnCntrctNo", "prcrmntReqNo", "orderPlanUntyNo",
    "dlvrReqNo", "cntrctDlvrReqNo", "shopngCntrctNo", "cntrctNo", "prdctIdntNo", "ntceNo", "reqNo",
)  # fmt: skip
_AMOUNT = re.compile(
    r"(Amt|amt|Prce|prce|Uprc|uprc|Totamt|totamt|VAT|cst|Cst|Mngcst|Insrprm|Plnprc|plnprc|bssamt)$"
)
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
_NUMBER = re.compile(r"(Num|Cnum|Qty|qty|Daynum|Rt|Rate|rt|Cnt)$")


def classify(name: str, sample: str, service: str) -> Kind:
    """Decide how to fake field ``name`` of ``service`` given its catalog ``sample``."""
    fmt = _date_format(name, sample, service)
    if fmt:
        return Kind(DATE, (fmt,))
    if R_ID.fullmatch(sample) or (name in KEY_FIELDS and (not sample or sample.isdigit())):
        return Kind(ID, ())
    if sample.startswith("http") and R_ID.search(sample):
        return Kind(URL_ID, ())
    if name in _TITLES:
        return Kind(TITLE)
    if name in _RANKS:
        return Kind(RANK)
    if name in _ITEM:
        return Kind(ITEM, (_ITEM[name],))
    if match := _INST.match(name):
        role, attr = match.groups()
        group = "a" if role.startswith(_INST_A_ROLES) else "b"
        return Kind(INST, (group, attr))
    if name in _INST_A_EXTRA:
        return Kind(INST, ("a", _INST_A_EXTRA[name]))
    if match := _CORP.match(name):
        return Kind(CORP, (match.group(2),))
    if name in _CORP_EXTRA:
        return Kind(CORP, (_CORP_EXTRA[name],))
    if (name.endswith("RgnNm") or name == "rgnNm" or re.search(r"RgnNm\d$", name)) and "ply" not in name:
        return Kind(REGION)
    if _AMOUNT.search(name) and (not sample or _NUMERIC.match(sample)):
        return Kind(AMOUNT)
    if sample in ("Y", "N") or (name.endswith("Yn") and not sample):
        return Kind(YN)
    if _NUMBER.search(name) and _NUMERIC.match(sample):
        return Kind(NUMBER)
    return Kind(STATIC)


def date_stem(name: str) -> str:
    """``bidClseDate``/``bidClseTm``/``bidClseDt`` -> ``bidclse``: parts of one moment share a stem."""
    return re.sub(r"(Dt|Date|Tm|Time)$", "", name).lower()


def _date_format(name: str, sample: str, service: str) -> str | None:
    """The response date format of a field, or None if it holds no date."""
    compact_dates = service.startswith("ShoppingMall")  # that service prints YYYYMMDD
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}:\d{1,2}", sample):
        return "dt_s"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}", sample):
        return "dt_m"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", sample):
        return "date"
    if re.fullmatch(r"\d{8}", sample) and name.endswith(("Date", "Dt")):
        return "ymd"
    if re.fullmatch(r"\d{1,2}:\d{2}", sample):
        return "time"
    odd_sample = bool(sample) and not sample.isdigit()
    if name.endswith("Dt"):
        return "ymd" if compact_dates else "dt_s"
    if name.endswith("Date") and not odd_sample:
        return "ymd" if compact_dates else "date"
    if name.endswith("Ym") and (not sample or re.fullmatch(r"\d{6}", sample)):
        return "ym"
    if name.endswith("Year") and (not sample or re.fullmatch(r"\d{4}", sample)):
        return "year"
    if name.endswith("Mnth") and (not sample or re.fullmatch(r"\d{2}", sample)):
        return "month"
    if name.endswith("Tm") and not sample:
        return "time"
    return None
