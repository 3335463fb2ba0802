"""The shipped deployment files, checked by the real tools from Debian's packages.

Building or running container images is not possible on these machines (no container engine):
the same topology runs without containers in tests/e2e/test_topology.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from naramarket import __version__
from tests.conftest import ROOT
from tests.services import binary

DEPLOY = ROOT / "deployments"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=cwd, check=False)


def loopback_nginx_conf(tmp_path: Path, replicas: list[int], listen: int) -> Path:
    """The shipped nginx.conf with the replicas' compose names replaced by loopback addresses.

    nginx resolves upstream names when it loads a config; outside compose they do not resolve.
    Nothing else of the file changes.
    """
    text = (DEPLOY / "nginx" / "nginx.conf").read_text()
    for index, port in enumerate(replicas, start=1):
        text = text.replace(f"naramarket-{index}:8000", f"127.0.0.1:{port}")
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{listen};")
    text = text.replace("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    text = re.sub(r"(\w+_temp_path) /tmp/", rf"\1 {tmp_path}/", text)
    assert "naramarket-" not in text.split("upstream naramarket {")[1].split("map ")[0]
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path


def test_nginx_accepts_the_shipped_config(tmp_path: Path) -> None:
    conf = loopback_nginx_conf(tmp_path, [18001, 18002], 18080)
    result = run(binary("nginx"), "-t", "-q", "-c", str(conf), "-e", str(tmp_path / "error.log"))
    assert result.returncode == 0, result.stderr


def test_nginx_config_is_streaming_friendly() -> None:
    text = (DEPLOY / "nginx" / "nginx.conf").read_text()
    for directive in ("proxy_buffering off;", "proxy_request_buffering off;", "proxy_read_timeout 1h;",
                      "proxy_http_version 1.1;", "proxy_next_upstream error timeout"):  # fmt: skip
        assert directive in text


def test_promtool_accepts_the_prometheus_config() -> None:
    result = run(binary("promtool"), "check", "config", str(DEPLOY / "prometheus" / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_docker_compose_parses_the_stack(tmp_path: Path) -> None:
    compose = binary("docker-compose")
    env = {"PATH": "/usr/bin:/bin", "NARAMARKET_ENV_FILE": "env/prod.env", "HOME": str(tmp_path)}
    result = subprocess.run(
        [compose, "-p", "naramarket", "-f", "compose.yaml", "config"],
        capture_output=True, text=True, timeout=60, cwd=DEPLOY, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    config = result.stdout
    for service in ("naramarket-1", "naramarket-2", "redis", "nginx", "prometheus", "grafana", "jaeger"):
        assert f"  {service}:" in config
    assert "NARAMARKET_REDIS_URL: redis://redis:6379/0" in config
    assert "NARAMARKET_QUOTA_RESERVE: '200'" in config or 'NARAMARKET_QUOTA_RESERVE: "200"' in config
    # no secret is written into the stack: the key comes from the deploying shell
    assert "NARAMARKET_SERVICE_KEY: ''" in config or 'NARAMARKET_SERVICE_KEY: ""' in config


SCRIPTS = ["deployments/deploy.sh", "dev", ".ci/run"]
SCRIPTS += sorted(f"scripts/{p.name}" for p in ROOT.glob("scripts/*.sh"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_shellcheck_passes(script: str) -> None:
    result = run(binary("shellcheck"), script, cwd=ROOT)
    assert result.returncode == 0, result.stdout


def test_deploy_sh_refuses_unknown_settings_and_commands() -> None:
    result = subprocess.run(["bash", "deploy.sh", "deploy"], capture_output=True, text=True, cwd=DEPLOY,
                            env={"PATH": "/usr/bin:/bin", "ENV": "qa"}, timeout=30, check=False)  # fmt: skip
    assert result.returncode == 1 and "env/qa.env" in result.stderr
    result = subprocess.run(["bash", "deploy.sh", "upgrade"], capture_output=True, text=True, cwd=DEPLOY,
                            env={"PATH": "/usr/bin:/bin"}, timeout=30, check=False)  # fmt: skip
    assert result.returncode == 2 and "./deploy.sh status" in result.stderr  # the usage


def test_image_is_multi_stage_non_root_with_a_readiness_healthcheck() -> None:
    text = (ROOT / "Containerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) == 2 and "AS runtime" in text
    assert re.search(r"^USER naramarket$", text, re.M)
    assert "HEALTHCHECK" in text and "/api/v1/health/ready" in text
    assert "org.opencontainers.image.source" in text and "[otel,redis]" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "node_modules", "tests"} <= set(ignored)


def test_server_json_describes_the_package() -> None:
    server = json.loads((ROOT / "server.json").read_text())
    (package,) = server["packages"]
    assert server["version"] == package["version"] == __version__
    assert package["registryType"] == "pypi" and package["identifier"] == "naramarket-mcp"
    assert package["transport"] == {"type": "stdio"} and len(server["description"]) <= 100
    assert f"mcp-name: {server['name']}" in (ROOT / "README.md").read_text()
