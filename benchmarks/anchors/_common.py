"""Shared by the anchors: arguments and the fixed answer of the benchmark's tool."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="serve HTTP on this port (0: stdio, MCP only)")
    parser.add_argument("--answer", type=Path, help="JSON file: the tool's answer")
    return parser.parse_args()


def answer(path: Path | None) -> dict[str, Any]:
    return json.loads(path.read_text()) if path else {"operation": "none", "fields": []}


def serve(app: Any, port: int) -> None:
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
