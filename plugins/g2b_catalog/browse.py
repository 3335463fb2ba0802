"""search_operations and describe_operation: find a catalogued G2B operation and explain it."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

import msgspec

from naramarket.datago.g2b import OperationInfo, load_catalog
from naramarket.kernel import Context, InvalidParams, Params, tool

__all__ = [
    "DescribeOperation",
    "OperationDescription",
    "OperationMatches",
    "SearchOperations",
    "describe_operation",
    "example_arguments",
    "lookup",
    "search_operations",
]

SCOPES = ("g2b:read",)

# ---------------------------------------------------------------- search_operations


class SearchOperations(Params):
    """Words to find operations by."""

    query: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            description="검색어 / Korean or English words, all of which must match, e.g. `입찰공고 물품` "
            "or `contract change history`",
        ),
    ]
    service: Annotated[
        str | None,
        msgspec.Meta(description="서비스 / only this service, e.g. `CntrctInfoService` (default: all)"),
    ] = None
    limit: Annotated[
        int, msgspec.Meta(ge=1, le=50, description="최대 건수 / at most this many (default 10)")
    ] = 10


class OperationMatch(msgspec.Struct, kw_only=True):
    """One operation that matched: where it is, what it does, what it needs."""

    service: Annotated[str, msgspec.Meta(description="서비스 / service, e.g. BidPublicInfoService")]
    service_ko: Annotated[str, msgspec.Meta(description="서비스명 / the service's Korean name")]
    operation: Annotated[
        str, msgspec.Meta(description="오퍼레이션 / operation, e.g. getBidPblancListInfoThng")
    ]
    summary_ko: Annotated[str, msgspec.Meta(description="요약 / what it returns (Korean)")]
    summary_en: Annotated[str, msgspec.Meta(description="summary / what it returns (English)")]
    required: Annotated[
        list[str], msgspec.Meta(description="필수 파라미터 / parameters every call must give (gateway names)")
    ]
    modes: Annotated[
        dict[str, str], msgspec.Meta(description="조회구분 / inqryDiv values and what each searches by")
    ]
    date_params: Annotated[
        list[str], msgspec.Meta(description="기간 파라미터 / the date range parameters (begin, end), if any")
    ]


class OperationMatches(msgspec.Struct, kw_only=True):
    """Operations matching the words, best first."""

    items: Annotated[list[OperationMatch], msgspec.Meta(description="the matches, best first")]
    total_count: Annotated[int, msgspec.Meta(description="how many operations matched in all")]
    complete: Annotated[bool, msgspec.Meta(description="false when more matched than `limit`")]

    def summary_text(self, tool: str) -> str:
        """A compact list for a model: one line per operation."""
        lines = [f"{tool}: {len(self.items)} of {self.total_count} matching operation(s)."]
        for m in self.items:
            need = ", ".join(m.required) or "none"
            lines.append(f"- {m.service} / {m.operation}: {m.summary_ko} ({m.summary_en}); required: {need}")
        lines.append("Call describe_operation for one operation's parameters and fields.")
        return "\n".join(lines)


def _match(op: OperationInfo, service_ko: str) -> OperationMatch:
    span = op.date_range
    return OperationMatch(
        service=op.service,
        service_ko=service_ko,
        operation=op.name,
        summary_ko=op.summary_ko,
        summary_en=op.summary_en,
        required=[p.name for p in op.own_params if p.enforced],
        modes=dict(op.modes),
        date_params=[span.begin, span.end] if span else [],
    )


@tool(
    name="search_operations",
    title=("오퍼레이션 찾기", "Find G2B operations"),
    description=(
        "조달청 나라장터 OpenAPI 191개 오퍼레이션을 한국어·영어 단어로 찾습니다. "
        "전용 도구(입찰공고·낙찰·계약 등)가 다루지 않는 정보가 필요할 때, "
        "call_operation으로 부를 오퍼레이션을 고르기 위해 씁니다. "
        "모든 단어가 서비스명·오퍼레이션명·요약·조회구분·파라미터명에 들어 있어야 맞습니다. 기본값: 전체 "
        '서비스, 최대 10건. 예: {"query": "입찰공고 물품"}',
        "Finds operations of the 191 catalogued 조달청 (나라장터) OpenAPI operations by Korean or English "
        "words. Use it when no curated tool (bids, awards, contracts, ...) answers the question, to pick "
        "the operation to run with call_operation. Every word must occur in the service or operation "
        "name, the summary, the 조회구분 modes or the parameter names. Defaults: all services, at most 10 "
        'matches, best first. Example: {"query": "contract change history"}',
    ),
    scopes=SCOPES,
    open_world=False,
)
async def search_operations(ctx: Context, p: SearchOperations) -> OperationMatches:
    """Operations whose names and summaries contain every word."""
    catalog = load_catalog()
    if p.service is not None and catalog.service(p.service) is None:
        raise InvalidParams(f"service: unknown service {p.service!r}; one of {_service_names()}")
    found = catalog.search(p.query, service=p.service)
    names = {s.name: s.name_ko for s in catalog.services}
    return OperationMatches(
        items=[_match(op, names[op.service]) for op in found[: p.limit]],
        total_count=len(found),
        complete=len(found) <= p.limit,
    )


# ---------------------------------------------------------------- describe_operation


class DescribeOperation(Params):
    """The operation to describe."""

    operation: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=100, description="오퍼레이션 / e.g. `getBidPblancListInfoThng`"
        ),
    ]
    service: Annotated[
        str | None,
        msgspec.Meta(description="서비스 / e.g. `BidPublicInfoService` (optional: names are unique)"),
    ] = None


class ParamDoc(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One request parameter."""

    name: Annotated[
        str, msgspec.Meta(description="파라미터 / the gateway's name, as call_operation takes it")
    ]
    name_ko: Annotated[str, msgspec.Meta(description="한국어 이름 / Korean name")]
    required: Annotated[bool, msgspec.Meta(description="필수 / every call must give it")]
    required_when: Annotated[
        list[str], msgspec.Meta(description="조건부 필수 / required when inqryDiv is one of these")
    ] = msgspec.field(default_factory=list)
    format: Annotated[str | None, msgspec.Meta(description="형식 / date format, e.g. YYYYMMDDHHMM")] = None
    sample: Annotated[str, msgspec.Meta(description="예시 / the documented sample value")] = ""
    description: Annotated[str, msgspec.Meta(description="설명 / the reference's description")] = ""


