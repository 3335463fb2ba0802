"""Fresh virtual environments holding the project's wheel and a plugin distribution.

Dependencies (starlette, mcp, pytest, mypy, ...) come from the test environment through a plain
path entry; our editable install is not visible there (its finder lives in a .pth that a plain
path entry does not execute), so naramarket itself comes only from the wheel — as a user gets it.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import ROOT


def build_wheel(into: Path) -> Path:
    """The project's wheel, built from the working tree."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(into),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(into.glob("naramarket_mcp-*.whl"))


def venv_with(tmp: Path, *distributions: Path) -> Path:
    """A new venv at ``tmp/venv`` with the project's wheel and ``distributions`` installed."""
    wheel = build_wheel(tmp / "wheels")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            str(wheel),
        ]
        + [str(d) for d in distributions],
        check=True,
        capture_output=True,
    )
    return venv
