"""call_operation: any catalogued G2B operation, its parameters checked before any upstream request."""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
from typing import Annotated, Any

import msgspec

from naramarket.datago import CLIENT, Listing, ListQuery, Record
from naramarket.datago.g2b import KST, OperationInfo, as_row, generic_operation
from naramarket.kernel import Context, InvalidParams, tool

from .browse import SCOPES, lookup

__all__ = ["CallOperation", "OperationRows", "call_operation"]

DEFAULT_DAYS = 7  # a date-filtered operation called without dates: the last week, as list tools do
_PAGING = {"servicekey": "ServiceKey", "pageno": "pageNo", "numofrows": "numOfRows", "type": "type"}

# ---------------------------------------------------------------- call_operation


class CallOperation(ListQuery):
    """Any catalogued operation with the gateway's own parameter names, and the list contract.

    ``start_date``/``end_date`` fill the operation's main date range (split into windows its
    limit allows); its date parameters may instead be given in ``params`` in their own format.
    """

    service: Annotated[
        str, msgspec.Meta(min_length=1, max_length=100, description="서비스 / e.g. `CntrctInfoService`")
    ]
    operation: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=100, description="오퍼레이션 / e.g. `getCntrctInfoListThngChgHstry`"
        ),
    ]
    params: Annotated[
        dict[str, str],
        msgspec.Meta(
            description="파라미터 / the gateway's parameter names -> string values, e.g. "
            '{"inqryDiv": "1"}; see describe_operation. ServiceKey, pageNo, numOfRows and type are '
            "set by the server"
        ),
    ] = msgspec.field(default_factory=dict)


class OperationRows(Listing[dict[str, str]], kw_only=True):
    """Rows of one operation (``{gateway field: value}``), with the list contract."""

    service: Annotated[str, msgspec.Meta(description="서비스 / the service called")] = ""
    operation: Annotated[str, msgspec.Meta(description="오퍼레이션 / the operation called")] = ""
    ordered_by: Annotated[
        str | None,
        msgspec.Meta(description="정렬 필드 / the row field `order` applies to; null: the upstream's order"),
    ] = None

    def summary_text(self, tool: str, *, width: int = 40) -> str:
        """Counts, how to continue, and a table of a few columns (every field is in the structured result)."""
        head = Listing.summary_text(msgspec.structs.replace(self, items=[]), tool)
        head = head.replace("0 record(s)", f"{len(self.items)} row(s) of {self.service}/{self.operation}", 1)
        if not self.items:
            return head
        columns = [c for c in [self.ordered_by] if c]
        columns += [k for k, v in self.items[0].items() if v and k not in columns][: 6 - len(columns)]
        lines = [head, "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for row in self.items:
            cells = (_cell(row.get(c, ""), width) for c in columns)
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "Every field of every row is in the structured content."]
        return "\n".join(lines)


def _cell(text: str, width: int) -> str:
    text = text.replace("|", "/").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _parameters_of(op: OperationInfo) -> str:
    """The operation's real parameters, for error messages."""
    formats = {name: r.pattern for r in op.date_ranges for name in (r.begin, r.end)}
    parts = []
    for q in op.own_params:
        notes = [q.name_ko]
        if q.enforced:
            notes.append("required")
        elif q.required_when:
            notes.append(f"required when inqryDiv={'/'.join(q.required_when)}")
        if q.name in formats:
            notes.append(formats[q.name])
        parts.append(f"{q.name} ({', '.join(n for n in notes if n)})")
    modes = f"; inqryDiv: {', '.join(f'{k}={v}' for k, v in op.modes.items())}" if op.modes else ""
    return f"{op.name} takes {'; '.join(parts) or 'no parameters'}{modes}"


def _check(
    op: OperationInfo, p: CallOperation
) -> tuple[dict[str, str], tuple[dt.date, dt.date] | None, str | None]:
    """The wire parameters, the date window and the mode of a call, or ``InvalidParams``."""
    given = {k: v for k, v in p.params.items() if v != ""}
    problems: list[str] = []
    paging = sorted(k for k in given if k.lower() in _PAGING)
    if paging:
        problems.append(f"{paging} are set by the server (use limit, page_size and next)")
    unknown = sorted(k for k in given if k not in op.param_names and k.lower() not in _PAGING)
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(op.param_names), n=1)
        problems.append(
            f"{name!r} is not a parameter of {op.name}" + (f" (did you mean {close[0]!r}?)" if close else "")
        )
    mode = given.get("inqryDiv")
    if mode is not None and op.modes and mode not in op.modes:
        problems.append(f"inqryDiv={mode!r} is not one of {sorted(op.modes)}")
    span = op.date_range
    dated = {span.begin, span.end} if span else set()
    raw_dates = [n for n in (span.begin, span.end) if n in given] if span else []
    if (p.start_date is not None) and raw_dates:
        problems.append(f"give the dates either as start_date/end_date or as {raw_dates}, not both")
    if p.start_date is not None and span is None:
        problems.append(f"{op.name} takes no date range: leave out start_date/end_date")
    for r in op.date_ranges:
        begin, end = given.get(r.begin), given.get(r.end)
        low = r.parse(begin) if begin else None
        high = r.parse(end, end=True) if end else None
        for name, value, parsed in ((r.begin, begin, low), (r.end, end, high)):
            if value is not None and parsed is None:
                problems.append(f"{name}={value!r} is not a date in the format {r.pattern}")
        if (begin is None) != (end is None) and r.begin != r.end:
            problems.append(f"give both {r.begin} and {r.end}, or neither")
        if low and high:
            if high < low:
                problems.append(f"{r.end} is before {r.begin}")
            elif r.range_limit is not None and _too_wide(low, high, r.limit or ""):
                problems.append(
                    f"{r.begin}..{r.end} spans more than the operation allows in one request ({r.limit}); "
                    "use start_date/end_date instead, which are split into windows automatically"
                )
    window: tuple[dt.date, dt.date] | None = None
    needs_dates = span is not None and any(
        q.name in dated and (q.enforced or (mode is not None and mode in q.required_when))
        for q in op.own_params
    )
    if p.start_date is not None and p.end_date is not None and span is not None:
        window = (p.start_date, p.end_date)
    elif needs_dates and not raw_dates:
        today = dt.datetime.now(KST).date()
        window = (today - dt.timedelta(days=DEFAULT_DAYS - 1), today)
    for q in op.own_params:
        if q.name in given or (q.name in dated and window is not None):
            continue
        if q.enforced:
            problems.append(f"{q.name} ({q.name_ko}) is required")
        elif mode is not None and mode in q.required_when and q.name not in dated:
            problems.append(f"{q.name} ({q.name_ko}) is required when inqryDiv={mode}")
    if problems:
        raise InvalidParams(f"params: {'; '.join(problems)}. {_parameters_of(op)}")
    return given, window, mode


