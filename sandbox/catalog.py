"""The trimmed G2B catalog (``data/catalog.json.gz``, built by ``scripts/build_sandbox_catalog.py``)."""

from __future__ import annotations

import functools
import gzip
from importlib import resources

import msgspec

__all__ = ["Catalog", "DateRange", "Field", "Limit", "Operation", "Param", "load_catalog"]


class Param(msgspec.Struct, frozen=True):
    """A request parameter; ``required`` only where the doc requires it unconditionally."""

    name: str
    required: bool
    sample: str


class Field(msgspec.Struct, frozen=True, array_like=True):
    """A response item field with the doc's (or doc example's) sample value."""

    name: str
    name_ko: str
    sample: str


class Limit(msgspec.Struct, frozen=True):
    """Longest range one call may ask for; ``source`` is "doc" or "practice"."""

    unit: str  # day | week | month | year
    amount: int
    source: str


class DateRange(msgspec.Struct, frozen=True):
    """A pair of request params bounding a date range (``begin == end`` for a single year param)."""

    begin: str
    end: str
    format: str  # datetime (YYYYMMDDHHMM) | date (YYYYMMDD) | month (YYYYMM) | year (YYYY)
    limit: Limit | None


class Operation(msgspec.Struct, frozen=True, dict=True):
    """One gateway operation."""

    service: str
    prefix: str
    params: tuple[Param, ...]
    fields: tuple[Field, ...]
    invented_fields: bool
    date_ranges: tuple[DateRange, ...]
    # inqryDiv mode -> the item field its date range filters and orders by (modes naming a moment
    # that a field prints; derived from the doc's wording by scripts/build_sandbox_catalog.py).
    date_modes: dict[str, str] = msgspec.field(default_factory=dict)
    name: str = ""

    @functools.cached_property
    def param_names(self) -> frozenset[str]:
        """Names of the operation-specific request params."""
        return frozenset(p.name for p in self.params)

    @functools.cached_property
    def required(self) -> tuple[str, ...]:
        """Params whose absence is answered with provider code 08."""
        return tuple(p.name for p in self.params if p.required)

    @functools.cached_property
    def date_params(self) -> frozenset[str]:
        """Params that take a date, date-time, month or year."""
        return frozenset(name for r in self.date_ranges for name in (r.begin, r.end))


class Catalog(msgspec.Struct, frozen=True):
    """All operations, keyed by name (names are unique across services)."""

    version: int
    source: str
    operations: dict[str, Operation]
    provider_codes: dict[str, str]
    gateway_codes: dict[str, str]

    def find(self, prefix: str, service: str, operation: str) -> Operation | None:
        """The operation served at ``/1230000/{prefix}/{service}/{operation}``, if any."""
        op = self.operations.get(operation)
        if op is None or op.service != service or op.prefix != prefix:
            return None
        return op


@functools.cache
def load_catalog() -> Catalog:
    """Load the packaged catalog once per process."""
    raw = gzip.decompress(resources.files(__package__).joinpath("data/catalog.json.gz").read_bytes())
    catalog = msgspec.json.decode(raw, type=Catalog)
    # The name is the JSON key; copy it into each Operation so callers can pass one object around.
    named = {name: msgspec.structs.replace(op, name=name) for name, op in catalog.operations.items()}
    return msgspec.structs.replace(catalog, operations=named)
