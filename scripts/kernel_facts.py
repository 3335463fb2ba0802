"""Measure the kernel: lines per module and the third-party distributions it imports.

    python scripts/kernel_facts.py            # the table docs/architecture.md shows
    python scripts/kernel_facts.py --check    # exit 1 if the kernel outgrew its budget or its deps
    python scripts/kernel_facts.py --write    # put the table into docs/architecture.md

The figures in docs/architecture.md are this script's output (tests/test_docs.py compares them),
so they cannot drift from the code.
"""

from __future__ import annotations

import argparse
import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ROOT / "kernel"
# DESIGN.md: "small enough to read in one sitting (about 1,200 lines)". 1,250 grew to 1,275 for
# issue 15's per-call request budget (Context.requests_left, current_call) and redacted problems,
# to 1,285 for redaction's fast paths (issue 14: it runs on every log field and span attribute),
# and to 1,310 for ``tracing_on``, the one "is a tracer provider set" check (three copies before,
# in adapters/telemetry.py and observability's instruments.py and tracing.py).
LINE_BUDGET = 1_320
ALLOWED = {"msgspec", "pluggy", "anyio", "opentelemetry-api"}
DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- kernel-facts:start -->\n", "<!-- kernel-facts:end -->"


def documented() -> str:
    """The table as docs/architecture.md shows it."""
    text = DOC.read_text(encoding="utf-8")
    return text[text.index(START) + len(START) : text.index(END)].rstrip("\n")


def write_docs(table: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    head, tail = text[: text.index(START) + len(START)], text[text.index(END) :]
    DOC.write_text(head + table + "\n" + tail, encoding="utf-8")


def modules() -> list[Path]:
    return sorted(KERNEL.glob("*.py"))


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def third_party(paths: list[Path]) -> set[str]:
    """Distributions of the top-level modules the kernel imports (stdlib and itself excluded)."""
    tops: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops.add(node.module.split(".")[0])
    tops -= set(sys.stdlib_module_names) | {"__future__", "naramarket"}
    dists = packages_distributions()
    names: set[str] = set()
    for top in tops:
        found = dists.get(top, [top])
        # "opentelemetry" is a namespace shared by many distributions; the kernel uses the API only.
        names.update(["opentelemetry-api"] if top == "opentelemetry" else found)
    return names


def report() -> tuple[str, int, set[str]]:
    paths = modules()
    rows = [(p.name, line_count(p)) for p in paths]
    total = sum(n for _, n in rows)
    deps = third_party(paths)
    lines = ["| module | lines |", "|---|---:|"]
    lines += [f"| `kernel/{name}` | {n} |" for name, n in rows]
    lines.append(f"| **total** | **{total}** |")
    lines.append("")
    lines.append(f"Third-party imports: {', '.join(sorted(deps))}.")
    return "\n".join(lines), total, deps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if over budget or over the allowed deps")
    parser.add_argument("--write", action="store_true", help="update the table in docs/architecture.md")
    args = parser.parse_args()
    table, total, deps = report()
    print(table)
    if args.write:
        write_docs(table)
    if args.check:
        problems = []
        if total > LINE_BUDGET:
            problems.append(f"the kernel has {total} lines, over its budget of {LINE_BUDGET}")
        if deps - ALLOWED:
            problems.append(f"the kernel imports {sorted(deps - ALLOWED)} beyond {sorted(ALLOWED)}")
        for problem in problems:
            print(f"kernel_facts: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
