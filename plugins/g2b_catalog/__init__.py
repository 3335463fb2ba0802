"""조달청 오퍼레이션 카탈로그 — find, describe and call any of the 191 catalogued G2B operations.

The generic tool for whatever the curated tools do not cover. ``search_operations`` finds
operations by Korean or English words, ``describe_operation`` explains one (parameters, 조회구분
modes, date format and range limit, item fields), and ``call_operation`` calls it with the
gateway's own parameter names, checked against the packaged catalog before any upstream request,
and answers with the list contract every list tool shares (``limit``, ``next``, ``complete``,
``reason``). Rows are plain ``{gateway field: string}`` objects: there is no typed record per
operation here.
"""

from __future__ import annotations

from naramarket.kernel import Register, hookimpl

from .browse import (
    DescribeOperation,
    OperationDescription,
    OperationMatches,
    SearchOperations,
    describe_operation,
    example_arguments,
    search_operations,
)
from .call import CallOperation, OperationRows, call_operation

__all__ = [
    "CallOperation",
    "DescribeOperation",
    "OperationDescription",
    "OperationMatches",
    "OperationRows",
    "SearchOperations",
    "call_operation",
    "describe_operation",
    "example_arguments",
    "search_operations",
]


@hookimpl
def register_tools(register: Register) -> None:
    """Register the catalog tools."""
    register(search_operations)
    register(describe_operation)
    register(call_operation)
