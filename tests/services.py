"""Real services on loopback for the tests: redis-server (and the deployment tools' binaries).

The binaries come from Debian packages (``scripts/ensure-tools.sh`` installs them as root); where
one is missing, the tests that need it skip and say which package provides it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

PACKAGES = {
    "redis-server": "redis-server",
    "nginx": "nginx",
    "promtool": "prometheus",
    "shellcheck": "shellcheck",
    "docker-compose": "docker-compose",
}


def binary(name: str) -> str:
    """The path of a tool, or skip the test naming the Debian package that has it."""
    found = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if found is None:
        pytest.skip(
            f"{name} is not installed (Debian package {PACKAGES.get(name, name)}; "
            "scripts/ensure-tools.sh installs it as root)"
        )
    return found


class RedisServer:
    """A throw-away ``redis-server`` on a loopback port, without persistence; stop and start it."""

    def __init__(self) -> None:
        self.executable = binary("redis-server")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="naramarket-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", self.dir]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
