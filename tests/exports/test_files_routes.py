"""The files routes: saving a JSON result, downloading, deleting; names and bodies that are refused."""

from __future__ import annotations

import csv
import io

import pytest

from tests.inprocess import Served

pytestmark = pytest.mark.anyio


async def test_a_saved_result_is_a_csv_whose_formula_cells_are_neutralised(served: Served) -> None:
    result = {"items": [{"spec": '=HYPERLINK("http://evil","x")', "maker": "삼성전자", "price": -5}]}
    async with served.http() as http:
        r = await http.post("/api/v1/files/save", json={"name": "결과.csv", "data": result})
        assert r.status_code == 201, r.text
        assert r.json()["url"] == "/api/v1/files/%EA%B2%B0%EA%B3%BC.csv" and r.json()["name"] == "결과.csv"
        body = (await http.get(r.json()["url"])).content
        again = await http.post("/api/v1/files/save", json={"name": "결과.csv", "data": result})
        assert again.status_code == 409
        listed = (await http.get("/api/v1/files")).json()["files"]
        assert [f["name"] for f in listed] == ["결과.csv"]
        assert (await http.delete("/api/v1/files/결과.csv")).status_code == 204
        assert (await http.get("/api/v1/files/결과.csv")).status_code == 404
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows == [["spec", "maker", "price"], ['\'=HYPERLINK("http://evil","x")', "삼성전자", "-5"]]


async def test_json_and_ndjson_saves(served: Served) -> None:
    async with served.http() as http:
        r = await http.post("/api/v1/files/save", json={"name": "r.json", "data": {"a": [1, "가"]}})
        assert r.status_code == 201
        assert (await http.get("/api/v1/files/r.json")).json() == {"a": [1, "가"]}
        r = await http.post("/api/v1/files/save", json={"name": "r.ndjson", "data": [{"a": 1}, {"a": 2}]})
        assert (await http.get("/api/v1/files/r.ndjson")).text == '{"a":1}\n{"a":2}\n'


@pytest.mark.parametrize(
    "name", ["../escape.csv", "/etc/passwd.csv", "a/b.csv", "nul\u0000.csv", "x.sh", ".env.csv", "..\\x.csv"]
)
async def test_unsafe_names_are_refused_on_save(served: Served, name: str) -> None:
    async with served.http() as http:
        r = await http.post("/api/v1/files/save", json={"name": name, "data": [{"a": 1}]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_params"
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "x%00.csv", "jobs.sqlite3"])
async def test_nothing_outside_the_callers_folder_is_served(served: Served, path: str) -> None:
    async with served.http() as http:
        r = await http.get(f"/api/v1/files/{path}")
    assert r.status_code in (404, 422)
    assert b"root:" not in r.content and b"SQLite" not in r.content


async def test_oversize_and_malformed_bodies_are_refused(served: Served) -> None:
    async with served.http() as http:
        big = b'{"name": "big.csv", "data": ["' + b"x" * (17 << 20) + b'"]}'
        r = await http.post("/api/v1/files/save", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
        r = await http.post("/api/v1/files/save", content=b"{not json")
        assert r.status_code == 422
        r = await http.post("/api/v1/files/save", json={"name": "a.csv", "data": 5})
        assert r.status_code == 422 and "items" in r.json()["detail"]
