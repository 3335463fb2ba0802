"""Render docs/tools.md from the registry: every first-party tool, its text, parameters and result.

    python scripts/tools_doc.py            # print it
    python scripts/tools_doc.py --write    # update docs/tools.md

tests/test_docs.py fails when docs/tools.md is stale, so the reference cannot drift from the code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from naramarket.kernel import Settings, Tool
from naramarket.kernel.host import json_schema, load_tools, make_plugin_manager

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "tools.md"
FIRST_PARTY_PREFIX = "naramarket.plugins."


def first_party() -> list[Tool[Any, Any]]:
    """The tools of this distribution's own plugins (whatever else is installed)."""
    registry = load_tools(make_plugin_manager(Settings().load_plugins))
    return [t for t in registry if t.handler.__module__.startswith(FIRST_PARTY_PREFIX)]


def _type(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"] if p.get("type") != "null")
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    kind = prop.get("type", "object")
    if prop.get("format"):
        kind += f" ({prop['format']})"
    return str(kind)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(tools: list[Tool[Any, Any]]) -> str:
    lines = [
        "# Tools",
        "",
        "Generated from the registry by `python scripts/tools_doc.py --write` (a test fails when it is",
        "stale). Every tool is the same on every surface: MCP (`tools/call`), REST",
        "(`POST /api/v1/tools/{name}`), SSE (`POST /api/v1/tools/{name}/stream`) and the CLI",
        "(`naramarket call NAME key=value ...`).",
        "",
        "| tool | plugin | title |",
        "|---|---|---|",
    ]
    lines += [f"| [`{t.name}`](#{t.name}) | {t.plugin} | {_cell(t.title)} |" for t in tools]
    for tool in tools:
        schema = json_schema(tool.params)
        required = set(schema.get("required", []))
        lines += [
            "",
            f"## {tool.name}",
            "",
            f"**{tool.title}** — plugin `{tool.plugin}`, scopes `{' '.join(tool.scopes) or '(none)'}`",
            "",
            tool.description_ko,
            "",
            tool.description_en,
        ]
        lines += ["", "| parameter | type | required | default | description |", "|---|---|---|---|---|"]
        properties = schema.get("properties", {})
        for name in sorted(properties, key=lambda n: n not in required):  # required ones first
            prop = properties[name]
            default = "" if name in required or prop.get("default") is None else f"`{prop['default']}`"
            lines.append(
                f"| `{name}` | {_type(prop)} | {'yes' if name in required else ''} | {default} | "
                f"{_cell(prop.get('description', ''))} |"
            )
        result = json_schema(tool.result)
        fields = ", ".join(f"`{n}`" for n in result.get("properties", {}))
        lines += ["", f"Result: {fields}."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    text = render(first_party())
    if args.write:
        DOC.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
