"""The 조회구분 (inqryDiv) mode names the date a range filters: records are stamped, selected and
ordered by that field, as on the real gateway (개찰일시 -> rlOpengDt, 계약체결일자 -> cntrctCnclsDate …).
"""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from naramarket.datago.g2b.catalog import load_catalog as load_library_catalog
from naramarket.sandbox import DEFAULT_SERVICE_KEY, create_app
from naramarket.sandbox.catalog import Operation, load_catalog
from naramarket.sandbox.dates import day_number
from naramarket.sandbox.schema import schema_for

from .helpers import fetch_all, make_config
from .test_honesty import _late_values

CATALOG = load_catalog()
MODES = sorted((name, mode) for name, op in CATALOG.operations.items() for mode in op.date_modes)
# A clock inside the pinned 2025 period: the newest records of each range meet it.
CLOCK = dt.datetime(2025, 9, 19, 15, 30)
CLOCK_MINUTE = day_number(CLOCK.date()) * 1440 + CLOCK.hour * 60 + CLOCK.minute


def test_the_mode_table_reads_the_docs_wording() -> None:
    ops = CATALOG.operations
    assert ops["getScsbidListSttusThngPPSSrch"].date_modes == {"2": "rlOpengDt"}  # 1: 공고게시일시 unprinted
    assert ops["getCntrctInfoListThngPPSSrch"].date_modes == {"1": "cntrctCnclsDate"}
    assert ops["getPrvtCntrctInfoListPPSSrch"].date_modes == {"1": "cntrctCnclsDate"}  # "계약일자"
    assert ops["getPublicPrcureThngInfoThngPPSSrch"].date_modes == {"1": "rcptDt"}
    assert ops["getBidPblancListInfoThng"].date_modes == {"1": "rgstDt", "3": "chgDt"}
    assert ops["getBidPblancListInfoThngPPSSrch"].date_modes == {"1": "bidNtceDt", "2": "opengDt"}
    assert ops["getPrcrmntCorpBasicInfo02"].date_modes == {"1": "rgstDt", "2": "chgDt"}  # 등록일기준 검색
    assert ops["getUnptRsttCorpInfo02"].date_modes == {"2": "rsttBgnDate"}  # "재재시작일자": the doc's typo
    assert ops["getOrderPlanSttusListThng"].date_modes == {}  # "발주년월, 게시일시": two ranges at once
    assert ops["getPrcrmntReqInfoListThngPPSSrch"].date_modes == {"1": "rcptDt"}  # 2: 결재일시 unprinted


def test_the_sandbox_agrees_with_the_library_wherever_the_library_knows_the_field() -> None:
    library = {op.name: op for op in load_library_catalog().operations}
    for name, op in CATALOG.operations.items():
        for mode, field in library[name].order_fields.items():
            if mode:
                assert op.date_modes.get(mode) == field.field, (name, mode)


def _params(op: Operation, mode: str, begin: dt.date, end: dt.date) -> dict[str, str]:
    params = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json"}
    for param in op.params:
        if param.required and param.name not in op.date_params:
            params[param.name] = param.sample or "1"
    params["inqryDiv"] = mode
    date_range = op.date_ranges[0]
    shape = {"datetime": ("%Y%m%d0000", "%Y%m%d2359"), "date": ("%Y%m%d", "%Y%m%d")}[date_range.format]
    params[date_range.begin], params[date_range.end] = begin.strftime(shape[0]), end.strftime(shape[1])
    return params


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "mode"), MODES)
async def test_the_modes_field_is_what_a_range_selects_orders_and_splits_by(name: str, mode: str) -> None:
    op = CATALOG.operations[name]
    field = op.date_modes[mode]
    days = 1 if op.date_ranges[0].limit and op.date_ranges[0].limit.unit == "day" else 12
    end = CLOCK.date()  # the range reaches past the clock: the newest records stop before it
    begin = end - dt.timedelta(days=days)
    app = create_app(make_config(rows={name: 5000}))
    app.state.clock = lambda: CLOCK_MINUTE
    path = f"/1230000/{op.prefix}/{op.service}/{name}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox") as http:
        whole = await fetch_all(http, path, _params(op, mode, begin, end))
        middle = begin + dt.timedelta(days=days // 2 + 1)
        left = await fetch_all(http, path, _params(op, mode, begin, middle - dt.timedelta(days=1)))
        right = await fetch_all(http, path, _params(op, mode, middle, end))
    assert whole, (name, mode)
    assert left + right == whole
    stamps = [_digits(item[field]) for item in whole]
    width = min(len(stamps[0]), 12)
    low, high = begin.strftime("%Y%m%d0000")[:width], CLOCK.strftime("%Y%m%d%H%M")[:width]
    assert all(low <= stamp[:width] <= high for stamp in stamps), (name, mode)
    assert stamps == sorted(stamps), (name, mode)
    assert not [late for item in whole if (late := _late_values(item, CLOCK))], (name, mode)


def test_a_mode_naming_a_field_other_than_the_main_date_moves_the_main_date_before_it() -> None:
    op = CATALOG.operations["getCntrctInfoListThngPPSSrch"]
    schema = schema_for(op, 0)
    assert schema.mode_plan("rgstDt") is None and schema.mode_plan(None) is None
    plan = schema.mode_plan("cntrctCnclsDate")
    assert plan is not None and plan.fields == (("cntrctCnclsDate", "date"),)
    assert all(days >= 7 for days in plan.days)  # 계약체결 follows 등록 by its usual 7-20 days
