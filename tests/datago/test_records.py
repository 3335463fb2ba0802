"""kernel/records.py: upstream strings become typed values at the edge, declared once per record."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
import pytest

from naramarket.datago import KST, Record, derived, wire
from naramarket.datago.envelope import decode_page
from naramarket.datago.g2b import G2B
from naramarket.datago.records import codec_for

from .fakes import success_json, success_xml


class Typed(Record):
    """One field of every supported type."""

    amount: Annotated[int | None, wire("cntrctPrceAmt")] = None
    rate: Annotated[float | None, wire("bidprcrt")] = None
    flag: Annotated[bool | None, wire("smetprCmptProdctYn")] = None
    day: Annotated[dt.date | None, wire("cntrctDate")] = None
    at: Annotated[dt.datetime | None, wire("rgstDt")] = None
    text: Annotated[str, wire("prdctSpecNm")] = ""


def decoded(wire_name: str, value: Any) -> Any:
    """The typed value ``value`` becomes when upstream sends it as field ``wire_name``, via JSON and XML."""
    attr = next(a for a, w in codec_for(Typed).wire_names.items() if w == wire_name)
    from_json = decode_page(success_json([{wire_name: value}], total=1), codec_for(Typed), G2B).items[0]
    if isinstance(value, str):  # XML can only carry text
        from_xml = decode_page(success_xml([{wire_name: value}], total=1), codec_for(Typed), G2B).items[0]
        assert getattr(from_xml, attr) == getattr(from_json, attr)
    return getattr(from_json, attr)


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("42,800,000", 42_800_000),
        ("42800000", 42_800_000),
        (" 1,000 ", 1000),
        ("0", 0),
        (42_800_000, 42_800_000),
    ],
)
def test_amounts_become_int(value: Any, want: int) -> None:
    assert decoded("cntrctPrceAmt", value) == want


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_values_become_none(value: str) -> None:
    for wire_name in ("cntrctPrceAmt", "bidprcrt", "smetprCmptProdctYn", "cntrctDate", "rgstDt"):
        assert decoded(wire_name, value) is None


def test_absent_fields_take_their_default() -> None:
    record = decode_page(success_json([{"other": "x"}], total=1), codec_for(Typed), G2B).items[0]
    assert record == Typed()


def test_rates_become_float() -> None:
    assert decoded("bidprcrt", "99.462") == pytest.approx(99.462)


@pytest.mark.parametrize(("value", "want"), [("Y", True), ("N", False), ("y", True), ("n", False)])
def test_yes_no_becomes_bool(value: str, want: bool) -> None:
    assert decoded("smetprCmptProdctYn", value) is want


@pytest.mark.parametrize("value", ["20250624", "2025-06-24", "2025-06-24 10:30:00"])
def test_dates_in_either_upstream_format_become_date(value: str) -> None:
    assert decoded("cntrctDate", value) == dt.date(2025, 6, 24)


@pytest.mark.parametrize("value", ["2025.06.24", "2025/06/24"])
def test_dotted_and_slashed_dates_become_date(value: str) -> None:
    assert decoded("cntrctDate", value) == dt.date(2025, 6, 24)


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("2025-07-01 06:30:20", dt.datetime(2025, 7, 1, 6, 30, 20)),
        ("2025-07-01 06:30", dt.datetime(2025, 7, 1, 6, 30)),
        ("2025-07-01 06:30:20.0", dt.datetime(2025, 7, 1, 6, 30, 20)),
        ("20250701063020", dt.datetime(2025, 7, 1, 6, 30, 20)),
    ],
)
def test_datetimes_are_aware_in_korea_time(value: str, want: dt.datetime) -> None:
    got = decoded("rgstDt", value)
    assert got == want.replace(tzinfo=KST)
    assert got.utcoffset() == dt.timedelta(hours=9)
    # The instant is right, not just the wall clock: 06:30 KST is 21:30 UTC the day before.
    assert got.astimezone(dt.UTC) == (want - dt.timedelta(hours=9)).replace(tzinfo=dt.UTC)


def test_twelve_digit_datetimes_keep_their_minutes() -> None:
    # YYYYMMDDHHMM is the request format; a strptime cascade once read it as 06:03.
    assert decoded("rgstDt", "202507010630") == dt.datetime(2025, 7, 1, 6, 30, tzinfo=KST)


@pytest.mark.parametrize("value", ["2025-02-30", "20251301", "2025-02-30 10:00:00", "미정"])
def test_impossible_dates_become_none(value: str) -> None:
    assert decoded("cntrctDate", value) is None
    assert decoded("rgstDt", value) is None


def test_impossible_times_become_none() -> None:
    assert decoded("rgstDt", "2025-07-01 25:00:00") is None


@pytest.mark.parametrize("value", ["N/A", "-", "해당없음"])
def test_unreadable_amount_becomes_none_like_an_unreadable_date(value: str) -> None:
    assert decoded("cntrctPrceAmt", value) is None


def test_text_is_trimmed() -> None:
    assert decoded("prdctSpecNm", "  조합놀이대, CP-503 \n") == "조합놀이대, CP-503"


def test_records_serialise_with_iso_dates_and_kst_offset() -> None:
    record = Typed(at=dt.datetime(2025, 7, 1, 6, 30, 20, tzinfo=KST), day=dt.date(2025, 6, 24))
    out = msgspec.to_builtins(record)
    assert out["at"] == "2025-07-01T06:30:20+09:00"
    assert out["day"] == "2025-06-24"


# -- declarations the codec refuses -------------------------------------------------------------------


class NoUpstream(Record):
    """A field without upstream(): the codec would not know where to read it."""

    product_id: Annotated[str, wire("prdctIdntNo")] = ""
    price: int | None = None


class MetaWithoutUpstream(Record):
    """Annotated, but with a constraint instead of upstream()."""

    price: Annotated[int, msgspec.Meta(ge=0)] = 0


class UnsupportedType(Record):
    """A type the edge has no converter for."""

    tags: Annotated[list[str], wire("tags")] = msgspec.field(default_factory=list)


@pytest.mark.parametrize(
    ("record", "field"),
    [(NoUpstream, "NoUpstream.price"), (MetaWithoutUpstream, "MetaWithoutUpstream.price")],
)
def test_a_field_without_upstream_is_refused_when_the_codec_is_built(
    record: type[Record], field: str
) -> None:
    with pytest.raises(TypeError, match=field):
        codec_for(record)


def test_an_unsupported_field_type_is_refused() -> None:
    with pytest.raises(TypeError, match="list"):
        codec_for(UnsupportedType)


def test_the_codec_is_built_once_per_record() -> None:
    assert codec_for(Typed) is codec_for(Typed)


class Tagged(Record):
    """A record with a derived attribute between wire ones (as a subclass adds wire fields after it)."""

    name: Annotated[str, wire("prdctSpecNm")] = ""
    kind: Annotated[str, derived("the kind the operation answers for")] = ""


class TaggedMore(Tagged):
    amount: Annotated[int | None, wire("cntrctPrceAmt")] = None


Goods = msgspec.defstruct("Goods", [("kind", Annotated[str, derived("kind")], "물품")], bases=(TaggedMore,))


def test_derived_attributes_keep_the_record_types_value_whatever_the_upstream_sends() -> None:
    body = success_json([{"prdctSpecNm": "노트북", "cntrctPrceAmt": "1,000", "kind": "공사"}], total=1)
    (record,) = decode_page(body, codec_for(Goods), G2B).items
    assert (record.name, record.amount, record.kind) == ("노트북", 1000, "물품")
    schema = msgspec.json.schema(Goods)["$defs"]["Goods"]["properties"]["kind"]
    assert schema.get("x-derived") is True and "x-upstream-field" not in schema


def test_an_attribute_neither_wire_nor_derived_is_refused() -> None:
    class Bare(Record):
        name: Annotated[str, msgspec.Meta(description="no wire")] = ""

    with pytest.raises(TypeError, match="wire"):
        codec_for(Bare)
