#!/usr/bin/env bash
# Run the MCP conformance suite (@modelcontextprotocol/conformance, pinned in package.json)
# against a running naramarket MCP endpoint, once per protocol era, with Node 22.
#
#   scripts/conformance.sh URL OUTDIR
#   scripts/conformance.sh http://127.0.0.1:8765/mcp /tmp/conformance
#
# For each era E in $CONFORMANCE_ERAS (default "2025-11-25 2026-07-28") it runs
#   node22 conformance server --url URL --suite all --spec-version E \
#          --expected-failures tests/conformance/expected-failures.yml -o OUTDIR/E
# `--suite all --spec-version E` = every non-extension scenario applicable at E (incl. "pending"
# ones), each run on E's wire: 2025-11-25 = initialize handshake + sessions,
# 2026-07-28 = stateless server/discover + per-request _meta/headers. Without --spec-version a
# scenario valid in both eras runs only on the 2025 wire.
#   OUTDIR/E.log                         full console output
#   OUTDIR/E/server-<scenario>-<ts>/checks.json   per-check results
#
# Exit: 0 when every failure is listed in the expected-failures file and no listed entry
# passes; non-zero on an unexpected failure (FAILURE or WARNING), a stale entry, or a
# server that could not be reached. The suite's own exit code is used as is.
#
# Env: CONFORMANCE_ERAS="2026-07-28"       run one era only
#      CONFORMANCE_EXPECTED=path.yml        another baseline ("" = none: exit 1 on any failure)
#      CONFORMANCE_ARGS="--scenario ping"   extra arguments (a --scenario replaces --suite)
#      CONFORMANCE_TIMEOUT=600              seconds allowed per era run (default 600)
# The URL must be on loopback: the dns-rebinding-protection scenario needs a localhost URL.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 URL OUTDIR   (e.g. $0 http://127.0.0.1:8765/mcp /tmp/conformance)" >&2
    exit 2
fi
URL="$1"
OUTDIR="$2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ERAS="${CONFORMANCE_ERAS:-2025-11-25 2026-07-28}"
EXPECTED="${CONFORMANCE_EXPECTED-$ROOT/tests/conformance/expected-failures.yml}"
PER_RUN_TIMEOUT="${CONFORMANCE_TIMEOUT:-600}"
read -r -a EXTRA <<<"${CONFORMANCE_ARGS:-}"

eval "$("$ROOT/scripts/node-tools.sh")"   # sets NODE22, CONFORMANCE

mkdir -p "$OUTDIR"
OUTDIR="$(cd "$OUTDIR" && pwd)"

baseline=()
if [[ -n "$EXPECTED" ]]; then
    [[ -f "$EXPECTED" ]] || { echo "conformance: expected-failures file $EXPECTED not found" >&2; exit 2; }
    baseline=(--expected-failures "$EXPECTED")
fi

# Fail fast, with a clear message, when nothing answers at URL (any HTTP status will do).
# shellcheck disable=SC2016  # JavaScript in single quotes, on purpose
if ! "$NODE22" -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then(
        () => process.exit(0),
        (e) => { console.error(`conformance: ${process.argv[1]} unreachable: ${e.cause?.code ?? e.message}`); process.exit(1); });
    ' "$URL"; then
    exit 1
fi

failed_eras=()
for era in $ERAS; do
    rm -rf "${OUTDIR:?}/$era"
    echo "=== conformance: spec $era against $URL (results in $OUTDIR/$era)"
    rc=0
    timeout --kill-after=10 "$PER_RUN_TIMEOUT" \
        "$NODE22" "$CONFORMANCE" server --url "$URL" \
        --suite all --spec-version "$era" \
        "${baseline[@]}" -o "$OUTDIR/$era" "${EXTRA[@]}" \
        >"$OUTDIR/$era.log" 2>&1 || rc=$?
    # Print the summary and the baseline verdict, not the per-scenario chatter.
    # ("Total: N passed, N failed" is reworded so that CI's closing-line reader can't take it
    # for a test runner's verdict: baselined failures are not failures.)
    sed -n '/^=== SUMMARY ===\|^Test Results:/,$p' "$OUTDIR/$era.log" | sed -E 's/^Total: /Total checks (incl. baselined): /'
    if [[ $rc -ne 0 ]]; then
        echo "=== conformance: spec $era: FAILED (exit $rc; full log $OUTDIR/$era.log)"
        [[ $rc -eq 124 ]] && echo "    (timed out after ${PER_RUN_TIMEOUT}s)"
        failed_eras+=("$era")
    else
        echo "=== conformance: spec $era: ok"
    fi
done

if [[ ${#failed_eras[@]} -gt 0 ]]; then
    echo "conformance: unexpected results for spec ${failed_eras[*]}"
    exit 1
fi
echo "conformance: all eras match the baseline"
