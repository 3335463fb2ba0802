"""naramarket's edges (REST, MCP over HTTP, stdio start, memory) side by side with bare frameworks.

    .venv/bin/pip install -e '.[bench]'      # the anchors: FastAPI, FastMCP, psutil
    apt-get install wrk                      # the load generator (Debian; as root)
    .venv/bin/python benchmarks/bench_edges.py --rounds 3

Each round starts the servers of a kind together on CPU 0 (``taskset``), with the load generator
(``wrk``, 32 connections) and the official MCP client on CPU 1, runs the same load against each
back to back (the order rotates per round), and measures:

- REST ``GET /api/v1/health`` and a tool call with no upstream work (``describe_operation``,
  the catalog's description of one operation) in requests/s, against a bare Starlette+msgspec
  app and FastAPI+pydantic answering the very same JSON document;
- MCP ``tools/call`` of that tool at the server (wrk, one initialized session) and through the
  official client (sequential calls), against the SDK's low-level server and FastMCP;
- RSS when idle (after one warm-up request) and after the load;
- stdio start to the ``initialize`` answer: ``naramarket-mcp --sandbox`` against both MCP anchors.

The MCP anchors declare the tool with naramarket's own input and output schemas: the official
client checks every structured result against a declared output schema (jsonschema), and that
client-side work belongs on both sides of a "through the official client" ratio.

Every figure is reported as a ratio to the anchors measured in the same round; the table shows
the median over rounds. Nothing outside the repository is needed (the anchors are in
``benchmarks/anchors``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx

ROOT = Path(__file__).resolve().parent.parent
ANCHORS = ROOT / "benchmarks" / "anchors"
BIN = Path(sys.executable).parent
SOURCES = ("kernel", "datago", "adapters", "naramarket", "plugins", "sandbox", "exports", "benchmarks")
OPERATION = "getBidPblancListInfoServc"
TOOL_BODY = json.dumps({"operation": OPERATION})
MCP_ACCEPT = "application/json, text/event-stream"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "bench_edges", "version": "1"},
    },
}


def pinned(cpu: int, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", str(cpu), *cmd] if shutil.which("taskset") else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(
    cmd: list[str], port: int, probe: str, *, env: dict[str, str] | None = None, cpu: int | None = 0
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` (on CPU ``cpu``; None: any) until the block ends; wait until ``probe`` answers.
    ``env`` is added to the environment."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    command = cmd if cpu is None else pinned(cpu, cmd)
    proc = subprocess.Popen(command, stdout=log, stderr=log, env=env, cwd=ANCHORS)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise SystemExit(f"server {cmd} exited:\n{log.read().decode(errors='replace')[-3000:]}")
            try:
                if probe.endswith("/mcp"):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                if httpx.get(probe, timeout=2).status_code == 200:
                    break
            except (httpx.HTTPError, OSError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"server {cmd} did not start")
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def wrk(url: str, seconds: float, *, body: str | None = None, headers: dict[str, str] | None = None) -> float:
    """Requests/s from wrk on CPU 1 (32 connections); refuses a run with error answers."""
    lines = []
    if body is not None:
        lines += ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
        headers = {"Content-Type": "application/json", **(headers or {})}
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        cmd = ["wrk", "-t1", "-c32", f"-d{seconds:g}s", "-s", script.name, url]
        out = subprocess.run(pinned(1, cmd), capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match[1])


def mcp_session(url: str) -> dict[str, str]:
    """Initialize a session over plain HTTP; the headers a ``tools/call`` then needs."""
    headers = {"Accept": MCP_ACCEPT, "Content-Type": "application/json"}
    r = httpx.post(url, json=INIT, headers=headers, timeout=30)
    r.raise_for_status()
    session = r.headers.get("mcp-session-id")
    text = r.text
    payload = json.loads(text[text.index("{") :].splitlines()[0]) if "data:" in text else r.json()
    out = {"Accept": MCP_ACCEPT, "MCP-Protocol-Version": payload["result"]["protocolVersion"]}
    if session:
        out["Mcp-Session-Id"] = session
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    httpx.post(url, json=note, headers={**headers, **out}, timeout=30)
    return out


def mcp_call_body() -> str:
    return json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "describe_operation", "arguments": {"operation": OPERATION}},
        }
    )


def client_calls_per_second(url: str, seconds: float) -> float:
    """Sequential ``tools/call`` through the official client (mcp.ClientSession) for ``seconds``."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def run() -> float:
        async with streamable_http_client(url) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            for _ in range(20):  # warm-up
                await session.call_tool("describe_operation", {"operation": OPERATION})
            calls, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                result = await session.call_tool("describe_operation", {"operation": OPERATION})
                assert not result.is_error, result
                calls += 1
            return calls / (time.perf_counter() - started)

    return anyio.run(run)


