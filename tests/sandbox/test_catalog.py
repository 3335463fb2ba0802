"""Coverage of the whole catalog, the build script's parsing, and the package's boundaries."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import httpx
import pytest

import naramarket.sandbox
from naramarket.sandbox import DEFAULT_SERVICE_KEY
from naramarket.sandbox.catalog import load_catalog

from .helpers import client_for, make_config

ROOT = Path(__file__).resolve().parents[2]
IN_PERIOD = {"datetime": ("202507010000", "202507012359"), "date": ("20250701", "20250701")}
IN_PERIOD |= {"month": ("202507", "202507"), "year": ("2025", "2025")}


def required_params(op_name: str) -> dict[str, str]:
    """The op's unconditionally required params: samples, with dates moved into the sandbox period."""
    op = load_catalog().operations[op_name]
    params = {"ServiceKey": DEFAULT_SERVICE_KEY, "type": "json", "numOfRows": "5"}
    for date_range in op.date_ranges:
        if date_range.begin in op.required:
            params[date_range.begin], params[date_range.end] = IN_PERIOD[date_range.format]
    for param in op.params:
        if param.required and param.name not in params:
            params[param.name] = param.sample or "1"
    return params


@pytest.mark.anyio
async def test_every_operation_answers_with_its_catalog_fields() -> None:
    catalog = load_catalog()
    assert len(catalog.operations) == 191
    config = make_config(rows=dict.fromkeys(catalog.operations, 100_000))
    async with client_for(config) as http:
        for name, op in catalog.operations.items():
            response = await http.get(
                f"/1230000/{op.prefix}/{op.service}/{name}", params=required_params(name)
            )
            payload = response.json()["response"]
            assert payload["header"]["resultCode"] == "00", name
            items = payload["body"]["items"]
            assert len(items) == 5, name
            assert list(items[0]) == [field.name for field in op.fields], name
            assert all(isinstance(value, str) for item in items for value in item.values()), name


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_sandbox_catalog", ROOT / "scripts/build_sandbox_catalog.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_parses_every_limit_wording() -> None:
    build = load_build_script()
    wordings = [
        "inqryBgnDt: 범위는 최대 1개월로 제한",
        "opengBgnDt: 범위는 1일로 제한",
        "cntrctCnclsBgnDate: 범위는 1주일 로 제한",
        "rgstDtBgnDt: 범위는 1년 로 제한",
        "inqryBgnDate: 범위는 최대 36개월로 제한",
    ]
    parsed = build._parse_limits(wordings)
    units = {param: (limit["unit"], limit["amount"]) for param, limit in parsed.items()}
    assert units == {
        "inqryBgnDt": ("month", 1),
        "opengBgnDt": ("day", 1),
        "cntrctCnclsBgnDate": ("week", 1),
        "rgstDtBgnDt": ("year", 1),
        "inqryBgnDate": ("month", 36),
    }
    with pytest.raises(ValueError):
        build._parse_limits(["inqryBgnDt: 제한 없음"])


def test_build_script_only_enforces_unconditional_requirements() -> None:
    build = load_build_script()
    assert build._safely_required({"required": True, "desc": "검색하고자하는 입찰공고번호"})
    assert not build._safely_required({"required": True, "desc": "*조회구분 2인 경우 필수"})
    assert not build._safely_required(
        {"required": True, "desc": "* 입력값이 없을 경우 현재일로부터 한달기준 조회"}
    )
    assert not build._safely_required({"required": True, "required_portal": False, "desc": ""})


def test_the_packaged_catalog_carries_the_practical_month_limit() -> None:
    catalog = load_catalog()
    bid_list = catalog.operations["getBidPblancListInfoThng"].date_ranges[0]
    assert (bid_list.format, bid_list.limit and bid_list.limit.source) == ("datetime", "practice")
    # The doc's own example of this op spans a year, so no month limit is invented for it.
    assert catalog.operations["getDminsttInfo02"].date_ranges[0].limit is None


def test_the_sandbox_imports_nothing_else_from_naramarket() -> None:
    package = Path(naramarket.sandbox.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("naramarket"), f"{path.name} imports {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("naramarket") for a in node.names), path.name


def test_public_surface() -> None:
    assert set(naramarket.sandbox.__all__) == {
        "DEFAULT_SERVICE_KEY", "FAULT_KINDS", "ConfigPatch", "FaultKind", "ItemsShape", "SandboxApp",
        "SandboxConfig", "create_app", "run", "serve", "serving",
    }  # fmt: skip
    assert all(hasattr(naramarket.sandbox, name) for name in naramarket.sandbox.__all__)
    key = naramarket.sandbox.DEFAULT_SERVICE_KEY
    assert {"+", "/", "="} <= set(key)


def test_the_wheel_ships_the_catalog() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"naramarket.sandbox.data" = ["*.json.gz"]' in pyproject
    assert (Path(naramarket.sandbox.__file__).parent / "data" / "catalog.json.gz").stat().st_size < 200_000


@pytest.mark.anyio
async def test_every_response_is_marked_as_sandbox(client: httpx.AsyncClient) -> None:
    for path in ("/", "/_sandbox/stats", "/_sandbox/nope", "/1230000/ad/BidPublicInfoService/x"):
        assert (await client.get(path)).headers["x-naramarket-sandbox"] == "1", path
