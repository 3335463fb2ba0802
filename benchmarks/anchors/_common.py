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
    parser.add_argument(
        "--schema",
        type=Path,
        help="JSON file: the tool's input and output schemas ({input_schema, output_schema}), declared "
        "as naramarket declares them (a client validates results against the output schema)",
    )
    return parser.parse_args()


def schemas(path: Path | None) -> dict[str, Any]:
    """The tool's declared schemas, or a minimal input schema and no output schema."""
    if path:
        return dict(json.loads(path.read_text()))
    return {
        "input_schema": {
            "type": "object",
            "properties": {"operation": {"type": "string"}},
            "required": ["operation"],
        },
        "output_schema": None,
    }


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
