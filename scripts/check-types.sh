#!/usr/bin/env bash
# mypy --strict on the kernel, checked on the installed layout: kernel/ is naramarket.kernel only
# once installed (setuptools package-dir), and mypy cannot follow the editable install's finder.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
"$PY" -m pip install --quiet --no-deps --no-build-isolation --target "$target" . 2>/dev/null
config=$(pwd)/pyproject.toml
# Report paths as the source tree has them (naramarket/kernel/x.py -> kernel/x.py).
(cd "$target" && "$OLDPWD/.venv/bin/mypy" --config-file "$config" --strict -p naramarket.kernel) \
    | sed 's#^naramarket/kernel/#kernel/#'
