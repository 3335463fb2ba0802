"""The docs state measured facts: the kernel's size and dependencies are the script's output."""

from __future__ import annotations

import importlib.util
import sys

from tests.conftest import ROOT


def load_kernel_facts():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("kernel_facts", ROOT / "scripts" / "kernel_facts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kernel_facts"] = module
    spec.loader.exec_module(module)
    return module


def test_architecture_doc_shows_the_measured_kernel() -> None:
    facts = load_kernel_facts()
    table, _, _ = facts.report()
    assert facts.documented() == table, "run: python scripts/kernel_facts.py --write"


def test_the_kernel_stays_within_its_budget_and_dependencies() -> None:
    facts = load_kernel_facts()
    _, total, deps = facts.report()
    assert total <= facts.LINE_BUDGET
    assert deps <= facts.ALLOWED


def test_the_tools_reference_is_generated_from_the_registry() -> None:
    spec = importlib.util.spec_from_file_location("tools_doc", ROOT / "scripts" / "tools_doc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tools = module.first_party()
    assert {t.name for t in tools} >= {"crawl_list"}
    assert (ROOT / "docs" / "tools.md").read_text(encoding="utf-8") == module.render(tools), (
        "docs/tools.md is stale: run python scripts/tools_doc.py --write"
    )
