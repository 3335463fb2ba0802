"""With auth on, each principal sees only its own jobs and files, and exports need their scope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from naramarket import sandbox
from naramarket.adapters.oauth import AuthStore
from tests.exports.conftest import QUERY, export_app, finished, sandbox_config
from tests.inprocess import serve

pytestmark = pytest.mark.anyio


async def token(http: httpx.AsyncClient, client: tuple[Any, str | None]) -> dict[str, str]:
    info, secret = client
    assert secret is not None
    r = await http.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(info.client_id, secret)
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_a_second_principal_cannot_see_or_fetch_the_first_ones_jobs_or_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = AuthStore(str(data))
    alice_client = store.add_client("alice", ["g2b:read", "exports"])
    bob_client = store.add_client("bob", ["g2b:read", "exports"])
    reader_client = store.add_client("reader", ["g2b:read"])
    exporter_client = store.add_client("exporter", ["exports"])
    app = export_app(data, sandbox.create_app(sandbox_config(rows=300)), auth="on")
    async with serve(app) as served, served.http() as http:
        clients = (alice_client, bob_client, reader_client, exporter_client)
        alice, bob, reader, exporter = [await token(http, c) for c in clients]
        r = await http.post("/api/v1/exports", json={"tool": "crawl_list", "params": QUERY}, headers=alice)
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        http.headers.update(alice)
        job = await finished(http, job_id)
        assert job["state"] == "done"
        saved = await http.post("/api/v1/files/save", json={"name": "mine.csv", "data": [{"a": 1}]})
        assert saved.status_code == 201
        http.headers.pop("Authorization")

        assert (await http.get(job["file_url"], headers=alice)).status_code == 200
        for method, url in [
            ("GET", f"/api/v1/jobs/{job_id}"),
            ("DELETE", f"/api/v1/jobs/{job_id}"),
            ("GET", f"/api/v1/jobs/{job_id}/events"),
            ("POST", f"/api/v1/jobs/{job_id}/resume"),
            ("GET", job["file_url"]),
            ("GET", "/api/v1/files/mine.csv"),
            ("DELETE", "/api/v1/files/mine.csv"),
        ]:
            r = await http.request(method, url, headers=bob)
            assert r.status_code == 404, (method, url, r.text)
        assert (await http.get("/api/v1/jobs", headers=bob)).json() == {"jobs": []}
        assert (await http.get("/api/v1/files", headers=bob)).json() == {"files": []}
        assert [j["job_id"] for j in (await http.get("/api/v1/jobs", headers=alice)).json()["jobs"]] == [
            job_id
        ]
        assert len((await http.get("/api/v1/files", headers=alice)).json()["files"]) == 2

        # Without the exports scope: 403 with the scope to ask for; without a token: 401.
        refused = await http.post(
            "/api/v1/exports", json={"tool": "crawl_list", "params": QUERY}, headers=reader
        )
        assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
        assert 'scope="exports"' in refused.headers["www-authenticate"]
        assert (await http.get("/api/v1/files", headers=reader)).status_code == 403
        # The exported tool's own scopes are checked too: exports cannot read what the token cannot.
        r = await http.post("/api/v1/exports", json={"tool": "crawl_list", "params": QUERY}, headers=exporter)
        assert r.status_code == 403 and 'scope="g2b:read"' in r.headers["www-authenticate"]
        assert (await http.get("/api/v1/jobs")).status_code == 401
