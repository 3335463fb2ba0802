"""``naramarket export``: a file from the command line, JSON for scripts, clear errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

from tests.conftest import BIN, sandbox_environ


def export(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = sandbox_environ(NARAMARKET_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run(
        [str(BIN / "naramarket"), "export", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_export_writes_the_file_and_reports_the_job_as_json(tmp_path: Path) -> None:
    out = tmp_path / "pcs.csv"
    done = export(tmp_path, "crawl_list", "category=데스크톱컴퓨터", "limit=120", "-o", str(out), "--json")
    assert done.returncode == 0, done.stderr
    job = json.loads(done.stdout)
    assert job["state"] == "done" and job["rows"] == 120 and job["path"] == str(out)
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 120 and {r["category"] for r in rows} == {"데스크톱컴퓨터"}
    assert "SANDBOX" in done.stderr


def test_export_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    unknown = export(tmp_path, "no_such_tool", "-o", str(tmp_path / "x.csv"))
    assert unknown.returncode == 2 and "tool_not_found" in unknown.stderr
    invalid = export(tmp_path, "crawl_list", "-o", str(tmp_path / "x.csv"))
    assert invalid.returncode == 2 and "category" in invalid.stderr
    nowhere = export(tmp_path, "crawl_list", "category=x", "-o", str(tmp_path / "missing" / "x.csv"))
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr
    assert not (tmp_path / "x.csv").exists()
