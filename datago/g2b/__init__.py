"""What only 조달청 (Public Procurement Service, data.go.kr provider 1230000) APIs share.

Every 나라장터 (G2B/KONEPS) service answers provider errors with HTTP 200 under
``nkoneps.com.response.ResponseError`` and adds three result codes to the portal's common ones:
06 (date format), 07 (range too wide — the scan halves the window and tries again) and 08
(missing value). Declare a G2B operation with ``G2bOperation`` and both are understood.

``load_catalog()`` is the packaged catalog of every 조달청 operation (parameters, 조회구분 modes,
date limits, item fields); ``generic_operation`` declares any of them with untyped rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from .. import errors, operation, records
from ..records import KST
from .catalog import (
    Catalog,
    DateRangeInfo,
    FieldInfo,
    OperationInfo,
    OrderField,
    ParamInfo,
    ServiceInfo,
    as_row,
    generic_operation,
    load_catalog,
)
from .hints import category_hint
from .kinds import ALL_KINDS, ENGLISH_KINDS, KIND_SUFFIXES, AllKinds, kind_suffixes
from .regions import REGION_CODE_SET, REGION_CODES, region_label

__all__ = [
    "ALL_KINDS",
    "ENGLISH_KINDS",
    "G2B",
    "KIND_SUFFIXES",
    "KST",
    "NKONEPS_ERROR",
    "REGION_CODES",
    "REGION_CODE_SET",
    "AllKinds",
    "Catalog",
    "DateRangeInfo",
    "FieldInfo",
    "G2bOperation",
    "OperationInfo",
    "OrderField",
    "ParamInfo",
    "ServiceInfo",
    "as_row",
    "category_hint",
    "generic_operation",
    "kind_suffixes",
    "load_catalog",
    "region_label",
]

R = TypeVar("R", bound=records.Record)

NKONEPS_ERROR = "nkoneps.com.response.ResponseError"

G2B = operation.Api(
    "조달청 1230000",
    error_envelopes=(NKONEPS_ERROR,),
    codes={
        **errors.COMMON_CODES,
        "06": errors.InvalidParameter,  # date format
        "07": errors.RangeTooWide,  # range too wide
        "08": errors.InvalidParameter,  # required value missing
    },
    messages={
        **errors.COMMON_MESSAGES,
        "06": "a date is not in the format the operation expects",
        "07": "the date range (or another value) is wider than the operation accepts",
        "08": "a required value is missing",
    },
)


@dataclass(frozen=True, slots=True)
class G2bOperation(operation.Operation[R]):
    """An operation of a 조달청 (나라장터) service: its errors and codes are G2B's."""

    api: operation.Api = G2B
