"""The public surfaces: ``__all__`` is exactly what each module exports (httpx's exported-members test).

``naramarket.kernel`` is what plugin authors import, ``naramarket.kernel.host`` what adapters and
the composition root import, ``naramarket.datago`` (and ``.g2b``) the data.go.kr library.
"""

from __future__ import annotations
import __future__

import importlib
import inspect
import types
from typing import TypeVar

import pytest

SURFACES = ["naramarket.kernel", "naramarket.kernel.host", "naramarket.datago", "naramarket.datago.g2b"]


@pytest.mark.parametrize("name", SURFACES)
def test_all_lists_every_public_name_and_nothing_else(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and not isinstance(value, types.ModuleType | TypeVar | __future__._Feature)
        and (getattr(value, "__module__", None) not in ("typing", "dataclasses") or attr in module.__all__)
    }
    assert public == set(module.__all__)
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize("name", SURFACES)
def test_every_public_class_and_function_has_a_docstring(name: str) -> None:
    module = importlib.import_module(name)
    undocumented = [
        attr
        for attr in module.__all__
        if (inspect.isclass(obj := getattr(module, attr)) or inspect.isfunction(obj))
        and not inspect.getdoc(obj)
    ]
    assert undocumented == []


@pytest.mark.parametrize("name", SURFACES)
def test_star_import_gives_the_public_surface(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(importlib.import_module(name).__all__)


def test_the_plugin_surface_is_small() -> None:
    # What a plugin author must learn: the kernel's surface stays a page, not a manual.
    import naramarket.kernel as kernel

    assert len(kernel.__all__) <= 25
