#!/usr/bin/env bash
# Checks that need the installed layout: the source folders kernel/, adapters/, plugins/ become
# naramarket.* only once installed (setuptools package-dir), and neither import-linter nor mypy
# can follow the editable install's finder. One install into a temporary target serves all three:
#   1. installing adds nothing to site-packages but the naramarket package and its metadata;
#   2. the layering contracts (import-linter, pyproject [tool.importlinter]);
#   3. mypy --strict on the kernel, the data.go.kr library and the first-party plugins (what plugin
#      authors build on and copy from; STYLE habit 7).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
"$PY" -m pip install --quiet --no-deps --no-build-isolation --target "$target" . 2>/dev/null

# shellcheck disable=SC2010  # names pip wrote into our own temporary target
extra=$(ls "$target" | grep -v -e '^bin$' -e '^naramarket$' -e '^naramarket_mcp-.*\.dist-info$' || true)
if [ -n "$extra" ]; then
    echo "installing adds generic top-level modules: $extra" >&2
    exit 1
fi

config=$(pwd)/pyproject.toml
bin=$(pwd)/.venv/bin
cd "$target"
PYTHONPATH="$target" "$bin/lint-imports" "$config" --no-cache
# Report paths as the source tree has them (naramarket/kernel/x.py -> kernel/x.py).
"$bin/mypy" --config-file "$config" --strict -p naramarket.kernel -p naramarket.datago -p naramarket.plugins \
    | sed -e 's#^naramarket/kernel/#kernel/#' -e 's#^naramarket/datago/#datago/#' -e 's#^naramarket/plugins/#plugins/#'
