"""Cells and headers of exported files: Excel-friendly, deterministic, never a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io

import msgspec

from naramarket.datago import KST
from naramarket.exports import formats


class Row(msgspec.Struct):
    name: str
    amount: int | None
    ok: bool | None
    day: dt.date | None
    at: dt.datetime | None


def test_csv_starts_with_a_bom_and_reads_back_as_korean_text() -> None:
    columns = formats.columns_of(Row)
    rows = [
        Row(
            "데스크톱컴퓨터, 삼성",
            -1500,
            True,
            dt.date(2025, 3, 1),
            dt.datetime(2025, 3, 1, 9, 5, tzinfo=KST),
        )
    ]
    data = formats.header("csv", columns) + formats.encode_rows("csv", rows, columns)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table == [
        ["name", "amount", "ok", "day", "at"],
        ["데스크톱컴퓨터, 삼성", "-1500", "Y", "2025-03-01", "2025-03-01 09:05:00"],
    ]
    assert b"\r\n" in data  # RFC 4180 line ends, as Excel writes them


def test_text_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    hostile = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain"]
    rows = [{"v": v} for v in hostile]
    out = formats.encode_rows("csv", rows, ["v"]).decode()
    cells = [r[0] for r in csv.reader(io.StringIO(out, newline=""))]
    assert cells[:6] == ["'" + v for v in hostile[:6]]
    assert cells[6] == "plain"
    # A header from the upstream's own field names is neutralised too.
    assert formats.header("csv", ["=cmd"]).endswith(b"'=cmd\r\n")


def test_ndjson_is_one_json_document_per_record() -> None:
    rows = [Row("가", 1, None, None, None), Row("나", None, False, dt.date(2025, 1, 2), None)]
    lines = formats.encode_rows("ndjson", rows, formats.columns_of(Row)).splitlines()
    assert [msgspec.json.decode(line)["name"] for line in lines] == ["가", "나"]
    assert formats.header("ndjson", ["name"]) == b""
