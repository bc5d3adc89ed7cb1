#!/usr/bin/env bash
# Install the Debian tools the tests use when they are missing (idempotent, silent on stdout):
# chromium (browser tests of the web service, driven by Playwright without downloads).
set -euo pipefail
updated=0
need() {  # need COMMAND-OR-FILE PACKAGE
  if command -v "$1" >/dev/null 2>&1 || [ -e "$1" ]; then return 0; fi
  if [ "$updated" = 0 ]; then apt-get update >/dev/null 2>&1 || apt-get update >&2; updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 || \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >&2
}
need /usr/bin/chromium chromium
