#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/test_labelstudio_browser.py, report.html tests).
# Playwright drives it through executable_path=/usr/bin/chromium: never run `playwright install`
# (it downloads its own browser). The Python side is the `browser` extra: pip install -e '.[browser]'.
set -euo pipefail
CHROMIUM="${PAGEGOLD_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "error: $CHROMIUM is missing and installing it needs root: run 'apt-get install -y chromium' as root" >&2
      exit 1
    fi
  fi
  echo "installing Debian's chromium (apt-get) ..."
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  [ -x "$CHROMIUM" ] && exit 0
fi
echo "error: $CHROMIUM is missing and apt-get could not install it; install Chromium from your system's packages" \
     "and set PAGEGOLD_CHROMIUM=/path/to/chromium" >&2
exit 1
