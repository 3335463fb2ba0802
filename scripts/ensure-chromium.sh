#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/e2e/test_login_page_browser.py, driven by Playwright
# with executable_path=/usr/bin/chromium; no test tool ever downloads a browser of its own), and a
# Korean font (fonts-nanum, 10 MB) so the pages' Korean text renders in screenshots, not as boxes.
#
# Idempotent: does nothing when /usr/bin/chromium and the font are there. As root it installs the
# Debian packages (about 20 s with apt-get update on a fresh machine); otherwise it says how and
# exits 0, so a developer without root still runs every other test (the browser tests skip).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
FONT_DIR=/usr/share/fonts/truetype/nanum
PACKAGES=(chromium fonts-nanum)

if [[ -x "$CHROMIUM" && -d "$FONT_DIR" ]]; then
    exit 0
fi
if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM or $FONT_DIR missing and cannot install here (needs root + apt-get)." >&2
    echo "ensure-chromium: install with: sudo apt-get install -y ${PACKAGES[*]}" >&2
    echo "ensure-chromium: without $CHROMIUM the browser tests are skipped." >&2
    exit 0
fi
echo "ensure-chromium: apt-get install ${PACKAGES[*]} ..." >&2
t0=$SECONDS
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null) in $((SECONDS - t0)) s" >&2
