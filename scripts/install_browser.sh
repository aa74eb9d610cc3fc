#!/usr/bin/env bash
# Install what printing and checking reports needs, from Debian/Ubuntu packages via apt-get:
#   chromium       renders PDF reports (kinerja reports --pdf) and runs the browser tests
#   poppler-utils  pdftotext (fast PDF text for the privacy scan) and pdftoppm (PDF page to PNG in tests)
#   fonts-dejavu-core  a font with the Latin glyphs the reports use, on machines with none
# Safe to re-run: installs only what is missing. Needs root (or sudo) and network.
set -euo pipefail
need=()
have_browser=""
for b in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [ -x "$b" ]; then have_browser="$b"; break; fi
done
[ -n "$have_browser" ] || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi . || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  echo "browser present: $have_browser; poppler-utils present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
echo "installed: ${need[*]}"
