"""naramarket.exports: bulk export jobs of list tools, and each caller's files area.

The service (``ExportService``) is a kernel resource (``EXPORTS``) opened by the composition
root; the REST/SSE routes (``adapters/jobs.py``), the MCP tools (the ``exports`` plugin) and
``naramarket export`` all use it. See docs/exports.md.
"""

from .files import Conflict, FileArea, FileInfo, owner_of, safe_name
from .formats import FORMATS, Format, neutralise
from .service import (
    CHUNK_ROWS,
    EXPORTS,
    SCOPE,
    ExportService,
    JobView,
    export_factory,
    list_tools,
    record_type,
)

__all__ = [
    "CHUNK_ROWS",
    "EXPORTS",
    "FORMATS",
    "SCOPE",
    "Conflict",
    "ExportService",
    "FileArea",
    "FileInfo",
    "Format",
    "JobView",
    "export_factory",
    "list_tools",
    "neutralise",
    "owner_of",
    "record_type",
    "safe_name",
]
