"""Plugins import only the public surfaces (``naramarket.kernel``, ``naramarket.datago[.g2b]``).

import-linter's layers keep plugins away from adapters, the composition root and the sandbox; this
keeps them off the kernel's and the library's private modules, so those can change their insides
without breaking a plugin.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PLUGIN_FILES = sorted((ROOT / "plugins").rglob("*.py"))
# naramarket.exports: the export service (EXPORTS, JobView) that the ``exports`` plugin drives.
PUBLIC = {"naramarket.kernel", "naramarket.datago", "naramarket.datago.g2b", "naramarket.exports"}


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_there_are_plugins_to_check():
    assert any(p.name == "__init__.py" and p.parent.name == "g2b_mall" for p in PLUGIN_FILES)


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plugin_imports_only_the_kernel_surface(path):
    ours = [m for m in imported_modules(path) if m.split(".")[0] == "naramarket"]
    private = [m for m in ours if m not in PUBLIC]
    assert not private, f"{path.name} imports {private}; use only {sorted(PUBLIC)}"