class FieldDoc(msgspec.Struct, kw_only=True):
    """One item field of the rows."""

    name: Annotated[str, msgspec.Meta(description="필드 / the gateway's name (a key of each row)")]
    name_ko: Annotated[str, msgspec.Meta(description="한국어 이름 / Korean name")]


class DateRangeDoc(msgspec.Struct, kw_only=True):
    """The operation's main date range."""

    begin: Annotated[str, msgspec.Meta(description="시작 파라미터 / begin parameter")]
    end: Annotated[str, msgspec.Meta(description="종료 파라미터 / end parameter")]
    format: Annotated[str, msgspec.Meta(description="형식 / value format, e.g. YYYYMMDDHHMM")]
    limit: Annotated[
        str | None, msgspec.Meta(description="최대 범위 / widest range one request may ask (day … 36 months)")
    ]
    limit_source: Annotated[str, msgspec.Meta(description="`doc`, or `practice` (07 past about a month)")]


class OperationDescription(msgspec.Struct, kw_only=True):
    """One operation: what it returns, what it takes, and an example call."""

    service: Annotated[str, msgspec.Meta(description="서비스 / service")]
    service_ko: Annotated[str, msgspec.Meta(description="서비스명 / Korean name of the service")]
    operation: Annotated[str, msgspec.Meta(description="오퍼레이션 / operation")]
    path: Annotated[str, msgspec.Meta(description="경로 / path below https://apis.data.go.kr/1230000/")]
    summary_ko: Annotated[str, msgspec.Meta(description="요약 / summary (Korean)")]
    summary_en: Annotated[str, msgspec.Meta(description="summary (English)")]
    description_ko: Annotated[str, msgspec.Meta(description="설명 / the reference's description")]
    params: Annotated[
        list[ParamDoc],
        msgspec.Meta(
            description="파라미터 / its own parameters (the server sets ServiceKey, pageNo, numOfRows, type)"
        ),
    ]
    modes: Annotated[
        dict[str, str], msgspec.Meta(description="조회구분 / inqryDiv values and what each searches by")
    ]
    date_range: Annotated[DateRangeDoc | None, msgspec.Meta(description="기간 / the main date range, if any")]
    ordered_by: Annotated[
        dict[str, str],
        msgspec.Meta(
            description="정렬 필드 / per inqryDiv (`` without modes): the row date answers are ordered by"
        ),
    ]
    fields: Annotated[list[FieldDoc], msgspec.Meta(description="필드 / the item fields of each row")]
    fields_invented: Annotated[
        bool,
        msgspec.Meta(
            description="true when the reference lists no fields and these follow the retired service"
        ),
    ]
    example: Annotated[dict[str, Any], msgspec.Meta(description="예시 / arguments of a call_operation call")]

    def summary_text(self, tool: str) -> str:
        """The parameters and fields in a few lines."""
        lines = [f"{self.service} / {self.operation}: {self.summary_ko} ({self.summary_en})"]
        if self.modes:
            lines.append("inqryDiv: " + ", ".join(f"{k}={v}" for k, v in self.modes.items()))
        for param in self.params:
            flag = (
                "required"
                if param.required
                else (
                    f"required when inqryDiv in {param.required_when}" if param.required_when else "optional"
                )
            )
            fmt = f", {param.format}" if param.format else ""
            lines.append(f"- {param.name} ({param.name_ko}; {flag}{fmt})")
        if self.date_range is not None:
            d = self.date_range
            lines.append(
                f"Date range: {d.begin}..{d.end} ({d.format}), at most {d.limit or 'unlimited'} a request"
            )
        lines.append("Fields: " + ", ".join(f"{f.name} ({f.name_ko})" for f in self.fields))
        lines.append("Example call_operation arguments: " + msgspec.json.encode(self.example).decode())
        return "\n".join(lines)


