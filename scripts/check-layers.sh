#!/usr/bin/env bash
# The layering contract (import-linter), checked on the installed layout: the source folders
# kernel/, adapters/, plugins/ map to naramarket.* only once installed, so install a copy first.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
"$PY" -m pip install --quiet --no-deps --no-build-isolation --target "$target" . 2>/dev/null
# Installing must add nothing to site-packages but the naramarket package and its metadata.
extra=$(ls "$target" | grep -v -e '^bin$' -e '^naramarket$' -e '^naramarket_mcp-.*\.dist-info$' || true)
if [ -n "$extra" ]; then
    echo "installing adds generic top-level modules: $extra" >&2
    exit 1
fi
config=$(pwd)/pyproject.toml
(cd "$target" && PYTHONPATH="$target" "$OLDPWD/.venv/bin/lint-imports" "$config" --no-cache)
