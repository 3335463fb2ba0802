"""The packaged G2B operation catalog: it round-trips the reference, is current, declares any operation."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
from importlib import resources
from pathlib import Path

import msgspec
import pytest

from naramarket.datago import DAY, MONTH, WEEK, YEAR, RangeLimit
from naramarket.datago.g2b import KST, as_row, generic_operation, load_catalog
from naramarket.datago.records import codec_for
from tests.conftest import ROOT

REFERENCE = ROOT / ".." / "shared" / "g2b-reference" / "catalog.json"
needs_reference = pytest.mark.skipif(
    not REFERENCE.exists(), reason="../shared/g2b-reference is not beside the clone"
)


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


@needs_reference
def test_every_operation_and_parameter_round_trips_the_reference(reference: dict) -> None:
    catalog = load_catalog()
    expected = {(s, o) for s, service in reference["services"].items() for o in service["operations"]}
    assert {(op.service, op.name) for op in catalog.operations} == expected
    assert len(catalog.operations) == 191
    for service_name, service in reference["services"].items():
        ours = catalog.service(service_name)
        assert ours is not None and ours.name_ko == service["name_ko"]
        for name, op in service["operations"].items():
            info = catalog.operation(service_name, name)
            assert info is not None
            assert "/1230000/" + info.path == op["path"]
            assert info.summary_ko == op["summary_ko"]
            params = [(p.name, p.name_ko, p.required, p.sample, p.description) for p in info.params]
            assert params == [
                (p["name"], p.get("name_ko") or "", p["required"], p.get("sample") or "", p.get("desc") or "")
                for p in op["params"]
            ]
            if op["item_fields"]:
                assert [(f.name, f.name_ko) for f in info.fields] == [
                    (f["name"], f["name_ko"]) for f in op["item_fields"]
                ]
            else:
                assert info.fields_invented and info.fields  # UsrInfoService02: no fields documented


@needs_reference
def test_the_packaged_file_is_what_the_builder_makes(reference: dict) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_g2b_catalog", ROOT / "scripts" / "build_g2b_catalog.py"
    )
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    packaged = resources.files("naramarket.datago.g2b").joinpath("data/catalog.json.gz").read_bytes()
    assert json.loads(gzip.decompress(packaged)) == builder.build(reference), (
        "stale: run python scripts/build_g2b_catalog.py"
    )


def test_the_loaded_catalog_holds_exactly_the_packaged_file() -> None:
    """Loading shares repeated strings between operations; every value stays the file's own."""
    packaged = resources.files("naramarket.datago.g2b").joinpath("data/catalog.json.gz").read_bytes()
    expected = json.loads(gzip.decompress(packaged))
    for service in expected["services"]:
        for op in service["operations"]:
            op.update(service=service["name"], path=f"{service['path']}/{op['name']}")
    assert json.loads(msgspec.json.encode(load_catalog())) == expected


def test_modes_date_ranges_and_limits() -> None:
    catalog = load_catalog()
    notices = catalog.operation("BidPublicInfoService", "getBidPblancListInfoThng")
    assert notices is not None
    assert notices.modes == {"1": "등록일시", "2": "입찰공고번호", "3": "변경일시"}
    assert notices.param("bidNtceNo").required_when == ("2",)  # type: ignore[union-attr]
    assert notices.param("inqryDiv").enforced  # type: ignore[union-attr]
    span = notices.date_range
    assert span is not None and (span.begin, span.format, span.pattern) == (
        "inqryBgnDt",
        "datetime",
        "YYYYMMDDHHMM",
    )
    assert (span.range_limit, span.limit_source) == (MONTH, "practice")
    assert notices.order_field("1").field == "rgstDt"  # type: ignore[union-attr]
    assert notices.order_field("3").field == "chgDt"  # type: ignore[union-attr]
    assert notices.order_field("2") is None  # a number search has no date to order by

    def limit(service: str, name: str) -> RangeLimit | None:
        op = catalog.operation(service, name)
        assert op is not None and op.date_range is not None
        return op.date_range.range_limit

    assert limit("PubDataOpnStdService", "getDataSetOpnStdScsbidInfo") is DAY
    assert limit("PubDataOpnStdService", "getDataSetOpnStdCntrctInfo") is WEEK
    assert limit("ShoppingMallPrdctInfoService", "getMASCntrctPrdctInfoList") is YEAR
    assert limit("ShoppingMallPrdctInfoService", "getVntrPrdctOrderDealDtlsInfoList") is RangeLimit.YEARS_3
    contracts = catalog.operation("CntrctInfoService", "getCntrctInfoListThngPPSSrch")
    assert contracts is not None and contracts.date_range is not None
    assert contracts.date_range.pattern == "YYYYMMDD"
    assert contracts.modes["4"] == "공고번호"


