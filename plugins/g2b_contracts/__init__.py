"""계약 — 나라장터 contracts from 조달청's CntrctInfoService (21 operations).

A first-party plugin, loaded through the ``naramarket`` entry-point group like a third-party one,
built only on ``naramarket.kernel`` and ``naramarket.datago``.

- ``search_contracts``: contracts concluded in a period, by kind (물품/공사/용역/외자), agency,
  name, contract method or notice/request number — the ``…PPSSrch`` (나라장터검색조건) operations,
  whose inqryDiv 1 filters 계약체결일자. The gateway has no company filter for contracts, so
  ``company`` (사업자등록번호 or name) is matched against each row's 업체목록 here, reading on until
  ``limit`` rows match.
- ``get_contract``: one contract by 통합계약번호 with its parsed contractors and demand agencies,
  its goods lines (물품·외자 세부), service lines (공사·용역 서비스정보), change history (변경이력)
  and deletion history (삭제이력): every per-contract operation the service offers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Final, Literal

import anyio
import msgspec

from naramarket.datago import CLIENT, Listing, ListQuery, Record, collect, collect_merged, sandbox_mark
from naramarket.datago.g2b import ALL_KINDS as ALL_LABELS
from naramarket.datago.g2b import KST, AllKinds, G2bOperation
from naramarket.kernel import Context, Params, Register, hookimpl, tool

from .records import (
    ALL_KINDS,
    CHANGES,
    DELETIONS,
    ITEMS,
    KIND_LABELS,
    KINDS,
    LISTING,
    OPERATIONS,
    SEARCH,
    SERVICES,
    Contract,
    ContractChange,
    ContractDeletion,
    ContractItem,
    ContractService,
)

__all__ = [
    "OPERATIONS",
    "Contract",
    "ContractDetail",
    "GetContract",
    "SearchContracts",
    "get_contract",
    "search_contracts",
]

Kind = Literal["물품", "공사", "용역", "외자", "goods", "works", "services", "foreign"]
AgencyRole = Literal["계약기관", "수요기관", "contracting", "demand"]
AgencyType = Literal[
    "국가기관", "지방자치단체", "교육기관", "정부투자기관", "임의기관",
    "공기업", "준정부기관", "기타공공기관", "지방공기업", "기타기관",
]  # fmt: skip
Method = Literal["일반경쟁", "제한경쟁", "지명경쟁", "수의계약"]

AGENCY_ROLES: Final = {"계약기관": "1", "contracting": "1", "수요기관": "2", "demand": "2"}
AGENCY_TYPES: Final = {
    "국가기관": "01", "지방자치단체": "02", "교육기관": "03", "정부투자기관": "05", "임의기관": "07",
    "공기업": "51", "준정부기관": "52", "기타공공기관": "53", "지방공기업": "71", "기타기관": "72",
}  # fmt: skip
METHODS: Final = {"일반경쟁": "1", "제한경쟁": "2", "지명경쟁": "3", "수의계약": "4"}
# The PPSSrch parameter that takes the name search, per kind (계약명 is 품명 for goods).
KEYWORD_PARAM: Final = {
    "Thng": "prdctClsfcNoNm",
    "Cnstwk": "cnstwkNm",
    "Servc": "cntrctNm",
    "Frgcpt": "prdctClsfcNoNm",
}
DEFAULT_DAYS = 30
_NUMBER = r"^[0-9A-Za-z-]{1,40}$"
# Bounds sit on the str, the description on the whole optional field (outside anyOf, where
# clients and models read it).
Name100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Name200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
CompanyText = Annotated[str, msgspec.Meta(min_length=2, max_length=100)]
AgencyCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z]{1,7}$")]
Number = Annotated[str, msgspec.Meta(pattern=_NUMBER)]


class SearchContracts(ListQuery):
    """Parameters of ``search_contracts`` (dates are 계약체결일자, both or neither)."""

    kind: Annotated[
        Kind | AllKinds,
        msgspec.Meta(
            description="업무구분 / kind: 물품 (goods, default), 공사 (works), 용역 (services)"
            ", 외자 (foreign), or 전체/all for every kind at once, merged newest first"
        ),
    ] = "물품"
    keyword: Annotated[
        Name100 | None,
        msgspec.Meta(
            description="이름 검색 / part of the name: 품명 (물품·외자), 공사명 (공사), 용역명 (용역)",
        ),
    ] = None
    agency: Annotated[
        Name200 | None,
        msgspec.Meta(description="기관명 / part of the agency's name"),
    ] = None
    agency_code: Annotated[
        AgencyCode | None,
        msgspec.Meta(description="기관코드 / agency code, e.g. 1230000"),
    ] = None
    agency_role: Annotated[
        AgencyRole,
        msgspec.Meta(
            description="기관구분 / whether `agency` is the 계약기관 (contracting, default) "
            "or the 수요기관 (demand)"
        ),
    ] = "계약기관"
    agency_type: Annotated[
        AgencyType | None, msgspec.Meta(description="기관분류 / agency type, e.g. 지방자치단체")
    ] = None
    method: Annotated[
        Method | None,
        msgspec.Meta(description="계약방법 / contract method (not for 외자)"),
    ] = None
    central: Annotated[
        bool | None,
        msgspec.Meta(
            description="중앙조달 / true: 조달청 central procurement, false: the agency's own (not for 외자)"
        ),
    ] = None
    company: Annotated[
        CompanyText | None,
        msgspec.Meta(
            description="업체 / contractor: 사업자등록번호 (10 digits, dashes allowed) or part of its name",
        ),
    ] = None
    notice_no: Annotated[
        Number | None,
        msgspec.Meta(description="공고번호 / contracts of this bid notice (dates not used)"),
    ] = None
    request_no: Annotated[
        Number | None,
        msgspec.Meta(description="요청번호 / contracts of this procurement request (dates not used)"),
    ] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.notice_no and self.request_no:
            raise ValueError("notice_no, request_no: give one of them")
        if self.kind not in ALL_LABELS and KINDS[self.kind] == "Frgcpt":
            for name in ("method", "central"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name}: the gateway has no such filter for 외자 contracts")

    def kinds(self) -> list[str]:
        """The kinds to search (operation suffixes): the one named, or all (without 외자 when a
        filter it lacks is given)."""
        if self.kind not in ALL_LABELS:
            return [KINDS[self.kind]]
        foreign_lacks = self.method is not None or self.central is not None
        return [k for k in ALL_KINDS if not (k == "Frgcpt" and foreign_lacks)]


def _wire_params(p: SearchContracts, kind: str) -> dict[str, str | None]:
    if p.notice_no:
        return {"inqryDiv": "4", "ntceNo": p.notice_no}
    if p.request_no:
        return {"inqryDiv": "3", "reqNo": p.request_no}
    agency_given = p.agency or p.agency_code or p.agency_type
    return {
        "inqryDiv": "1",
        KEYWORD_PARAM[kind]: p.keyword,
        "insttNm": p.agency,
        "insttCd": p.agency_code,
        "insttDivCd": AGENCY_ROLES[p.agency_role] if agency_given else None,
        "insttClsfcCd": AGENCY_TYPES[p.agency_type] if p.agency_type else None,
        "cntrctMthdCd": METHODS[p.method] if p.method else None,
        "cntrctDivCd": None if p.central is None else ("2" if p.central else "1"),
    }


# -- contractors and demand agencies, parsed from their [a^b^c],[...] lists ---------------------------


class ContractCompany(msgspec.Struct, kw_only=True):
    """One contractor of a contract (업체목록 entry)."""

    name: Annotated[str, msgspec.Meta(description="업체명 / company name")]
    business_no: Annotated[str, msgspec.Meta(description="사업자등록번호 / business registration no.")]
    role: Annotated[str, msgspec.Meta(description="업체구분 / 대표 (lead) or 구성원 (member)")] = ""
    joint_method: Annotated[str, msgspec.Meta(description="공동도급방식 / 단독, 공동이행, 분담이행 …")] = ""
    ceo: Annotated[str, msgspec.Meta(description="대표자명 / CEO")] = ""
    nationality: Annotated[str, msgspec.Meta(description="국적 / nationality")] = ""
    share: Annotated[float | None, msgspec.Meta(description="지분율 / share, %")] = None
    creditor: Annotated[str, msgspec.Meta(description="채권자명 / creditor")] = ""
    officer: Annotated[str, msgspec.Meta(description="담당자 / contact person")] = ""


class DemandAgency(msgspec.Struct, kw_only=True):
    """One demand agency of a contract (수요기관목록 entry)."""

    code: Annotated[str, msgspec.Meta(description="수요기관코드 / agency code")]
    name: Annotated[str, msgspec.Meta(description="수요기관명 / agency name")]
    agency_type: Annotated[str, msgspec.Meta(description="소관구분 / agency type")] = ""
    department: Annotated[str, msgspec.Meta(description="담당부서 / department")] = ""
    officer: Annotated[str, msgspec.Meta(description="담당자 / officer")] = ""
    phone: Annotated[str, msgspec.Meta(description="전화번호 / phone")] = ""


def _entries(text: str) -> list[list[str]]:
    """``[1^a^b],[2^c^d]`` -> ``[["1","a","b"], ["2","c","d"]]``."""
    return [e.split("^") for e in re.findall(r"\[([^\[\]]*)\]", text or "")]


def _at(parts: list[str], index: int) -> str:
    return parts[index].strip() if index < len(parts) else ""


def parse_companies(text: str) -> list[ContractCompany]:
    """The contractors of a 업체목록.

    Each entry: 순번^업체구분^공동도급방식^업체명^대표자^국적^지분율^채권자^담당자^사업자등록번호.
    """
    companies = []
    for parts in _entries(text):
        share = _at(parts, 6)
        try:
            share_value: float | None = float(share) if share else None
        except ValueError:
            share_value = None
        companies.append(
            ContractCompany(
                role=_at(parts, 1),
                joint_method=_at(parts, 2),
                name=_at(parts, 3),
                ceo=_at(parts, 4),
                nationality=_at(parts, 5),
                share=share_value,
                creditor=_at(parts, 7),
                officer=_at(parts, 8),
                business_no=_at(parts, 9).replace("-", ""),
            )
        )
    return companies


def parse_demand_agencies(text: str) -> list[DemandAgency]:
    """The agencies of a 수요기관목록 (순번^기관코드^기관명^소관구분^부서^담당자^전화)."""
    return [
        DemandAgency(
            code=_at(p, 1),
            name=_at(p, 2),
            agency_type=_at(p, 3),
            department=_at(p, 4),
            officer=_at(p, 5),
            phone=_at(p, 6),
        )
        for p in _entries(text)
    ]


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def company_filter(company: str) -> Any:
    """A predicate on a contract row: a contractor with this 사업자등록번호, or whose name holds it."""
    digits = company.replace("-", "").strip()
    if digits.isdigit() and len(digits) == 10:
        return lambda row: any(c.business_no == digits for c in parse_companies(row.companies))
    wanted = _fold(company)
    return lambda row: any(wanted in _fold(c.name) for c in parse_companies(row.companies))


@tool(
    name="search_contracts",
    title=("계약 현황 검색", "Search contracts"),
    description=(
        "나라장터 계약(물품·공사·용역·외자)을 계약체결일자 기간, 기관(계약기관/수요기관), 이름(품명·공사명·"
        "용역명), 계약방법, 업체(사업자등록번호 또는 업체명), 공고번호·요청번호로 찾습니다. '이 업체와 맺은 "
        "계약', '이 기관의 이번 달 용역 계약', '이 공고로 맺은 계약'을 볼 때 씁니다. 업무구분은 기본 "
        "물품이고 '전체'면 모든 업무구분을 최신순으로 합쳐 찾습니다. "
        "기본값: 오늘까지 최근 30일 체결분, 최신 체결순, 최대 50건. 더 있으면 "
        "complete가 false이고 응답의 next를 그대로 인자로 넘겨 이어받습니다. 업체 조건은 게이트웨이에 "
        "없어 업체목록을 읽으며 맞는 것만 돌려주므로(total_count는 거르기 전 건수) 기간을 좁히면 빠릅니다. "
        "계약 하나의 세부·변경·삭제 이력은 get_contract. "
        '예: {"kind": "용역", "agency": "조달청", "start_date": "2026-10-01", "end_date": "2026-10-31"}',
        "Contracts of 나라장터 (goods, works, services or foreign) concluded in a period, by agency "
        "(contracting or demand), name (품명/공사명/용역명), contract method, contractor (business "
        "registration number or name), or the bid notice or procurement request they came from. Use it "
        "for 'contracts signed with this company', 'this agency's service contracts this month', or "
        "'the contract of this notice'. One kind per call, 물품 by default; kind 전체 (all) searches "
        "every kind at once, merged newest first. Defaults: concluded in the "
        "last 30 days up to today (KST), newest first, at most 50. When more exist `complete` is false: "
        "call again with the answer's `next` as the arguments. The gateway cannot filter by company, so "
        "`company` reads the contracts' 업체목록 and returns the matches (`total_count` counts rows "
        "before it): narrow the dates to make it fast. For one contract's details, changes and deletions use "
        'get_contract. Example: {"kind": "용역", "agency": "조달청", "start_date": "2026-10-01", '
        '"end_date": "2026-10-31"}',
    ),
    scopes=("g2b:read",),
)
async def search_contracts(ctx: Context, p: SearchContracts) -> Listing[Contract]:
    """Contracts of one kind (or all, merged) by the 나라장터검색조건, optionally of one company."""
    kinds = p.kinds()
    numbered = bool(p.notice_no or p.request_no)
    window = None if numbered else p.dates_or_last(DEFAULT_DAYS, today=dt.datetime.now(KST).date())
    # The gateway cannot filter by company: the library passes over other companies' rows and
    # reads big pages while it does (a filter may read many rows per match).
    keep = company_filter(p.company) if p.company else None
    page_size = p.page_size or (500 if p.company else None)
    span = window if window is not None else (None, None)
    if len(kinds) == 1:
        kind = kinds[0]
        return await collect(
            ctx, SEARCH[kind], _wire_params(p, kind), p, window=span, keep=keep, page_size=page_size
        )
    parts = [(SEARCH[kind], _wire_params(p, kind)) for kind in kinds]
    return await collect_merged(ctx, parts, p, window=span, keep=keep, page_size=page_size)


# -- one contract ------------------------------------------------------------------------------------


class GetContract(Params):
    """Parameters of ``get_contract``."""

    contract_no: Annotated[
        Number,
        msgspec.Meta(
            description="통합계약번호 / unified contract no. (`contract_no` of search_contracts)",
        ),
    ]
    kind: Annotated[
        Kind | None,
        msgspec.Meta(description="업무구분 / kind, if known (faster); otherwise every kind is asked"),
    ] = None


class ContractDetail(msgspec.Struct, kw_only=True):
    """One contract with everything the service tells about it."""

    found: Annotated[bool, msgspec.Meta(description="false when no kind has a contract of that number")]
    contract_no: Annotated[str, msgspec.Meta(description="통합계약번호 / the number asked for")]
    kind: Annotated[str | None, msgspec.Meta(description="업무구분 / 물품, 공사, 용역 or 외자")] = None
    contract: Annotated[Contract | None, msgspec.Meta(description="the contract (latest version)")] = None
    companies: Annotated[
        list[ContractCompany], msgspec.Meta(description="계약업체 / contractors, parsed from 업체목록")
    ] = msgspec.field(default_factory=list)
    demand_agencies: Annotated[
        list[DemandAgency], msgspec.Meta(description="수요기관 / demand agencies, parsed from 수요기관목록")
    ] = msgspec.field(default_factory=list)
    items: Annotated[
        list[ContractItem], msgspec.Meta(description="물품 세부 / goods lines (물품·외자 contracts)")
    ] = msgspec.field(default_factory=list)
    services: Annotated[
        list[ContractService], msgspec.Meta(description="서비스정보 / service lines (공사·용역 contracts)")
    ] = msgspec.field(default_factory=list)
    changes: Annotated[
        list[ContractChange], msgspec.Meta(description="변경이력 / earlier versions, newest change first")
    ] = msgspec.field(default_factory=list)
    deletions: Annotated[
        list[ContractDeletion], msgspec.Meta(description="삭제이력 / deletions of this contract's records")
    ] = msgspec.field(default_factory=list)
    sandbox: Annotated[
        bool, msgspec.Meta(description="true when this is the built-in sandbox's fake data")
    ] = False

    def summary_text(self, tool: str) -> str:
        """A few lines for a model; every field is in the structured content."""
        head = sandbox_mark(self.sandbox)
        if not self.found or self.contract is None:
            return f"{head}{tool}: no contract {self.contract_no} in 물품, 공사, 용역 or 외자."
        c = self.contract
        lines = [
            f"{head}{tool}: {self.kind} contract {c.contract_no} — {c.title}",
            f"concluded {c.concluded_on or '?'} by {c.agency} ({c.agency_code}); {c.method}; "
            f"amount {c.amount if c.amount is not None else '?'} (total {c.total_amount}); period {c.period}",
            "contractors: "
            + ("; ".join(f"{x.name} ({x.business_no}, {x.share}%)" for x in self.companies) or "-"),
            f"notice {c.notice_no or '-'}, request {c.request_no or '-'}; {len(self.items)} goods line(s), "
            f"{len(self.services)} service line(s), {len(self.changes)} change(s), "
            f"{len(self.deletions)} deletion(s).",
            "Every field is in the structured content.",
        ]
        return "\n".join(lines)


_DETAIL_LIMIT = 500  # rows of one contract's history or lines: far more than any contract has


async def _rows(ctx: Context, op: G2bOperation[Any], params: dict[str, str | None]) -> list[Any]:
    """Every row of a per-contract lookup (no dates), in the operation's order."""
    client = ctx.resources[CLIENT]
    listing: Listing[Record] = await client.collect(
        op, params, limit=_DETAIL_LIMIT, order="newest", budget=ctx.time_left()
    )
    return list(listing.items)


