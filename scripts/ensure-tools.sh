#!/usr/bin/env bash
# Debian's binaries for the deployment tests: redis-server (shared state), nginx (the shipped
# front config), promtool (package prometheus: checks the Prometheus config), shellcheck and
# docker-compose (parses deployments/compose.yaml; building or running images is not possible here).
#
# Idempotent: does nothing when every tool is there. As root it installs the missing packages
# (no recommends, no services started); otherwise it says how and exits 0 so every other test
# still runs (the tests that need a missing tool skip, naming its package).
set -euo pipefail

declare -A PACKAGE=(
    [redis-server]=redis-server
    [nginx]=nginx
    [promtool]=prometheus
    [shellcheck]=shellcheck
    [docker-compose]=docker-compose
)
missing=()
for tool in "${!PACKAGE[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x "/usr/sbin/$tool" ]] || missing+=("${PACKAGE[$tool]}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-tools: missing ${missing[*]} and cannot install here (needs root + apt-get)." >&2
    echo "ensure-tools: install with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 0
fi
echo "ensure-tools: apt-get install ${missing[*]} ..." >&2
t0=$SECONDS
export DEBIAN_FRONTEND=noninteractive
# Packages must not start their services in this machine (no init here either way).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[[ $created_policy -eq 1 ]] && rm -f "$policy"
echo "ensure-tools: installed in $((SECONDS - t0)) s" >&2
