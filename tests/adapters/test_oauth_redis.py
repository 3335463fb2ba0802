"""Replicas of the embedded OAuth server sharing a real redis-server (``NARAMARKET_REDIS_URL``).

Each replica is the real app on its own port; replicas with their own data directory start as a
copy of one (same users and signing keys, as a restored or provisioned replica would), so
whatever they agree on afterwards came through Redis. A replica not wired to Redis is the
control: it keeps the per-process behaviour.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from naramarket import redis_state
from naramarket.adapters.oauth import AuthStore, KeyRing
from tests.auth_support import READ, auth_app
from tests.conftest import LiveServer, start_server
from tests.services import RedisServer


@pytest.fixture(autouse=True)
def loaded_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    # A loaded CI machine can stall a Redis call past the 0.5 s default, which (by design) falls
    # back to per-process state; these tests are about the shared state.
    monkeypatch.setattr(redis_state, "TIMEOUT", 5.0)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    home = tmp_path / "a"
    store = AuthStore(home)
    store.add_user("alice", "correct horse", [READ])
    store.close()
    KeyRing(home).signing_key()  # the keys every replica shares
    return home


class Replicas:
    def __init__(self) -> None:
        self.live: list[LiveServer] = []

    def start(self, data_dir: Path, redis: RedisServer | None) -> str:
        extra = {"redis_url": redis.url} if redis else {}
        # Behind one load balancer every replica has the same public URL (issuer and audience).
        live = start_server(
            auth_app(data_dir, auth_password_grant=True, public_url="https://naramarket.test", **extra)
        )
        self.live.append(live)
        return live.url


@pytest.fixture
def replicas() -> Iterator[Replicas]:
    started = Replicas()
    yield started
    for live in started.live:
        live.stop()


def copy_of(data_dir: Path, name: str) -> Path:
    return Path(shutil.copytree(data_dir, data_dir.parent / name))


def login(url: str, password: str = "correct horse") -> httpx.Response:
    return httpx.post(f"{url}/auth/login", json={"username": "alice", "password": password}, timeout=30)


def me(url: str, token: str) -> int:
    return httpx.get(f"{url}/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code


def refresh(url: str, token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token}
    return httpx.post(f"{url}/auth/token", data=form, timeout=30)


def test_a_token_revoked_on_one_replica_is_refused_by_the_others_at_once(
    data_dir: Path, replicas: Replicas, redis_server: RedisServer
) -> None:
    b_dir, c_dir = copy_of(data_dir, "b"), copy_of(data_dir, "c")
    a = replicas.start(data_dir, redis_server)
    b = replicas.start(b_dir, redis_server)
    alone = replicas.start(c_dir, None)  # its own database, no Redis
    tokens = login(a).json()
    access = tokens["access_token"]
    assert me(a, access) == me(b, access) == me(alone, access) == 200
    assert httpx.post(f"{a}/auth/revoke", data={"token": access}).status_code == 200
    assert me(a, access) == 401
    assert me(b, access) == 401  # B's database never saw the token: Redis told it
    assert me(alone, access) == 200  # the control: without shared state only A's database knows

    # Revoking the refresh token revokes its family: the access tokens issued with it, everywhere.
    again = login(a).json()
    assert me(b, again["access_token"]) == 200
    assert httpx.post(f"{a}/auth/revoke", data={"token": again["refresh_token"]}).status_code == 200
    assert me(b, again["access_token"]) == 401


def test_reusing_a_rotated_refresh_token_on_any_replica_revokes_the_family_everywhere(
    data_dir: Path, replicas: Replicas, redis_server: RedisServer
) -> None:
    # Replicas on one host share the data directory (the compose volume) and Redis.
    a, b = replicas.start(data_dir, redis_server), replicas.start(data_dir, redis_server)
    first = login(a).json()
    second = refresh(b, first["refresh_token"])  # rotated on B
    assert second.status_code == 200, second.text
    second_tokens = second.json()
    reused = refresh(a, first["refresh_token"])  # the old one again, on A
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    for url in (a, b):
        assert me(url, second_tokens["access_token"]) == 401
        assert refresh(url, second_tokens["refresh_token"]).json()["error"] == "invalid_grant"

    # The same refresh token on both replicas at the same instant: at most one rotation, and the
    # reuse revokes whatever that rotation issued.
    start = login(a).json()["refresh_token"]
    answers: list[httpx.Response] = []
    gate = threading.Barrier(2)

    def use(url: str) -> None:
        gate.wait()
        answers.append(refresh(url, start))

    threads = [threading.Thread(target=use, args=(url,)) for url in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rotated = [r.json() for r in answers if r.status_code == 200]
    assert len(rotated) <= 1 and len(answers) == 2
    assert any(r.status_code == 400 and r.json()["error"] == "invalid_grant" for r in answers)
    for issued in rotated:
        for url in (a, b):
            assert me(url, issued["access_token"]) == 401
            assert refresh(url, issued["refresh_token"]).status_code == 400


def test_failed_logins_count_across_replicas(
    data_dir: Path, replicas: Replicas, redis_server: RedisServer
) -> None:
    a = replicas.start(data_dir, redis_server)
    b = replicas.start(copy_of(data_dir, "b"), redis_server)
    for i in range(10):  # ten failures (the limit), half on each replica
        assert login(a if i % 2 else b, "guess").status_code == 400
    for url in (a, b):
        blocked = login(url)  # even the right password now waits, on either replica
        assert blocked.status_code == 429 and blocked.json()["error"] == "slow_down"


def test_without_redis_the_replicas_keep_working_alone_and_share_again_when_it_returns(
    data_dir: Path, replicas: Replicas, redis_server: RedisServer
) -> None:
    a = replicas.start(data_dir, redis_server)
    b = replicas.start(copy_of(data_dir, "b"), redis_server)
    redis_server.stop()
    tokens = login(a)  # no error: the database and the per-process throttle answer
    assert tokens.status_code == 200
    assert me(b, tokens.json()["access_token"]) == 200
    for _ in range(10):
        login(a, "guess")
    assert login(a).status_code == 429  # A still throttles, on its own
    assert login(b).status_code == 200  # B did not see A's failures while Redis was down
    metrics = httpx.get(f"{a}/metrics").text
    fallbacks = [
        line for line in metrics.splitlines() if line.startswith("naramarket_shared_state_fallbacks_total{")
    ]
    assert any('part="auth_throttle"' in line and not line.endswith(" 0.0") for line in fallbacks)

    redis_server.start()
    # after the retry pause the replicas share again
    deadline = time.monotonic() + 20
    access = login(b).json()["access_token"]
    while True:
        httpx.post(f"{b}/auth/revoke", data={"token": access})
        if me(a, access) == 401 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert me(a, access) == 401


def test_a_revocation_made_while_redis_was_down_reaches_the_other_replicas_when_it_returns(
    data_dir: Path, replicas: Replicas, redis_server: RedisServer
) -> None:
    a = replicas.start(data_dir, redis_server)
    b = replicas.start(copy_of(data_dir, "b"), redis_server)  # its own database: it learns by Redis only
    access = login(a).json()["access_token"]
    other = login(a).json()["access_token"]
    assert me(b, access) == 200
    redis_server.stop()
    assert httpx.post(f"{a}/auth/revoke", data={"token": access}).status_code == 200
    assert me(a, access) == 401  # A's own database knows at once
    assert me(b, access) == 200  # B cannot know while Redis is down
    redis_server.start()  # empty: nothing of before survived
    deadline = time.monotonic() + 20
    while me(b, access) == 200 and time.monotonic() < deadline:
        me(a, other)  # A serves on; its first call that reaches Redis writes what it kept
        time.sleep(0.3)
    assert me(b, access) == 401
    assert me(b, other) == 200  # only what was revoked
