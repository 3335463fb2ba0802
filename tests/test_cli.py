"""The ``naramarket`` CLI as a user runs it: JSON on stdout, messages on stderr, exit codes."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import BIN


def run(env, *args, timeout=60):
    return subprocess.run(
        [str(BIN / "naramarket"), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_tools_lists_the_plugin_tool(sandbox_env):
    out = run(sandbox_env, "tools")
    assert out.returncode == 0
    assert "crawl_list" in out.stdout and "g2b_mall" in out.stdout
    full = json.loads(run(sandbox_env, "tools", "--json").stdout)
    assert full[0]["input_schema"]["properties"]["category"]["type"] == "string"


def test_call_prints_the_result_as_json(sandbox_env):
    out = run(sandbox_env, "call", "crawl_list", "category=데스크톱컴퓨터", "page_size=20", "max_pages=1")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert len(result["items"]) == 20
    assert result["items"][0]["category"] == "데스크톱컴퓨터"


def test_bad_input_is_a_message_and_exit_2(sandbox_env):
    out = run(sandbox_env, "call", "crawl_list", "page_size=5")
    assert out.returncode == 2
    assert "invalid_params" in out.stderr and "category" in out.stderr
    assert out.stdout == ""
    out = run(sandbox_env, "call", "crawl_list", "category")
    assert out.returncode != 0 and "key=value" in out.stderr
    out = run(sandbox_env, "call", "no_such_tool")
    assert out.returncode == 2 and "tool_not_found" in out.stderr


def test_without_a_key_the_error_explains_what_to_do(sandbox_env):
    env = {k: v for k, v in sandbox_env.items() if k != "NARAMARKET_SANDBOX"}
    env["NARAMARKET_API_BASE"] = "http://127.0.0.1:9/1230000"  # never contacted: no key, no request
    out = run(env, "call", "crawl_list", "category=데스크톱컴퓨터")
    assert out.returncode == 4
    assert "NARAMARKET_SERVICE_KEY" in out.stderr


def test_plugin_allow_list_hides_the_tool(sandbox_env):
    env = {**sandbox_env, "NARAMARKET_LOAD_PLUGINS": ""}
    assert "crawl_list" not in run(env, "tools").stdout
    assert run(env, "call", "crawl_list", "category=x").returncode == 2
