"""The 조달청 operation catalog: every G2B operation's parameters, modes, date limits and fields.

Built from the g2b reference by ``scripts/build_g2b_catalog.py`` into ``data/catalog.json.gz``
(package data) and loaded on first use::

    catalog = load_catalog()
    op = catalog.operation("BidPublicInfoService", "getBidPblancListInfoThng")
    op.param("inqryDiv").name_ko      # "조회구분"
    catalog.search("입찰공고 물품")      # operations whose names match every word

``generic_operation(op, mode)`` declares any catalogued operation as a ``G2bOperation`` whose
records carry every catalogued item field as a string (attribute name = the gateway's name), so
``collect()`` pages, windows and orders it like a hand-written one; ``as_row`` turns such a record
into a plain ``dict[str, str]``.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import re
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

from ..operation import RangeLimit
from ..records import KstDateTime, Record, wire

if TYPE_CHECKING:
    from . import G2bOperation

__all__ = [
    "Catalog",
    "DateRangeInfo",
    "FieldInfo",
    "OperationInfo",
    "OrderField",
    "ParamInfo",
    "ServiceInfo",
    "as_row",
    "generic_operation",
    "load_catalog",
]

COMMON_PARAMS = frozenset({"servicekey", "pageno", "numofrows", "type"})
DateFormat = Literal["datetime", "date", "month", "year"]
_STRFTIME = {"datetime": "%Y%m%d%H%M", "date": "%Y%m%d", "month": "%Y%m", "year": "%Y"}
_PATTERN = {"datetime": "YYYYMMDDHHMM", "date": "YYYYMMDD", "month": "YYYYMM", "year": "YYYY"}
_LIMITS = {limit.value: limit for limit in RangeLimit}


class ParamInfo(msgspec.Struct, frozen=True, array_like=True):
    """A request parameter as the reference documents it.

    ``required`` is the doc's own flag (항목구분); ``enforced`` is true only where it is required
    unconditionally (not "조회구분이 2인 경우 필수", not defaulted); ``required_when`` lists the
    조회구분 (``inqryDiv``) modes in which the doc requires it.
    """

    name: str
    name_ko: str
    required: bool
    sample: str
    description: str
    enforced: bool
    required_when: tuple[str, ...] = ()

    @property
    def common(self) -> bool:
        """True for the parameters every call carries (ServiceKey, pageNo, numOfRows, type)."""
        return self.name.lower() in COMMON_PARAMS


class FieldInfo(msgspec.Struct, frozen=True, array_like=True):
    """An item (response row) field: the gateway's name and its Korean name."""

    name: str
    name_ko: str


class OrderField(msgspec.Struct, frozen=True, array_like=True):
    """The item field a date mode filters on, its kind, and how the gateway prints it (strftime)."""

    field: str
    kind: Literal["datetime", "date"]
    format: str


