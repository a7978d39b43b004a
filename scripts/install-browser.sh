#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the GraphiQL browser test (tests/e2e).
# No browser can be downloaded by a test tool here, so the distribution's build is used.
# Idempotent: does nothing when both are already installed.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
chromium --version
