"""kernel/__init__.py: ``__all__`` is exactly the public surface (httpx's exported-members test)."""

from __future__ import annotations

import inspect
import types

import naramarket.kernel as kernel


def test_all_lists_every_public_name_and_nothing_else() -> None:
    public = {
        name
        for name, value in vars(kernel).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(kernel.__all__)
    assert len(kernel.__all__) == len(set(kernel.__all__))


def test_every_public_class_and_function_has_a_docstring() -> None:
    undocumented = [
        name
        for name in kernel.__all__
        if (inspect.isclass(obj := getattr(kernel, name)) or inspect.isfunction(obj))
        and not inspect.getdoc(obj)
    ]
    assert undocumented == []


def test_star_import_gives_the_public_surface() -> None:
    namespace: dict[str, object] = {}
    exec("from naramarket.kernel import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(kernel.__all__)
