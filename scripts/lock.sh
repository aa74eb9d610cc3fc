#!/usr/bin/env bash
# Regenerate requirements.lock from pyproject.toml (make lock). Run it after changing dependencies.
#
# The versions installed in the project's environment are kept where pyproject.toml allows them
# (they are what the tests ran against): uv prefers them, and only adds, removes or moves what
# the dependency lists require. Pass --upgrade to move every pin to the newest allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
LOCK=requirements.lock
EXTRAS=(--extra notebooks --extra dev --extra dist --extra bench --extra docs)
if [[ ! -x "$VENV/bin/python" ]]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
if [[ ! -x "$VENV/bin/uv" ]]; then
  "$VENV/bin/python" -m pip install --quiet "uv>=0.5"
fi
# Works before the environment matches pyproject.toml (that is when a re-lock is needed): it only
# reads what is installed.
if [[ "${1:-}" != "--upgrade" ]]; then
  seed=$(mktemp)
  # the environment's own versions, without the project itself (editable) and uv's own pin
  "$VENV/bin/python" -m pip freeze --exclude-editable | grep -v -i '^kinerja[-_]research' > "$seed" || true
  # uv prefers the versions already in its output file, without requiring them: a raised bound
  # in pyproject.toml moves that one pin
  cp "$seed" "$LOCK.new"
  rm -f "$seed"
  PREFER=()
else
  rm -f "$LOCK.new"
  PREFER=(--upgrade)
fi
# Python 3.11.5+ on any platform: the lock must install on macOS and Windows too.
"$VENV/bin/uv" pip compile pyproject.toml "${EXTRAS[@]}" --python-version 3.11.5 --universal \
  ${PREFER[@]+"${PREFER[@]}"} --no-header --no-annotate --quiet --output-file "$LOCK.new" || { rm -f "$LOCK.new"; exit 1; }
{
  echo "# Pinned dependencies of kinerja_research (Python 3.11.5+ on Linux, macOS and Windows)."
  echo "# Generated from pyproject.toml by scripts/lock.sh (make lock); make install installs from it."
  cat "$LOCK.new"
} > "$LOCK"
rm -f "$LOCK.new"
echo "wrote $LOCK ($(grep -c '==' "$LOCK") pins)"
