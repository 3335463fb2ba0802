"""JSON Schema (2020-12) from msgspec types: self-contained, object-typed, as MCP requires."""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

__all__ = ["json_schema"]


@cache
def _schema(tp: Any) -> dict[str, Any]:
    (root,), components = msgspec.json.schema_components((tp,), ref_template="#/$defs/{name}")
    if "$ref" in root:
        name = root["$ref"].rsplit("/", 1)[-1]
        recursive = f'"#/$defs/{name}"'.encode() in msgspec.json.encode(components)
        # A self-referencing type keeps its definition in $defs so its refs still resolve.
        schema = dict(components[name]) if recursive else dict(components.pop(name))
    else:
        schema = dict(root)
    if components:
        schema["$defs"] = components
    schema.setdefault("type", "object")
    return schema


def json_schema(tp: Any) -> dict[str, Any]:
    """A self-contained JSON Schema for ``tp`` (a fresh copy: callers may annotate it)."""
    schema: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(_schema(tp)))
    return schema
