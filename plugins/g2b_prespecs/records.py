"""Typed rows of 사전규격정보서비스 (HrcspSsstndrdInfoService) and the operations that return them.

물품 and 용역 pre-specs carry their goods lines (물품상세목록) and 공사/외자 ones do not, so the
lookup of one pre-spec reads them through a subclass that adds that one field.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Final

from naramarket.datago import MONTH, KstDateTime, Record, wire
from naramarket.datago.g2b import G2bOperation, kind_suffixes

SERVICE: Final = "ao/HrcspSsstndrdInfoService"

# 업무구분: the Korean label (and its English alias) -> the operations' suffix.
KINDS: Final[dict[str, str]] = kind_suffixes("물품", "공사", "용역", "외자")
KIND_LABELS: Final[dict[str, str]] = {"Thng": "물품", "Cnstwk": "공사", "Servc": "용역", "Frgcpt": "외자"}
ALL_KINDS: Final = ("Thng", "Cnstwk", "Servc", "Frgcpt")
WITH_ITEMS: Final = ("Thng", "Servc")  # the kinds whose rows have 물품상세목록


class PreSpec(Record):
    """One pre-specification (사전규격): a planned purchase published for suppliers' comments."""

    summary_fields: ClassVar[tuple[str, ...]] = (
        "received_at",
        "spec_no",
        "title",
        "agency",
        "budget",
        "comment_deadline",
    )

    spec_no: Annotated[str, wire("bfSpecRgstNo", "사전규격등록번호 / pre-spec no. (get_prespec)")] = ""
    title: Annotated[str, wire("prdctClsfcNoNm", "품명(사업명) / project or product name")] = ""
    kind: Annotated[str, wire("bsnsDivNm", "업무구분명 / kind: 물품, 공사, 일반용역, 외자 …")] = ""
    agency: Annotated[str, wire("orderInsttNm", "발주기관명 / ordering agency")] = ""
    demand_agency: Annotated[str, wire("rlDminsttNm", "실수요기관명 / end-user agency")] = ""
    budget: Annotated[int | None, wire("asignBdgtAmt", "배정예산금액 / allocated budget, KRW")] = None
    received_at: Annotated[KstDateTime | None, wire("rcptDt", "접수일시 / received (KST)")] = None
    comment_deadline: Annotated[
        KstDateTime | None, wire("opninRgstClseDt", "의견등록마감일시 / comments accepted until (KST)")
    ] = None
    reference_no: Annotated[str, wire("refNo", "참조번호 / agency's reference no.")] = ""
    notice_nos: Annotated[
        str, wire("bidNtceNoList", "입찰공고번호목록 / bid notices published from it, comma-separated")
    ] = ""
    officer: Annotated[str, wire("ofclNm", "담당자명 / officer")] = ""
    officer_phone: Annotated[str, wire("ofclTelNo", "담당자전화번호 / officer's phone")] = ""
    software: Annotated[bool | None, wire("swBizObjYn", "SW사업대상여부 / software project")] = None
    delivery_due: Annotated[KstDateTime | None, wire("dlvrTmlmtDt", "납품기한일시 / delivery deadline")] = (
        None
    )
    delivery_days: Annotated[int | None, wire("dlvrDaynum", "납품일수 / delivery days")] = None
    spec_file_1: Annotated[str, wire("specDocFileUrl1", "규격문서파일URL1 / specification file 1")] = ""
    spec_file_2: Annotated[str, wire("specDocFileUrl2", "규격문서파일URL2 / specification file 2")] = ""
    spec_file_3: Annotated[str, wire("specDocFileUrl3", "규격문서파일URL3 / specification file 3")] = ""
    spec_file_4: Annotated[str, wire("specDocFileUrl4", "규격문서파일URL4 / specification file 4")] = ""
    spec_file_5: Annotated[str, wire("specDocFileUrl5", "규격문서파일URL5 / specification file 5")] = ""
    registered_at: Annotated[KstDateTime | None, wire("rgstDt", "등록일시 / registered (KST)")] = None
    changed_at: Annotated[KstDateTime | None, wire("chgDt", "변경일시 / changed (KST)")] = None


