"""docs/plugins.md is executable: its plugin installs as a distribution, type-checks under
``mypy --strict`` against the installed naramarket, and passes its own tests with the harness."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .venvs import venv_with

pytestmark = pytest.mark.e2e

GUIDE = ROOT / "docs" / "plugins.md"
# A fenced block whose first line names its file: "# pyproject.toml", "# naramarket_bids.py".
BLOCK = re.compile(r"```(?:toml|python)\n# ([\w.]+)\n(.*?)```", re.S)


def guide_files() -> dict[str, str]:
    return {name: body for name, body in BLOCK.findall(GUIDE.read_text(encoding="utf-8"))}


def test_the_guide_has_a_whole_plugin() -> None:
    assert set(guide_files()) == {"pyproject.toml", "naramarket_bids.py", "test_naramarket_bids.py"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The guide's plugin as its own folder, installed with the project's wheel in a fresh venv."""
    tmp = tmp_path_factory.mktemp("guide")
    plugin = tmp / "naramarket-bids"
    plugin.mkdir()
    for name, body in guide_files().items():
        (plugin / name).write_text(body, encoding="utf-8")
    return venv_with(tmp, plugin), plugin


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NARAMARKET_", "PYTEST_"))}
    return subprocess.run(
        [str(venv / "bin" / "python"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )


def test_the_guide_plugin_type_checks_strictly(installed: tuple[Path, Path]) -> None:
    venv, plugin = installed
    out = run(venv, "-m", "mypy", "--strict", "--no-incremental", "naramarket_bids.py", cwd=plugin)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_guide_plugin_passes_its_own_tests_with_the_harness(installed: tuple[Path, Path]) -> None:
    venv, plugin = installed
    out = run(venv, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_naramarket_bids.py", cwd=plugin)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout


def test_the_installed_plugin_is_served_after_a_restart(installed: tuple[Path, Path]) -> None:
    venv, _ = installed
    env = {"NARAMARKET_SANDBOX": "1", "PATH": os.environ["PATH"]}
    listed = subprocess.run(
        [str(venv / "bin" / "naramarket"), "plugins"], env=env, capture_output=True, text=True, check=True
    )
    assert re.search(r"^bids\s+0\.1\.0$", listed.stdout, re.M), listed.stdout
