"""``naramarket users|clients|keys``: the embedded authorization server's state from the CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from naramarket.adapters.oauth import AuthStore
from naramarket.cli_auth import first_run_hint
from tests.auth_support import READ, auth_app, auth_settings
from tests.conftest import BIN, start_server
from tests.test_cli import run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NARAMARKET_")}
    return {**clean, "NARAMARKET_DATA_DIR": str(tmp_path)}


def test_clients_add_json_prints_a_working_secret_once(env, tmp_path):
    out = run(env, "clients", "add", "etl", "--scope", READ, "--json")
    assert out.returncode == 0, out.stderr
    creds = json.loads(out.stdout)
    assert set(creds) == {"client_id", "client_secret"}
    assert creds["client_secret"] not in (tmp_path / "auth" / "auth.sqlite3").read_bytes().decode("latin-1")
    listed = run(env, "clients", "list")
    assert creds["client_id"] in listed.stdout and creds["client_secret"] not in listed.stdout
    live = start_server(auth_app(tmp_path))
    try:
        form = {"grant_type": "client_credentials"}
        auth = (creds["client_id"], creds["client_secret"])
        assert httpx.post(f"{live.url}/auth/token", data=form, auth=auth).status_code == 200
        rotated = run(env, "clients", "rotate-secret", creds["client_id"], "--json")
        new = json.loads(rotated.stdout)["client_secret"]
        assert httpx.post(f"{live.url}/auth/token", data=form, auth=auth).status_code == 401
        assert httpx.post(f"{live.url}/auth/token", data=form, auth=(auth[0], new)).status_code == 200
        assert run(env, "clients", "disable", creds["client_id"]).returncode == 0
        assert httpx.post(f"{live.url}/auth/token", data=form, auth=(auth[0], new)).status_code == 401
    finally:
        live.stop()


def test_users_add_list_disable(env, tmp_path):
    add = run_stdin(env, "s3cret-enough\n", "users", "add", "alice", "--scope", READ, "--password-stdin")
    assert add.returncode == 0, add.stderr
    assert "s3cret-enough" not in add.stdout + add.stderr
    short = run_stdin(env, "short\n", "users", "add", "bob", "--password-stdin")
    assert short.returncode != 0 and "8 characters" in short.stderr
    again = run_stdin(env, "s3cret-enough\n", "users", "add", "alice", "--password-stdin")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "alice" in run(env, "users", "list").stdout
    store = AuthStore(tmp_path)
    assert store.authenticate_user("alice", "s3cret-enough") is not None
    assert run(env, "users", "disable", "alice").returncode == 0
    assert store.authenticate_user("alice", "s3cret-enough") is None
    store.close()
    assert run(env, "users", "disable", "nobody").returncode == 2


def test_keys_rotate(env):
    first = run(env, "keys", "list").stdout.split()
    assert run(env, "keys", "rotate").returncode == 0
    after = run(env, "keys", "list").stdout.split()
    assert len(after) == len(first) + 1 and after[1:] == first


def test_first_run_hint(tmp_path):
    protected = auth_settings(tmp_path)
    assert "users add" in (first_run_hint(protected, "0.0.0.0") or "")
    assert first_run_hint(auth_settings(tmp_path, auth=None), "127.0.0.1") is None  # open locally
    store = AuthStore(tmp_path)
    store.add_client("etl", [READ])
    store.close()
    assert first_run_hint(protected, "0.0.0.0") is None


def run_stdin(env, text, *args):
    return subprocess.run(
        [str(BIN / "naramarket"), *args], env=env, input=text, capture_output=True, text=True, timeout=60
    )