class DateRangeInfo(msgspec.Struct, frozen=True):
    """A pair of request parameters bounding a date range (``begin == end`` for one year param)."""

    begin: str
    end: str
    format: DateFormat
    limit: str | None  # "day" | "week" | "month" | "year" | "36 months"
    limit_source: str  # "doc", or "practice" (07 past about a month although the doc says nothing)

    @property
    def pattern(self) -> str:
        """The documented value pattern, e.g. ``YYYYMMDDHHMM``."""
        return _PATTERN[self.format]

    @property
    def strftime(self) -> str:
        """The ``strftime`` format of a value."""
        return _STRFTIME[self.format]

    @property
    def range_limit(self) -> RangeLimit | None:
        """The limit as the library's ``RangeLimit`` (for date windows)."""
        return _LIMITS.get(self.limit) if self.limit else None

    def parse(self, value: str, *, end: bool = False) -> dt.datetime | None:
        """The first (or with ``end`` the last) minute ``value`` stands for; None if malformed."""
        if len(value) != len(self.pattern) or not value.isdigit():
            return None
        year, month, day, hour, minute = int(value[:4]), 1, 1, 0, 0
        try:
            if self.format == "year":
                return dt.datetime(year, 12, 31, 23, 59) if end else dt.datetime(year, 1, 1)
            month = int(value[4:6])
            if self.format == "month":
                first = dt.datetime(year, month, 1)
                if not end:
                    return first
                following = dt.datetime(year + month // 12, month % 12 + 1, 1)
                return following - dt.timedelta(minutes=1)
            day = int(value[6:8])
            if self.format == "date":
                return dt.datetime(year, month, day, 23, 59) if end else dt.datetime(year, month, day)
            hour, minute = int(value[8:10]), int(value[10:12])
            return dt.datetime(year, month, day, hour, minute)
        except ValueError:
            return None


class OperationInfo(msgspec.Struct, frozen=True, dict=True):
    """One operation: its summary, parameters, 조회구분 modes, date ranges and item fields."""

    name: str
    summary_ko: str
    summary_en: str
    description_ko: str
    params: tuple[ParamInfo, ...]
    modes: dict[str, str]  # inqryDiv value -> what it searches by, e.g. {"1": "등록일시"}
    date_ranges: tuple[DateRangeInfo, ...]
    fields: tuple[FieldInfo, ...]
    fields_invented: bool  # the reference lists no fields; these follow the retired service
    order_fields: dict[str, OrderField]  # mode ("" without modes) -> the field its dates filter
    service: str = ""
    path: str = ""  # e.g. "ad/BidPublicInfoService/getBidPblancListInfoThng"

    @functools.cached_property
    def own_params(self) -> tuple[ParamInfo, ...]:
        """The operation's own parameters (without ServiceKey, pageNo, numOfRows, type)."""
        return tuple(p for p in self.params if not p.common)

    @functools.cached_property
    def param_names(self) -> frozenset[str]:
        """Names of the operation's own parameters."""
        return frozenset(p.name for p in self.own_params)

    def param(self, name: str) -> ParamInfo | None:
        """The parameter called ``name`` (exact gateway spelling), if the operation has one."""
        return next((p for p in self.params if p.name == name), None)

    @property
    def date_range(self) -> DateRangeInfo | None:
        """The main date range: the first whose values are dates or date-times (else the first)."""
        ranges = [r for r in self.date_ranges if r.begin != r.end]
        return next((r for r in ranges if r.format in ("date", "datetime")), ranges[0] if ranges else None)

    def order_field(self, mode: str | None) -> OrderField | None:
        """The field the main date range filters on in ``mode`` (``None``: no mode), if known."""
        return self.order_fields.get(mode or "")

    @property
    def words(self) -> str:
        """The text ``Catalog.search`` matches: names, summaries, modes, parameter and field names."""
        parts = [self.service, self.name, self.summary_ko, self.summary_en, *self.modes.values()]
        parts += [p.name_ko for p in self.own_params]
        return " ".join(parts).lower()


class ServiceInfo(msgspec.Struct, frozen=True):
    """A service (e.g. ``BidPublicInfoService``) and its operations."""

    name: str
    name_ko: str
    path: str  # e.g. "ad/BidPublicInfoService"
    operations: tuple[OperationInfo, ...]


class Catalog(msgspec.Struct, frozen=True, dict=True):
    """All catalogued 조달청 services; operation names are unique across them."""

    version: int
    source: str
    services: tuple[ServiceInfo, ...]

    @functools.cached_property
    def _by_name(self) -> dict[str, OperationInfo]:
        return {op.name: op for service in self.services for op in service.operations}

    @property
    def operations(self) -> tuple[OperationInfo, ...]:
        """Every operation, service by service."""
        return tuple(self._by_name.values())

    def service(self, name: str) -> ServiceInfo | None:
        """The service called ``name`` (``BidPublicInfoService``), if catalogued."""
        return next((s for s in self.services if s.name == name), None)

    def operation(self, service: str | None, name: str) -> OperationInfo | None:
        """The operation ``name``; with ``service``, only if it belongs to that service."""
        op = self._by_name.get(name)
        return op if op is not None and (service is None or op.service == service) else None

    def search(self, query: str, *, service: str | None = None) -> list[OperationInfo]:
        """Operations matching every word of ``query`` (Korean or English, any case), best first.

        A word matches as a substring of the operation's names, summaries, modes and parameter
        names; operations matching it in the summary or name rank first.
        """
        words = [w for w in re.split(r"\s+", query.lower().strip()) if w]
        found = []
        for op in self.operations:
            if service is not None and op.service != service:
                continue
            text = op.words
            if all(w in text for w in words):
                title = f"{op.name} {op.summary_ko} {op.summary_en}".lower()
                found.append((-sum(w in title for w in words), len(op.summary_ko), op))
        found.sort(key=lambda t: (t[0], t[1]))
        return [op for *_, op in found]


@functools.cache
def load_catalog() -> Catalog:
    """The packaged catalog, loaded once per process.

    Operation by operation, so the strings it repeats (parameter and field names, Korean names,
    descriptions: 22,600 strings, 4,100 different) are shared as soon as each is decoded and the
    duplicates' memory is reused by the next operation's instead of staying behind as holes.
    """
    raw = gzip.decompress(resources.files(__package__).joinpath("data/catalog.json.gz").read_bytes())
    wire = msgspec.json.decode(raw, type=_CatalogWire)
    decode = msgspec.json.Decoder(OperationInfo).decode
    seen: dict[str, str] = {}
    services = []
    for service in wire.services:
        operations = []
        for op_raw in service.operations:
            op = _share_strings(decode(op_raw), seen)
            msgspec.structs.force_setattr(op, "service", service.name)
            msgspec.structs.force_setattr(op, "path", f"{service.path}/{op.name}")
            operations.append(op)
        services.append(ServiceInfo(service.name, service.name_ko, service.path, tuple(operations)))
    return Catalog(wire.version, wire.source, tuple(services))


class _ServiceWire(msgspec.Struct, frozen=True):
    name: str
    name_ko: str
    path: str
    operations: tuple[msgspec.Raw, ...]


class _CatalogWire(msgspec.Struct, frozen=True):
    version: int
    source: str
    services: tuple[_ServiceWire, ...]


def _share_strings(value: Any, seen: dict[str, str]) -> Any:
    """``value`` with each string replaced by the first equal one seen (frozen Structs in place)."""
    if isinstance(value, str):
        return seen.setdefault(value, value)
    if isinstance(value, tuple):
        return tuple(_share_strings(item, seen) for item in value)
    if isinstance(value, dict):
        return {_share_strings(k, seen): _share_strings(v, seen) for k, v in value.items()}
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            msgspec.structs.force_setattr(value, name, _share_strings(getattr(value, name), seen))
    return value


def generic_operation(op: OperationInfo, mode: str | None = None) -> G2bOperation[Any]:
    """``op`` as a ``G2bOperation`` with untyped rows: every catalogued item field, as a string.

    In ``mode`` (the ``inqryDiv`` value) whose date range filters a known item field, that field
    is typed as a date so answers come newest first and continue by it; otherwise the rows come
    in the upstream's order. The main date range, its format and limit come from the catalog.
    Declared once per (operation, mode) and shared.
    """
    return _generic(op.name, op.order_field(mode) if op.date_range is not None else None)


@functools.cache
def _generic(name: str, order: OrderField | None) -> G2bOperation[Any]:
    from . import G2bOperation

    op = load_catalog().operation(None, name)
    if op is None:
        raise ValueError(f"{name} is not a catalogued operation")
    spec: list[tuple[str, Any, Any]] = []
    for f in op.fields:
        if order is not None and f.name == order.field:
            kind: Any = KstDateTime if order.kind == "datetime" else dt.date
            spec.append((f.name, Annotated[kind | None, wire(f.name, f.name_ko)], None))
        else:
            spec.append((f.name, Annotated[str, wire(f.name, f.name_ko)], ""))
    record = msgspec.defstruct(f"{op.name}Row", spec, bases=(Record,))
    record.order_format = order.format if order is not None else ""  # type: ignore[attr-defined]
    span = op.date_range
    return G2bOperation(
        op.path.rsplit("/", 1)[0],
        op.name,
        record=record,
        range_limit=span.range_limit if span else None,
        order_by=order.field if order is not None else None,
        date_params=(span.begin, span.end) if span else None,
        date_format=span.strftime if span else "%Y%m%d%H%M",
    )


def as_row(record: Record) -> dict[str, str]:
    """A record of a ``generic_operation`` as ``{gateway field name: value}`` (dates as printed)."""
    fmt: str = getattr(type(record), "order_format", "")
    row = {}
    for name in record.__struct_fields__:
        value = getattr(record, name)
        if isinstance(value, dt.date):
            value = value.strftime(fmt) if fmt else value.isoformat()
        row[name] = "" if value is None else str(value)
    return row