async def _main_record(ctx: Context, kind: str, number: str) -> Contract | None:
    rows = await _rows(ctx, LISTING[kind], {"inqryDiv": "2", "untyCntrctNo": number})
    rows = [r for r in rows if r.contract_no == number] or rows
    # Several rows of one number are its versions: the latest change is the contract as it stands.
    return max(rows, key=lambda r: r.changed_at or dt.datetime.min.replace(tzinfo=KST), default=None)


@tool(
    name="get_contract",
    title=("계약 상세", "Contract details"),
    description=(
        "통합계약번호로 계약 하나를 조회합니다: 계약 내용, 계약업체(사업자등록번호·지분율)와 수요기관, "
        "물품·외자 계약의 품목 세부, 공사·용역 계약의 서비스정보, 변경이력, 삭제이력. search_contracts "
        "결과의 contract_no를 넣습니다. 업무구분(kind)을 모르면 네 업무구분을 모두 묻습니다. 없는 번호는 "
        "found=false. "
        '예: {"contract_no": "R26TA00012345", "kind": "물품"}',
        "One contract by its unified contract number (통합계약번호): the contract, its contractors "
        "(business numbers, shares) and demand agencies, goods lines of 물품/외자 contracts, service "
        "lines of 공사/용역 contracts, change history and deletion history. Pass `contract_no` from a "
        "search_contracts answer. Without `kind` every kind is asked. An unknown number answers "
        '`found: false`. Example: {"contract_no": "R26TA00012345", "kind": "물품"}',
    ),
    scopes=("g2b:read",),
)
async def get_contract(ctx: Context, p: GetContract) -> ContractDetail:
    """The contract, then its lines and histories, asked concurrently."""
    number = p.contract_no
    kinds = (KINDS[p.kind],) if p.kind else ALL_KINDS
    found: dict[str, Contract] = {}

    async def look(kind: str) -> None:
        record = await _main_record(ctx, kind, number)
        if record is not None:
            found[kind] = record

    async with anyio.create_task_group() as tg:
        for each in kinds:
            tg.start_soon(look, each)
    sandbox = ctx.resources[CLIENT].sandbox
    kind = next((k for k in kinds if k in found), None)
    if kind is None:
        return ContractDetail(found=False, contract_no=number, sandbox=sandbox)
    by_number: dict[str, str | None] = {"inqryDiv": "2", "untyCntrctNo": number}
    parts: dict[str, list[Any]] = {"items": [], "services": [], "changes": [], "deletions": []}

    async def fill(part: str, op: G2bOperation[Any], params: dict[str, str | None]) -> None:
        parts[part] += await _rows(ctx, op, params)

    async with anyio.create_task_group() as tg:
        tg.start_soon(fill, "changes", CHANGES[kind], by_number)
        tg.start_soon(fill, "deletions", DELETIONS[kind], by_number)
        if kind in ITEMS:
            tg.start_soon(fill, "items", ITEMS[kind], by_number)
        by_contract: dict[str, str | None] = {"untyCntrctNo": number}
        for op in SERVICES.get(kind, ()):
            tg.start_soon(fill, "services", op, by_contract)
    contract = found[kind]
    return ContractDetail(
        found=True,
        contract_no=number,
        kind=KIND_LABELS[kind],
        contract=contract,
        companies=parse_companies(contract.companies),
        demand_agencies=parse_demand_agencies(contract.demand_agencies),
        items=parts["items"],
        services=sorted(parts["services"], key=lambda s: s.seq if s.seq is not None else 0),
        changes=parts["changes"],
        deletions=parts["deletions"],
        sandbox=sandbox,
    )


@hookimpl
def register_tools(register: Register) -> None:
    """Register the contract tools."""
    register(search_contracts)
    register(get_contract)
