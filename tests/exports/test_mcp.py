"""Exports over MCP: start_export and export_status as tools, finished files as resources."""

from __future__ import annotations

import pytest
from mcp.shared.exceptions import MCPError

from tests.exports.conftest import QUERY
from tests.inprocess import Served

pytestmark = pytest.mark.anyio


async def test_an_agent_starts_an_export_follows_it_and_reads_the_file(served: Served) -> None:
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async with served.mcp() as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"start_export", "export_status"} <= names
        started = await client.call_tool(
            "start_export", {"tool": "crawl_list", "params": {**QUERY, "limit": 300}}
        )
        assert not started.is_error
        job_id = started.structured_content["job_id"]
        status = await client.call_tool(
            "export_status", {"job_id": job_id, "wait": 10}, progress_callback=on_progress
        )
        (job,) = status.structured_content["jobs"]
        assert job["state"] == "done" and job["rows"] == 300
        assert progress and progress[-1] == 300
        resources = [
            r
            for r in (await client.list_resources()).resources
            if str(r.uri).startswith("naramarket://files/")
        ]
        assert [r.name for r in resources] == [job["file"]]  # (besides the catalog and the glossary)
        read = await client.read_resource(resources[0].uri)
        text = read.contents[0].text
        assert text.startswith("product_id,category,") and "데스크톱컴퓨터" in text
        assert len(text.splitlines()) == 301

        # A file too large for one MCP message points to its REST download instead.
        big = await client.call_tool("start_export", {"tool": "crawl_list", "params": QUERY})
        await client.call_tool("export_status", {"job_id": big.structured_content["job_id"], "wait": 10})
        name = big.structured_content["file"]
        with pytest.raises(MCPError, match=f"/api/v1/files/{name}"):
            await client.read_resource(f"naramarket://files/{name}")
        with pytest.raises(MCPError):
            await client.read_resource("naramarket://files/..%2Fjobs.sqlite3")

        listed = await client.call_tool("export_status", {})
        assert [j["job_id"] for j in listed.structured_content["jobs"]] == [
            big.structured_content["job_id"],
            job_id,
        ]
        unknown = await client.call_tool("export_status", {"job_id": "0" * 16})
        assert unknown.is_error and "not_found" in unknown.content[0].text
