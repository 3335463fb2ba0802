"""Export jobs over REST and SSE: every record once, Excel-friendly, cancellable, pausable, resumable."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from naramarket import sandbox
from naramarket.exports import service as export_service
from tests.exports.conftest import CATEGORY, QUERY, export_app, finished, sandbox_config
from tests.inprocess import Served, serve, sse_events

pytestmark = pytest.mark.anyio


async def export(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await http.post("/api/v1/exports", json={"tool": "crawl_list", "params": dict(QUERY), **body})
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/v1/jobs/{r.json()['job_id']}"
    return await finished(http, r.json()["job_id"])


async def download(http: httpx.AsyncClient, job: dict[str, Any]) -> bytes:
    r = await http.get(job["file_url"])
    assert r.status_code == 200
    return r.content


async def test_every_record_once_in_a_csv_that_excel_reads_as_korean(served: Served) -> None:
    async with served.http() as http:
        job = await export(http)
        assert job["state"] == "done" and job["rows"] == 2600 and job["total"] == 2600
        r = await http.get(job["file_url"])
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2600 == job["rows"]
    assert {row["category"] for row in rows} == {CATEGORY}
    assert len({(row["contract_no"], row["contract_seq"], row["product_id"]) for row in rows}) == 2600
    # Oldest first unless params.order says otherwise, by the minute the gateway filters on (rows of
    # one minute come in a fixed order of their own, not by seconds).
    minutes = [row["registered_at"][:16] for row in rows]
    assert minutes == sorted(minutes)
    assert list(rows[0])[:3] == ["product_id", "category", "category_no"]  # the record's declared fields


async def test_the_file_does_not_depend_on_how_the_export_was_chunked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream = sandbox.create_app(sandbox_config())
    files = []
    for chunk in (700, 2000):
        monkeypatch.setattr(export_service, "CHUNK_ROWS", chunk)
        async with serve(export_app(tmp_path / f"data{chunk}", upstream)) as served, served.http() as http:
            files.append(await download(http, await export(http)))
    assert hashlib.sha256(files[0]).digest() == hashlib.sha256(files[1]).digest()


async def test_crawl_csv_takes_the_tools_parameters_plus_format_and_a_limit(served: Served) -> None:
    async with served.http() as http:
        r = await http.post("/api/v1/crawl/csv", json={**QUERY, "format": "ndjson", "limit": 1000})
        assert r.status_code == 202, r.text
        job = await finished(http, r.json()["job_id"])
        assert job["state"] == "done" and job["rows"] == 1000 and job["limit"] == 1000
        assert job["file"].endswith(".ndjson")
        body = await download(http, job)
    records = [msgspec.json.decode(line) for line in body.splitlines()]
    assert len(records) == 1000 and {r["category"] for r in records} == {CATEGORY}


async def test_bad_export_requests_are_refused_before_a_job_exists(served: Served) -> None:
    async with served.http() as http:
        cases = [
            ({"tool": "no_such_tool"}, 404, "tool_not_found"),
            ({"tool": "export_status", "params": {"job_id": "x"}}, 422, "invalid_params"),  # not a list
            ({"tool": "crawl_list", "params": {}}, 422, "invalid_params"),  # category missing
            ({"tool": "crawl_list", "params": QUERY, "format": "xls"}, 422, "invalid_params"),
            ({"tool": "crawl_list", "params": QUERY, "file_name": "../../x.csv"}, 422, "invalid_params"),
            ({"tool": "crawl_list", "params": {**QUERY, "limit": "-3"}}, 422, "invalid_params"),
        ]
        for body, status, code in cases:
            r = await http.post("/api/v1/exports", json=body)
            assert (r.status_code, r.json()["code"]) == (status, code), body
            assert r.headers["content-type"] == "application/problem+json"
            assert "None" not in r.json()["detail"]
        assert (await http.get("/api/v1/jobs")).json() == {"jobs": []}


async def test_cancel_stops_the_job_and_removes_its_temporary_file(tmp_path: Path) -> None:
    upstream = sandbox.create_app(sandbox_config(latency=0.3))
    async with serve(export_app(tmp_path / "data", upstream)) as served, served.http() as http:
        r = await http.post("/api/v1/exports", json={"tool": "crawl_list", "params": QUERY})
        job_id = r.json()["job_id"]
        await finished(http, job_id, ("running",))
        cancelled = (await http.delete(f"/api/v1/jobs/{job_id}")).json()
        assert cancelled["state"] == "cancelled"
        assert list((tmp_path / "data" / "exports" / "tmp").iterdir()) == []
        assert (await http.get("/api/v1/files")).json() == {"files": []}
        events = sse_events((await http.get(f"/api/v1/jobs/{job_id}/events")).text)
        assert events[-1][1] == "cancelled"


async def test_the_daily_quota_pauses_the_job_and_resume_finishes_the_same_file(tmp_path: Path) -> None:
    upstream = sandbox.create_app(sandbox_config(quota=4))
    async with serve(export_app(tmp_path / "data", upstream)) as served, served.http() as http:
        r = await http.post("/api/v1/exports", json={"tool": "crawl_list", "params": QUERY})
        job_id = r.json()["job_id"]
        paused = await finished(http, job_id)
        assert paused["state"] == "paused"
        assert paused["error"]["code"] == "quota_exceeded" and paused["error"]["upstream_code"] == "22"
        assert 0 < paused["rows"] < 2600
        # The quota resets (a new day): the job goes on from its resume point.
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream), base_url="http://sb") as sb:
            assert (await sb.put("/_sandbox/config", json={"quota": None})).status_code == 200
        assert (await http.post(f"/api/v1/jobs/{job_id}/resume")).status_code == 202
        resumed = await finished(http, job_id)
        assert resumed["state"] == "done" and resumed["rows"] == 2600
        again = await export(http)
        assert await download(http, resumed) == await download(http, again)


async def test_events_resume_after_the_last_event_id(served: Served) -> None:
    async with served.http() as http:
        job = await export(http)
        url = f"/api/v1/jobs/{job['job_id']}/events"
        everything = sse_events((await http.get(url)).text)
        names = [name for _, name, _ in everything]
        assert names[:2] == ["queued", "running"] and names[-1] == "done"
        progress = [data for _, name, data in everything if name == "progress"]
        assert [p["rows"] for p in progress] == [700, 1400, 2100, 2600]
        after = everything[2][0]
        rest = sse_events((await http.get(url, headers={"Last-Event-ID": str(after)})).text)
        assert rest == everything[3:]


async def test_job_metrics_are_scraped(served: Served) -> None:
    async with served.http() as http:
        await export(http)
        text = (await http.get("/metrics")).text
    assert 'naramarket_export_jobs{state="done"}' in text
    rows = [
        line for line in text.splitlines() if line.startswith('naramarket_export_rows_total{format="csv"}')
    ]
    assert rows and float(rows[0].split()[-1]) >= 2600


async def test_the_export_routes_are_in_openapi_and_their_refs_resolve(served: Served) -> None:
    async with served.http() as http:
        doc = (await http.get("/openapi.json")).json()
    for path in (
        "/api/v1/exports",
        "/api/v1/crawl/csv",
        "/api/v1/jobs/{job_id}/events",
        "/api/v1/files/save",
    ):
        assert path in doc["paths"]
    text = msgspec.json.encode(doc).decode()
    for ref in {part.split('"')[0] for part in text.split('"$ref":"#/components/schemas/')[1:]}:
        assert ref in doc["components"]["schemas"], ref
    job = doc["components"]["schemas"]["ExportJob"]
    assert job["properties"]["created_at"]["format"] == "date-time"
