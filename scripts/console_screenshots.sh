#!/usr/bin/env bash
# The back-office console's screenshots in docs/screenshots (admin-*.png), taken by its browser test in
# Debian's headless chromium: the sign-in refused in Hindi, a proposal made and approved, suspense, cheques, a
# statement's preview, the audit trail and a kiosk's page.
set -euo pipefail
cd "$(dirname "$0")/.."
EMITRA_CONSOLE_SCREENSHOTS="$PWD/docs/screenshots" ./run test -q -p no:cacheprovider tests/browser/test_console.py
ls docs/screenshots/admin-*.png