def test_date_values_parse_in_their_own_format() -> None:
    op = load_catalog().operation(None, "getCntrctInfoListThngPPSSrch")
    assert op is not None and op.date_range is not None
    span = op.date_range
    assert span.parse("20251001") == dt.datetime(2025, 10, 1)
    assert span.parse("20251031", end=True) == dt.datetime(2025, 10, 31, 23, 59)
    assert span.parse("202510010000") is None and span.parse("20251301") is None
    stats = load_catalog().operation(None, "getRgnLmtSttus")
    assert stats is not None and stats.date_range is not None
    assert stats.date_range.parse("202502", end=True) == dt.datetime(2025, 2, 28, 23, 59)


def test_word_search_in_korean_and_english() -> None:
    catalog = load_catalog()
    names = [op.name for op in catalog.search("입찰공고 물품")]
    assert "getBidPblancListInfoThng" in names[:3]
    assert all("입찰공고" in op.words and "물품" in op.words for op in catalog.search("입찰공고 물품"))
    changes = [op.name for op in catalog.search("contract change history")]
    assert "getCntrctInfoListThngChgHstry" in changes
    assert [op.service for op in catalog.search("조회", service="PriceInfoService")] == [
        "PriceInfoService"
    ] * len(catalog.search("조회", service="PriceInfoService"))
    assert catalog.search("no such thing anywhere") == []


def test_every_operation_can_be_declared_with_untyped_rows() -> None:
    for op in load_catalog().operations:
        for mode in [None, *op.modes]:
            declared = generic_operation(op, mode)
            assert declared.path == op.path
            assert declared is generic_operation(op, mode)  # declared once, shared
            assert set(codec_for(declared.record).wire_names.values()) == {f.name for f in op.fields}


def test_a_generic_row_keeps_the_gateways_names_and_printing() -> None:
    op = load_catalog().operation("BidPublicInfoService", "getBidPblancListInfoThng")
    assert op is not None
    declared = generic_operation(op, "1")
    assert declared.order_by == "rgstDt" and declared.range_limit is MONTH
    assert declared.format_range(dt.date(2025, 10, 1), dt.date(2025, 10, 31)) == {
        "inqryBgnDt": "202510010000",
        "inqryEndDt": "202510312359",
    }
    codec = codec_for(declared.record)
    item = {"bidNtceNo": "R25BK00000001", "bidNtceNm": "CCTV 유지보수", "rgstDt": "2025-10-02 09:15:07"}
    record = codec.from_view(msgspec.json.decode(json.dumps(item).encode(), type=codec.view))
    assert record.rgstDt == dt.datetime(2025, 10, 2, 9, 15, 7, tzinfo=KST)
    row = as_row(record)
    assert {k: row[k] for k in item} == item
    assert row["ntceInsttNm"] == "" and set(row) == {f.name for f in op.fields}


def test_the_data_file_ships_inside_the_package() -> None:
    path = Path(str(resources.files("naramarket.datago.g2b").joinpath("data/catalog.json.gz")))
    assert path.exists() and path.stat().st_size < 100_000
