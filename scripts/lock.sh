#!/usr/bin/env bash
# Writes requirements.lock anew from pyproject.toml: every package pinned, with the hashes of its files.
# Run it after changing a dependency; ./run installs from the lock and never resolves by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
[ -x "$uv" ] || uv=$(command -v uv) || { echo "uv is needed: ./run test once, or pip install uv" >&2; exit 1; }
rm -f requirements.lock   # uv keeps the pins of an existing output file; start from pyproject.toml alone
# --universal: one lock for Linux and Windows; a package for one system only carries its environment marker.
"$uv" pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
    --universal --quiet --output-file requirements.lock \
    --custom-compile-command scripts/lock.sh
echo "requirements.lock: $(grep -c '==' requirements.lock) packages"
