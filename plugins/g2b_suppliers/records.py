"""Typed rows of 사용자정보 (UsrInfoService02) and 업종·근거법규 (IndstrytyBaseLawrgltInfoService).

UsrInfoService02's reference (portal page and 참고자료 1.1) lists **no response fields** for any of
its operations. The fields below are those of the retired ``UsrInfoService`` responses, which the
packaged catalog keeps for these operations and flags ``fields_invented``; the sandbox answers with
the same fields. They are the best knowledge available, not a documented contract: a field the
live gateway names differently stays empty. IndstrytyBaseLawrgltInfoService's fields are
documented.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Final

from naramarket.datago import KstDateTime, Record, wire
from naramarket.datago.g2b import G2bOperation

__all__ = [
    "AGENCIES_BY_CHANGE",
    "AGENCIES_BY_REGISTRATION",
    "INDUSTRIES",
    "OPERATIONS",
    "SANCTIONS",
    "SUPPLIERS",
    "SUPPLIERS_BY_NAME",
    "SUPPLIER_INDUSTRIES",
    "SUPPLIER_PRODUCTS",
    "Agency",
    "Industry",
    "Sanction",
    "Supplier",
    "SupplierIndustry",
    "SupplierProduct",
]

USR: Final = "ao/UsrInfoService02"
INDUSTRY_SERVICE: Final = "ao/IndstrytyBaseLawrgltInfoService"


class Supplier(Record):
    """A supplier's registration (조달업체 기본정보, ``getPrcrmntCorpBasicInfo02``; fields invented)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("business_no", "name", "ceo", "region", "changed_at")

    business_no: Annotated[str, wire("bizno", "사업자등록번호 / business registration no.")] = ""
    name: Annotated[str, wire("corpNm", "업체명 / company name")] = ""
    name_en: Annotated[str, wire("corpEngNm", "업체영문명 / English name")] = ""
    ceo: Annotated[str, wire("ceoNm", "대표자명 / CEO")] = ""
    business_kinds: Annotated[
        str, wire("corpBsnsDivNm", "업체업무구분명 / lines of business: 물품, 용역, 공사 …")
    ] = ""
    manufacturing: Annotated[str, wire("mnfctDivNm", "제조구분명 / 제조 (maker), 공급 (supplier) …")] = ""
    employees: Annotated[int | None, wire("emplyeNum", "종업원수 / employees")] = None
    opened_at: Annotated[KstDateTime | None, wire("opbizDt", "개업일시 / business opened (KST)")] = None
    region: Annotated[str, wire("rgnNm", "지역명 / region")] = ""
    zip: Annotated[str, wire("zip", "우편번호 / postal code")] = ""
    address: Annotated[str, wire("adrs", "주소 / address")] = ""
    address_detail: Annotated[str, wire("dtlAdrs", "상세주소 / address, detail")] = ""
    phone: Annotated[str, wire("telNo", "전화번호 / phone")] = ""
    fax: Annotated[str, wire("faxNo", "팩스번호 / fax")] = ""
    homepage: Annotated[str, wire("hmpgAdrs", "홈페이지주소 / web site")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


class SupplierIndustry(Record):
    """A licensed industry of a supplier (조달업체 업종정보; fields invented)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("code", "name", "representative", "valid_until")

    business_no: Annotated[str, wire("bizno", "사업자등록번호 / business registration no.")] = ""
    code: Annotated[str, wire("indstrytyCd", "업종코드 / industry code (search_industries)")] = ""
    name: Annotated[str, wire("indstrytyNm", "업종명 / industry")] = ""
    representative: Annotated[bool | None, wire("rprsntIndstrytyYn", "대표업종여부 / main industry")] = None
    valid_until: Annotated[
        KstDateTime | None, wire("vldPrdExprtDt", "유효기간만료일시 / licence valid until (KST)")
    ] = None
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


class SupplierProduct(Record):
    """A product a supplier is registered to supply (조달업체 공급물품정보; fields invented)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("detail_item_no", "detail_item", "manufacturing")

    business_no: Annotated[str, wire("bizno", "사업자등록번호 / business registration no.")] = ""
    class_no: Annotated[str, wire("prdctClsfcNo", "물품분류번호 / product class no.")] = ""
    item: Annotated[str, wire("prdctClsfcNoNm", "품명 / product category")] = ""
    detail_item_no: Annotated[str, wire("dtilPrdctClsfcNo", "세부품명번호 / detailed product no.")] = ""
    detail_item: Annotated[str, wire("dtilPrdctClsfcNoNm", "세부품명 / detailed product")] = ""
    manufacturing: Annotated[str, wire("mnfctDivNm", "제조구분명 / 제조 (maker), 공급 (supplier) …")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


class Sanction(Record):
    """A 부정당제재 (debarment) of a supplier in force when asked (fields invented)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("start", "end", "agency", "reason")

    business_no: Annotated[str, wire("bizno", "사업자등록번호 / business registration no.")] = ""
    name: Annotated[str, wire("corpNm", "업체명 / company name")] = ""
    ceo: Annotated[str, wire("ceoNm", "대표자명 / CEO")] = ""
    start: Annotated[dt.date | None, wire("rsttBgnDate", "제재시작일자 / sanction starts")] = None
    end: Annotated[dt.date | None, wire("rsttEndDate", "제재종료일자 / sanction ends")] = None
    reason: Annotated[str, wire("rsttRsn", "제재사유 / reason")] = ""
    agency: Annotated[str, wire("rsttInsttNm", "제재기관명 / sanctioning agency")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None


class Agency(Record):
    """A demand agency (수요기관정보, ``getDminsttInfo02``; fields invented)."""

    summary_fields: ClassVar[tuple[str, ...]] = ("code", "name", "agency_type", "top_name", "registered_at")

    code: Annotated[
        str, wire("dminsttCd", "수요기관코드 / agency code (행안부 code, else a 나라장터 code)")
    ] = ""
    name: Annotated[str, wire("dminsttNm", "수요기관명 / agency name")] = ""
    agency_type: Annotated[
        str, wire("jrsdctnDivNm", "소관구분명 / jurisdiction: 국가기관, 지방자치단체 …")
    ] = ""
    top_code: Annotated[str, wire("toplvlInsttCd", "최상위기관코드 / top-level agency code")] = ""
    top_name: Annotated[str, wire("toplvlInsttNm", "최상위기관명 / top-level agency")] = ""
    zip: Annotated[str, wire("zip", "우편번호 / postal code")] = ""
    address: Annotated[str, wire("adrs", "주소 / address")] = ""
    phone: Annotated[str, wire("telNo", "전화번호 / phone")] = ""
    fax: Annotated[str, wire("faxNo", "팩스번호 / fax")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


class Industry(Record):
    """An industry (업종) with its legal basis (근거법규), from IndstrytyBaseLawrgltInfoService."""

    summary_fields: ClassVar[tuple[str, ...]] = ("code", "name", "category", "law", "in_use")

    code: Annotated[str, wire("indstrytyCd", "업종코드 / industry code (4 digits)")] = ""
    name: Annotated[str, wire("indstrytyNm", "업종명 / industry")] = ""
    category_code: Annotated[str, wire("indstrytyClsfcCd", "업종분류코드 / field of law code")] = ""
    category: Annotated[str, wire("indstrytyClsfcNm", "업종분류명 / field of law")] = ""
    in_use: Annotated[bool | None, wire("indstrytyUseYn", "업종사용여부 / in use")] = None
    law: Annotated[str, wire("baseLawordNm", "근거법령명 / legal basis (act)")] = ""
    law_article: Annotated[str, wire("baseLawordArtclClauseNm", "근거법령조항명 / article")] = ""
    law_url: Annotated[str, wire("baseLawordUrl", "근거법령URL / link to the act")] = ""
    related_rules: Annotated[str, wire("rltnRgltCntnts", "관련규정내용 / related rules")] = ""
    included_licences: Annotated[str, wire("inclsnLcns", "포함면허 / licences it includes")] = ""
    registered_at: Annotated[
        KstDateTime | None, wire("indstrytyRgstDt", "업종등록일시 / registered (KST)")
    ] = None
    changed_at: Annotated[KstDateTime | None, wire("indstrytyChgDt", "업종변경일시 / changed (KST)")] = None


# -- operations --------------------------------------------------------------------------------------
#
# UsrInfoService02 documents no range limit (the packaged catalog's "month" is a practice guess for
# every list operation). Name and code lookups need all registrations since 나라장터 opened, so
# they are declared without a limit: one window, which the library halves if the gateway answers 07.

_DATES = ("inqryBgnDt", "inqryEndDt")

SUPPLIERS: Final = G2bOperation(USR, "getPrcrmntCorpBasicInfo02", record=Supplier, order_by="changed_at")
SUPPLIERS_BY_NAME: Final = G2bOperation(
    USR,
    "getPrcrmntCorpBasicInfo02",
    record=Supplier,
    order_by="registered_at",  # inqryDiv 1: 등록일기준
    date_params=_DATES,
)
SUPPLIER_INDUSTRIES: Final = G2bOperation(USR, "getPrcrmntCorpIndstrytyInfo02", record=SupplierIndustry)
SUPPLIER_PRODUCTS: Final = G2bOperation(USR, "getPrcrmntCorpSplyPrdctInfo02", record=SupplierProduct)
SANCTIONS: Final = G2bOperation(USR, "getUnptRsttCorpInfo02", record=Sanction)
AGENCIES_BY_REGISTRATION: Final = G2bOperation(
    USR,
    "getDminsttInfo02",
    record=Agency,
    dedupe_on=("code",),
    order_by="registered_at",  # inqryDiv 1: 등록일기준 (and 3: 사업자등록번호, no dates)
    date_params=_DATES,
)
AGENCIES_BY_CHANGE: Final = G2bOperation(
    USR,
    "getDminsttInfo02",
    record=Agency,
    dedupe_on=("code",),
    order_by="changed_at",  # inqryDiv 2: 변경일기준
    date_params=_DATES,
)
INDUSTRIES: Final = G2bOperation(
    INDUSTRY_SERVICE,
    "getIndstrytyBaseLawrgltInfoList",
    record=Industry,
    order_by="registered_at",  # the dates filter 업종등록일
    date_params=_DATES,
)

OPERATIONS: Final[tuple[G2bOperation[Any], ...]] = (
    SUPPLIERS,
    SUPPLIERS_BY_NAME,
    SUPPLIER_INDUSTRIES,
    SUPPLIER_PRODUCTS,
    SANCTIONS,
    AGENCIES_BY_REGISTRATION,
    AGENCIES_BY_CHANGE,
    INDUSTRIES,
)