class PreSpecWithItems(PreSpec):
    """A 물품 or 용역 pre-spec with its goods lines (read by get_prespec, which parses them)."""

    item_list: Annotated[
        str, wire("prdctDtlList", "물품상세목록 / goods lines: [순번^세부품명번호^세부품명],…")
    ] = ""


class Opinion(Record):
    """One public opinion on a pre-spec (규격서 의견), or the agency's reply to one."""

    spec_no: Annotated[str, wire("bfSpecRgstNo", "사전규격등록번호 / pre-spec no.")] = ""
    opinion_no: Annotated[int | None, wire("opninNo", "의견번호 / opinion no.")] = None
    reply_no: Annotated[int | None, wire("rplyNo", "답변번호 / reply no. (0: the opinion itself)")] = None
    subject: Annotated[str, wire("opninTitl", "의견제목 / subject")] = ""
    content: Annotated[str, wire("opninCntnts", "의견내용 / text")] = ""
    company: Annotated[str, wire("mkngCorpNm", "작성업체명 / writer's company or agency")] = ""
    author: Annotated[str, wire("mkrNm", "작성자명 / writer")] = ""
    author_phone: Annotated[str, wire("mkrTel", "작성자전화번호 / writer's phone (masked)")] = ""
    author_email: Annotated[str, wire("mkrEmail", "작성자이메일 / writer's e-mail (masked)")] = ""
    entered_at: Annotated[KstDateTime | None, wire("inptDt", "입력일시 / entered (KST)")] = None
    reference_no: Annotated[str, wire("refNo", "참조번호 / agency's reference no.")] = ""
    file_1: Annotated[str, wire("specDocOpninFileUrl1", "규격서의견파일URL1 / attachment 1")] = ""
    file_2: Annotated[str, wire("specDocOpninFileUrl2", "규격서의견파일URL2 / attachment 2")] = ""
    file_3: Annotated[str, wire("specDocOpninFileUrl3", "규격서의견파일URL3 / attachment 3")] = ""
    file_4: Annotated[str, wire("specDocOpninFileUrl4", "규격서의견파일URL4 / attachment 4")] = ""
    file_5: Annotated[str, wire("specDocOpninFileUrl5", "규격서의견파일URL5 / attachment 5")] = ""


def _search(kind: str) -> G2bOperation[PreSpec]:
    # 나라장터검색조건: inqryDiv 1 filters 접수일시 (YYYYMMDDHHMM). The catalog states no range limit;
    # the gateway answers 07 beyond about a month (README "Limits"): month windows, halved on 07.
    return G2bOperation(
        SERVICE,
        f"getPublicPrcureThngInfo{kind}PPSSrch",
        record=PreSpec,
        range_limit=MONTH,
        dedupe_on=("spec_no",),
        order_by="received_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )


def _listing(kind: str) -> G2bOperation[PreSpec]:
    # The plain list: inqryDiv 1 = 등록일시, 2 = 사전규격등록번호 (what get_prespec uses).
    return G2bOperation(
        SERVICE,
        f"getPublicPrcureThngInfo{kind}",
        record=PreSpecWithItems if kind in WITH_ITEMS else PreSpec,
        range_limit=MONTH,
        dedupe_on=("spec_no",),
        order_by="registered_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )


def _opinions(kind: str) -> G2bOperation[Opinion]:
    # inqryDiv 1 = 접수일시 (물품: 등록일시) of the opinion, 2 = 사전규격등록번호.
    return G2bOperation(
        SERVICE,
        f"getPublicPrcureThngOpinionInfo{kind}",
        record=Opinion,
        range_limit=MONTH,
        dedupe_on=("spec_no", "opinion_no", "reply_no"),
        order_by="entered_at",
        date_params=("inqryBgnDt", "inqryEndDt"),
    )


SEARCH: Final = {kind: _search(kind) for kind in ALL_KINDS}
LISTING: Final = {kind: _listing(kind) for kind in ALL_KINDS}
OPINIONS: Final = {kind: _opinions(kind) for kind in ALL_KINDS}

OPERATIONS: Final[tuple[G2bOperation[Any], ...]] = (*SEARCH.values(), *LISTING.values(), *OPINIONS.values())
"""Every operation this plugin calls (the contract tests check them against the catalog)."""