def lookup(service: str | None, name: str) -> OperationInfo:
    catalog = load_catalog()
    if service is not None and catalog.service(service) is None:
        close = difflib.get_close_matches(service, [s.name for s in catalog.services], n=3)
        raise InvalidParams(
            f"service: unknown service {service!r}; did you mean {close or _service_names()}?"
        )
    op = catalog.operation(service, name)
    if op is None:
        other = catalog.operation(None, name)
        if other is not None:
            raise InvalidParams(f"operation: {name} belongs to {other.service}, not {service}")
        pool = [o.name for o in catalog.operations if service is None or o.service == service]
        close = difflib.get_close_matches(name, pool, n=5, cutoff=0.5)
        hint = f"did you mean {close}? " if close else ""
        raise InvalidParams(f"operation: unknown operation {name!r}; {hint}find one with search_operations")
    return op


def _service_names() -> list[str]:
    return [s.name for s in load_catalog().services]


def example_arguments(op: OperationInfo) -> dict[str, Any]:
    """call_operation arguments built from the required parameters' documented samples."""
    span = op.date_range
    dated = {span.begin, span.end} if span else set()
    mode = next(iter(op.modes), None)
    params: dict[str, str] = {}
    for param in op.own_params:
        needed = param.enforced or (mode is not None and mode in param.required_when)
        if needed and param.name not in dated:
            params[param.name] = mode if param.name == "inqryDiv" and mode else param.sample
    example: dict[str, Any] = {"service": op.service, "operation": op.name, "params": params, "limit": 10}
    if span is not None and span.format in ("date", "datetime"):
        example["start_date"], example["end_date"] = "2026-10-01", "2026-10-07"
    return example


@tool(
    name="describe_operation",
    title=("오퍼레이션 설명", "Describe a G2B operation"),
    description=(
        "조달청 오퍼레이션 하나의 파라미터(필수/선택, 한국어 이름, 날짜 형식, 조회구분), 조회기간 제한과 "
        "응답 필드(한국어 이름)를 보여줍니다. call_operation을 부르기 전에 씁니다. 결과의 example은 "
        'call_operation에 그대로 넘길 수 있는 인자입니다. 예: {"operation": "getCntrctInfoListThngChgHstry"}',
        "One 조달청 operation's parameters (required or optional, Korean names, date formats, 조회구분 "
        "modes), its date-range limit and the fields of its rows with Korean names. Use it before "
        "call_operation; the answer's `example` is a ready call_operation argument object. "
        'Example: {"operation": "getCntrctInfoListThngChgHstry"}',
    ),
    scopes=SCOPES,
    open_world=False,
)
async def describe_operation(ctx: Context, p: DescribeOperation) -> OperationDescription:
    """The catalog's entry of one operation."""
    return _description(lookup(p.service, p.operation))


def _description(op: OperationInfo) -> OperationDescription:
    """The description of ``op``, built once per operation: the packaged catalog never changes
    while the process runs, and building its field entries (114 for a bid notice list)
    dominated a call's time."""
    cached = _descriptions.get(op.name)
    if cached is None:
        cached = _descriptions[op.name] = _describe(op)
    return cached


_descriptions: dict[str, OperationDescription] = {}  # bounded: one per catalogued operation


def _describe(op: OperationInfo) -> OperationDescription:
    formats = {name: r.pattern for r in op.date_ranges for name in (r.begin, r.end)}
    span = op.date_range
    service = load_catalog().service(op.service)
    return OperationDescription(
        service=op.service,
        service_ko=service.name_ko if service else "",
        operation=op.name,
        path=op.path,
        summary_ko=op.summary_ko,
        summary_en=op.summary_en,
        description_ko=op.description_ko,
        params=[
            ParamDoc(
                name=q.name,
                name_ko=q.name_ko,
                required=q.enforced,
                required_when=list(q.required_when),
                format=formats.get(q.name),
                sample=q.sample,
                description=q.description,
            )
            for q in op.own_params
        ],
        modes=dict(op.modes),
        date_range=DateRangeDoc(
            begin=span.begin,
            end=span.end,
            format=span.pattern,
            limit=span.limit,
            limit_source=span.limit_source,
        )
        if span
        else None,
        ordered_by={mode: f.field for mode, f in op.order_fields.items()},
        fields=[FieldDoc(name=f.name, name_ko=f.name_ko) for f in op.fields],
        fields_invented=op.fields_invented,
        example=example_arguments(op),
    )
