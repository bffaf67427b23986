#!/usr/bin/env bash
# Tools for the browser tests (tests/e2e): Debian's Chromium (Playwright drives it; browsers are
# never downloaded by Playwright) and axe-core from the npm registry (accessibility checks).
# Idempotent and quiet on success.
set -euo pipefail
cd "$(dirname "$0")"

if [[ ! -x /usr/bin/chromium ]]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi

AXE_VERSION=4.14.1
if [[ ! -f tools/node_modules/axe-core/axe.min.js ]] && command -v npm >/dev/null; then
  mkdir -p tools
  npm install --silent --no-audit --no-fund --prefix tools "axe-core@${AXE_VERSION}" >/dev/null
fi
