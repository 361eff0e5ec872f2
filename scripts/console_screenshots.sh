#!/usr/bin/env bash
# The back-office console's screenshots in docs/screenshots (admin-*.png, 1024 px wide; admin-*-tablet.png at a
# portrait tablet's 768 px), taken by its browser tests in Debian's headless chromium: the sign-in refused in
# Hindi, a proposal made and approved, suspense, cheques, a statement's preview, the audit trail, a kiosk's page,
# the fleet by problem, a new kiosk (refused, then made), reconcile, the demo's fault switches, the ledger
# audit, the administrators (refused, then made with its TOTP secret) and a statement file uploaded.
set -euo pipefail
cd "$(dirname "$0")/.."
EMITRA_CONSOLE_SCREENSHOTS="$PWD/docs/screenshots" ./run test -q -p no:cacheprovider \
  tests/browser/test_console.py tests/browser/test_console_desks.py
ls docs/screenshots/admin-*.png
