"""Load only the MCP SDK modules the servers use: the package ``__init__`` files run on demand.

``import mcp.server.lowlevel`` first runs ``mcp/__init__.py`` and ``mcp/server/__init__.py``,
which re-export the whole SDK: the client (``mcp.Client``, its stdio/HTTP transports and
``httpx2``) and the high-level ``MCPServer`` with its resource templates. Neither the stdio
server nor ``/mcp`` needs any of it, yet it is ~8% of the time from spawning ``naramarket-mcp``
to its ``initialize`` answer, and ~4.5 MB of a served ``/mcp``'s first session.

``defer_package_inits()`` puts those two packages in ``sys.modules`` as real package modules
(``__path__``, ``__spec__``, ``__file__`` set from their specs) whose ``__init__`` has not run
yet. Importing a submodule (``mcp.server.lowlevel``, ``mcp.server.stdio``) works as usual: the
import system needs only the parent's ``__path__``. The first time anything asks such a package
for a name it does not have yet (``from mcp import Client``, ``mcp.server.MCPServer``), the
package's own ``__init__`` runs in it, exactly as the normal import would have, and the name is
served from there. So nothing an importer can see changes, only when the ``__init__`` runs.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

__all__ = ["DEFERRED", "defer_package_inits"]

# Parents before children: a child's spec is found through its parent's ``__path__``.
DEFERRED = ("mcp", "mcp.server")

_lock = threading.RLock()


def defer_package_inits(names: tuple[str, ...] = DEFERRED) -> list[str]:
    """Defer the ``__init__`` of each package in ``names`` not imported yet; the names deferred.

    A package already in ``sys.modules`` is left alone (its ``__init__`` ran, or is being run).
    """
    deferred: list[str] = []
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            continue  # not installed, or not a package: the normal import says what is wrong
        module = importlib.util.module_from_spec(spec)
        module.__dict__["__getattr__"] = _run_init_then_get(module)
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)
        deferred.append(name)
    return deferred


def _run_init_then_get(module: ModuleType) -> Any:
    ran = False

    def __getattr__(attr: str) -> Any:
        nonlocal ran
        with _lock:  # another thread asking meanwhile waits for the whole __init__, as on import
            if not ran:
                ran = True  # the __init__'s own lookups of names it has not set yet fail as usual
                spec = module.__spec__
                assert spec is not None and spec.loader is not None
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    ran = False  # a later lookup tries again, as a later import would
                    raise
                if module.__dict__.get("__getattr__") is __getattr__:
                    del module.__dict__["__getattr__"]  # the real __init__ decides from now on
        try:
            return module.__dict__[attr]
        except KeyError:
            pass
        getter = module.__dict__.get("__getattr__")
        if getter is not None and getter is not __getattr__:
            return getter(attr)  # the package's own PEP 562 hook, if its __init__ defines one
        raise AttributeError(f"module {module.__name__!r} has no attribute {attr!r}")

    return __getattr__
