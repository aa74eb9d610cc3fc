#!/usr/bin/env bash
# Install headless Chromium for the browser tests (pytest -m browser): Debian/Ubuntu via apt-get.
# Safe to re-run; exits 0 when a browser is already there. Needs root (or sudo) and network.
set -euo pipefail
for b in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [ -x "$b" ]; then echo "browser present: $b"; exit 0; fi
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
echo "installed: $(command -v chromium)"
