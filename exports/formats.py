"""File formats of exports: Excel-friendly CSV (UTF-8 with BOM) and NDJSON, written chunk by chunk.

Columns are stable: a record type's fields in declaration order (the names ``GET /api/v1/tools``
shows in the tool's output schema), so two exports of one tool always share a header. Cells are
deterministic (no timestamps of the export itself), which keeps a resumed export byte-identical
to an uninterrupted one.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) get a leading ``'`` (OWASP "CSV injection"); typed numbers are written
as numbers, so a negative amount stays a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any, Literal, get_args

import msgspec

from naramarket.datago import KST

__all__ = ["FORMATS", "Format", "columns_of", "encode_rows", "header", "neutralise", "suffix"]

Format = Literal["csv", "ndjson"]
FORMATS: tuple[str, ...] = get_args(Format)
BOM = "\ufeff".encode()
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_json = msgspec.json.Encoder()


def suffix(fmt: Format) -> str:
    """The file name extension of ``fmt``."""
    return {"csv": ".csv", "ndjson": ".ndjson"}[fmt]


def neutralise(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def columns_of(record_type: Any, first: Any | None = None) -> list[str]:
    """The columns of a record type (Struct fields in order), else of the first record (a dict's keys)."""
    fields = getattr(record_type, "__struct_fields__", None)
    if fields:
        return list(fields)
    if isinstance(first, msgspec.Struct):
        return list(first.__struct_fields__)
    if isinstance(first, dict):
        return [str(k) for k in first]
    return ["value"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):  # before int: bool is an int
        return "Y" if value else "N"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.datetime):
        # Excel reads "YYYY-MM-DD HH:MM:SS" as a date-time; every upstream time is KST.
        local = value.astimezone(KST) if value.tzinfo is not None else value
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(_json.encode(value).decode())


def _values(record: Any, columns: Sequence[str]) -> list[str]:
    if isinstance(record, dict):
        return [_cell(record.get(c)) for c in columns]
    if isinstance(record, msgspec.Struct):
        return [_cell(getattr(record, c, None)) for c in columns]
    return [_cell(record)]


def header(fmt: Format, columns: Sequence[str]) -> bytes:
    """What a new file starts with: for CSV the BOM (so Excel reads UTF-8 Korean) and the header row."""
    if fmt != "csv":
        return b""
    out = io.StringIO()
    csv.writer(out).writerow([neutralise(c) for c in columns])
    return BOM + out.getvalue().encode()


def encode_rows(fmt: Format, records: Sequence[Any], columns: Sequence[str]) -> bytes:
    """One chunk of records as bytes of ``fmt`` (CSV rows end in CRLF, as RFC 4180 and Excel want)."""
    if fmt == "ndjson":
        return b"".join(_json.encode(r) + b"\n" for r in records)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(_values(r, columns) for r in records)
    return out.getvalue().encode()
