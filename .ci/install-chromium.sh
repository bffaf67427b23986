#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/e2e), only if it is missing.
# Idempotent and quiet on success. Browsers are never downloaded by Playwright
# (no `playwright install`): the tests launch /usr/bin/chromium.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null
