"""The ``naramarket`` CLI as a user runs it: JSON on stdout, messages on stderr, exit codes.

Each command is a real process; the commands of one test run side by side to keep the suite fast.
Only ``g2b_mall`` is loaded (``sandbox_env``), whatever else is installed.
"""

from __future__ import annotations

import json
import subprocess

from tests.conftest import BIN, MALL_TOOLS


def run_all(
    env: dict[str, str], *commands: tuple[str, ...], timeout: float = 60
) -> list[subprocess.CompletedProcess[str]]:
    """Run ``naramarket <command>`` for each command at once; their results, in order."""
    procs = [
        subprocess.Popen(
            [str(BIN / "naramarket"), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    results = []
    for args, proc in zip(commands, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=timeout)
        results.append(subprocess.CompletedProcess(args, proc.returncode, stdout, stderr))
    return results


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_all(env, args)[0]


def test_tools_lists_the_plugin_tool(sandbox_env):
    table, as_json = run_all(sandbox_env, ("tools",), ("tools", "--json"))
    assert table.returncode == 0
    assert "crawl_list" in table.stdout and "g2b_mall" in table.stdout
    full = json.loads(as_json.stdout)
    assert sorted(t["name"] for t in full) == list(MALL_TOOLS)
    crawl = next(t for t in full if t["name"] == "crawl_list")
    assert crawl["input_schema"]["properties"]["category"]["type"] == "string"


def test_call_prints_the_result_as_json(sandbox_env):
    out = run(sandbox_env, "call", "crawl_list", "category=데스크톱컴퓨터", "limit=20")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert len(result["items"]) == 20
    assert result["items"][0]["category"] == "데스크톱컴퓨터"


def test_call_reports_progress_on_stderr_and_says_sandbox(sandbox_env):
    out = run(
        sandbox_env, "call", "crawl_list", "category=노트북컴퓨터", "limit=30", "page_size=10", "--progress"
    )
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stderr.splitlines() if "of up to" in line]
    assert lines and lines[-1].startswith("naramarket: 30 of up to 30 records")
    assert "SANDBOX" in out.stderr
    assert len(json.loads(out.stdout)["items"]) == 30  # stdout stays the JSON result alone
    quiet = run(sandbox_env, "call", "crawl_list", "category=노트북컴퓨터", "limit=5", "--no-progress")
    assert "of up to" not in quiet.stderr


def test_bad_input_is_a_message_and_exit_2(sandbox_env):
    invalid, malformed, unknown = run_all(
        sandbox_env,
        ("call", "crawl_list", "page_size=5"),
        ("call", "crawl_list", "category"),
        ("call", "no_such_tool"),
    )
    assert invalid.returncode == 2
    assert "invalid_params" in invalid.stderr and "category" in invalid.stderr
    assert invalid.stdout == ""
    assert malformed.returncode != 0 and "key=value" in malformed.stderr
    assert unknown.returncode == 2 and "tool_not_found" in unknown.stderr


def test_without_a_key_the_error_explains_what_to_do(sandbox_env):
    env = {k: v for k, v in sandbox_env.items() if k != "NARAMARKET_SANDBOX"}
    env["NARAMARKET_API_BASE"] = "http://127.0.0.1:9/1230000"  # never contacted: no key, no request
    out = run(env, "call", "crawl_list", "category=데스크톱컴퓨터")
    assert out.returncode == 2  # a set-up step for the operator, not an upstream refusal
    assert "not_configured" in out.stderr and "NARAMARKET_SERVICE_KEY" in out.stderr


def test_plugin_allow_list_hides_the_tool(sandbox_env):
    env = {**sandbox_env, "NARAMARKET_LOAD_PLUGINS": ""}
    tools, call = run_all(env, ("tools",), ("call", "crawl_list", "category=x"))
    assert "crawl_list" not in tools.stdout
    assert call.returncode == 2 and "tool_not_found" in call.stderr


def run_mcp(env: dict[str, str], *args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """``naramarket-mcp ARGS`` with stdin closed: a server it started would end at once."""
    return subprocess.run(
        [str(BIN / "naramarket-mcp"), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_mcp_help_and_version_print_and_exit_without_serving(sandbox_env):
    from naramarket import __version__

    help_, version = run_mcp(sandbox_env, "--help"), run_mcp(sandbox_env, "--version")
    assert help_.returncode == 0, help_.stderr
    assert help_.stdout.startswith("usage: naramarket-mcp")
    for flag in (
        "--sandbox",
        "--service-key-file",
        "--load-plugins",
        "--log-level",
        "NARAMARKET_SERVICE_KEY",
    ):
        assert flag in help_.stdout
    assert help_.stderr == ""  # no server started: it would log to stderr
    assert version.returncode == 0 and version.stdout.strip() == f"naramarket-mcp {__version__}"


def test_mcp_unknown_or_bad_arguments_exit_2_with_a_message(sandbox_env, tmp_path):
    unknown = run_mcp(sandbox_env, "--no-such-flag")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "unrecognized arguments: --no-such-flag" in unknown.stderr
    positional = run_mcp(sandbox_env, "serve")
    assert positional.returncode == 2 and "unrecognized arguments: serve" in positional.stderr
    missing = run_mcp(sandbox_env, "--service-key-file", str(tmp_path / "absent"))
    assert missing.returncode == 2 and missing.stdout == ""
    assert "--service-key-file" in missing.stderr and "absent" in missing.stderr
    (tmp_path / "empty").write_text("\n")
    empty = run_mcp(sandbox_env, "--service-key-file", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "empty" in empty.stderr


def test_naramarket_mcp_subcommand_takes_the_same_options(sandbox_env):
    out = run(sandbox_env, "mcp", "--help")
    assert out.returncode == 0
    assert out.stdout.startswith("usage: naramarket mcp") and "--service-key-file" in out.stdout


def test_serve_runs_on_uvloop_and_httptools_and_stdio_mcp_starts_without_the_http_app():
    from naramarket.cli import server_implementations

    assert server_implementations() == ("uvloop", "httptools")  # both are dependencies
    script = (
        "import sys, naramarket.cli\n"
        "from naramarket.adapters.mcp import run_stdio\n"
        "from naramarket.app import make_kernel\n"
        "heavy = [m for m in sys.modules if m.startswith(('naramarket.adapters.oauth', "
        "'naramarket.adapters.rest', 'naramarket.adapters.sse', 'opentelemetry.sdk'))]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([str(BIN / "python"), "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
