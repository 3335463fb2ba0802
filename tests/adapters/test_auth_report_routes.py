"""The report's auth routes under /api/v1/auth, loopback host names, and error texts without Python values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from naramarket.adapters.oauth import AuthStore
from tests.auth_support import READ, auth_app
from tests.conftest import LiveServer, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    store = AuthStore(tmp_path)
    store.add_user("alice", "correct horse", [READ])
    store.close()
    live = start_server(auth_app(tmp_path, auth_password_grant=True))
    live.data_dir = tmp_path  # type: ignore[attr-defined]
    yield live
    live.stop()


def client(data_dir: Path) -> tuple[str, str]:
    store = AuthStore(data_dir)
    info, secret = store.add_client("etl", [READ])
    store.close()
    assert secret is not None
    return info.client_id, secret


def test_login_token_me_and_revoke_answer_under_api_v1_auth(server: LiveServer) -> None:
    api = f"{server.url}/api/v1/auth"
    login = httpx.post(f"{api}/login", json={"username": "alice", "password": "correct horse"})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    me = httpx.get(f"{api}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["subject"] == "alice"
    cid, secret = client(server.data_dir)  # type: ignore[attr-defined]
    issued = httpx.post(f"{api}/token", data={"grant_type": "client_credentials"}, auth=(cid, secret))
    assert issued.status_code == 200
    other = issued.json()["access_token"]
    assert httpx.post(f"{api}/revoke", data={"token": other}, auth=(cid, secret)).status_code == 200
    revoked = httpx.get(f"{api}/me", headers={"Authorization": f"Bearer {other}"})
    assert revoked.status_code == 401
    # The same behaviour as the /auth/... twins.
    assert (
        httpx.get(f"{server.url}/auth/me", headers={"Authorization": f"Bearer {token}"}).json() == me.json()
    )


@pytest.mark.parametrize(("issued_as", "used_as"), [("localhost", "127.0.0.1"), ("127.0.0.1", "localhost")])
def test_a_token_issued_through_one_loopback_name_is_good_on_the_other(
    server: LiveServer, issued_as: str, used_as: str
) -> None:
    port = server.url.rsplit(":", 1)[1]
    cid, secret = client(server.data_dir)  # type: ignore[attr-defined]
    r = httpx.post(
        f"{server.url}/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(cid, secret),
        headers={"Host": f"{issued_as}:{port}"},
    )
    token = r.json()["access_token"]
    called = httpx.post(
        f"{server.url}/api/v1/tools/read_echo",
        json={},
        headers={"Authorization": f"Bearer {token}", "Host": f"{used_as}:{port}"},
    )
    assert called.status_code == 200, called.text
    # Another port is another server: not trusted.
    elsewhere = httpx.post(
        f"{server.url}/api/v1/tools/read_echo",
        json={},
        headers={"Authorization": f"Bearer {token}", "Host": f"{used_as}:1"},
    )
    assert elsewhere.status_code == 401


def test_error_texts_never_show_python_values(server: LiveServer) -> None:
    missing = httpx.post(f"{server.url}/api/v1/auth/token", data={})
    assert missing.status_code == 400
    assert "None" not in missing.text and "grant_type" in missing.json()["error_description"]
    odd = httpx.post(f"{server.url}/auth/token", data={"grant_type": "magic"})
    assert odd.json()["error"] == "unsupported_grant_type"
    assert "'magic'" not in odd.text and "magic" in odd.json()["error_description"]
