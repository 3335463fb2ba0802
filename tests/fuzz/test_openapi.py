"""Schemathesis against ``/openapi.json`` of a live sandbox server, with auth off and on: 0 server errors.

Every operation gets generated bodies (valid and invalid); a 5xx other than an honest upstream 502/503
(the sandbox refusing a generated query) fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from naramarket.adapters.oauth import AuthStore
from naramarket.app import create_app
from tests.auth_support import client_token
from tests.conftest import LiveServer, sandbox_settings, start_server
from tests.fuzz.conftest import CASES, SERVER_ERRORS

SCOPES = ["g2b:read"]  # every first-party tool's scope
EXAMPLES = 10  # per operation and auth mode: the whole suite stays around a minute


@pytest.fixture(scope="module", params=["auth_off", "auth_on"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, LiveServer, dict[str, str]]]:
    data_dir: Path = tmp_path_factory.mktemp(request.param)
    auth = "on" if request.param == "auth_on" else "off"
    server = start_server(
        create_app(sandbox_settings(auth=auth, data_dir=str(data_dir), call_requests=20, load_plugins=None))
    )
    headers: dict[str, str] = {}
    if auth == "on":
        store = AuthStore(data_dir)
        client, secret = store.add_client("fuzz", SCOPES)
        store.close()
        assert secret is not None
        headers = {"Authorization": f"Bearer {client_token(server.url, client.client_id, secret)}"}
    yield request.param, server, headers
    server.stop()


def test_no_server_errors(live: tuple[str, LiveServer, dict[str, str]]) -> None:
    mode, server, headers = live
    target = f"openapi ({mode})"
    api = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            CASES[target] += 1
            response = case.call(headers=headers, timeout=30)
            honest_upstream = response.status_code in (502, 503) and "upstream" in response.text
            if response.status_code >= 500 and not honest_upstream:
                SERVER_ERRORS[target] += 1
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
                )

        run()
    assert operations > 5
    assert failures == []