def _too_wide(low: dt.datetime, high: dt.datetime, limit: str) -> bool:
    """True when [low, high] is longer than ``limit`` (by calendar date, as the gateway counts)."""
    start, end = low.date(), high.date()
    if limit in ("day", "week"):
        return end > start + dt.timedelta(days=1 if limit == "day" else 7)
    months = {"month": 1, "year": 12, "36 months": 36}[limit]
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    latest = dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    return end > latest


@tool(
    name="call_operation",
    title=("오퍼레이션 직접 호출", "Call any G2B operation"),
    description=(
        "카탈로그에 있는 조달청 오퍼레이션 191개 중 어느 것이든 게이트웨이 파라미터 이름 그대로 호출합니다. "
        "전용 도구가 없는 정보에만 쓰고, 먼저 search_operations·describe_operation으로 오퍼레이션과 "
        "파라미터를 확인하세요. 파라미터는 요청 전에 카탈로그로 검사합니다"
        "(모르는 이름, 빠진 필수값, 날짜 형식, 조회기간 제한). "
        "기간은 start_date/end_date(YYYY-MM-DD)로 주면 제한에 맞게 나눠 조회합니다. "
        "기본값: 기간이 필요한 조회는 오늘까지 최근 7일, 날짜 필드를 알면 최신순(아니면 원본 순서), "
        "최대 50건; "
        "더 있으면 next로 이어받습니다. 각 행은 {게이트웨이 필드명: 문자열}입니다. "
        '예: {"service": "CntrctInfoService", "operation": "getCntrctInfoListThngChgHstry", '
        '"params": {"inqryDiv": "1"}, "limit": 20}',
        "Calls any of the 191 catalogued 조달청 (나라장터) operations with the gateway's own parameter "
        "names. Use it only for what no curated tool covers; find the operation and its parameters "
        "first with search_operations and describe_operation. Parameters are checked against the "
        "catalog before any upstream request (unknown names, missing required values, date formats, "
        "range limits). Give a period as start_date/end_date (YYYY-MM-DD): it is split into windows "
        "the operation accepts. Defaults: the last 7 days up to today (KST) where the operation needs "
        "dates; newest first when the row's date is known (else the upstream's order); at most 50 "
        "rows, continued with `next`. Each row is {gateway field name: string}. "
        'Example: {"service": "CntrctInfoService", "operation": "getCntrctInfoListThngChgHstry", '
        '"params": {"inqryDiv": "1"}, "limit": 20}',
    ),
    scopes=SCOPES,
)
async def call_operation(ctx: Context, p: CallOperation) -> OperationRows:
    """Check the parameters against the catalog, then page the operation like any list tool."""
    op = lookup(p.service, p.operation)
    given, window, mode = _check(op, p)
    declared = generic_operation(op, mode)
    dated = set(declared.date_params or ()) if window is not None else set()
    wire = {k: v for k, v in given.items() if k not in dated}

    def next_arguments(cursor: str) -> dict[str, Any]:
        arguments: dict[str, Any] = msgspec.to_builtins(msgspec.structs.replace(p, cursor=cursor))
        if window is not None:  # a default window stays the same when the day changes
            arguments["start_date"], arguments["end_date"] = window[0].isoformat(), window[1].isoformat()
        return {k: v for k, v in arguments.items() if v is not None}

    async def on_items(records: list[Any]) -> None:
        await ctx.items([as_row(r) for r in records])

    listing: Listing[Record] = await ctx.resources[CLIENT].collect(
        declared,
        wire,
        window=window,
        limit=p.limit,
        order=p.order,
        cursor=p.cursor,
        page_size=p.page_size or max(10, min(p.limit, 999)),
        budget=ctx.time_left(),
        next_arguments=next_arguments,
        on_items=on_items,
        on_progress=ctx.progress,
    )
    fields = {f: getattr(listing, f) for f in Listing.__struct_fields__ if f != "items"}
    return OperationRows(
        items=[as_row(r) for r in listing.items],
        **fields,
        service=op.service,
        operation=op.name,
        ordered_by=declared.order_by,
    )