def stdio_start(cmd: list[str]) -> float:
    """Seconds from spawning ``cmd`` to its answer to ``initialize`` on stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        pinned(0, cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ANCHORS
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write((json.dumps(INIT) + "\n").encode())
    proc.stdin.flush()
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    assert b'"result"' in line, line
    proc.stdin.close()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return elapsed


def the_answer(path: Path) -> None:
    """naramarket's own describe_operation answer, which the anchors serve as is, and the tool's
    schemas beside it (``schema.json``), which the MCP anchors declare as is."""
    port = free_port()
    with server(
        [str(BIN / "naramarket"), "serve", "--sandbox", "--port", str(port)],
        port,
        f"http://127.0.0.1:{port}/api/v1/health",
    ):
        r = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/tools/describe_operation",
            content=TOOL_BODY,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        r.raise_for_status()
        path.write_bytes(r.content)
        # The MCP anchors declare the tool as naramarket does: the official client validates every
        # result against a declared output schema, work that must weigh on both sides alike.
        tools = httpx.get(f"http://127.0.0.1:{port}/api/v1/tools", timeout=30).json()["tools"]
        tool = next(t for t in tools if t["name"] == "describe_operation")
        schema = {"input_schema": tool["input_schema"], "output_schema": tool["output_schema"]}
        path.with_name("schema.json").write_text(json.dumps(schema))


def one_round(answer: Path, seconds: float, turn: int, baseline: Path | None = None) -> dict[str, float]:
    """Every figure once. All servers of a kind run at once (idle ones cost nothing) and each load
    run goes to them back to back, in an order that rotates with ``turn``: the machine's other
    load changes by the minute, and the ratios should compare like with like."""
    out: dict[str, float] = {}

    def rotated(names: list[str]) -> list[str]:
        k = turn % len(names)
        return names[k:] + names[:k]

    rest = {
        "naramarket": (
            [str(BIN / "naramarket"), "serve", "--sandbox"],
            "/api/v1/health",
            "/api/v1/tools/describe_operation",
        ),
        "starlette": ([sys.executable, "rest_starlette.py", "--answer", str(answer)], "/health", "/tool"),
        "fastapi": ([sys.executable, "rest_fastapi.py", "--answer", str(answer)], "/health", "/tool"),
    }
    if baseline:  # another checkout's naramarket (e.g. main), measured beside this one
        rest["baseline"] = ([str(baseline / "naramarket"), "serve", "--sandbox"], *rest["naramarket"][1:])
    with contextlib.ExitStack() as stack:
        running = {}
        for name, (cmd, health, tool) in rest.items():
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            proc = stack.enter_context(server([*cmd, "--port", str(port)], port, base + health))
            httpx.post(
                base + tool, content=TOOL_BODY, headers={"Content-Type": "application/json"}
            ).raise_for_status()
            out[f"{name} idle MB"] = rss_mb(proc.pid)
            running[name] = (proc, base + health, base + tool)
        for name in rotated(list(running)):
            wrk(running[name][2], 1, body=TOOL_BODY)  # warm-up, not counted
        for name in rotated(list(running)):
            out[f"{name} health"] = wrk(running[name][1], seconds)
        for name in rotated(list(running)):
            out[f"{name} tool"] = wrk(running[name][2], seconds, body=TOOL_BODY)
        for name, (proc, _, _) in running.items():
            out[f"{name} loaded MB"] = rss_mb(proc.pid)
    mcp_args = ["--answer", str(answer), "--schema", str(answer.with_name("schema.json"))]
    mcp = {
        "naramarket": [str(BIN / "naramarket"), "serve", "--sandbox"],
        "sdk": [sys.executable, "mcp_lowlevel.py", *mcp_args],
        "fastmcp": [sys.executable, "mcp_fastmcp.py", *mcp_args],
    }
    if baseline:
        mcp["baseline"] = [str(baseline / "naramarket"), "serve", "--sandbox"]
    with contextlib.ExitStack() as stack:
        sessions = {}
        for name, cmd in mcp.items():
            port = free_port()
            url = f"http://127.0.0.1:{port}/mcp"
            proc = stack.enter_context(server([*cmd, "--port", str(port)], port, url))
            time.sleep(0.5)
            sessions[name] = (url, mcp_session(url))
            out[f"{name} mcp idle MB"] = rss_mb(proc.pid)
        for name in rotated(list(sessions)):
            url, headers = sessions[name]
            wrk(url, 1, body=mcp_call_body(), headers=headers)  # warm-up, not counted
        for name in rotated(list(sessions)):
            url, headers = sessions[name]
            out[f"{name} mcp wrk"] = wrk(url, seconds, body=mcp_call_body(), headers=headers)
        for name in rotated(list(sessions)):
            out[f"{name} mcp client"] = client_calls_per_second(sessions[name][0], seconds)
    stdio = {
        "naramarket": [str(BIN / "naramarket-mcp"), "--sandbox"],
        "sdk": [sys.executable, "mcp_lowlevel.py", *mcp_args],
        "fastmcp": [sys.executable, "mcp_fastmcp.py", *mcp_args],
    }
    if baseline:
        stdio["baseline"] = [str(baseline / "naramarket-mcp"), "--sandbox"]
    starts: dict[str, list[float]] = {name: [] for name in stdio}
    for _ in range(3):
        for name in rotated(list(stdio)):
            starts[name].append(stdio_start(stdio[name]))
    for name, times in starts.items():
        out[f"{name} stdio s"] = statistics.median(times)
    return out


RATIOS: list[tuple[str, str, str, float | None, bool]] = [
    # (label, numerator, denominator, target (None: shown, not one of issue 14's), higher is better)
    ("REST health vs Starlette+msgspec", "naramarket health", "starlette health", 0.8, True),
    ("REST tool call vs Starlette+msgspec", "naramarket tool", "starlette tool", 0.6, True),
    ("REST tool call vs FastAPI+pydantic", "naramarket tool", "fastapi tool", 1.5, True),
    ("MCP at the server (wrk) vs SDK low-level", "naramarket mcp wrk", "sdk mcp wrk", 1.0, True),
    ("MCP at the server (wrk) vs FastMCP", "naramarket mcp wrk", "fastmcp mcp wrk", 2.0, True),
    ("MCP through the official client vs SDK", "naramarket mcp client", "sdk mcp client", 1.0, True),
    ("stdio start to initialize vs SDK", "naramarket stdio s", "sdk stdio s", 1.0, False),
    ("stdio start to initialize vs FastMCP", "naramarket stdio s", "fastmcp stdio s", 0.8, False),
    ("RSS after load vs idle", "naramarket loaded MB", "naramarket idle MB", 1.1, False),
    (
        "idle RSS (one MCP session open) vs SDK low-level",
        "naramarket mcp idle MB",
        "sdk mcp idle MB",
        None,
        False,
    ),
]


BASELINE = [
    ("REST health", "health"),
    ("REST tool call", "tool"),
    ("MCP at the server (wrk)", "mcp wrk"),
    ("MCP through the official client", "mcp client"),
    ("stdio start to initialize", "stdio s"),
    ("idle RSS", "idle MB"),
    ("idle RSS (one MCP session open)", "mcp idle MB"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="each wrk run and client run")
    parser.add_argument("--json", type=Path, help="also write every figure of every round here")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the bin directory of another install (e.g. main's venv): its naramarket runs beside "
        "this one and the table gains this-vs-baseline ratios (before/after a change in one run)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench_edges needs wrk: apt-get install wrk (as root)")
    for module in ("fastapi", "fastmcp", "psutil"):
        try:
            __import__(module)
        except ImportError:
            raise SystemExit(
                f"bench_edges needs the anchors: .venv/bin/pip install -e '.[bench]' ({module})"
            ) from None
    # An installed wheel comes with bytecode (pip compiles it); an editable checkout run with
    # PYTHONDONTWRITEBYTECODE=1 (as here) would compile every module on every start, which is not
    # what the start-up figures are about. Compile both checkouts' sources first.
    for root in {ROOT, *([args.baseline.resolve().parent.parent] if args.baseline else [])}:
        sources = [str(root / d) for d in SOURCES if (root / d).is_dir()]
        subprocess.run([sys.executable, "-m", "compileall", "-q", "-j0", *sources], check=True)
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        answer = Path(tmp) / "answer.json"
        the_answer(answer)
        print(f"tool answer: {answer.stat().st_size} bytes of JSON", file=sys.stderr)
        for i in range(args.rounds):
            rounds.append(one_round(answer, args.seconds, i, args.baseline))
            print(
                f"round {i + 1}: " + ", ".join(f"{k} {v:.1f}" for k, v in rounds[-1].items()), file=sys.stderr
            )
    if args.json:
        args.json.write_text(json.dumps(rounds, indent=2))
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    print(f"\nmedians of {args.rounds} rounds, {args.seconds:g} s per load run\n")
    print("| figure | naramarket | anchor | ratio (median of rounds) | target | met |")
    print("|---|---|---|---|---|---|")
    for label, num, den, target, higher in RATIOS:
        ratio = statistics.median(r[num] / r[den] for r in rounds)
        unit = "s" if num.endswith(" s") else ("MB" if num.endswith("MB") else "/s")
        if target is None:
            goal, met = "—", "(no target)"
        else:
            goal = f"{'≥' if higher else '≤'} {target}×"
            met = "yes" if (ratio >= target if higher else ratio <= target) else "no"
        print(f"| {label} | {med[num]:.2f} {unit} | {med[den]:.2f} {unit} | {ratio:.2f}× | {goal} | {met} |")
    if args.baseline:
        print("\n| this checkout vs the baseline | this | baseline | ratio (median of rounds) |")
        print("|---|---|---|---|")
        for label, key in BASELINE:
            ratio = statistics.median(r[f"naramarket {key}"] / r[f"baseline {key}"] for r in rounds)
            unit = "s" if key.endswith(" s") else ("MB" if key.endswith("MB") else "/s")
            this, base = med[f"naramarket {key}"], med[f"baseline {key}"]
            print(f"| {label} | {this:.2f} {unit} | {base:.2f} {unit} | {ratio:.2f}× |")
        print()
    idle = med["naramarket idle MB"]
    print(
        f"| idle RSS | {idle:.1f} MB | Starlette {med['starlette idle MB']:.1f} MB, "
        f"FastAPI {med['fastapi idle MB']:.1f} MB | | ≤ 65 MB | {'yes' if idle <= 65 else 'no'} |"
    )


if __name__ == "__main__":
    main()
