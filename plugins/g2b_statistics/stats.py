"""공공조달통계 (PubPrcrmntStatInfoService, 14 operations) as one normalized row shape.

Every statistics operation answers a period (기준년월) or a subject (수요기관, 조달업체, 물품) with a
total (실적합계건수/금액) and pairs of ``…ArsltNum``/``…ArsltAmt`` columns (일반경쟁, 중소기업, 물품 …).
Rows are read through the catalog's generic declaration of each operation and reshaped into
``StatRow``: the total, then ``breakdown`` — one entry per pair, labelled with the catalog's Korean
name — and ``figures`` for the columns that are not pairs (지역제한 totals and rates, yearly totals).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

import msgspec

from naramarket.datago import Record
from naramarket.datago.g2b import as_row, generic_operation, load_catalog

__all__ = ["VIEWS", "StatCell", "StatFigure", "StatRow", "stat_operation", "to_stat_row"]

SERVICE: Final = "PubPrcrmntStatInfoService"

# view -> (operation, the subject its rows are about: None, "agency", "company" or "product")
VIEWS: Final[dict[str, tuple[str, str | None]]] = {
    "by_contract_method": ("getCntrctMthdAccotSttus", None),
    "by_enterprise_size": ("getEntrprsDivAccotPrcrmntSttus", None),
    "by_agency_type": ("getInsttDivAccotPrcrmntSttus", None),
    "by_kind": ("getPrcrmntObjectBsnsObjAccotSttus", None),
    "regional_joint_contracts": ("getRgnDutyCmmnCntrctSttus", None),
    "regional_limits": ("getRgnLmtSttus", None),
    "yearly_totals": ("getTotlPubPrcrmntSttus", None),
    "agency_by_kind": ("getDminsttAccotBsnsObjAccotArslt", "agency"),
    "agency_by_contract_method": ("getDminsttAccotCntrctMthdAccotArslt", "agency"),
    "agency_by_enterprise_size": ("getDminsttAccotEntrprsDivAccotArslt", "agency"),
    "agency_by_system": ("getDminsttAccotSystmTyAccotArslt", "agency"),
    "supplier_by_kind": ("getPrcrmntEntrprsAccotBsnsObjAccotArslt", "company"),
    "supplier_by_contract_method": ("getPrcrmntEntrprsAccotCntrctMthdAccotArslt", "company"),
    "product_by_contract_method": ("getPrdctIdntNoServcAccotArslt", "product"),
}
_SUBJECT_FIELDS: Final = {
    "agency": ("dminsttCd", "dminsttNm"),
    "company": ("corpUntyNo", "corpNm"),
    "product": ("prdctClsfcNo", "prdctClsfcNm"),
}
_PAIR = re.compile(r"^(.*)ArsltNum$")
_SKIP = {"bssYear", "bssMnth", "statDivNm", "linkSystmNm", "arsltSumNum", "arsltSumAmt"}


class StatCell(msgspec.Struct, kw_only=True):
    """One column pair of a statistics row: a count and an amount."""

    label: Annotated[
        str, msgspec.Meta(description="구분 / e.g. 일반경쟁, 중소기업, 물품 (the catalog's name)")
    ]
    field: Annotated[str, msgspec.Meta(description="the gateway's column stem, e.g. gnrlCmpt")]
    count: Annotated[int | None, msgspec.Meta(description="건수 / count")] = None
    amount: Annotated[int | None, msgspec.Meta(description="금액 / amount, KRW")] = None


class StatFigure(msgspec.Struct, kw_only=True):
    """A column that is not a count/amount pair (a total, a rate, a year's amount)."""

    label: Annotated[str, msgspec.Meta(description="항목 / the catalog's Korean name")]
    field: Annotated[str, msgspec.Meta(description="the gateway's column name")]
    value: Annotated[float | None, msgspec.Meta(description="값 / the value (KRW, or % for rates)")] = None


class StatRow(msgspec.Struct, kw_only=True):
    """One row of a 공공조달통계 answer."""

    period: Annotated[
        str, msgspec.Meta(description="기준년월 / YYYY-MM (or YYYY), empty for subject views")
    ] = ""
    category: Annotated[str, msgspec.Meta(description="통계구분명 / statistics class, e.g. 중앙조달")] = ""
    subject_code: Annotated[
        str, msgspec.Meta(description="수요기관코드, 조달업체번호 or 물품분류번호 of subject views")
    ] = ""
    subject_name: Annotated[str, msgspec.Meta(description="수요기관명, 업체명 or 품명 of subject views")] = ""
    system: Annotated[str, msgspec.Meta(description="연계시스템명 / source system, e.g. 나라장터")] = ""
    total_count: Annotated[int | None, msgspec.Meta(description="실적합계건수 / total count")] = None
    total_amount: Annotated[int | None, msgspec.Meta(description="실적합계금액 / total amount, KRW")] = None
    breakdown: Annotated[list[StatCell], msgspec.Meta(description="건수·금액 per class")] = msgspec.field(
        default_factory=list
    )
    figures: Annotated[list[StatFigure], msgspec.Meta(description="other columns")] = msgspec.field(
        default_factory=list
    )


def _int(text: str) -> int | None:
    try:
        return int(float(text.replace(",", ""))) if text.strip() else None
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text.replace(",", "")) if text.strip() else None
    except ValueError:
        return None


def stat_operation(view: str) -> Any:
    """The generic declaration of ``view``'s operation."""
    info = load_catalog().operation(SERVICE, VIEWS[view][0])
    assert info is not None
    return generic_operation(info)


def to_stat_row(view: str, record: Record) -> StatRow:
    """A generic statistics record as a ``StatRow``."""
    row = as_row(record)
    info = load_catalog().operation(SERVICE, VIEWS[view][0])
    assert info is not None
    names = {f.name: f.name_ko for f in info.fields}
    year, month = row.get("bssYear", ""), row.get("bssMnth", "")
    period = f"{year}-{int(month):02d}" if year and month.strip().isdigit() else year
    subject = VIEWS[view][1]
    code_field, name_field = _SUBJECT_FIELDS[subject] if subject else ("", "")
    cells, figures = [], []
    for name in row:
        if name in _SKIP or name in (code_field, name_field):
            continue
        pair = _PAIR.match(name)
        if pair:
            stem = pair.group(1)
            label = names.get(name, stem).removesuffix("실적건수").removesuffix("건수")
            cells.append(
                StatCell(
                    label=label,
                    field=stem,
                    count=_int(row[name]),
                    amount=_int(row.get(f"{stem}ArsltAmt", "")),
                )
            )
        elif not (name.endswith("ArsltAmt") and f"{name[:-3]}Num" in row):
            figures.append(StatFigure(label=names.get(name, name), field=name, value=_float(row[name])))
    return StatRow(
        period=period,
        category=row.get("statDivNm", ""),
        subject_code=row.get(code_field, "") if code_field else "",
        subject_name=row.get(name_field, "") if name_field else "",
        system=row.get("linkSystmNm", ""),
        total_count=_int(row.get("arsltSumNum", "")),
        total_amount=_int(row.get("arsltSumAmt", "")),
        breakdown=cells,
        figures=figures,
    )
