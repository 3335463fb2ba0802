"""kernel/schema.py: JSON Schemas MCP clients can use as they are."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
import pytest

from naramarket.datago import Listing
from naramarket.kernel import Params
from naramarket.kernel.host import json_schema
from tests.datago.fakes import Row


class Search(Params):
    """Parameters with one required field and constraints."""

    category: Annotated[str, msgspec.Meta(min_length=1, description="품명 / category")]
    start_date: dt.date | None = None
    page_size: Annotated[int, msgspec.Meta(ge=1, le=999)] = 100


class Summary(msgspec.Struct):
    """A result that nests other structs."""

    listing: Listing[Row]
    first: Row | None = None


class Category(msgspec.Struct):
    """A result that refers to itself (물품분류 tree)."""

    name: str
    children: list[Category] = []


def refs(node: Any) -> list[str]:
    """Every ``$ref`` anywhere in ``node``."""
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def assert_self_contained(schema: dict[str, Any]) -> None:
    defs = schema.get("$defs", {})
    for ref in refs(schema):
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in defs, f"{ref} does not resolve"


def test_params_schema_is_a_closed_object_with_required_fields() -> None:
    schema = json_schema(Search)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["category"]
    assert schema["properties"]["page_size"]["minimum"] == 1
    assert schema["properties"]["page_size"]["maximum"] == 999
    assert schema["properties"]["start_date"]["anyOf"][0]["format"] == "date"
    assert "$ref" not in schema  # the root is inlined, not a pointer


@pytest.mark.parametrize("result", [Listing[Row], Summary], ids=["listing", "nested"])
def test_result_schemas_are_self_contained(result: Any) -> None:
    schema = json_schema(result)
    assert schema["type"] == "object"
    assert_self_contained(schema)


def test_a_recursive_result_schema_is_self_contained() -> None:
    assert_self_contained(json_schema(Category))


def test_record_fields_document_their_upstream_name() -> None:
    schema = json_schema(Listing[Row])
    row = next(d for name, d in schema["$defs"].items() if name.startswith("Row"))
    assert row["properties"]["row_id"]["x-upstream-field"] == "rowId"


def test_each_call_returns_a_fresh_copy() -> None:
    json_schema(Search)["properties"]["category"]["description"] = "changed by a caller"
    assert json_schema(Search)["properties"]["category"]["description"] == "품명 / category"
